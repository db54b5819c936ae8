"""sla clocks and step firings

Revision ID: 0002
Revises: 0001

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _channel_check(values: str) -> None:
    """Replace the CHECK constraint on `channel` of queues and tickets (batch mode rebuilds on SQLite)."""
    for table in ("queues", "tickets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_channel"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_channel"), f"channel IN ({values})")


def upgrade() -> None:
    """SLA clocks and step firings per ticket, the worker's next-check time, team webhooks,
    and the `internal` channel for queues such as escalations."""
    _channel_check("'phone', 'chat', 'email', 'webform', 'api', 'internal'")
    op.create_table('sla_step_firings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_sla_step_firings_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_step_firings')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_sla_step_firings_idempotency_key'))
    )
    with op.batch_alter_table('sla_step_firings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_step_firings_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_sla_clocks',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=100), nullable=False),
    sa.Column('target_minutes', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attained', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_sla_clocks_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'metric', 'cycle', name=op.f('pk_ticket_sla_clocks'))
    )
    with op.batch_alter_table('ticket_sla_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_sla_clocks_due', ['due_at'], unique=False)

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_url', sa.String(length=300), nullable=True))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_tier', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('sla_next_check_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_sla_next_check_at'), ['sla_next_check_at'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    _channel_check("'phone', 'chat', 'email', 'webform', 'api'")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_sla_next_check_at'))
        batch_op.drop_column('sla_next_check_at')
        batch_op.drop_column('sla_tier')

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('webhook_url')

    with op.batch_alter_table('ticket_sla_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_sla_clocks_due')

    op.drop_table('ticket_sla_clocks')
    with op.batch_alter_table('sla_step_firings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_step_firings_ticket_id'))

    op.drop_table('sla_step_firings')

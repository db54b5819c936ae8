"""shift requests, request events and policies

Revision ID: 0007
Revises: 0006

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Requests of every kind (swap, give-away, open shift, overtime, time off) replace swap_requests,
    with their audit trail and a per-team policy.

    No release ever wrote swap_requests; should a database hold rows there anyway, the upgrade stops
    rather than drop them.
    """
    left = op.get_bind().execute(sa.text("SELECT count(*) FROM swap_requests")).scalar_one()
    if left:
        raise RuntimeError(f"swap_requests holds {left} row(s): move them to shift_requests by hand, then upgrade")
    op.create_table('request_policies',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('auto_approve', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('overtime_limit_minutes_week', sa.Integer(), nullable=False),
    sa.CheckConstraint('cutoff_hours >= 0', name=op.f('ck_request_policies_cutoff')),
    sa.CheckConstraint('overtime_limit_minutes_week >= 0', name=op.f('ck_request_policies_overtime_limit')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_request_policies_team_id_teams')),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_request_policies'))
    )
    op.create_table('shift_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('swap', 'give_away', 'open_shift', 'overtime', 'time_off', name='requestkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('draft', 'proposed', 'accepted', 'approved', 'rejected', 'applied', 'withdrawn', 'expired', name='requeststatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=True),
    sa.Column('counterpart_id', sa.Integer(), nullable=True),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('roster_version', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('shift_type_id', sa.Integer(), nullable=True),
    sa.Column('skill_id', sa.Integer(), nullable=True),
    sa.Column('other_day', sa.Date(), nullable=True),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_ok', sa.Boolean(), nullable=True),
    sa.Column('review_line', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('applied_roster_id', sa.Integer(), nullable=True),
    sa.Column('time_off_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applied_roster_id'], ['rosters.id'], name=op.f('fk_shift_requests_applied_roster_id_rosters')),
    sa.ForeignKeyConstraint(['counterpart_id'], ['employees.id'], name=op.f('fk_shift_requests_counterpart_id_employees')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_shift_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_shift_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['requester_id'], ['employees.id'], name=op.f('fk_shift_requests_requester_id_employees')),
    sa.ForeignKeyConstraint(['shift_type_id'], ['shift_types.id'], name=op.f('fk_shift_requests_shift_type_id_shift_types')),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_shift_requests_skill_id_skills')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_shift_requests_team_id_teams')),
    sa.ForeignKeyConstraint(['time_off_id'], ['time_off_requests.id'], name=op.f('fk_shift_requests_time_off_id_time_off_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_requests'))
    )
    with op.batch_alter_table('shift_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_requests_counterpart_id'), ['counterpart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_requests_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index('ix_shift_requests_status_starts', ['status', 'starts_at'], unique=False)
        batch_op.create_index('ix_shift_requests_team_status', ['team_id', 'status'], unique=False)

    op.create_table('request_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_request_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['shift_requests.id'], name=op.f('fk_request_events_request_id_shift_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_events'))
    )
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_events_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('swap_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_swap_requests_benefactor_id'))
        batch_op.drop_index(batch_op.f('ix_swap_requests_beneficiary_id'))

    op.drop_table('swap_requests')


def downgrade() -> None:
    """Back to swap_requests (empty: requests of the new kinds have no place there)."""
    op.create_table('swap_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('benefactor_id', sa.Integer(), nullable=True),
    sa.Column('given_day', sa.Date(), nullable=False),
    sa.Column('given_shift_type_id', sa.Integer(), nullable=False),
    sa.Column('taken_day', sa.Date(), nullable=True),
    sa.Column('taken_shift_type_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'proposed', 'accepted', 'approved', 'rejected', 'applied', 'withdrawn', 'expired')", name=op.f('ck_swap_requests_requeststatus')),
    sa.ForeignKeyConstraint(['benefactor_id'], ['employees.id'], name=op.f('fk_swap_requests_benefactor_id_employees')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['employees.id'], name=op.f('fk_swap_requests_beneficiary_id_employees')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_swap_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['given_shift_type_id'], ['shift_types.id'], name=op.f('fk_swap_requests_given_shift_type_id_shift_types')),
    sa.ForeignKeyConstraint(['roster_id'], ['rosters.id'], name=op.f('fk_swap_requests_roster_id_rosters')),
    sa.ForeignKeyConstraint(['taken_shift_type_id'], ['shift_types.id'], name=op.f('fk_swap_requests_taken_shift_type_id_shift_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_swap_requests'))
    )
    with op.batch_alter_table('swap_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_swap_requests_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_swap_requests_benefactor_id'), ['benefactor_id'], unique=False)

    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_events_request_id'))

    op.drop_table('request_events')
    with op.batch_alter_table('shift_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_requests_team_status')
        batch_op.drop_index('ix_shift_requests_status_starts')
        batch_op.drop_index(batch_op.f('ix_shift_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_shift_requests_counterpart_id'))

    op.drop_table('shift_requests')
    op.drop_table('request_policies')

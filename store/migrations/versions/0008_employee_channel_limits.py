"""per-channel limits of an agent's concurrent tickets

Revision ID: 0008
Revises: 0007

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """An agent's own limit of open tickets at once per channel (phone 1, chat 3, email 10, ...).

    Created empty: every channel of an existing desk falls back to employees.max_concurrent_tickets,
    the one number that capped an agent before.
    """
    op.create_table('employee_channel_limits',
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'chat', 'email', 'webform', 'api', 'internal', name='channel', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('max_concurrent_tickets', sa.Integer(), nullable=False),
    sa.CheckConstraint('max_concurrent_tickets >= 0', name=op.f('ck_employee_channel_limits_max_concurrent_tickets')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_channel_limits_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employee_id', 'channel', name=op.f('pk_employee_channel_limits'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('employee_channel_limits')

"""queue staffing targets

Revision ID: 0003
Revises: 0002

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Staffing targets per queue (service level, answer time, patience, first response, shrinkage)."""
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_level', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('answer_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('patience_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_response_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shrinkage', sa.Float(), nullable=False, server_default='0.3'))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('shrinkage')
        batch_op.drop_column('first_response_minutes')
        batch_op.drop_column('patience_seconds')
        batch_op.drop_column('answer_seconds')
        batch_op.drop_column('service_level')


"""queue service hours

Revision ID: 0006
Revises: 0005

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When each queue is worked (service hours), for staffing."""
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_hours', sa.String(length=120), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('service_hours')


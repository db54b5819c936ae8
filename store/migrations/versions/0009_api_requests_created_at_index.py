"""index api_requests by age, for the worker's retention of idempotency keys

Revision ID: 0009
Revises: 0008

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The worker deletes keys past their window every pass: without this index each pass would scan the table."""
    op.create_index(op.f('ix_api_requests_created_at'), 'api_requests', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_api_requests_created_at'), table_name='api_requests')

"""a swap request keeps the counterpart's shift type

Revision ID: 0011
Revises: 0010

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The shift the counterpart held when a swap was proposed, so the inbox reads "Li Na E Fri ⇄ Wang Wei L Sat"
    (a same-day swap read "Sun Hao Sun 29 Nov ⇄ Ma Lin Sun 29 Nov", saying nothing of what was traded).
    Requests made before it keep NULL and read as before."""
    with op.batch_alter_table('shift_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_shift_type_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_shift_requests_other_shift_type_id_shift_types'), 'shift_types',
                                    ['other_shift_type_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('shift_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shift_requests_other_shift_type_id_shift_types'), type_='foreignkey')
        batch_op.drop_column('other_shift_type_id')

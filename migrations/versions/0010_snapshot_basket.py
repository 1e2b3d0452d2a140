"""snapshot basket: the basket's lines kept at issue, on the pre-order and on a retired number

Issue 11: support sees how a basket changed, not only that it did. `snapshot_basket` is the
basket as JSON text (services/basket_snapshot.py), written with the fingerprint; a retired
number keeps the one it named. Rows issued before this revision have none (NULL), and the
admin says so.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('ivr_pre_orders', 'ivr_retired_order_numbers')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('snapshot_basket', sa.Text(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('snapshot_basket')

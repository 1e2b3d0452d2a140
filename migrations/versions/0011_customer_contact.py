"""customer contact: the customer's name, phone and email on a pre-order, searchable

Issue 11 part 3: support finds an order without its number. `customer_phone_key` is the
phone's national digits reversed, so "ends with" is an indexed prefix search; it compares in
byte order on PostgreSQL ("C"), as SQLite does. `customer_email` is stored lower-cased.
Rows opened before this revision have no contact (NULL).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

PHONE_KEY = sa.String(20).with_variant(sa.String(20, collation='C'), 'postgresql')


def upgrade():
    with op.batch_alter_table('ivr_pre_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_name', sa.String(128), nullable=True))
        batch_op.add_column(sa.Column('customer_phone', sa.String(32), nullable=True))
        batch_op.add_column(sa.Column('customer_email', sa.String(254), nullable=True))
        batch_op.add_column(sa.Column('customer_phone_key', PHONE_KEY, nullable=True))
        batch_op.create_index('ix_ivr_pre_orders_customer_phone_key', ['customer_phone_key'])
        batch_op.create_index('ix_ivr_pre_orders_customer_email', ['customer_email'])


def downgrade():
    with op.batch_alter_table('ivr_pre_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_pre_orders_customer_email')
        batch_op.drop_index('ix_ivr_pre_orders_customer_phone_key')
        for column in ('customer_phone_key', 'customer_email', 'customer_phone', 'customer_name'):
            batch_op.drop_column(column)

"""customer contact: the customer's name, phone and email on a pre-order, searchable

Issue 11 part 3: support finds an order without its number. `customer_phone_key` is the
phone's national digits reversed and `order_number_key` the order number reversed, so "ends
with" is an indexed prefix search; both compare in byte order on PostgreSQL ("C"), as SQLite
does. `customer_email` is stored lower-cased. Rows opened before this revision have no contact
(NULL); their order numbers get their keys here.

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

BACKFILL_BATCH = 5000


def reversed_key(length):
    return sa.String(length).with_variant(sa.String(length, collation='C'), 'postgresql')


def _backfill_order_number_keys():
    """Existing numbers get their reversed keys (SQLite has no reverse(): Python does it)."""
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('UPDATE ivr_pre_orders SET order_number_key = reverse(order_number)'
                   ' WHERE order_number IS NOT NULL')
        return
    rows = bind.execute(sa.text(
        'SELECT id, order_number FROM ivr_pre_orders WHERE order_number IS NOT NULL')).all()
    update = sa.text('UPDATE ivr_pre_orders SET order_number_key = :key WHERE id = :id')
    for start in range(0, len(rows), BACKFILL_BATCH):
        bind.execute(update, [{'id': row[0], 'key': row[1][::-1]}
                              for row in rows[start:start + BACKFILL_BATCH]])


def upgrade():
    with op.batch_alter_table('ivr_pre_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_name', sa.String(128), nullable=True))
        batch_op.add_column(sa.Column('customer_phone', sa.String(32), nullable=True))
        batch_op.add_column(sa.Column('customer_email', sa.String(254), nullable=True))
        batch_op.add_column(sa.Column('customer_phone_key', reversed_key(20), nullable=True))
        batch_op.add_column(sa.Column('order_number_key', reversed_key(64), nullable=True))
        batch_op.create_index('ix_ivr_pre_orders_customer_phone_key', ['customer_phone_key'])
        batch_op.create_index('ix_ivr_pre_orders_customer_email', ['customer_email'])
    _backfill_order_number_keys()
    with op.batch_alter_table('ivr_pre_orders', schema=None) as batch_op:
        # Built after the backfill: one pass instead of an index update per row.
        batch_op.create_index('ix_ivr_pre_orders_order_number_key', ['order_number_key'])


def downgrade():
    with op.batch_alter_table('ivr_pre_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_pre_orders_order_number_key')
        batch_op.drop_index('ix_ivr_pre_orders_customer_email')
        batch_op.drop_index('ix_ivr_pre_orders_customer_phone_key')
        for column in ('order_number_key', 'customer_phone_key', 'customer_email', 'customer_phone', 'customer_name'):
            batch_op.drop_column(column)

"""sandbox: a live flag on pre-orders, transactions and hook calls

Sandbox rows (issue 12, services/sandbox.py) carry live = false. A reference number is unique
within its mode, a sandbox payment of a magic number has no pre-order (pre_order_id NULL, only
when not live), and the dashboard's covering created_at indexes also carry `live`, so its
live-only figures stay index-only scans on PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('ivr_pre_orders', 'ivr_transactions', 'ivr_hook_calls')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('live', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('ivr_transactions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_ivr_transactions_reference_number'), type_='unique')
        batch_op.create_unique_constraint(
            op.f('uq_ivr_transactions_reference_number_live'), ['reference_number', 'live']
        )
        batch_op.alter_column('pre_order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_ivr_transactions_live_has_pre_order'), 'pre_order_id IS NOT NULL OR NOT live'
        )
    _rebuild_index('ivr_hook_calls', 'ix_ivr_hook_calls_created_at', ['success', 'error_code', 'live'])
    _rebuild_index('ivr_transactions', 'ix_ivr_transactions_created_at', ['currency', 'amount', 'live'])


def _rebuild_index(table, name, include):
    """Recreate a created_at index, with `include` as covered columns on PostgreSQL."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(name)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(name, ['created_at'], unique=False, postgresql_include=include)


def downgrade():
    # Sandbox rows have no place in the older schema: they go first.
    op.execute(sa.text('DELETE FROM ivr_hook_calls WHERE NOT live'))
    op.execute(sa.text('DELETE FROM ivr_transactions WHERE NOT live'))
    op.execute(sa.text('DELETE FROM ivr_pre_orders WHERE NOT live'))
    _rebuild_index('ivr_transactions', 'ix_ivr_transactions_created_at', ['currency', 'amount'])
    _rebuild_index('ivr_hook_calls', 'ix_ivr_hook_calls_created_at', ['success', 'error_code'])
    with op.batch_alter_table('ivr_transactions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ivr_transactions_live_has_pre_order'), type_='check')
        batch_op.alter_column('pre_order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f('uq_ivr_transactions_reference_number_live'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_ivr_transactions_reference_number'), ['reference_number'])
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('live')

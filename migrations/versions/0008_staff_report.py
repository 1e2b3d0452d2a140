"""staff report: the staff id of complete calls, and the indexes of per-agent figures

The hook-call log gains the staff id a complete call presented, and a partial index on the
time of complete calls that carries the staff id and the outcome; the transactions' time index
carries the staff id too, and a (staff_id, created_at) index serves one agent's payments. On
PostgreSQL the staff report then reads indexes alone (INCLUDE is ignored elsewhere).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COMPLETE_CALLS = "endpoint = 'complete'"


def upgrade():
    with op.batch_alter_table('ivr_hook_calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('ivr_hook_calls', schema=None) as batch_op:
        batch_op.create_index(
            'ix_ivr_hook_calls_complete_created_at', ['created_at'], unique=False,
            postgresql_include=['staff_id', 'success'],
            postgresql_where=sa.text(COMPLETE_CALLS), sqlite_where=sa.text(COMPLETE_CALLS),
        )
    _rebuild_transactions_time_index(['currency', 'amount', 'live', 'staff_id'])
    with op.batch_alter_table('ivr_transactions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_ivr_transactions_staff_id_created_at', ['staff_id', 'created_at'], unique=False
        )


def _rebuild_transactions_time_index(include):
    with op.batch_alter_table('ivr_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_transactions_created_at')
    with op.batch_alter_table('ivr_transactions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_ivr_transactions_created_at', ['created_at'], unique=False, postgresql_include=include
        )


def downgrade():
    with op.batch_alter_table('ivr_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_transactions_staff_id_created_at')
    _rebuild_transactions_time_index(['currency', 'amount', 'live'])
    with op.batch_alter_table('ivr_hook_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_hook_calls_complete_created_at')
    with op.batch_alter_table('ivr_hook_calls', schema=None) as batch_op:
        batch_op.drop_column('staff_id')

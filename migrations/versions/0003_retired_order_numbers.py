"""retired order numbers

An order number names one basket: re-issuing after a basket change retires the old number
(ivr_retired_order_numbers) and issues a new one. The hooks answer `Order Not Found` to a
retired number, the admin lookup finds its pre-order, and it is never issued again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ivr_retired_order_numbers',
    sa.Column('order_number', sa.String(length=64), nullable=False),
    sa.Column('pre_order_id', sa.Integer(), nullable=False),
    sa.Column('replaced_by', sa.String(length=64), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pre_order_id'], ['ivr_pre_orders.id'], name=op.f('fk_ivr_retired_order_numbers_pre_order_id_ivr_pre_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_number', name=op.f('pk_ivr_retired_order_numbers'))
    )
    with op.batch_alter_table('ivr_retired_order_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ivr_retired_order_numbers_pre_order_id'), ['pre_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ivr_retired_order_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ivr_retired_order_numbers_pre_order_id'))
    op.drop_table('ivr_retired_order_numbers')

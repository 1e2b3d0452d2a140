"""settlement imports: the vendor's daily files and how their lines matched

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 04:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ivr_settlement_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('file_only', sa.Integer(), nullable=False),
    sa.Column('here_only', sa.Integer(), nullable=False),
    sa.Column('differs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_settlement_imports')),
    sa.UniqueConstraint('sha256', name=op.f('uq_ivr_settlement_imports_sha256'))
    )
    op.create_table('ivr_settlement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('match_group', sa.String(length=16), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=True),
    sa.Column('reference_number', sa.String(length=128), nullable=False),
    sa.Column('file_order_number', sa.String(length=64), nullable=True),
    sa.Column('file_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('file_currency', sa.String(length=3), nullable=True),
    sa.Column('file_staff_id', sa.String(length=64), nullable=True),
    sa.Column('file_time', sa.DateTime(), nullable=True),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('order_number', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('staff_id', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.CheckConstraint("match_group IN ('matched', 'file_only', 'here_only', 'differs')", name=op.f('ck_ivr_settlement_lines_match_group')),
    sa.ForeignKeyConstraint(['import_id'], ['ivr_settlement_imports.id'], name=op.f('fk_ivr_settlement_lines_import_id_ivr_settlement_imports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['ivr_transactions.id'], name=op.f('fk_ivr_settlement_lines_transaction_id_ivr_transactions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_settlement_lines'))
    )
    with op.batch_alter_table('ivr_settlement_lines', schema=None) as batch_op:
        batch_op.create_index('ix_ivr_settlement_lines_import_id_match_group', ['import_id', 'match_group', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ivr_settlement_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_settlement_lines_import_id_match_group')
    op.drop_table('ivr_settlement_lines')
    op.drop_table('ivr_settlement_imports')

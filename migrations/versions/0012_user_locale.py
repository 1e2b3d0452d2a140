"""user locale: each staff account's language for the admin

Issue 11 part 6: the admin speaks the staff member's language. NULL (every existing account)
means IVR_DEFAULT_LOCALE.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ivr_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('ivr_users', schema=None) as batch_op:
        batch_op.drop_column('locale')

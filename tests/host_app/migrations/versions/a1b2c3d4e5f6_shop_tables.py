"""The shop's own tables.

Revision ID: a1b2c3d4e5f6
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("shop_products", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(80), nullable=False))
    op.create_table("shop_customers", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("email", sa.String(120), nullable=False, unique=True),
                    sa.Column("ivr_role", sa.String(16)))


def downgrade():
    op.drop_table("shop_customers")
    op.drop_table("shop_products")

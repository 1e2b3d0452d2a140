"""failure codes on hook calls; admin-editable caller hints

Each failed hook call gets a stable code (services/failure_codes.py); the dashboard's covering
index carries it instead of the error text. Rows written before this revision keep a NULL
code (the admin shows their error text). ivr_failure_hints holds the admins' edits of the
hints per code and language; codes without a row read the shipped defaults.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ivr_hook_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_code", sa.String(length=40), nullable=True))
        batch_op.drop_index("ix_ivr_hook_calls_created_at")
        batch_op.create_index("ix_ivr_hook_calls_created_at", ["created_at"], unique=False,
                              postgresql_include=["success", "error_code"])
    op.create_table(
        "ivr_failure_hints",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("caller_hint", sa.String(length=500), nullable=False),
        sa.Column("support_note", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", "locale", name=op.f("pk_ivr_failure_hints")),
    )


def downgrade():
    op.drop_table("ivr_failure_hints")
    with op.batch_alter_table("ivr_hook_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_ivr_hook_calls_created_at")
        batch_op.create_index("ix_ivr_hook_calls_created_at", ["created_at"], unique=False,
                              postgresql_include=["success", "error_text"])
        batch_op.drop_column("error_code")

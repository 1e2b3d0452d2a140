"""admin users' session tokens

Each staff account gets a random session token; the session cookie holds it instead of the
row id, and a new token ends every session of the account (logout, password change). Existing
accounts get a token each here, so every session opened before this revision ends.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 04:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

users = sa.table('ivr_users', sa.column('id', sa.Integer()), sa.column('session_token', sa.String(64)))


def upgrade():
    with op.batch_alter_table('ivr_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table('ivr_users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ivr_users_session_token'), ['session_token'])


def downgrade():
    with op.batch_alter_table('ivr_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ivr_users_session_token'), type_='unique')
        batch_op.drop_column('session_token')

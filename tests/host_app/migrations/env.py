"""The host shop's own Alembic environment (Flask-Migrate's, trimmed): its tables only."""

from alembic import context
from flask import current_app

target_db = current_app.extensions["migrate"].db


def include_object(obj, name, type_, reflected, compare_to):
    """The IVR module's tables (ivr_*) are migrated by `flask ivr db`, never here."""
    return not (type_ == "table" and name.startswith("ivr_"))


with target_db.engine.connect() as connection:
    context.configure(connection=connection, target_metadata=target_db.metadata,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()

"""Alembic environment of ivr_module's migrations.

Run by `flask ivr db ...` (ivr_module/migrating.py) in any host app, and by Flask-Migrate's
`flask --app wsgi db ...` in the standalone app. Either way it migrates the module's tables
(ivr_module.db.Base's metadata) on the engine the module uses, and records the revision in the
module's own version table.
"""

import logging
from logging.config import fileConfig

from alembic import context
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.types import TypeDecorator

from ivr_module.db import Base
from ivr_module.migrating import VERSION_TABLE, adopt_legacy_version, include_name

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def render_type_as_impl(type_, obj, autogen_context):
    """Write the app's column types (UTCDateTime, Money) as the plain types they store,
    so revisions never import the application."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def skip_empty_autogenerate(context, revision, directives):
    """An autogenerate that finds no change writes no revision file."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online():
    engine = current_app.extensions["ivr"].db.engine
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    with engine.connect() as connection:
        with connection.begin():
            adopt_legacy_version(connection, known)
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            # ALTER on SQLite needs batch mode; named constraints (db.py) keep it deterministic.
            render_as_batch=True,
            render_item=render_type_as_impl,
            process_revision_directives=skip_empty_autogenerate,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
            _hook_call_partitions_ahead(connection)


def _hook_call_partitions_ahead(connection):
    """Every migration run (a deploy) also makes the hook-call log's months ahead (PostgreSQL).

    In a savepoint: a lock not had within its timeout is left to the worker, not a failed deploy.
    """
    from sqlalchemy.exc import OperationalError

    from ivr_module.db import utcnow
    from ivr_module.services import hook_call_partitions

    if not hook_call_partitions.is_partitioned(connection):
        return
    try:
        with connection.begin_nested():
            hook_call_partitions.create_partitions_ahead(connection, utcnow())
    except OperationalError as error:
        logger.warning("hook-call partitions ahead not made now (the worker will): %s", error.orig)

if context.is_offline_mode():
    raise SystemExit("ivr_module's migrations run online only (flask ivr db upgrade)")
run_migrations_online()

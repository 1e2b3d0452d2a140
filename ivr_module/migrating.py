"""The module's own Alembic migrations, beside the host's: `flask ivr db upgrade|downgrade|current`.

The revisions live in the module's migrations/ (resources.py) and record themselves in their
own version table, so a host's `flask db upgrade` and the module's never touch each other's.
"""

import sys

import click
from alembic import command
from alembic.config import Config
from flask.cli import AppGroup
from sqlalchemy import inspect, text

from .resources import resource_path

VERSION_TABLE = "ivr_alembic_version"
# Where versions before 0.2.0 recorded themselves (the standalone app's Flask-Migrate default).
LEGACY_VERSION_TABLE = "alembic_version"
# A table only the module creates: a legacy version table beside it is the module's own.
MODULE_TABLE = "ivr_pre_orders"


def include_name(name, type_, parent_names) -> bool:
    """Autogenerate compares the models' tables, not the hook-call log's partitions (PostgreSQL)."""
    from .services.hook_call_partitions import is_partition_name

    return not (type_ == "table" and is_partition_name(name))


def alembic_config() -> Config:
    """Alembic's configuration for the module's migrations folder."""
    directory = resource_path("migrations")
    # stdout as it is now (click's, under a test runner), not as it was at import.
    alembic = Config(str(directory / "alembic.ini"), stdout=sys.stdout)
    alembic.set_main_option("script_location", str(directory))
    return alembic


def adopt_legacy_version(connection, known_revisions: set[str]) -> None:
    """Move the module's revision out of `alembic_version` into its own table, once.

    Databases made before 0.2.0 kept it in Alembic's default table, which a host's own
    migrations use. The row moves only when it names one of our revisions and our tables exist.
    """
    inspector = inspect(connection)
    if inspector.has_table(VERSION_TABLE) or not inspector.has_table(LEGACY_VERSION_TABLE):
        return
    if not inspector.has_table(MODULE_TABLE):
        return
    rows = connection.execute(text(f"SELECT version_num FROM {LEGACY_VERSION_TABLE}")).scalars()
    ours = [revision for revision in rows if revision in known_revisions]
    if not ours:
        return
    connection.execute(text(
        f"CREATE TABLE {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL, "
        f"CONSTRAINT {VERSION_TABLE}_pkc PRIMARY KEY (version_num))"
    ))
    for revision in ours:
        connection.execute(text(f"INSERT INTO {VERSION_TABLE} VALUES (:r)"), {"r": revision})
        connection.execute(text(f"DELETE FROM {LEGACY_VERSION_TABLE} WHERE version_num = :r"), {"r": revision})
    if connection.execute(text(f"SELECT count(*) FROM {LEGACY_VERSION_TABLE}")).scalar() == 0:
        connection.execute(text(f"DROP TABLE {LEGACY_VERSION_TABLE}"))


db_cli = AppGroup("db", help="The module's own schema migrations (version table ivr_alembic_version).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision):
    """Upgrade the module's tables to REVISION (default: the newest)."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_command(revision):
    """Downgrade the module's tables to REVISION (default: one step back)."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("current")
def current_command():
    """Show the module's current revision."""
    command.current(alembic_config())

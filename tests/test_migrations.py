"""Migrations build the schema the models describe, on the run's backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from ivr_module.db import Base, db
from ivr_module.migrating import VERSION_TABLE, include_name


def test_migrated_schema_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "version_table": VERSION_TABLE, "include_name": include_name},
            )
            assert compare_metadata(context, Base.metadata) == []


def test_lookup_indexes_exist(app):
    with app.app_context():
        inspector = inspect(db.engine)
        hook_call_indexes = {index["name"] for index in inspector.get_indexes("ivr_hook_calls")}
        assert {"ix_ivr_hook_calls_order_number_created_at", "ix_ivr_hook_calls_created_at",
                "ix_ivr_hook_calls_failures_created_at"} <= hook_call_indexes
        unique = {tuple(item["column_names"]) for item in inspector.get_unique_constraints("ivr_transactions")}
        assert {("reference_number", "live"), ("pre_order_id",)} <= unique


def test_flask_db_upgrade_builds_the_schema_from_nothing(tmp_path):
    # No `app` fixture here: its pushed context would make the command use that app.
    from ivr_module import create_app

    fresh = create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"})
    result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"ivr_pre_orders", "ivr_pre_order_lines", "ivr_transactions", "ivr_hook_calls"} <= tables


def _fresh_app(tmp_path):
    from ivr_module import create_app

    return create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"})


def test_flask_ivr_db_upgrade_current_and_downgrade_use_the_modules_version_table(tmp_path):
    fresh = _fresh_app(tmp_path)
    cli = fresh.test_cli_runner()
    assert cli.invoke(args=["ivr", "db", "upgrade"]).exit_code == 0
    with fresh.app_context():
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            head = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
    assert "ivr_pre_orders" in tables and VERSION_TABLE in tables
    assert "alembic_version" not in tables  # Alembic's default table is left to the host
    current = cli.invoke(args=["ivr", "db", "current"])
    assert current.exit_code == 0 and head in current.output
    assert cli.invoke(args=["ivr", "db", "downgrade", "base"]).exit_code == 0
    with fresh.app_context():
        assert "ivr_pre_orders" not in inspect(db.engine).get_table_names()


def test_a_database_migrated_before_0_2_0_moves_its_revision_to_the_modules_table(tmp_path):
    fresh = _fresh_app(tmp_path)
    cli = fresh.test_cli_runner()
    assert cli.invoke(args=["ivr", "db", "upgrade"]).exit_code == 0
    with fresh.app_context(), db.engine.begin() as connection:
        # As 0.1.0 left it: the revision in Alembic's default table.
        head = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
        connection.exec_driver_sql(f"DROP TABLE {VERSION_TABLE}")
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{head}')")
    result = cli.invoke(args=["ivr", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar() == head
        assert "alembic_version" not in inspect(connection).get_table_names()


def test_a_hosts_own_alembic_version_is_left_alone(tmp_path):
    fresh = _fresh_app(tmp_path)
    with fresh.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
    assert fresh.test_cli_runner().invoke(args=["ivr", "db", "upgrade"]).exit_code == 0
    with fresh.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "ae1027a6acf"
def test_existing_staff_accounts_get_a_session_token_each(tmp_path):
    # Sessions opened before revision 0004 named the row id; each account now gets its own token.
    from ivr_module import create_app

    fresh = create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": f"sqlite:///{tmp_path}/old.db"})
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0002"]).exit_code == 0
    with fresh.app_context():
        with db.engine.begin() as connection:
            for name in ("ayse", "mehmet"):
                connection.execute(
                    text("INSERT INTO ivr_users (username, password_hash, role, active, created_at)"
                         " VALUES (:name, 'x', 'support', 1, '2026-12-01 00:00:00')"),
                    {"name": name},
                )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        with db.engine.connect() as connection:
            tokens = connection.execute(text("SELECT session_token FROM ivr_users")).scalars().all()
    assert len(set(tokens)) == 2 and all(len(token) >= 40 for token in tokens)
    assert runner.invoke(args=["db", "downgrade", "0002"]).exit_code == 0

"""Migrations build the schema the models describe, on the run's backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from ivr_module.db import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


def test_lookup_indexes_exist(app):
    with app.app_context():
        inspector = inspect(db.engine)
        hook_call_indexes = {index["name"] for index in inspector.get_indexes("ivr_hook_calls")}
        assert {"ix_ivr_hook_calls_order_number_created_at", "ix_ivr_hook_calls_created_at",
                "ix_ivr_hook_calls_failures_created_at"} <= hook_call_indexes
        unique = {tuple(item["column_names"]) for item in inspector.get_unique_constraints("ivr_transactions")}
        assert {("reference_number",), ("pre_order_id",)} <= unique


def test_flask_db_upgrade_builds_the_schema_from_nothing(tmp_path):
    # No `app` fixture here: its pushed context would make the command use that app.
    from ivr_module import create_app

    fresh = create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"})
    result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"ivr_pre_orders", "ivr_pre_order_lines", "ivr_transactions", "ivr_hook_calls"} <= tables


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

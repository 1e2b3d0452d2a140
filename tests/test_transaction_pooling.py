"""IVR_TRANSACTION_POOLING: nothing relies on a database session outliving its transaction.

`make test` also runs this file, with the hook and payment tests, through a real PgBouncer in
transaction pooling mode (`--backend pgbouncer`).
"""

import pytest

from ivr_module import create_app
from ivr_module.config import ConfigError, from_environment
from ivr_module.db import db
from ivr_module.models import HookCall
from tests.helpers import Hooks, count_rows


@pytest.mark.parametrize("word, expected", [("true", True), ("1", True), ("On", True),
                                            ("false", False), ("0", False), ("", False)])
def test_the_setting_is_read_from_the_environment(word, expected):
    assert from_environment({"IVR_TRANSACTION_POOLING": word}) == {"IVR_TRANSACTION_POOLING": expected}


def test_a_malformed_setting_is_refused_at_start():
    with pytest.raises(ConfigError, match="IVR_TRANSACTION_POOLING"):
        from_environment({"IVR_TRANSACTION_POOLING": "sometimes"})


def test_it_is_off_by_default():
    assert create_app({"SECRET_KEY": "k" * 32, "TESTING": True}).config["IVR_TRANSACTION_POOLING"] is False


@pytest.fixture
def pooled_app(app_with, backend):
    """An app on the run's PostgreSQL told that a transaction pooler stands in front."""
    if backend == "sqlite":
        pytest.skip("PostgreSQL only")
    return app_with(IVR_TRANSACTION_POOLING=True)


def test_no_statement_is_prepared_on_the_server(pooled_app):
    # The next transaction may run on another server connection, without the statement.
    with pooled_app.app_context():
        connection = db.engine.raw_connection()
        try:
            assert connection.driver_connection.prepare_threshold is None
        finally:
            connection.close()
    assert pooled_app.extensions["ivr"].hook_log.connection().prepare_threshold is None


def test_the_log_writer_changes_no_setting_of_its_session(pooled_app):
    writer = pooled_app.extensions["ivr"].hook_log
    with writer.writing() as connection:
        assert connection.execute("SHOW synchronous_commit").fetchone()[0] == "off"
    # Behind PgBouncer this server connection serves other clients next: nothing stays set on it.
    assert writer.connection().execute("SHOW synchronous_commit").fetchone()[0] == "on"


def test_without_a_pooler_statements_may_be_prepared(app, backend):
    if backend != "postgres":
        pytest.skip("PostgreSQL without a pooler only")
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            assert connection.driver_connection.prepare_threshold is not None
        finally:
            connection.close()


def test_a_failed_log_write_leaves_no_transaction_open(pooled_app, caplog):
    from ivr_module.services.hook_log import record_hook_call

    with pooled_app.test_request_context():
        record_hook_call(endpoint=None, success=False, error_text="Input invalid", error_code="input_invalid",
                         detail="", duration_ms=1)
    assert "hook call not recorded" in caplog.text  # the endpoint column refuses NULL
    Hooks(pooled_app.test_client()).pre_order("1234567897")
    assert count_rows(pooled_app, HookCall) == 1

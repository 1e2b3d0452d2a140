"""The hook-call log: every call recorded with its exact text and detail, never the password."""

import logging

import psycopg
import pytest
from sqlalchemy import select

from ivr_module.db import db
from ivr_module.models import HookCall
from ivr_module.services import ivr as ivr_service
from tests.helpers import IVR_PASSWORD, IVR_USERNAME, POSTGRES_ADMIN_URL, Hooks


def calls(app):
    with app.app_context():
        return list(db.session.scalars(select(HookCall).order_by(HookCall.id)))


def test_every_call_is_recorded_with_its_error_text_and_detail(app, hooks, make_pre_order):
    _, number = make_pre_order()
    hooks.pre_order(number)
    hooks.pre_order("1234567890")  # fails its check digit
    hooks.complete(number, reference="R-77", staff_id="agent")
    hooks.complete(number, reference="R-78")
    rows = calls(app)
    assert [(row.endpoint, row.order_number, row.success, row.error_text) for row in rows] == [
        ("pre_order", number, True, ""),
        ("pre_order", "1234567890", False, "Order not found"),
        ("complete", number, True, ""),
        ("complete", number, False, "Order Not Found"),
    ]
    assert rows[1].detail.startswith("check digit mismatch")
    assert rows[2].reference_number == "R-77"
    assert rows[3].detail == "already paid by transaction R-77"
    assert all(row.username == IVR_USERNAME for row in rows)
    assert all(row.remote_addr == "127.0.0.1" for row in rows)
    assert all(row.duration_ms >= 0 and row.request_id for row in rows)


def test_unparseable_calls_are_recorded_too(app, client):
    client.post("/hooks/ivr/complete", data=b"{oops")
    [row] = calls(app)
    assert (row.endpoint, row.success, row.error_text) == ("complete", False, "Input invalid")
    assert row.detail == "body is not JSON"
    assert row.username is None and row.order_number is None


def test_request_id_from_the_caller_is_kept(app, client):
    client.post("/hooks/ivr/pre_order", json={}, headers={"X-Request-ID": "vendor-abc-123"})
    assert calls(app)[0].request_id == "vendor-abc-123"


PASSWORDS = [IVR_PASSWORD, "Wr0ng-but-secret-guess!", "p" * 300]


@pytest.mark.parametrize("password", PASSWORDS)
def test_password_appears_in_no_row_and_no_log_line(app, client, make_pre_order, caplog, password):
    _, number = make_pre_order()
    caplog.set_level(logging.DEBUG)
    bodies = [
        ("/hooks/ivr/pre_order/", {"username": IVR_USERNAME, "password": password, "orderNumber": number}),
        ("/hooks/ivr/pre_order/", {"username": password, "password": password, "orderNumber": 1.5}),
        ("/hooks/ivr/complete/", {"username": IVR_USERNAME, "password": password,
                                  "orderResultRequest": {"orderNumber": number, "referenceNumber": "R",
                                                         "staffId": "s"}}),
        ("/hooks/ivr/complete/", {"username": IVR_USERNAME, "password": password, "orderResultRequest": []}),
    ]
    for path, body in bodies:
        client.post(path, json=body)
    with app.app_context():
        for row in db.session.scalars(select(HookCall)):
            for column in HookCall.__table__.columns:
                value = getattr(row, column.key)
                if column.key == "username" and value == password[:256]:
                    continue  # the second body sent the password as the username, on purpose
                assert password not in str(value)
    assert password not in caplog.text


def test_password_stays_out_of_the_log_when_the_database_is_down(app_with, caplog):
    dead = app_with(DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    caplog.set_level(logging.DEBUG)
    answer = Hooks(dead.test_client()).pre_order("1234567897")
    assert answer["result"]["errortext"] == "Service unavailable"
    assert "hook call not recorded" in caplog.text
    assert IVR_PASSWORD not in caplog.text


@pytest.mark.parametrize(
    "reference",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "4111.1111.1111.1111",
        "4111_1111_1111_1111",
        "4111  1111 1111 1111",
        "4111 - 1111 - 1111 - 1111",
    ],
)
def test_card_numbers_are_masked_in_the_log(app, hooks, reference):
    hooks.complete("1234567897", reference=reference)
    [row] = calls(app)
    assert row.reference_number == "411111******1111"


def test_card_numbers_are_masked_inside_other_text(app, hooks):
    hooks.complete("1234567897", reference="paid with 4111.1111.1111.1111 today")
    [row] = calls(app)
    assert row.reference_number == "paid with 411111******1111 today"


def test_unexpected_error_answers_service_unavailable_in_shape(app, hooks, make_pre_order, monkeypatch):
    def broken(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr("ivr_module.hooks.views.read_pre_order", broken)
    _, number = make_pre_order()
    answer = hooks.pre_order(number)
    assert answer == {"result": {"success": False, "errortext": "Service unavailable"},
                      "productlist": [], "orderprice": 0.0}
    assert calls(app)[-1].detail.startswith("internal error")


def test_check_chain_is_in_the_contract_order():
    names = [check.__name__ for check in ivr_service.SESSION_CHECKS]
    assert names == [
        "_refuse_unless_open", "_refuse_unless_payment_option", "_refuse_unless_cash_register",
        "_refuse_if_basket_changed",
    ]


def test_log_rows_commit_without_waiting_for_disk_but_payments_do(app, backend):
    from sqlalchemy import text

    writer = app.extensions["ivr"].hook_log
    if backend == "sqlite":
        assert writer.conninfo is None  # SQLite has one writer: rows go through the app's session
        pytest.skip("PostgreSQL only")
    with writer.writing() as connection:  # behind PgBouncer: SET LOCAL, for the write's transaction
        assert connection.execute("SHOW synchronous_commit").fetchone()[0] == "off"
    with app.app_context():
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_log_connection_that_died_is_replaced_without_losing_the_row(app, hooks, backend):
    writer = app.extensions["ivr"].hook_log
    if backend == "sqlite":
        assert writer.conninfo is None
        pytest.skip("PostgreSQL only")
    hooks.pre_order("1234567897")
    pid = writer.connection().execute("SELECT pg_backend_pid()").fetchone()[0]
    # Straight to PostgreSQL: behind PgBouncer the app's own session may be on that very backend.
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    hooks.pre_order("1234567905")
    assert [row.order_number for row in calls(app)] == ["1234567897", "1234567905"]

"""Staff actions and API changes in the audit log, its immutability, Event deliveries, the timeline."""

import re

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from ivr_module.db import db
from ivr_module.models import AuditEntry, DeliveryState, IVREvent, PreOrder, PreOrderStatus
from ivr_module.services.delivery import deliver_due
from tests.helpers import API_TOKEN, BASKET, Hooks, issued_through_api, new_pre_order


def audit(app) -> list[AuditEntry]:
    """Every audit record, oldest first."""
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def cancel_action(staff, client, pre_order_id, **extra):
    """Post the pre-order list's "cancel" action."""
    data = {"action": "cancel", "rowid": str(pre_order_id), "csrf_token": staff.token(), **extra}
    return client.post("/admin/pre-orders/action/", data=data)


def test_admin_cancel_asks_for_a_reason_then_records_who_and_why(app, staff, client, make_pre_order):
    pre_order_id, number = make_pre_order()
    staff.login("admin")
    asked = cancel_action(staff, client, pre_order_id)
    assert asked.status_code == 302 and "/admin/pre-orders/cancel/" in asked.headers["Location"]
    form = client.get(asked.headers["Location"]).text
    assert 'name="reason"' in form and number in form
    with app.app_context():
        assert db.session.get(PreOrder, pre_order_id).status == PreOrderStatus.AWAITING_PAYMENT

    done = client.post(
        "/admin/pre-orders/action/",
        data={"action": "cancel", "rowid": str(pre_order_id), "csrf_token": staff.token(),
              "reason": "customer called to cancel"},
        headers={"X-Request-ID": "req-cancel-1"},
    )
    assert done.status_code == 302
    cancelled = [row for row in audit(app) if row.action == "cancelled"]
    assert [(row.actor_type, row.actor, row.reason, row.order_number, row.request_id) for row in cancelled] == [
        ("staff", "admin-user", "customer called to cancel", number, "req-cancel-1")
    ]
    with app.app_context():
        assert db.session.scalar(select(IVREvent.type)) == "pre_order.cancelled"


def test_readers_get_no_cancel_form(staff, client, make_pre_order):
    pre_order_id, _ = make_pre_order()
    staff.login("support")
    assert client.get(f"/admin/pre-orders/cancel/?rowid={pre_order_id}").status_code == 403


def test_checkout_api_changes_are_recorded_with_the_tokens_name(app_with):
    app = app_with(CHECKOUT_API_TOKENS="shop-2026:token-new, shop-2025:token-old", CHECKOUT_API_TOKEN=None)
    client = app.test_client()
    assert client.post("/api/pre-orders", json=BASKET, headers={"Authorization": f"Bearer {API_TOKEN}"}).status_code == 401
    opened = client.post("/api/pre-orders", json=BASKET, headers={"Authorization": "Bearer token-old"}).get_json()
    client.post(f"/api/pre-orders/{opened['id']}/order-number", json={}, headers={"Authorization": "Bearer token-new"})
    rows = audit(app)
    assert [(row.actor_type, row.actor, row.action) for row in rows] == [
        ("api", "shop-2025", "opened"), ("api", "shop-2026", "number_issued")
    ]
    assert all(row.pre_order_id == opened["id"] and row.request_id for row in rows)


def test_the_single_token_is_named_checkout(app, api):
    api.post("/pre-orders", json=BASKET)
    assert [(row.actor_type, row.actor) for row in audit(app)] == [("api", "checkout")]


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(reason="rewritten"),
    delete(AuditEntry),
])
def test_nobody_can_edit_or_delete_an_audit_record(app, api, statement):
    api.post("/pre-orders", json=BASKET)
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert len(audit(app)) == 1 and audit(app)[0].reason is None


def test_the_audit_list_is_for_admins_with_search_by_actor_and_order_number(app, staff, client, api, make_pre_order):
    _, number = make_pre_order()  # through the service API: the system acted
    api.post("/pre-orders", json=BASKET)
    staff.login("admin")
    by_actor = client.get("/admin/audit/?search=checkout").text
    assert "checkout" in by_actor and "opened" in by_actor and number not in by_actor
    by_number = client.get(f"/admin/audit/?search={number}").text
    assert number in by_number and "number_issued" in by_number
    for url in ("/admin/audit/edit/?id=1", "/admin/audit/new/"):
        assert client.get(url).status_code in (302, 403, 404)
    client.post("/admin/audit/delete/", data={"id": "1", "csrf_token": staff.token()})
    assert len(audit(app)) == 3


@pytest.mark.parametrize("role", ["callcentre", "support"])
def test_readers_cannot_open_the_audit_list(staff, client, role):
    staff.login(role)
    assert client.get("/admin/audit/").status_code == 403


@pytest.fixture
def dead_event(webhook_app, receiver):
    """An app whose one event was answered 410 (dead)."""
    receiver.receiver.script = [410]
    app = webhook_app()
    _, number = new_pre_order(app)
    with app.app_context():
        from ivr_module.services.ivr import complete_payment

        complete_payment(number, "REF-DEAD", "agent-7", True)
        deliver_due()
    return app, number


def event_state(app):
    with app.app_context():
        return db.session.scalar(select(IVREvent.state))


def send_again(client, token, event_id=1):
    data = {"action": "send_again", "rowid": str(event_id)}
    if token:
        data["csrf_token"] = token
    return client.post("/admin/event-deliveries/action/", data=data)


def login(app, role):
    """A client of `app` logged in with a new account of this role."""
    from tests.helpers import StaffActions

    client = app.test_client()
    StaffActions(app, client).login(role)
    return client, StaffActions(app, client)


def test_event_deliveries_list_filters_dead_and_failing(dead_event):
    app, number = dead_event
    client, _ = login(app, "support")
    dead = client.get("/admin/event-deliveries/?flt0_delivery_is=dead").text
    assert "pre_order.paid" in dead and number in dead and "410" in dead
    failing = client.get("/admin/event-deliveries/?flt0_delivery_is=failing").text
    assert number not in failing


@pytest.mark.parametrize("role", ["callcentre", "support"])
def test_readers_cannot_send_again(dead_event, role):
    app, _ = dead_event
    client, staff = login(app, role)
    send_again(client, staff.token("/admin/event-deliveries/"))
    assert event_state(app) == DeliveryState.FAILED
    assert not [row for row in audit(app) if row.action == "event_sent_again"]


def test_send_again_needs_the_csrf_token(dead_event):
    app, _ = dead_event
    client, _ = login(app, "admin")
    assert send_again(client, None).status_code == 400
    assert event_state(app) == DeliveryState.FAILED


def test_an_admin_sends_again_and_it_is_audited(dead_event, receiver):
    app, number = dead_event
    client, staff = login(app, "admin")
    assert send_again(client, staff.token("/admin/event-deliveries/")).status_code == 302
    assert event_state(app) == DeliveryState.PENDING
    (row,) = [row for row in audit(app) if row.action == "event_sent_again"]
    assert (row.actor, row.order_number) == ("admin-user", number)
    with app.app_context():
        deliver_due()
    assert event_state(app) == DeliveryState.DELIVERED
    assert receiver.receiver.types() == ["pre_order.paid", "pre_order.paid"]


def test_the_lookup_shows_the_whole_timeline_in_time_order(webhook_app, receiver):
    receiver.receiver.script = [500]
    app = webhook_app()
    client = app.test_client()
    api_headers = {"Authorization": f"Bearer {API_TOKEN}"}
    pre_order_id, number = issued_through_api(client, API_TOKEN)
    path = f"/api/pre-orders/{pre_order_id}"
    client.patch(path, json={"shipping_amount": "0"}, headers=api_headers)
    # A basket change retires the number: the caller is given the new one.
    number = client.post(f"{path}/order-number", json={}, headers=api_headers).get_json()["order_number"]
    hooks = Hooks(client)
    hooks.pre_order(number)
    hooks.complete(number, reference="REF-TIMELINE", staff_id="agent-42")
    with app.app_context():
        deliver_due()  # replaced: 500, then 200; paid: 200
    staff_client, _ = login(app, "support")
    page = staff_client.get(f"/admin/lookup?order_number={number}").text
    timeline = re.search(r'ivr-timeline">(.*?)</table>', page, re.S).group(1)
    expected = [
        "Pre-order opened", "Order number issued", "Basket changed", "Event pre_order.number_replaced", "Hook pre_order: success", "Paid 55.07 EUR",
        "Event pre_order.paid", "Hook complete: success", "Delivery of pre_order.number_replaced: 500",
        "Delivery of pre_order.number_replaced: 200", "Delivery of pre_order.paid: 200",
    ]
    positions = [timeline.index(title) for title in expected]
    assert positions == sorted(positions)
    assert timeline.count("Order number issued") == 2  # the first number, then its replacement
    assert "checkout (checkout API token)" in timeline and "agent-42 (IVR agent)" in timeline


def test_the_timeline_shows_who_cancelled_and_why(app, staff, client, make_pre_order):
    pre_order_id, number = make_pre_order()
    staff.login("admin")
    client.post("/admin/pre-orders/action/", data={
        "action": "cancel", "rowid": str(pre_order_id), "csrf_token": staff.token(), "reason": "duplicate order",
    })
    page = client.get(f"/admin/lookup?order_number={number}").text
    timeline = re.search(r'ivr-timeline">(.*?)</table>', page, re.S).group(1)
    row = re.search(r'<tr class="ivr-timeline-staff[^"]*"[^>]*>(.*?)</tr>', timeline, re.S).group(1)
    assert "Cancelled" in row and "admin-user (staff)" in row and "reason: duplicate order" in row
    assert "Event pre_order.cancelled" in timeline

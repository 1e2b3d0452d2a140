"""Events from the outbox, delivered to a real HTTP receiver on 127.0.0.1, signed and retried."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from ivr_module.db import db, utcnow
from ivr_module.models import EventAttempt, IVREvent, IVRTransaction, PreOrder
from ivr_module.services import checkout, ivr
from ivr_module.services.delivery import deliver_due
from ivr_module.services.events import sweep_expired
from tests.helpers import API_TOKEN, count_rows, new_pre_order
from tests.webhook_receiver import SECRET, pay


def deliver(app) -> int:
    """One worker pass."""
    with app.app_context():
        return deliver_due()


def events(app) -> list[IVREvent]:
    """Every event, in sequence."""
    with app.app_context():
        found = list(db.session.scalars(select(IVREvent).order_by(IVREvent.id)))
        db.session.expunge_all()
        return found


def attempts(app) -> list[EventAttempt]:
    """Every delivery attempt, in order."""
    with app.app_context():
        found = list(db.session.scalars(select(EventAttempt).order_by(EventAttempt.id)))
        db.session.expunge_all()
        return found


def replace_number(app, pre_order_id):
    """A basket change and a re-issue: `pre_order.number_replaced`."""
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0.00"})
        checkout.issue_order_number(pre_order_id)


def test_a_payment_is_delivered_signed_with_the_pre_order_as_the_api_answers_it(webhook_app, receiver):
    app = webhook_app()
    pre_order_id, number = new_pre_order(app)
    pay(app, number)
    assert deliver(app) == 1

    (request,) = receiver.receiver.received
    payload = Webhook(SECRET).verify(request.body, request.headers)
    answer = app.test_client().get(
        f"/api/pre-orders/{pre_order_id}", headers={"Authorization": f"Bearer {API_TOKEN}"}
    ).get_json()
    assert payload["type"] == "pre_order.paid"
    # All of the answer but the customer's contact, which events never carry.
    assert payload["data"] == {key: value for key, value in answer.items() if key != "customer"}
    assert payload["data"]["transaction"]["reference_number"] == "REF-1"
    (event,) = events(app)
    assert payload["id"] == event.event_id == request.headers["webhook-id"]
    assert (event.state, event.attempts, event.last_status_code) == ("delivered", 1, 200)
    assert [attempt.status_code for attempt in attempts(app)] == [200]


def test_a_forged_signature_does_not_verify(webhook_app, receiver):
    app = webhook_app(IVR_WEBHOOK_SECRET="whsec_" + "A" * 32)
    _, number = new_pre_order(app)
    pay(app, number)
    deliver(app)
    (request,) = receiver.receiver.received
    with pytest.raises(Exception, match="signature"):
        Webhook(SECRET).verify(request.body, request.headers)


def test_a_rolled_back_payment_leaves_no_event(webhook_app, monkeypatch):
    app = webhook_app()
    pre_order_id, number = new_pre_order(app)
    real_record_paid = ivr.record_paid

    def crash_after_the_event(*payment):
        real_record_paid(*payment)
        raise RuntimeError("the process dies before the commit")

    monkeypatch.setattr(ivr, "record_paid", crash_after_the_event)
    with pytest.raises(RuntimeError):
        pay(app, number)
    assert count_rows(app, IVREvent) == 0
    assert count_rows(app, IVRTransaction) == 0
    with app.app_context():
        assert db.session.get(PreOrder, pre_order_id).status == "awaiting_payment"


def test_a_500_is_retried_until_a_2xx(webhook_app, receiver):
    receiver.receiver.script = [500, 503]
    app = webhook_app()
    _, number = new_pre_order(app)
    pay(app, number)
    assert deliver(app) == 3
    assert [attempt.status_code for attempt in attempts(app)] == [500, 503, 200]
    (event,) = events(app)
    assert (event.state, event.attempts) == ("delivered", 3)
    ids = {request.headers["webhook-id"] for request in receiver.receiver.received}
    assert ids == {event.event_id}  # the same id on every try: receivers deduplicate by it


def test_a_retry_waits_an_exponential_backoff_with_jitter(webhook_app, receiver):
    receiver.receiver.script = [500]
    app = webhook_app(IVR_WEBHOOK_BACKOFF_SECONDS=60)
    _, number = new_pre_order(app)
    pay(app, number)
    before = utcnow()
    assert deliver(app) == 1  # the retry is not due yet
    (event,) = events(app)
    assert event.state == "pending" and event.last_status_code == 500
    assert before + timedelta(seconds=29) <= event.next_attempt_at <= utcnow() + timedelta(seconds=60)


def test_a_timeout_is_retried(webhook_app, receiver):
    receiver.receiver.script = [("sleep", 3)]
    app = webhook_app()
    _, number = new_pre_order(app)
    pay(app, number)
    deliver(app)
    first, second = attempts(app)
    assert first.status_code is None and "Timeout" in first.error
    assert second.status_code == 200
    assert events(app)[0].state == "delivered"


def test_a_connection_error_is_retried_later(webhook_app):
    app = webhook_app(IVR_WEBHOOK_URL="http://127.0.0.1:9/nobody-listens", IVR_WEBHOOK_BACKOFF_SECONDS=60)
    _, number = new_pre_order(app)
    pay(app, number)
    deliver(app)
    (event,) = events(app)
    assert event.state == "pending" and event.attempts == 1
    assert "ConnectionError" in event.last_error


def test_a_410_stops_the_event(webhook_app, receiver):
    receiver.receiver.script = [410]
    app = webhook_app()
    _, number = new_pre_order(app)
    pay(app, number)
    assert deliver(app) == 1
    assert deliver(app) == 0
    (event,) = events(app)
    assert (event.state, event.last_status_code) == ("failed", 410)


def test_an_event_past_its_retry_window_fails(webhook_app, receiver):
    receiver.receiver.script = [500]
    app = webhook_app(IVR_WEBHOOK_RETRY_SECONDS=0)
    _, number = new_pre_order(app)
    pay(app, number)
    assert deliver(app) == 1
    assert events(app)[0].state == "failed"


def test_one_pre_orders_events_are_delivered_in_order(webhook_app, receiver):
    receiver.receiver.script = [500]
    app = webhook_app(IVR_WEBHOOK_BACKOFF_SECONDS=3600)
    pre_order_id, _ = new_pre_order(app)
    replace_number(app, pre_order_id)
    with app.app_context():
        number = db.session.get(PreOrder, pre_order_id).order_number
    pay(app, number)
    assert deliver(app) == 1  # the replacement failed; the payment waits behind it
    assert receiver.receiver.types() == ["pre_order.number_replaced"]

    with app.app_context():  # the retry falls due
        db.session.execute(update(IVREvent).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert deliver(app) == 2
    assert receiver.receiver.types(200) == ["pre_order.number_replaced", "pre_order.paid"]


def test_without_a_url_events_are_kept_not_sent(webhook_app, receiver):
    app = webhook_app(IVR_WEBHOOK_URL=None)
    _, number = new_pre_order(app)
    pay(app, number)
    assert deliver(app) == 0
    assert receiver.receiver.received == []
    assert [(event.type, event.state) for event in events(app)] == [("pre_order.paid", "pending")]


def test_cancel_by_the_api_writes_one_event(webhook_app):
    app = webhook_app()
    pre_order_id, _ = new_pre_order(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for _ in range(2):  # a repeated cancel is a no-op
        assert client.post(f"/api/pre-orders/{pre_order_id}/cancel", headers=headers).status_code == 200
    assert [event.type for event in events(app)] == ["pre_order.cancelled"]


def test_a_changed_back_basket_reissued_replaces_no_number(webhook_app):
    app = webhook_app()
    pre_order_id, _ = new_pre_order(app)
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0.00"})
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "4.90"})
        checkout.issue_order_number(pre_order_id)
    assert events(app) == []
    replace_number(app, pre_order_id)
    (event,) = events(app)
    assert event.type == "pre_order.number_replaced" and "replaces order number" in event.detail


def test_the_sweep_reports_each_expiry_once(webhook_app):
    app = webhook_app()
    pre_order_id, _ = new_pre_order(app)
    with app.app_context():
        assert sweep_expired() == 0
        db.session.execute(
            update(PreOrder).where(PreOrder.id == pre_order_id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        assert sweep_expired() == 1
        assert sweep_expired() == 0
    (event,) = events(app)
    assert event.type == "pre_order.expired"
    assert '"status":"expired"' in event.payload


def test_two_workers_never_send_one_event_at_the_same_time(webhook_app, receiver):
    receiver.receiver.delay = 0.05  # each send overlaps the other worker's claims
    app = webhook_app()
    for _ in range(12):
        _, number = new_pre_order(app)
        pay(app, number, reference=f"REF-{number}")
    workers = [webhook_app(), webhook_app()]
    barrier = threading.Barrier(2)

    def work(worker_app):
        barrier.wait()
        return deliver(worker_app)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [request.headers["webhook-id"] for request in receiver.receiver.received]
    assert len(ids) == len(set(ids)) == 12
    assert receiver.receiver.most_in_flight == 1
    assert {event.state for event in events(app)} == {"delivered"}


def metric(text: str, name: str) -> float:
    """A sample's value on the /metrics page."""
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


def test_metrics_show_the_outbox(webhook_app, receiver):
    receiver.receiver.script = [410]
    app = webhook_app(IVR_WEBHOOK_BACKOFF_SECONDS=3600)
    client = app.test_client()
    page = client.get("/metrics").text
    assert metric(page, "ivr_events_pending") == 0 and metric(page, "ivr_events_oldest_pending_seconds") == 0
    for reference in ("REF-1", "REF-2", "REF-3"):
        _, number = new_pre_order(app)
        pay(app, number, reference)
    with app.app_context():
        db.session.execute(update(IVREvent).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    page = client.get("/metrics").text
    assert metric(page, "ivr_events_pending") == 3
    assert metric(page, "ivr_events_oldest_pending_seconds") >= 300
    receiver.receiver.script = [410, 500]
    deliver(app)  # 410: failed; 500: pending (retry in an hour); 200: delivered
    page = client.get("/metrics").text
    assert [metric(page, f"ivr_events_{state}") for state in ("delivered", "failed", "pending")] == [1, 1, 1]


def test_sandbox_pre_orders_raise_no_events(webhook_app):
    from tests.helpers import BASKET, SANDBOX_API_TOKEN, SANDBOX_PASSWORD, SANDBOX_USERNAME, issued_through_api

    app = webhook_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {SANDBOX_API_TOKEN}"}
    _, number = issued_through_api(client, SANDBOX_API_TOKEN)
    paid = client.post("/hooks/ivr/complete/", json={
        "username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD,
        "orderResultRequest": {"orderNumber": number, "referenceNumber": "SBX-1", "staffId": "7"}}).get_json()
    assert paid["orderResultResponse"]["result"]["success"] is True
    other = client.post("/api/pre-orders", json=BASKET, headers=headers).get_json()
    client.post(f"/api/pre-orders/{other['id']}/cancel", headers=headers)
    with app.app_context():
        db.session.execute(update(PreOrder).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert sweep_expired() == 0
    assert events(app) == []

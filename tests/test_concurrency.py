"""Racing completions: whatever the concurrency, one pre-order gets one transaction."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from ivr_module.db import db
from ivr_module.models import IVRTransaction, PreOrder
from tests.conftest import IVR_PASSWORD, IVR_USERNAME

RACERS = 20


def race(app, requests):
    """POST every (order number, reference) to complete at the same moment; return the texts."""
    barrier = threading.Barrier(len(requests))

    def complete(order_number, reference):
        body = {"username": IVR_USERNAME, "password": IVR_PASSWORD,
                "orderResultRequest": {"orderNumber": order_number, "referenceNumber": reference,
                                       "staffId": "agent"}}
        client = app.test_client()
        barrier.wait()
        response = client.post("/hooks/ivr/complete/", json=body)
        assert response.status_code == 200
        return response.get_json()["orderResultResponse"]["result"]["errortext"]

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda pair: complete(*pair), requests))


def recorded(app):
    with app.app_context():
        return list(db.session.scalars(select(IVRTransaction)))


def test_twenty_references_racing_for_one_pre_order_record_one(app, make_pre_order):
    _, number = make_pre_order()
    texts = race(app, [(number, f"R-{i}") for i in range(RACERS)])
    assert texts.count("") == 1
    assert sorted(set(texts) - {""}) == ["Order Not Found"]
    [transaction] = recorded(app)
    assert texts[int(transaction.reference_number[2:])] == ""


def test_twenty_retries_of_one_reference_record_one_and_all_succeed(app, make_pre_order):
    _, number = make_pre_order()
    texts = race(app, [(number, "R-SAME")] * RACERS)
    assert texts == [""] * RACERS
    assert len(recorded(app)) == 1


def test_one_reference_racing_over_twenty_orders_is_used_once(app, make_pre_order):
    numbers = [make_pre_order()[1] for _ in range(RACERS)]
    texts = race(app, [(number, "R-SHARED") for number in numbers])
    assert texts.count("") == 1
    assert sorted(set(texts) - {""}) == ["Reference number already used"]
    [transaction] = recorded(app)
    with app.app_context():
        statuses = [row.status for row in db.session.scalars(select(PreOrder))]
    assert statuses.count("paid") == 1 and statuses.count("awaiting_payment") == RACERS - 1
    assert transaction.order_number == numbers[texts.index("")]

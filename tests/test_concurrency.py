"""Racing completions: whatever the concurrency, one pre-order gets one transaction."""

from functools import partial

from sqlalchemy import select

from ivr_module.db import db
from ivr_module.models import PreOrder
from tests.helpers import Hooks, all_at_once, transactions

RACERS = 20


def race(app, requests):
    """POST every (order number, reference) to complete at the same moment; return the texts."""
    calls = [partial(Hooks(app.test_client()).complete, order_number, reference=reference, staff_id="agent")
             for order_number, reference in requests]
    return [answer["orderResultResponse"]["result"]["errortext"] for answer in all_at_once(calls)]


def test_twenty_references_racing_for_one_pre_order_record_one(app, make_pre_order):
    _, number = make_pre_order()
    texts = race(app, [(number, f"R-{i}") for i in range(RACERS)])
    assert texts.count("") == 1
    assert sorted(set(texts) - {""}) == ["Order Not Found"]
    [transaction] = transactions(app)
    assert texts[int(transaction.reference_number[2:])] == ""


def test_twenty_retries_of_one_reference_record_one_and_all_succeed(app, make_pre_order):
    _, number = make_pre_order()
    texts = race(app, [(number, "R-SAME")] * RACERS)
    assert texts == [""] * RACERS
    assert len(transactions(app)) == 1


def test_one_reference_racing_over_twenty_orders_is_used_once(app, make_pre_order):
    numbers = [make_pre_order()[1] for _ in range(RACERS)]
    texts = race(app, [(number, "R-SHARED") for number in numbers])
    assert texts.count("") == 1
    assert sorted(set(texts) - {""}) == ["Reference number already used"]
    [transaction] = transactions(app)
    with app.app_context():
        statuses = [row.status for row in db.session.scalars(select(PreOrder))]
    assert statuses.count("paid") == 1 and statuses.count("awaiting_payment") == RACERS - 1
    assert transaction.order_number == numbers[texts.index("")]

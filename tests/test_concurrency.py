"""Racing completions: whatever the concurrency, one pre-order gets one transaction, at the amount heard."""

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial

import psycopg
import pytest
from sqlalchemy import select

from ivr_module.db import db
from ivr_module.models import HookCall, PreOrder
from tests.helpers import API_TOKEN, Hooks, all_at_once, new_pre_order, transactions

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


# --- An order number names one basket: completions racing a re-issue --------------------------

ROUNDS = 4
OLD_NUMBER_RACERS = 8
NEW_SHIPPING = {"shipping_amount": "25000.00"}


class Checkout:
    """The storefront's side, on a client of its own (each thread its own connection)."""

    def __init__(self, app, pre_order_id):
        self.client, self.path = app.test_client(), f"/api/pre-orders/{pre_order_id}"
        self.headers = {"Authorization": f"Bearer {API_TOKEN}"}

    def change(self, **changes):
        return self.client.patch(self.path, json=changes, headers=self.headers)

    def issue(self):
        return self.client.post(f"{self.path}/order-number", json={}, headers=self.headers)


def _recorded_for(app, pre_order_id):
    return [item for item in transactions(app) if item.pre_order_id == pre_order_id]


def test_old_number_completions_racing_a_change_and_reissue_record_only_the_amount_heard(app):
    for round_number in range(ROUNDS):
        pre_order_id, number = new_pre_order(app)
        heard = Decimal(str(Hooks(app.test_client()).pre_order(number)["orderprice"]))
        storefront = Checkout(app, pre_order_id)

        def change_and_reissue():
            changed = storefront.change(**NEW_SHIPPING)
            return changed.status_code, storefront.issue().status_code

        references = [f"R-{round_number}-{racer}" for racer in range(OLD_NUMBER_RACERS)]
        answers = all_at_once([change_and_reissue] + [
            partial(Hooks(app.test_client()).complete, number, reference=reference, staff_id="agent")
            for reference in references])
        texts = [answer["orderResultResponse"]["result"]["errortext"] for answer in answers[1:]]
        recorded = _recorded_for(app, pre_order_id)
        # Either a completion won before the change (paid at the amount heard, the change then
        # refused), or the change won and nobody was recorded at all.
        assert len(recorded) == texts.count("") <= 1
        assert set(texts) - {""} <= {"Order Not Found", "Basket Changed"}
        if recorded:
            assert (recorded[0].order_number, recorded[0].amount) == (number, heard)
            assert recorded[0].reference_number == references[texts.index("")]
            assert answers[0] == (409, 409)
        else:
            assert answers[0] == (200, 201)


def test_old_number_completions_racing_the_new_numbers_caller_pay_once_at_the_new_total(app):
    for round_number in range(ROUNDS):
        pre_order_id, number = new_pre_order(app)
        Hooks(app.test_client()).pre_order(number)  # the first caller hears 59.97
        storefront = Checkout(app, pre_order_id)
        assert storefront.change(**NEW_SHIPPING).status_code == 200

        def reissue_then_second_caller_pays():
            new_number = storefront.issue().get_json()["order_number"]
            caller = Hooks(app.test_client())
            heard = Decimal(str(caller.pre_order(new_number)["orderprice"]))
            paid = caller.complete(new_number, reference=f"NEW-{round_number}", staff_id="agent")
            return new_number, heard, paid["orderResultResponse"]["result"]["errortext"]

        answers = all_at_once([reissue_then_second_caller_pays] + [
            partial(Hooks(app.test_client()).complete, number, reference=f"OLD-{round_number}-{racer}",
                    staff_id="agent")
            for racer in range(OLD_NUMBER_RACERS)])
        new_number, heard, new_text = answers[0]
        old_texts = {answer["orderResultResponse"]["result"]["errortext"] for answer in answers[1:]}
        assert new_text == "" and heard == Decimal("25055.07")
        assert old_texts <= {"Order Not Found", "Basket Changed"}
        [recorded] = _recorded_for(app, pre_order_id)
        assert (recorded.order_number, recorded.amount) == (new_number, heard)


def test_a_completion_queued_behind_a_reissue_finds_its_number_retired(app, backend):
    """Deterministic interleaving: complete waits for the row the re-issue holds (PostgreSQL)."""
    if backend != "postgres":
        pytest.skip("row locks and lock waits are PostgreSQL's; SQLite serialises whole writes")
    pre_order_id, number = new_pre_order(app)
    storefront = Checkout(app, pre_order_id)
    assert storefront.change(**NEW_SHIPPING).status_code == 200
    with app.app_context():
        database_url = db.engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    # The pool is left last: a failure closes the blocker first, so no thread stays stuck on its lock.
    with ThreadPoolExecutor(max_workers=2) as pool, psycopg.connect(database_url) as blocker, \
            psycopg.connect(database_url, autocommit=True) as observer:
        blocker.execute("SELECT id FROM ivr_pre_orders WHERE id = %s FOR UPDATE", (pre_order_id,))
        reissued = pool.submit(storefront.issue)
        _wait_for_lock_waiters(observer, 1)
        completed = pool.submit(Hooks(app.test_client()).complete, number, reference="R-QUEUED")
        _wait_for_lock_waiters(observer, 2)
        blocker.rollback()  # the re-issue goes first, the completion after it
        new_number = reissued.result().get_json()["order_number"]
        answer = completed.result()
    assert answer["orderResultResponse"]["result"]["errortext"] == "Order Not Found"
    assert _recorded_for(app, pre_order_id) == []
    with app.app_context():
        detail = db.session.scalar(select(HookCall.detail).where(HookCall.reference_number == "R-QUEUED"))
    assert detail == f"replaced after a basket change by order number {new_number}"


def _wait_for_lock_waiters(observer, count, deadline_seconds=30):
    """Block until `count` sessions of this database wait for a lock (or fail).

    `observer` is in autocommit: inside one transaction, pg_stat_activity would not change.
    """
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        waiting = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} sessions came to wait for the row lock")

"""`flask ivr demo`: one demo pre-order per hook outcome, idempotent."""

import re

from sqlalchemy import select

from ivr_module.db import db
from ivr_module.demo import DEMO_ORDERS, MISTYPED, NEVER_ISSUED, PAID_REFERENCE, REPLACING_NUMBER, demo_number
from ivr_module.models import HookCall, IVRTransaction, PreOrder, PreOrderStatus
from tests.helpers import count_rows


def test_demo_prints_its_order_numbers(runner):
    result = runner.invoke(args=["ivr", "demo"])
    assert result.exit_code == 0, result.output
    printed = re.findall(r"^\s+(\d{10})\s", result.output, flags=re.M)
    assert printed == [demo.order_number for demo in DEMO_ORDERS] + [NEVER_ISSUED, MISTYPED]


def test_demo_is_idempotent(app, runner):
    runner.invoke(args=["ivr", "demo"])
    runner.invoke(args=["ivr", "demo"])
    assert count_rows(app, PreOrder) == len(DEMO_ORDERS)
    assert count_rows(app, IVRTransaction) == 1


def test_each_demo_number_gives_its_outcome(runner, hooks):
    runner.invoke(args=["ivr", "demo"])
    texts = [hooks.pre_order(demo.order_number)["result"]["errortext"] for demo in DEMO_ORDERS]
    assert texts == [
        "",
        "Basket Changed",
        "PaymentOption is null",
        "PaymentOption is not valid. Payment type must be cash_register",
        "Order Not Found",
        "Order Not Found",
        "Order not found",
        "Order Not Found",
    ]
    assert hooks.pre_order(NEVER_ISSUED)["result"]["errortext"] == "Order not found"
    assert hooks.pre_order(MISTYPED)["result"]["errortext"] == "Order not found"
    paid = DEMO_ORDERS[5].order_number
    assert hooks.complete(paid, reference=PAID_REFERENCE)["orderResultResponse"]["result"]["success"] is True
    payable = DEMO_ORDERS[0].order_number
    answer = hooks.complete(payable, reference=PAID_REFERENCE)
    assert answer["orderResultResponse"]["result"]["errortext"] == "Reference number already used"
    assert hooks.complete(payable, reference="NEW-REF")["orderResultResponse"]["result"]["success"] is True


def test_demo_states_are_the_stored_ones(app, runner):
    runner.invoke(args=["ivr", "demo"])
    with app.app_context():
        statuses = {p.order_number: p.current_status for p in db.session.scalars(select(PreOrder))}
    assert statuses[DEMO_ORDERS[4].order_number] == PreOrderStatus.CANCELLED
    assert statuses[DEMO_ORDERS[5].order_number] == PreOrderStatus.PAID
    assert statuses[DEMO_ORDERS[6].order_number] == PreOrderStatus.EXPIRED


def test_demo_logs_one_call_per_number_once(app, runner):
    runner.invoke(args=["ivr", "demo"])
    runner.invoke(args=["ivr", "demo"])
    with app.app_context():
        calls = db.session.scalars(select(HookCall).order_by(HookCall.id)).all()
    assert [call.order_number for call in calls] == [d.order_number for d in DEMO_ORDERS] + [NEVER_ISSUED, MISTYPED]
    assert [call.success for call in calls] == [True] + [False] * (len(calls) - 1)
    assert calls[-1].detail == "check digit mismatch (mistyped number?)"
    assert calls[-3].detail == f"replaced after a basket change by order number {REPLACING_NUMBER}"


def test_the_demo_number_replaced_after_a_basket_change_pays_nothing_and_its_successor_pays(runner, hooks):
    runner.invoke(args=["ivr", "demo"])
    replaced = DEMO_ORDERS[7].order_number
    assert REPLACING_NUMBER == demo_number(98)
    assert hooks.complete(replaced, reference="R-OLD")["orderResultResponse"]["result"]["errortext"] == "Order Not Found"
    assert hooks.pre_order(REPLACING_NUMBER)["result"]["success"] is True
    assert hooks.complete(REPLACING_NUMBER, reference="R-NEW")["orderResultResponse"]["result"]["success"] is True


def test_each_demo_order_has_a_customer_the_search_finds_by_the_phones_last_digits(app, runner):
    from ivr_module.services.order_search import search_orders

    runner.invoke(args=["ivr", "demo"])
    with app.app_context():
        found = search_orders("0002", "90").matches
        assert [(match.pre_order.order_number, match.matched_by) for match in found] == [
            (demo_number(2), ["phone"])
        ]
        assert found[0].pre_order.customer_email == "demo.customer2@example.com"

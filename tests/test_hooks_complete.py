"""complete: error texts, order of checks, recording once, replays and references."""

from decimal import Decimal

import pytest

from ivr_module.db import db
from ivr_module.models import PreOrder
from ivr_module.services import checkout
from tests.helpers import IVR_PASSWORD, IVR_USERNAME, new_pre_order, transactions


def result(answer):
    """The (success, errortext) of a complete answer, checking its shape on the way."""
    assert set(answer) == {"orderResultResponse"}
    assert set(answer["orderResultResponse"]) == {"result"}
    inner = answer["orderResultResponse"]["result"]
    assert set(inner) == {"success", "errortext"}
    return inner["success"], inner["errortext"]


def test_complete_records_the_transaction_and_marks_paid(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    assert result(hooks.complete(number, reference="R-77", staff_id="agent-3")) == (True, "")
    [recorded] = transactions(app)
    assert (recorded.reference_number, recorded.order_number, recorded.staff_id) == ("R-77", number, "agent-3")
    assert recorded.amount == Decimal("59.97")
    assert recorded.currency == "EUR"
    with app.app_context():
        pre_order = db.session.get(PreOrder, pre_order_id)
        assert pre_order.status == "paid"
        assert pre_order.transaction.reference_number == "R-77"


@pytest.mark.parametrize("path", ["/hooks/ivr/complete/", "/hooks/ivr/complete"])
def test_both_paths_answer_without_redirect(app, client, make_pre_order, path):
    _, number = make_pre_order()
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD,
            "orderResultRequest": {"orderNumber": number, "referenceNumber": "R-1", "staffId": "1"}}
    response = client.post(path, json=body)
    assert response.status_code == 200
    assert result(response.get_json()) == (True, "")


def test_complete_repeated_with_same_reference_records_once(app, hooks, make_pre_order):
    # After payment the session is gone, yet the vendor's retry must still succeed.
    _, number = make_pre_order()
    for _ in range(3):
        assert result(hooks.complete(number, reference="R-1")) == (True, "")
    assert len(transactions(app)) == 1


def test_replay_ignores_the_other_fields(app, hooks, make_pre_order):
    _, number = make_pre_order()
    hooks.complete(number, reference="R-1", staff_id="first")
    assert result(hooks.complete(number, reference="R-1", staff_id="second")) == (True, "")
    [recorded] = transactions(app)
    assert recorded.staff_id == "first"


def test_reference_of_another_order_is_already_used(app, hooks, make_pre_order):
    _, first = make_pre_order()
    _, second = make_pre_order()
    hooks.complete(first, reference="R-1")
    assert result(hooks.complete(second, reference="R-1")) == (False, "Reference number already used")
    assert len(transactions(app)) == 1
    # The refused order is still payable with a reference of its own.
    assert result(hooks.complete(second, reference="R-2")) == (True, "")


def test_second_reference_on_paid_pre_order_is_order_not_found(app, hooks, make_pre_order):
    _, number = make_pre_order()
    hooks.complete(number, reference="R-1")
    assert result(hooks.complete(number, reference="R-2")) == (False, "Order Not Found")
    assert [t.reference_number for t in transactions(app)] == ["R-1"]


@pytest.mark.parametrize("flag", [False, "false", "FALSE", " False "])
def test_success_false_is_refused(app, hooks, make_pre_order, flag):
    _, number = make_pre_order()
    assert result(hooks.complete(number, success=flag)) == (False, "Success must be true")
    assert transactions(app) == []


@pytest.mark.parametrize("flag", [True, "true", "TRUE", "True"])
def test_success_true_in_any_accepted_form(hooks, make_pre_order, flag):
    _, number = make_pre_order()
    assert result(hooks.complete(number, success=flag)) == (True, "")


def test_unknown_and_expired_numbers_are_order_not_found(app, hooks, app_with):
    assert result(hooks.complete("1234567897")) == (False, "Order Not Found")
    _, number = new_pre_order(app_with(IVR_ORDER_TTL_SECONDS=0))
    assert result(hooks.complete(number)) == (False, "Order Not Found")
    assert transactions(app) == []


CREDIT_CARD = {"slug": "card", "name": "Card", "payment_type": "credit_card"}


@pytest.mark.parametrize(
    "change, errortext",
    [
        ({"payment_option": None}, "PaymentOption is null"),
        ({"payment_option": CREDIT_CARD}, "PaymentOption is not valid. Payment type must be cash_register"),
        ({"shipping_amount": "0"}, "Basket Changed"),
        ({"lines": [{"sku": "SKU-1", "name": "Shirt", "quantity": 4, "unit_price": "19.99"}]}, "Basket Changed"),
    ],
)
def test_pre_order_state_errors(app, hooks, make_pre_order, change, errortext):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, change)
    assert result(hooks.complete(number)) == (False, errortext)
    assert transactions(app) == []


def test_cancelled_pre_order_is_order_not_found(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.cancel_pre_order(pre_order_id)
    assert result(hooks.complete(number)) == (False, "Order Not Found")


def test_amount_recorded_after_a_change_is_the_new_numbers_total(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "10.00"})
        new_number = checkout.issue_order_number(pre_order_id)[0].order_number
    assert result(hooks.complete(number, reference="R-OLD")) == (False, "Order Not Found")
    assert result(hooks.complete(new_number)) == (True, "")
    [recorded] = transactions(app)
    assert (recorded.order_number, recorded.amount) == (new_number, Decimal("65.07"))


# Each row is wrong in two ways; the earlier check's text wins.
@pytest.mark.parametrize(
    "credentials, fields, errortext",
    [
        ({"password": "wrong"}, {"staffId": ""}, "Input invalid"),
        ({"password": "wrong"}, {"success": False}, "User invalid"),
        ({}, {"success": "false", "referenceNumber": "USED"}, "Success must be true"),
        ({}, {"referenceNumber": "USED", "orderNumber": "unknown"}, "Reference number already used"),
    ],
)
def test_order_of_checks(client, hooks, make_pre_order, credentials, fields, errortext):
    _, paid = make_pre_order()
    hooks.complete(paid, reference="USED")
    _, number = make_pre_order()
    request = {"orderNumber": number, "referenceNumber": "NEW", "staffId": "7", **fields}
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, **credentials, "orderResultRequest": request}
    assert result(client.post("/hooks/ivr/complete", json=body).get_json()) == (False, errortext)


def test_staff_id_sent_as_integer_is_recorded_as_text(app, hooks, make_pre_order):
    _, number = make_pre_order()
    assert result(hooks.complete(number, staff_id=42)) == (True, "")
    assert transactions(app)[0].staff_id == "42"


def test_a_failed_completion_writes_nothing(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "1.00"})
    hooks.complete(number, reference="R-9")
    assert transactions(app) == []
    with app.app_context():
        assert db.session.get(PreOrder, pre_order_id).status == "awaiting_payment"

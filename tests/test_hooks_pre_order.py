"""pre_order: every error text reached the way the contract says, the order of checks, amounts."""

from decimal import Decimal

import pytest

from ivr_module.services.error_texts import HookError
from tests.helpers import BASKET, IVR_PASSWORD, IVR_USERNAME, new_pre_order, pre_order_answer_failed


def test_pre_order_reads_products_and_total(hooks, make_pre_order):
    _, number = make_pre_order()
    answer = hooks.pre_order(number)
    assert answer["result"] == {"success": True, "errortext": ""}
    assert answer["productlist"] == [
        {"productnumber": "SKU-1", "productname": "Shirt", "quantity": 3,
         "realprice": 59.97, "discountedprice": 54.97},
        {"productnumber": "SKU-2", "productname": "Socks", "quantity": 1,
         "realprice": 0.1, "discountedprice": 0.1},
    ]
    assert answer["orderprice"] == 59.97


def test_amounts_are_exact_decimals_in_the_json_text(client, make_pre_order):
    lines = [{"sku": "A", "name": "A", "quantity": 3, "unit_price": "0.10", "discount": "0.01"}]
    _, number = make_pre_order(lines=lines, shipping_amount="0.20")
    response = client.post("/hooks/ivr/pre_order/", json={
        "username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": number})
    # 3 × 0.10 is 0.30 exactly (a float sum would give 0.30000000000000004).
    assert b'"realprice": 0.30' in response.data
    assert b'"discountedprice": 0.29' in response.data
    assert b'"orderprice": 0.49' in response.data
    parsed = response.get_json(force=True)
    assert Decimal(str(parsed["orderprice"])) == Decimal("0.49")


def test_large_amounts_stay_exact(hooks, make_pre_order):
    lines = [{"sku": "A", "name": "Car", "quantity": 1, "unit_price": "9999999.99"}]
    _, number = make_pre_order(lines=lines, shipping_amount="0.01")
    answer = hooks.pre_order(number)
    assert answer["orderprice"] == 10000000.00
    assert answer["productlist"][0]["realprice"] == 9999999.99


def test_productlist_keeps_the_checkout_line_order(hooks, make_pre_order):
    lines = [{"sku": sku, "name": sku, "quantity": 1, "unit_price": "1.00"} for sku in "ZAMB"]
    _, number = make_pre_order(lines=lines)
    assert [item["productnumber"] for item in hooks.pre_order(number)["productlist"]] == list("ZAMB")


@pytest.mark.parametrize("path", ["/hooks/ivr/pre_order/", "/hooks/ivr/pre_order"])
def test_both_paths_answer_without_redirect(client, make_pre_order, path):
    _, number = make_pre_order()
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": number}
    response = client.post(path, json=body)
    assert response.status_code == 200
    assert response.get_json()["result"]["success"] is True


def _change(app, pre_order_id, **fields):
    from ivr_module.services import checkout

    with app.app_context():
        checkout.change_pre_order(pre_order_id, fields)


def _cancel(app, pre_order_id):
    from ivr_module.services import checkout

    with app.app_context():
        checkout.cancel_pre_order(pre_order_id)


CREDIT_CARD = {"slug": "card", "name": "Card", "payment_type": "credit_card"}


@pytest.mark.parametrize(
    "body, errortext",
    [
        ({"username": IVR_USERNAME, "password": IVR_PASSWORD}, HookError.INPUT_INVALID),
        ({"username": IVR_USERNAME, "password": "wrong", "orderNumber": "1"}, HookError.USER_INVALID),
        ({"username": "someone", "password": IVR_PASSWORD, "orderNumber": "1"}, HookError.USER_INVALID),
        ({"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": ""}, HookError.ORDER_NUMBER_INVALID),
        ({"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": "   "}, HookError.ORDER_NUMBER_INVALID),
        ({"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": "4111111111"}, HookError.ORDER_NOT_FOUND),
    ],
)
def test_request_errors(client, body, errortext):
    response = client.post("/hooks/ivr/pre_order/", json=body)
    assert response.status_code == 200
    assert pre_order_answer_failed(response.get_json(), errortext)


@pytest.mark.parametrize(
    "spoil, errortext",
    [
        (lambda app, pid: _cancel(app, pid), HookError.SESSION_NOT_FOUND),
        (lambda app, pid: _change(app, pid, payment_option=None), HookError.PAYMENT_OPTION_NULL),
        (lambda app, pid: _change(app, pid, payment_option=CREDIT_CARD), HookError.PAYMENT_OPTION_NOT_VALID),
        (lambda app, pid: _change(app, pid, shipping_amount="5.00"), HookError.BASKET_CHANGED),
        (lambda app, pid: _change(app, pid, currency="USD"), HookError.BASKET_CHANGED),
        (lambda app, pid: _change(app, pid, lines=[]), HookError.BASKET_CHANGED),
    ],
)
def test_pre_order_state_errors(app, hooks, make_pre_order, spoil, errortext):
    pre_order_id, number = make_pre_order()
    spoil(app, pre_order_id)
    assert pre_order_answer_failed(hooks.pre_order(number), errortext)


def test_paid_pre_order_is_order_not_found_capitalised(hooks, make_pre_order):
    _, number = make_pre_order()
    assert hooks.complete(number)["orderResultResponse"]["result"]["success"] is True
    assert pre_order_answer_failed(hooks.pre_order(number), "Order Not Found")


def test_expired_order_number_is_order_not_found(hooks, app_with):
    _, number = new_pre_order(app_with(IVR_ORDER_TTL_SECONDS=0))
    assert pre_order_answer_failed(hooks.pre_order(number), "Order not found")


def test_same_values_written_again_are_not_a_basket_change(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    _change(app, pre_order_id, lines=BASKET["lines"], shipping_amount="4.90")
    assert hooks.pre_order(number)["result"]["success"] is True


def test_basket_changed_back_is_not_a_basket_change(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    _change(app, pre_order_id, shipping_amount="9.99")
    assert hooks.pre_order(number)["result"]["errortext"] == "Basket Changed"
    _change(app, pre_order_id, shipping_amount="4.90")
    assert hooks.pre_order(number)["result"]["success"] is True


def test_changing_the_payment_option_is_not_a_basket_change(app, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    other_register = {"slug": "ivr-2", "name": "Other line", "payment_type": "cash_register"}
    _change(app, pre_order_id, payment_option=other_register)
    assert hooks.pre_order(number)["result"]["success"] is True


def test_the_number_issued_after_a_change_reads_the_new_basket(app, hooks, make_pre_order):
    from ivr_module.services import checkout

    pre_order_id, number = make_pre_order()
    _change(app, pre_order_id, shipping_amount="0.00")
    assert hooks.pre_order(number)["result"]["errortext"] == "Basket Changed"
    with app.app_context():
        new_number = checkout.issue_order_number(pre_order_id)[0].order_number
    answer = hooks.pre_order(new_number)
    assert answer["result"]["success"] is True
    assert answer["orderprice"] == 55.07
    assert pre_order_answer_failed(hooks.pre_order(number), HookError.SESSION_NOT_FOUND)


SPOILS = {
    "basket": lambda app, pid: _change(app, pid, shipping_amount="1.23"),
    "cancel": _cancel,
    "no option": lambda app, pid: _change(app, pid, payment_option=None),
    "card": lambda app, pid: _change(app, pid, payment_option=CREDIT_CARD),
}


# Each row is wrong in two (or more) ways; the earliest check's text wins.
@pytest.mark.parametrize(
    "body_changes, spoils, errortext",
    [
        ({"orderNumber": 5.5, "password": "wrong"}, [], "Input invalid"),
        ({"username": None}, ["cancel"], "Input invalid"),
        ({"password": "wrong", "orderNumber": ""}, [], "User invalid"),
        ({"username": "nobody"}, ["basket", "cancel"], "User invalid"),
        ({"orderNumber": ""}, ["basket"], "Order number invalid"),
        ({}, ["basket", "cancel"], "Order Not Found"),
        ({}, ["basket", "no option"], "PaymentOption is null"),
        ({}, ["basket", "card"], "PaymentOption is not valid. Payment type must be cash_register"),
    ],
)
def test_order_of_checks(app, client, make_pre_order, body_changes, spoils, errortext):
    pre_order_id, number = make_pre_order()
    for spoil in spoils:
        SPOILS[spoil](app, pre_order_id)
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": number}
    body.update(body_changes)
    answer = client.post("/hooks/ivr/pre_order/", json=body).get_json()
    assert pre_order_answer_failed(answer, errortext)


def test_unset_credentials_refuse_everyone(app_with):

    for missing in ("IVR_USERNAME", "IVR_PASSWORD"):
        app = app_with(**{missing: ""})
        body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": "1"}
        answer = app.test_client().post("/hooks/ivr/pre_order/", json=body).get_json()
        assert pre_order_answer_failed(answer, "User invalid")


def test_password_is_compared_exactly_username_is_trimmed(client, make_pre_order):
    _, number = make_pre_order()
    body = {"username": f"  {IVR_USERNAME}\t", "password": IVR_PASSWORD, "orderNumber": f" {number} "}
    assert client.post("/hooks/ivr/pre_order/", json=body).get_json()["result"]["success"] is True
    body["password"] = IVR_PASSWORD.strip()
    answer = client.post("/hooks/ivr/pre_order/", json=body).get_json()
    assert pre_order_answer_failed(answer, "User invalid")


def test_order_number_sent_as_integer_is_its_decimal_text(client, make_pre_order):
    _, number = make_pre_order()
    body = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": int(number)}
    assert client.post("/hooks/ivr/pre_order/", json=body).get_json()["result"]["success"] is True

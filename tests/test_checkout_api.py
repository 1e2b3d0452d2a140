"""The checkout API (CONTRACT.md section 4): auth, validation, statuses, and what the hooks then say."""

from decimal import Decimal

import pytest

from ivr_module.models import PreOrder, PreOrderLine
from tests.helpers import API_TOKEN, BASKET, BASKET_TOTAL, count_rows, pre_order_answer_failed


def opened(api, **changes):
    response = api.post("/pre-orders", json={**BASKET, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def issued(api, **changes):
    pre_order = opened(api, **changes)
    response = api.post(f"/pre-orders/{pre_order['id']}/order-number", json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}])
def test_missing_or_wrong_token_is_401(client, headers):
    response = client.post("/api/pre-orders", json=BASKET, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_unset_token_refuses_everyone(app_with):
    app = app_with(CHECKOUT_API_TOKEN="")
    for token in ("", "None", "null"):
        response = app.test_client().get("/api/pre-orders/1", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_open_answers_the_pre_order(api):
    pre_order = opened(api)
    assert pre_order["status"] == "open"
    assert pre_order["order_number"] is None and pre_order["expires_at"] is None
    assert pre_order["amount"] == BASKET_TOTAL
    assert pre_order["shipping_amount"] == "4.90"
    assert pre_order["currency"] == "EUR"
    assert pre_order["lines"][0] == {
        "sku": "SKU-1", "name": "Shirt", "quantity": 3, "unit_price": "19.99", "discount": "5.00",
        "real_price": "59.97", "discounted_price": "54.97",
    }
    assert pre_order["payment_option"] == BASKET["payment_option"]
    assert pre_order["basket_changed"] is False
    assert pre_order["transaction"] is None


def test_money_as_json_numbers_is_exact(api):
    lines = [{"sku": "A", "name": "A", "quantity": 3, "unit_price": 0.1, "discount": 0.01}]
    pre_order = opened(api, lines=lines, shipping_amount=0.2)
    assert pre_order["amount"] == "0.49"


def test_defaults_currency_and_allows_no_payment_option(api):
    pre_order = opened(api, currency=None, payment_option=None, shipping_amount="0")
    assert pre_order["currency"] == "TRY"
    assert pre_order["payment_option"] is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"lines": [{"sku": "A", "name": "A", "quantity": 0, "unit_price": "1"}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": True, "unit_price": "1"}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "1.001"}]}, "lines[0].unit_price"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "-1"}]}, "lines[0].unit_price"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "NaN"}]}, "lines[0].unit_price"),
        ({"lines": [{"sku": "", "name": "A", "quantity": 1, "unit_price": "1"}]}, "lines[0].sku"),
        ({"lines": [{"name": "A", "quantity": 1, "unit_price": "1"}]}, "lines[0].sku"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 2, "unit_price": "1", "discount": "2.01"}]},
         "lines[0].discount"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "1", "colour": "red"}]},
         "lines[0].colour"),
        ({"lines": "all of them"}, "lines"),
        ({"shipping_amount": "free"}, "shipping_amount"),
        ({"currency": "euro"}, "currency"),
        ({"payment_option": {"slug": "x"}}, "payment_option.payment_type"),
        ({"shipping": "4.90"}, "shipping"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 100000, "unit_price": "9999999999.99"}]}, "lines"),
    ],
)
def test_invalid_bodies_name_the_field_and_write_nothing(app, api, changes, field):
    response = api.post("/pre-orders", json={**BASKET, **changes})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert error["message"].startswith(field)
    assert count_rows(app, PreOrder) == 0 and count_rows(app, PreOrderLine) == 0


@pytest.mark.parametrize("data", [b"{not json", b"[1]", b'"x"'])
def test_body_that_is_not_a_json_object_is_refused(api, data):
    response = api.post("/pre-orders", data=data, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["field"] == "body"


@pytest.mark.parametrize("pre_order_id", [999, 2**31, 2432902008176639999, 10**30])
def test_unknown_pre_order_is_404(api, pre_order_id):
    # Found by schemathesis: ids past the INTEGER key's range were a 503 (PostgreSQL) or 500 (SQLite).
    path = f"/pre-orders/{pre_order_id}"
    for call in (api.get(path), api.patch(path, json={}),
                 api.post(f"{path}/order-number", json={}), api.post(f"{path}/cancel")):
        assert call.status_code == 404
        assert call.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"lines": [{"sku": "A\u0000", "name": "A", "quantity": 1, "unit_price": "1"}]}, "lines[0].sku"),
        ({"lines": [{"sku": "A", "name": "\u0000", "quantity": 1, "unit_price": "1"}]}, "lines[0].name"),
        ({"payment_option": {"slug": "x\u0000", "payment_type": "cash_register"}}, "payment_option.slug"),
        ({"lines": [{"sku": "A\ud800", "name": "A", "quantity": 1, "unit_price": "1"}]}, "lines[0].sku"),
    ],
)
def test_text_the_database_cannot_hold_is_422_naming_the_field(app, api, changes, field):
    # PostgreSQL text cannot hold NUL, nor UTF-8 an unpaired surrogate; it was a 503.
    response = api.post("/pre-orders", json={**BASKET, **changes})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, field)
    assert count_rows(app, PreOrder) == 0


def test_nul_in_a_brought_order_number_or_a_lookup_is_422(api):
    pre_order = opened(api)
    response = api.post(f"/pre-orders/{pre_order['id']}/order-number", json={"order_number": "12\u00003"})
    assert (response.status_code, response.get_json()["error"]["field"]) == (422, "order_number")
    for name in ("order_number", "reference_number"):
        response = api.get("/transactions", query_string={name: "R\x00"})
        assert (response.status_code, response.get_json()["error"]["field"]) == (422, name)


def test_unknown_api_path_and_method_answer_json(api):
    assert api.get("/nothing-here").get_json()["error"]["code"] == "not_found"
    response = api.delete("/pre-orders/1")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_issue_gives_a_keypad_number_with_a_check_digit(api):
    from stdnum import luhn

    pre_order = issued(api)
    number = pre_order["order_number"]
    assert number.isdigit() and len(number) == 10 and luhn.is_valid(number)
    assert pre_order["status"] == "awaiting_payment"
    assert pre_order["expires_at"].endswith("Z")


def test_issue_with_the_commerce_side_number(api, hooks):
    pre_order = opened(api)
    response = api.post(f"/pre-orders/{pre_order['id']}/order-number", json={"order_number": "SHOP-1001"})
    assert response.status_code == 201
    assert response.get_json()["order_number"] == "SHOP-1001"
    assert hooks.pre_order("SHOP-1001")["result"]["success"] is True
    other = opened(api)
    taken = api.post(f"/pre-orders/{other['id']}/order-number", json={"order_number": "SHOP-1001"})
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "order_number_taken"


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"lines": []}, "no_lines"),
        ({"payment_option": None}, "payment_option_missing"),
        ({"payment_option": {"slug": "card", "payment_type": "credit_card"}}, "payment_option_not_cash_register"),
    ],
)
def test_issue_refused_without_lines_or_a_cash_register_option(api, changes, code):
    pre_order = opened(api, **changes)
    response = api.post(f"/pre-orders/{pre_order['id']}/order-number", json={})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == code
    assert api.get(f"/pre-orders/{pre_order['id']}").get_json()["order_number"] is None


def test_reissue_keeps_the_number_renews_the_ttl_and_answers_200(api):
    first = issued(api)
    again = api.post(f"/pre-orders/{first['id']}/order-number", json={})
    assert again.status_code == 200
    assert again.get_json()["order_number"] == first["order_number"]
    assert again.get_json()["expires_at"] >= first["expires_at"]
    mismatch = api.post(f"/pre-orders/{first['id']}/order-number", json={"order_number": "OTHER"})
    assert mismatch.status_code == 409


def test_basket_change_is_basket_changed_on_both_hooks_until_a_new_number_is_issued(api, hooks):
    pre_order = issued(api)
    number, path = pre_order["order_number"], f"/pre-orders/{pre_order['id']}"
    changed = api.patch(path, json={"lines": [{"sku": "SKU-9", "name": "Hat", "quantity": 1, "unit_price": "12.00"}]})
    assert changed.status_code == 200
    assert changed.get_json()["basket_changed"] is True
    assert changed.get_json()["amount"] == "16.90"
    assert pre_order_answer_failed(hooks.pre_order(number), "Basket Changed")
    assert hooks.complete(number)["orderResultResponse"]["result"]["errortext"] == "Basket Changed"
    response = api.post(f"{path}/order-number", json={})
    assert response.status_code == 201
    reissued = response.get_json()
    assert reissued["basket_changed"] is False and reissued["order_number"] != number
    answer = hooks.pre_order(reissued["order_number"])
    assert answer["result"]["success"] is True and answer["orderprice"] == 16.90
    assert pre_order_answer_failed(hooks.pre_order(number), "Order Not Found")


def test_cancel_makes_the_hooks_answer_order_not_found(api, hooks):
    pre_order = issued(api)
    response = api.post(f"/pre-orders/{pre_order['id']}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert pre_order_answer_failed(hooks.pre_order(pre_order["order_number"]), "Order Not Found")
    assert hooks.complete(pre_order["order_number"])["orderResultResponse"]["result"]["errortext"] == "Order Not Found"
    assert api.post(f"/pre-orders/{pre_order['id']}/cancel").status_code == 200  # a repeat is a no-op
    assert api.patch(f"/pre-orders/{pre_order['id']}", json={"shipping_amount": "1"}).status_code == 409
    assert api.post(f"/pre-orders/{pre_order['id']}/order-number", json={}).status_code == 409


def test_paid_pre_order_shows_its_transaction_and_refuses_changes(api, hooks):
    pre_order = issued(api)
    hooks.complete(pre_order["order_number"], reference="R-55", staff_id="agent-1")
    paid = api.get(f"/pre-orders/{pre_order['id']}").get_json()
    assert paid["status"] == "paid"
    transaction = paid["transaction"]
    assert transaction["reference_number"] == "R-55" and transaction["staff_id"] == "agent-1"
    assert transaction["amount"] == BASKET_TOTAL and transaction["currency"] == "EUR"
    assert transaction["created_at"].endswith("Z")
    for response in (api.patch(f"/pre-orders/{pre_order['id']}", json={"shipping_amount": "1"}),
                     api.post(f"/pre-orders/{pre_order['id']}/cancel"),
                     api.post(f"/pre-orders/{pre_order['id']}/order-number", json={})):
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "pre_order_paid"


def test_expired_number_reads_expired_and_hooks_say_order_not_found(app_with, api, hooks):
    from tests.helpers import API_TOKEN

    client = app_with(IVR_ORDER_TTL_SECONDS=0).test_client()
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    pre_order = client.post("/api/pre-orders", json=BASKET, headers=headers).get_json()
    issued_now = client.post(f"/api/pre-orders/{pre_order['id']}/order-number", json={}, headers=headers)
    number = issued_now.get_json()["order_number"]
    assert client.get(f"/api/pre-orders/{pre_order['id']}", headers=headers).get_json()["status"] == "expired"
    assert pre_order_answer_failed(hooks.pre_order(number), "Order not found")
    assert hooks.complete(number)["orderResultResponse"]["result"]["errortext"] == "Order Not Found"
    # Re-issuing (here through the app with the default one-hour TTL) brings the number back.
    reissued = api.post(f"/pre-orders/{pre_order['id']}/order-number", json={})
    assert reissued.status_code == 200 and reissued.get_json()["status"] == "awaiting_payment"
    assert hooks.pre_order(number)["result"]["success"] is True


def test_patch_payment_option_null_clears_it(api):
    pre_order = opened(api)
    cleared = api.patch(f"/pre-orders/{pre_order['id']}", json={"payment_option": None})
    assert cleared.status_code == 200 and cleared.get_json()["payment_option"] is None


@pytest.mark.parametrize("changes, field", [({"lines": None}, "lines"), ({"currency": None}, "currency"),
                                            ({"shipping_amount": None}, "shipping_amount")])
def test_patch_refuses_null_for_required_fields_and_changes_nothing(api, changes, field):
    pre_order = opened(api)
    response = api.patch(f"/pre-orders/{pre_order['id']}", json=changes)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field
    assert api.get(f"/pre-orders/{pre_order['id']}").get_json() == pre_order


def test_patch_with_one_bad_field_changes_none(api):
    pre_order = opened(api)
    response = api.patch(f"/pre-orders/{pre_order['id']}", json={"shipping_amount": "9.99", "currency": "??"})
    assert response.status_code == 422
    assert api.get(f"/pre-orders/{pre_order['id']}").get_json()["shipping_amount"] == "4.90"


def test_transactions_by_order_or_reference(api, hooks):
    first, second = issued(api), issued(api)
    hooks.complete(first["order_number"], reference="R-1")
    hooks.complete(second["order_number"], reference="R-2")
    by_order = api.get(f"/transactions?order_number={first['order_number']}").get_json()["transactions"]
    assert [item["reference_number"] for item in by_order] == ["R-1"]
    by_reference = api.get("/transactions?reference_number=R-2").get_json()["transactions"]
    assert [item["order_number"] for item in by_reference] == [second["order_number"]]
    assert Decimal(by_reference[0]["amount"]) == Decimal(BASKET_TOTAL)
    assert api.get("/transactions?order_number=nothing").get_json() == {"transactions": []}
    assert api.get("/transactions").status_code == 422


def test_every_write_answers_what_a_fresh_read_then_finds(app_with):
    # The writes answer from the pre-order they wrote, without reading it back; a second app
    # (no pytest-flask context held open) makes each call a request of its own, as in production.
    client = app_with().test_client()
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    opened = client.post("/api/pre-orders", json=BASKET, headers=headers).get_json()
    path = f"/api/pre-orders/{opened['id']}"
    writes = [
        lambda: opened,
        lambda: client.patch(path, json={"shipping_amount": "7.50"}, headers=headers).get_json(),
        lambda: client.post(path + "/order-number", json={}, headers=headers).get_json(),
        lambda: client.post(path + "/cancel", headers=headers).get_json(),
    ]
    for write, status in zip(writes, ["open", "open", "awaiting_payment", "cancelled"]):
        answer = write()
        assert answer["status"] == status
        assert answer == client.get(path, headers=headers).get_json()


def test_the_hosts_session_setting_is_left_as_it_was(app, api):
    from ivr_module.db import db

    opened = api.post("/pre-orders", json=BASKET).get_json()
    api.post(f"/pre-orders/{opened['id']}/order-number", json={})
    with app.app_context():
        assert db.session().expire_on_commit is True

"""An order number names one basket (CONTRACT.md section 4): the amount heard is the amount recorded."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from stdnum import luhn

from ivr_module.db import db
from ivr_module.models import HookCall, PreOrder, RetiredOrderNumber
from ivr_module.services import checkout
from ivr_module.services.error_texts import HookError
from tests.helpers import BASKET, Hooks, new_pre_order, pre_order_answer_failed, transactions

NEW_SHIPPING = {"shipping_amount": "25000.00"}
NEW_TOTAL = Decimal("25055.07")  # the basket's 55.07 without shipping, plus 25000.00


def issue(api, pre_order_id, **body):
    """POST order-number; returns (status, JSON answer)."""
    response = api.post(f"/pre-orders/{pre_order_id}/order-number", json=body)
    return response.status_code, response.get_json()


def change(api, pre_order_id, **changes):
    response = api.patch(f"/pre-orders/{pre_order_id}", json=changes)
    assert response.status_code == 200, response.get_json()


def complete_text(answer) -> str:
    return answer["orderResultResponse"]["result"]["errortext"]


def last_call(app) -> HookCall:
    with app.app_context():
        return db.session.scalars(select(HookCall).order_by(HookCall.id.desc())).first()


def retired_numbers(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(RetiredOrderNumber).order_by(RetiredOrderNumber.retired_at))
        return [(row.order_number, row.replaced_by) for row in rows]


# --- Re-issuing ------------------------------------------------------------------------------


def test_reissuing_an_unchanged_basket_keeps_the_number_and_renews_it(api, make_pre_order):
    pre_order_id, number = make_pre_order()
    first_expiry = api.get(f"/pre-orders/{pre_order_id}").get_json()["expires_at"]
    status, answer = issue(api, pre_order_id)
    assert status == 200 and answer["order_number"] == number
    assert answer["expires_at"] >= first_expiry


def test_reissuing_after_a_basket_change_retires_the_number_and_issues_a_new_one(app, api, make_pre_order):
    pre_order_id, old_number = make_pre_order()
    change(api, pre_order_id, **NEW_SHIPPING)
    status, answer = issue(api, pre_order_id)
    assert status == 201
    new_number = answer["order_number"]
    assert new_number != old_number and new_number.isdigit() and luhn.is_valid(new_number)
    assert answer["basket_changed"] is False and answer["amount"] == str(NEW_TOTAL)
    assert answer["status"] == "awaiting_payment"
    assert retired_numbers(app) == [(old_number, new_number)]
    # The new number is then re-issued as the same one while the basket stays as it is.
    assert issue(api, pre_order_id)[0] == 200
    assert api.get(f"/pre-orders/{pre_order_id}").get_json()["order_number"] == new_number


def test_a_basket_changed_back_keeps_its_number(app, api, make_pre_order):
    pre_order_id, number = make_pre_order()
    change(api, pre_order_id, **NEW_SHIPPING)
    change(api, pre_order_id, shipping_amount=BASKET["shipping_amount"])
    status, answer = issue(api, pre_order_id)
    assert status == 200 and answer["order_number"] == number
    assert retired_numbers(app) == []


def test_a_payment_option_change_keeps_the_number(app, api, make_pre_order):
    pre_order_id, number = make_pre_order()
    change(api, pre_order_id, payment_option={"slug": "ivr-2", "payment_type": "cash_register"})
    assert issue(api, pre_order_id)[0] == 200
    assert retired_numbers(app) == []


def test_each_change_retires_the_number_in_use(app, api, make_pre_order):
    pre_order_id, first = make_pre_order()
    change(api, pre_order_id, shipping_amount="1.00")
    second = issue(api, pre_order_id)[1]["order_number"]
    change(api, pre_order_id, shipping_amount="2.00")
    third = issue(api, pre_order_id)[1]["order_number"]
    assert len({first, second, third}) == 3
    assert retired_numbers(app) == [(first, second), (second, third)]


def test_an_expired_number_of_a_changed_basket_is_retired_too(app, app_with, api):
    pre_order_id, number = new_pre_order(app_with(IVR_ORDER_TTL_SECONDS=0))
    change(api, pre_order_id, **NEW_SHIPPING)
    status, answer = issue(api, pre_order_id)
    assert status == 201 and answer["order_number"] != number
    assert answer["status"] == "awaiting_payment"


def test_a_generated_number_never_repeats_a_retired_one(app, api, make_pre_order, monkeypatch):
    pre_order_id, old_number = make_pre_order()
    change(api, pre_order_id, **NEW_SHIPPING)
    fresh = "1234567897"
    draws = iter([old_number, fresh])  # the random source first draws the number being retired
    monkeypatch.setattr(checkout, "generate_order_number", lambda: next(draws))
    assert issue(api, pre_order_id)[1]["order_number"] == fresh
    other_id, _ = make_pre_order(issue=False)
    draws = iter([old_number, "2345678907"])
    assert issue(api, other_id)[1]["order_number"] == "2345678907"


# --- Bringing the commerce side's number -----------------------------------------------------


def test_bringing_the_current_number_after_a_change_is_409_and_changes_nothing(app, api, make_pre_order):
    pre_order_id, number = make_pre_order()
    change(api, pre_order_id, **NEW_SHIPPING)
    status, answer = issue(api, pre_order_id, order_number=number)
    assert status == 409
    assert answer["error"]["code"] == "order_number_taken" and answer["error"]["field"] == "order_number"
    assert "already issued for another basket" in answer["error"]["message"]
    after = api.get(f"/pre-orders/{pre_order_id}").get_json()
    assert after["order_number"] == number and after["basket_changed"] is True
    assert retired_numbers(app) == []


def test_a_fresh_number_brought_after_a_change_replaces_the_old_one(app, api, make_pre_order):
    pre_order_id, number = make_pre_order()
    change(api, pre_order_id, **NEW_SHIPPING)
    status, answer = issue(api, pre_order_id, order_number="SHOP-2002")
    assert status == 201 and answer["order_number"] == "SHOP-2002"
    assert retired_numbers(app) == [(number, "SHOP-2002")]


@pytest.mark.parametrize("whose", ["own", "another pre-order's"])
def test_bringing_a_retired_number_is_409(app, api, make_pre_order, whose):
    pre_order_id, retired = make_pre_order()
    change(api, pre_order_id, **NEW_SHIPPING)
    issue(api, pre_order_id)
    if whose == "own":
        change(api, pre_order_id, shipping_amount="1.00")
        target = pre_order_id
    else:
        target, _ = make_pre_order(issue=False)
    status, answer = issue(api, target, order_number=retired)
    assert status == 409 and answer["error"]["code"] == "order_number_taken"


def test_bringing_a_different_number_for_an_unchanged_basket_is_409(api, make_pre_order):
    pre_order_id, number = make_pre_order()
    status, answer = issue(api, pre_order_id, order_number="SHOP-OTHER")
    assert status == 409 and answer["error"]["code"] == "order_number_mismatch"
    assert issue(api, pre_order_id, order_number=number)[0] == 200


# --- What the hooks answer to a retired number -----------------------------------------------


@pytest.fixture
def replaced(app, api, hooks, make_pre_order):
    """A pre-order whose caller heard the total under its first number; then its basket changed
    and a new number was issued. Returns (pre-order id, old number, new number)."""
    pre_order_id, old_number = make_pre_order()
    assert hooks.pre_order(old_number)["orderprice"] == 59.97  # heard, and now cached
    change(api, pre_order_id, **NEW_SHIPPING)
    status, answer = issue(api, pre_order_id)
    assert status == 201
    return pre_order_id, old_number, answer["order_number"]


def test_pre_order_answers_order_not_found_to_a_retired_number(app, hooks, replaced):
    _, old_number, new_number = replaced
    assert pre_order_answer_failed(hooks.pre_order(old_number), HookError.SESSION_NOT_FOUND)
    call = last_call(app)
    assert (call.endpoint, call.order_number, call.error_text) == ("pre_order", old_number, "Order Not Found")
    assert call.detail == f"replaced after a basket change by order number {new_number}"
    assert hooks.pre_order(new_number)["orderprice"] == float(NEW_TOTAL)


def test_complete_with_a_retired_number_records_nothing(app, hooks, replaced):
    _, old_number, new_number = replaced
    assert complete_text(hooks.complete(old_number, reference="R-OLD")) == HookError.SESSION_NOT_FOUND
    call = last_call(app)
    assert (call.endpoint, call.order_number, call.error_text) == ("complete", old_number, "Order Not Found")
    assert call.detail == f"replaced after a basket change by order number {new_number}"
    assert transactions(app) == []
    # The reference refused stays unused, and the new number is paid at its own total.
    assert complete_text(hooks.complete(new_number, reference="R-OLD")) == ""
    [recorded] = transactions(app)
    assert (recorded.order_number, recorded.amount) == (new_number, NEW_TOTAL)


def test_a_retired_number_is_refused_from_the_database_when_the_cache_forgot_it(app, hooks, replaced):
    from ivr_module.cache import cache

    _, old_number, _ = replaced
    with app.app_context():
        cache.clear()
    assert pre_order_answer_failed(hooks.pre_order(old_number), HookError.SESSION_NOT_FOUND)
    assert last_call(app).detail.startswith("replaced after a basket change")
    assert pre_order_answer_failed(hooks.pre_order(old_number), HookError.SESSION_NOT_FOUND)  # now cached


def test_a_retired_number_stays_order_not_found_after_its_expiry(app, hooks, replaced):
    from ivr_module.cache import cache

    _, old_number, _ = replaced
    with app.app_context():
        for pre_order in db.session.scalars(select(PreOrder)):
            pre_order.expires_at = pre_order.created_at  # long past
        db.session.commit()
        cache.clear()
    assert pre_order_answer_failed(hooks.pre_order(old_number), HookError.SESSION_NOT_FOUND)
    assert complete_text(hooks.complete(old_number)) == HookError.SESSION_NOT_FOUND


def test_a_cancelled_pre_orders_retired_number_is_still_replaced(app, api, hooks, replaced):
    pre_order_id, old_number, new_number = replaced
    assert api.post(f"/pre-orders/{pre_order_id}/cancel").status_code == 200
    hooks.pre_order(old_number)
    assert last_call(app).detail == f"replaced after a basket change by order number {new_number}"


# --- The mid-call race, in sequence (both backends) ------------------------------------------


def test_mid_call_change_and_reissue_then_complete_with_the_old_number_records_nothing(app, api, hooks):
    pre_order_id, number = new_pre_order(app, shipping_amount="0.00", lines=[
        {"sku": "CHEAP", "name": "Trinket", "quantity": 1, "unit_price": "1.00"}])
    assert hooks.pre_order(number)["orderprice"] == 1.00  # what the caller hears
    change(api, pre_order_id, lines=[{"sku": "CHEAP", "name": "Trinket", "quantity": 1, "unit_price": "25000.00"}])
    status, answer = issue(api, pre_order_id)
    assert status == 201 and answer["amount"] == "25000.00"
    assert complete_text(hooks.complete(number, reference="R-CALLER")) == HookError.SESSION_NOT_FOUND
    assert transactions(app) == []
    assert api.get(f"/pre-orders/{pre_order_id}").get_json()["status"] == "awaiting_payment"


def test_complete_between_the_change_and_the_reissue_is_basket_changed(app, api, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    hooks.pre_order(number)
    change(api, pre_order_id, **NEW_SHIPPING)
    assert complete_text(hooks.complete(number)) == HookError.BASKET_CHANGED
    assert transactions(app) == []


def test_a_number_paid_before_the_change_keeps_the_amount_heard(app, api, hooks, make_pre_order):
    pre_order_id, number = make_pre_order()
    assert hooks.pre_order(number)["orderprice"] == 59.97
    assert complete_text(hooks.complete(number)) == ""
    assert api.patch(f"/pre-orders/{pre_order_id}", json=NEW_SHIPPING).status_code == 409
    assert issue(api, pre_order_id)[0] == 409
    [recorded] = transactions(app)
    assert recorded.amount == Decimal("59.97")


def test_the_service_api_reports_a_new_number(app, make_pre_order):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        assert checkout.issue_order_number(pre_order_id)[1] is False
        checkout.change_pre_order(pre_order_id, NEW_SHIPPING)
        pre_order, is_new = checkout.issue_order_number(pre_order_id)
        assert is_new is True and pre_order.order_number != number
        assert checkout.number_taken(number)  # retired numbers are never issued again


def test_two_apps_share_what_was_retired(app, app_with, replaced):
    # Another worker (its own cache on SQLite, the shared Redis on PostgreSQL) refuses it too.
    _, old_number, _ = replaced
    other = Hooks(app_with().test_client())
    assert pre_order_answer_failed(other.pre_order(old_number), HookError.SESSION_NOT_FOUND)
    assert complete_text(other.complete(old_number)) == HookError.SESSION_NOT_FOUND

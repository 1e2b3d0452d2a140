"""Why a basket changed, line by line: on the order lookup and on a failed call's details."""

import html
import re
from decimal import Decimal

from sqlalchemy import select, update

from ivr_module.admin.basket_change import basket_change
from ivr_module.db import db
from ivr_module.demo import DEMO_ORDERS
from ivr_module.models import HookCall, PreOrder, RetiredOrderNumber
from ivr_module.services.basket_diff import ChangeKind
from ivr_module.services.basket_snapshot import load_basket
from ivr_module.services.error_texts import HookError
from tests.helpers import BASKET, CASH_REGISTER_OPTION

# From BASKET (59.97 EUR): one shirt fewer, the socks gone, a cap added, free shipping.
CHANGED_LINES = {
    "lines": [
        {"sku": "SKU-1", "name": "Shirt", "quantity": 2, "unit_price": "19.99", "discount": "5.00"},
        {"sku": "SKU-3", "name": "Cap", "quantity": 1, "unit_price": "12.00"},
    ],
    "shipping_amount": "0.00",
}
# (what changed, sku, product, at issue, now, effect on the amount)
CHANGED_ROWS = [
    ("Quantity", "SKU-1", "Shirt", "3", "2", "-19.99"),
    ("Line removed", "SKU-2", "Socks", "1 × 0.10 = 0.10", "—", "-0.10"),
    ("Line added", "SKU-3", "Cap", "—", "1 × 12.00 = 12.00", "+12.00"),
    ("Shipping", "", "", "4.90", "0.00", "-4.90"),
]
CHANGED_AMOUNT = ("Amount", "59.97 EUR", "46.98 EUR", "-12.99")


def _text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def diff_section(page: str) -> str | None:
    """The basket diff's section of a page, or None when the page has none."""
    found = re.search(r'<section class="mb-4 ivr-basket-diff".*?</section>', page, re.S)
    return found.group(0) if found else None


def diff_rows(page: str) -> list[tuple[str, ...]]:
    """The diff table's rows as the text of their cells."""
    body = re.search(r"<tbody>(.*?)</tbody>", diff_section(page), re.S).group(1)
    return [
        tuple(_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def diff_amount(page: str) -> tuple[str, ...]:
    """The diff table's footer: the amount at issue, now, and the change."""
    foot = re.search(r"<tfoot>(.*?)</tfoot>", diff_section(page), re.S).group(1)
    return tuple(_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", foot, re.S))


def failed_call_id(app, order_number: str) -> int:
    """The id of the last failed hook call for a number."""
    with app.app_context():
        return db.session.scalar(
            select(HookCall.id)
            .where(HookCall.order_number == order_number, HookCall.success.is_(False))
            .order_by(HookCall.id.desc())
        )


# --- The order lookup ------------------------------------------------------------------------


def test_lookup_shows_each_change_with_old_value_new_value_and_effect(staff, client, make_pre_order, api):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGED_LINES)
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={number}").text
    assert f"How the basket changed since {number} was issued" in diff_section(page)
    assert diff_rows(page) == CHANGED_ROWS
    assert diff_amount(page) == CHANGED_AMOUNT


def test_lookup_shows_price_discount_and_currency_changes(staff, client, make_pre_order, api):
    pre_order_id, number = make_pre_order()
    lines = [{**BASKET["lines"][0], "unit_price": "21.00", "discount": "2.50"}, BASKET["lines"][1]]
    api.patch(f"/pre-orders/{pre_order_id}", json={"lines": lines, "currency": "TRY"})
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={number}").text
    assert diff_rows(page) == [
        ("Unit price", "SKU-1", "Shirt", "19.99", "21.00", "+3.03"),
        ("Discount", "SKU-1", "Shirt", "5.00", "2.50", "+2.50"),
        ("Currency", "", "", "EUR", "TRY", "amounts not comparable"),
    ]
    assert diff_amount(page) == ("Amount", "59.97 EUR", "65.50 TRY", "the currency changed")


def test_lookup_of_an_unchanged_basket_shows_no_diff(staff, client, make_pre_order, api):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json={"payment_option": {**CASH_REGISTER_OPTION, "name": "Phone"}})
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={number}").text
    assert "ivr-pre-order" in page and diff_section(page) is None


def test_a_retired_number_keeps_its_basket_and_its_lookup_still_explains_the_change(
    app, staff, client, make_pre_order, api
):
    pre_order_id, old_number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGED_LINES)
    new_number = api.post(f"/pre-orders/{pre_order_id}/order-number", json={}).get_json()["order_number"]
    with app.app_context():
        retired = db.session.get(RetiredOrderNumber, old_number)
        pre_order = db.session.get(PreOrder, pre_order_id)
        assert load_basket(retired.snapshot_basket).amount == Decimal("59.97")
        assert load_basket(pre_order.snapshot_basket).amount == Decimal("46.98")  # the new issue's snapshot
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={old_number}").text
    assert f"How the basket changed since {old_number} was issued" in diff_section(page)
    assert diff_rows(page) == CHANGED_ROWS
    # The new number names the basket as it is: nothing to explain there.
    assert diff_section(client.get(f"/admin/lookup?order_number={new_number}").text) is None


def test_a_number_issued_before_snapshots_kept_lines_says_so_plainly(app, staff, client, make_pre_order, api):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGED_LINES)
    with app.app_context():  # as a row issued before migration 0010 reads
        db.session.execute(update(PreOrder).where(PreOrder.id == pre_order_id).values(snapshot_basket=None))
        db.session.commit()
    staff.login("support")
    response = client.get(f"/admin/lookup?order_number={number}")
    assert response.status_code == 200
    section = diff_section(response.text)
    assert "ivr-basket-diff-not-kept" in section and "only the fact that the basket changed is known" in section
    assert "<table" not in section


# --- A failed call's details -----------------------------------------------------------------


def test_a_basket_changed_calls_details_show_the_diff(app, staff, client, make_pre_order, api, hooks):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGED_LINES)
    assert hooks.pre_order(number)["result"]["errortext"] == HookError.BASKET_CHANGED
    staff.login("support")
    page = client.get(f"/admin/failed-attempts/details/?id={failed_call_id(app, number)}").text
    assert "basket_changed" in page
    assert diff_rows(page) == CHANGED_ROWS and diff_amount(page) == CHANGED_AMOUNT


def test_a_replaced_numbers_failed_call_shows_the_diff_of_its_own_basket(
    app, staff, client, make_pre_order, api, hooks
):
    pre_order_id, old_number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGED_LINES)
    api.post(f"/pre-orders/{pre_order_id}/order-number", json={})
    assert hooks.pre_order(old_number)["result"]["errortext"] == HookError.SESSION_NOT_FOUND
    staff.login("support")
    page = client.get(f"/admin/failed-attempts/details/?id={failed_call_id(app, old_number)}").text
    assert "order_not_found_replaced" in page and diff_rows(page) == CHANGED_ROWS


def test_a_basket_changed_back_since_the_call_says_it_is_the_same_now(
    app, staff, client, make_pre_order, api, hooks
):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGED_LINES)
    hooks.pre_order(number)
    api.patch(f"/pre-orders/{pre_order_id}", json={"lines": BASKET["lines"], "shipping_amount": "4.90"})
    staff.login("support")
    page = client.get(f"/admin/failed-attempts/details/?id={failed_call_id(app, number)}").text
    assert "The basket is now the same as when this number was issued." in diff_section(page)


def test_other_failures_show_no_diff(app, staff, client, make_pre_order, api, hooks):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json={**CHANGED_LINES, "payment_option": None})
    assert hooks.pre_order(number)["result"]["errortext"] == HookError.PAYMENT_OPTION_NULL
    staff.login("support")
    response = client.get(f"/admin/failed-attempts/details/?id={failed_call_id(app, number)}")
    assert response.status_code == 200 and "payment_option_null" in response.text
    assert diff_section(response.text) is None


# --- The demo data ---------------------------------------------------------------------------


def test_the_demo_has_a_basket_changed_order_whose_diff_shows_every_kind_of_line_change(
    app, runner, staff, client
):
    assert runner.invoke(args=["ivr", "demo"]).exit_code == 0
    number = DEMO_ORDERS[1].order_number
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={number}").text
    kinds = [kind for kind, *_ in diff_rows(page)]
    assert kinds == ["Quantity", "Unit price", "Discount", "Line removed", "Line added", "Shipping"]
    # Its logged Basket Changed call shows the same diff.
    details = client.get(f"/admin/failed-attempts/details/?id={failed_call_id(app, number)}").text
    assert diff_rows(details) == diff_rows(page)


def test_generated_basket_changed_orders_keep_the_basket_they_had_at_issue(app, runner):
    args = ["ivr", "generate-data", "--hook-calls", "300", "--transactions", "100", "--days", "2", "--seed", "8"]
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        changed = [p for p in db.session.scalars(select(PreOrder)) if p.basket_changed]
        assert changed
        for pre_order in changed:
            diff = basket_change(pre_order).diff
            first = pre_order.lines[0]
            assert [(c.kind, c.old, c.new) for c in diff.changes] == [
                (ChangeKind.QUANTITY, first.quantity + 1, first.quantity)
            ]

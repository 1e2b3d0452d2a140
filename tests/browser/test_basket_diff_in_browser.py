"""The diff shown after a basket change, in a real browser: on the lookup and on the failed call."""

from playwright.sync_api import expect

from ivr_module.services.error_texts import HookError
from tests.helpers import STAFF_PASSWORD, make_staff

from .conftest import log_in

# From the tests' BASKET (59.97 EUR): one shirt fewer, the socks gone, a cap added, free shipping.
CHANGE = {
    "lines": [
        {"sku": "SKU-1", "name": "Shirt", "quantity": 2, "unit_price": "19.99", "discount": "5.00"},
        {"sku": "SKU-3", "name": "Cap", "quantity": 1, "unit_price": "12.00"},
    ],
    "shipping_amount": "0.00",
}
KINDS = ["quantity", "removed", "added", "shipping"]


def diff_kinds(page) -> list[str]:
    rows = page.locator(".ivr-basket-diff-table tbody tr")
    return [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())]


def test_support_sees_why_the_basket_changed_on_the_lookup_and_the_failed_call(
    app, server, page, make_pre_order, api, hooks
):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json=CHANGE)
    assert hooks.pre_order(number)["result"]["errortext"] == HookError.BASKET_CHANGED
    make_staff(app, "support-ayse", "support")
    log_in(page, server, "support-ayse", STAFF_PASSWORD)

    page.fill("#lookup-number", number)
    page.press("#lookup-number", "Enter")
    page.wait_for_url(f"{server}/admin/lookup?order_number={number}")
    diff = page.locator(".ivr-basket-diff")
    expect(diff.get_by_role("heading")).to_have_text(f"How the basket changed since {number} was issued")
    assert diff_kinds(page) == KINDS
    quantity = page.locator('.ivr-basket-diff-table tr[data-kind="quantity"]')
    assert quantity.locator('[data-field="old"]').inner_text() == "3"
    assert quantity.locator('[data-field="new"]').inner_text() == "2"
    assert quantity.locator('[data-field="effect"]').inner_text() == "-19.99"
    amount = page.locator(".ivr-basket-diff-amount")
    assert amount.locator('[data-field="old"]').inner_text() == "59.97 EUR"
    assert amount.locator('[data-field="new"]').inner_text() == "46.98 EUR"

    page.get_by_role("link", name="Failed attempts").click()
    page.locator("table.model-list tbody tr").first.locator("a.icon").first.click()
    expect(page.locator(".ivr-basket-diff")).to_be_visible()
    assert "basket_changed" in page.inner_text("body")
    assert diff_kinds(page) == KINDS
    assert page.console.errors == []

"""A phone search in a real browser: the call-centre finds the order masked, and opens it whole."""

from playwright.sync_api import expect

from tests.helpers import STAFF_PASSWORD, make_staff

from .conftest import log_in

AYSE = {"name": "Ayşe Yılmaz", "phone": "+90 532 123 45 34", "email": "ayse.yilmaz@example.com"}


def test_callcentre_finds_an_order_by_the_last_digits_of_the_phone(app, server, page, make_pre_order):
    _, number = make_pre_order(customer=AYSE)
    make_pre_order(customer={"phone": "0212 555 01 99"})  # another customer, not found
    make_staff(app, "callcentre-emre", "callcentre")
    log_in(page, server, "callcentre-emre", STAFF_PASSWORD)

    page.fill("#lookup-number", "45 34")  # the dashboard's box, as the caller reads the digits out
    page.press("#lookup-number", "Enter")
    page.wait_for_url(f"{server}/admin/lookup")  # a POST: the digits are in no URL
    rows = page.locator(".ivr-search-table tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator('[data-field="phone"]')).to_have_text("+90 5** *** ** 34")
    expect(row.locator('[data-field="email"]')).to_have_text("a***@example.com")
    expect(row.locator('[data-field="customer"]')).to_have_text("Ayşe Yılmaz")
    expect(row.locator('[data-field="amount"]')).to_have_text("59.97 EUR")
    expect(row.locator('[data-field="status"]')).to_have_text("awaiting payment")
    assert "532 123" not in page.inner_text("body")

    row.get_by_role("link", name=number).click()
    page.wait_for_url(f"{server}/admin/lookup?order_number={number}")
    expect(page.locator('.ivr-pre-order [data-field="phone"]')).to_have_text("+90 532 123 45 34")
    expect(page.locator('.ivr-pre-order [data-field="email"]')).to_have_text("ayse.yilmaz@example.com")
    page.reload()  # the first view is on the timeline now, under the viewer's name
    expect(page.locator(".ivr-timeline")).to_contain_text("Customer contact viewed")
    expect(page.locator(".ivr-timeline")).to_contain_text("callcentre-emre")
    assert page.console.errors == []

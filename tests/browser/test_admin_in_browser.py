"""The admin in a real browser (chromium via Playwright): login, search, export, rights, CSRF, charts."""

import re

from playwright.sync_api import expect

from ivr_module.services.error_texts import HookError
from tests.helpers import STAFF_PASSWORD, make_staff

from .conftest import log_in

# The Content-Security-Policy would report any inline script as a console error.


def test_a_logged_out_visitor_is_sent_to_login(server, page):
    page.goto(f"{server}/admin/transactions/")
    assert re.search(r"/admin/auth/login\?next=/admin/transactions/$", page.url)
    assert page.get_by_role("heading", name="Log in").is_visible()
    assert page.console.errors == []


def test_support_reads_a_failed_calls_error_text_from_the_dashboard_search(
    app, server, page, make_pre_order, api, hooks
):
    pre_order_id, number = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json={"shipping_amount": "0"})
    assert hooks.pre_order(number)["result"]["errortext"] == HookError.BASKET_CHANGED
    make_staff(app, "support-ayse", "support")
    log_in(page, server, "support-ayse", STAFF_PASSWORD)
    page.fill("#lookup-number", number)
    page.press("#lookup-number", "Enter")
    page.wait_for_url(f"{server}/admin/lookup?order_number={number}")
    assert page.locator(".ivr-hook-calls .ivr-error-text").first.inner_text() == HookError.BASKET_CHANGED
    assert "basket differs from the snapshot" in page.locator(".ivr-hook-calls").inner_text()
    assert page.console.errors == []


def test_callcentre_finds_a_transaction_by_reference_and_exports_it(
    app, server, page, make_pre_order, hooks
):
    for reference in ("REF-BROWSER-1", "REF-BROWSER-2"):
        _, number = make_pre_order()
        hooks.complete(number, reference=reference)
    make_staff(app, "callcentre-mehmet", "callcentre")
    log_in(page, server, "callcentre-mehmet", STAFF_PASSWORD)
    page.get_by_role("link", name="Transactions").click()
    page.fill("input[name=search]", "REF-BROWSER-1")
    page.press("input[name=search]", "Enter")
    page.wait_for_url(f"{server}/admin/transactions/?search=REF-BROWSER-1")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    assert "REF-BROWSER-1" in rows.first.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export").click()
    exported = open(download.value.path(), encoding="utf-8").read()
    assert "REF-BROWSER-1" in exported and "REF-BROWSER-2" not in exported
    assert page.console.errors == []


def test_callcentre_cannot_open_the_users_view(app, server, page):
    make_staff(app, "callcentre-mehmet", "callcentre")
    log_in(page, server, "callcentre-mehmet", STAFF_PASSWORD)
    assert page.get_by_role("link", name="Users").count() == 0
    response = page.goto(f"{server}/admin/users/")
    assert response.status == 403
    assert "Not allowed" in page.inner_text("body")


def test_a_form_posted_without_its_csrf_token_is_refused(app, server, page):
    make_staff(app, "admin-zeynep", "admin")
    page.goto(f"{server}/admin/auth/login")
    page.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    page.fill("#username", "admin-zeynep")
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    assert navigation.value.status == 400
    assert "CSRF token is missing" in page.inner_text("body")
    assert page.goto(f"{server}/admin/").url.startswith(f"{server}/admin/auth/login")


def canvas_is_drawn(page, canvas_id) -> bool:
    return page.locator(f"#{canvas_id}").evaluate(
        """canvas => {
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            return window.Chart.getChart(canvas) !== undefined && pixels.some(value => value !== 0);
        }"""
    )


def test_dashboard_charts_render_without_console_errors(app, runner, server, page):
    runner.invoke(args=["ivr", "generate-data", "--hook-calls", "400", "--transactions", "60", "--days", "30"])
    make_staff(app, "admin-zeynep", "admin")
    log_in(page, server, "admin-zeynep", STAFF_PASSWORD)
    for period in ("Today", "Last 7 days", "Last 30 days"):
        page.locator(".nav-pills").get_by_role("link", name=period).click()
        page.wait_for_load_state("load")
        assert canvas_is_drawn(page, "payments-chart"), period
        assert canvas_is_drawn(page, "failures-chart"), period
    assert page.console.errors == []


def test_list_menus_filters_and_actions_work_under_the_csp(app, server, page, make_pre_order, hooks):
    pre_order_id, _ = make_pre_order()
    hooks.pre_order("5555555557")
    make_staff(app, "admin-zeynep", "admin")
    log_in(page, server, "admin-zeynep", STAFF_PASSWORD, next_path="/admin/failed-attempts/")
    page.get_by_role("button", name="Add Filter").click()
    page.locator(".field-filters a.filter", has_text="Error text").click()
    expect(page.locator("#filter_form .filters tr")).to_have_count(1)
    assert page.url.endswith("/admin/failed-attempts/")  # the menu link did not navigate
    # The admin cancels a pre-order through the list's action menu, giving the reason asked for.
    page.goto(f"{server}/admin/pre-orders/")
    page.locator(f"input.action-checkbox[value='{pre_order_id}']").check()
    page.get_by_role("button", name="With selected").click()
    page.locator("[data-ivr-action=cancel]").click()
    page.fill("#reason", "the customer asked by phone")
    page.get_by_role("button", name="Cancel 1 pre-order(s)").click()
    expect(page.locator(".alert-success")).to_contain_text("Cancelled 1 pre-order(s).")
    assert page.console.errors == []


def test_admin_creates_a_user_through_the_form(app, server, page):
    make_staff(app, "admin-zeynep", "admin")
    log_in(page, server, "admin-zeynep", STAFF_PASSWORD, next_path="/admin/users/")
    page.get_by_role("link", name="Create", exact=True).click()
    page.fill("#username", "support-leyla")
    page.select_option("#role", "support", force=True)  # select2 hides the <select> behind its widget
    page.fill("#password", "leyla-password-1")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Record was successfully created.")
    expect(page.locator("table.model-list")).to_contain_text("support-leyla")
    assert page.console.errors == []

"""The dashboard and the lookup in Turkish, in a real browser, for a staff member who chose Turkish."""

import os

from playwright.sync_api import expect

from ivr_module.services.error_texts import HookError
from ivr_module.services.failure_codes import FailureCode
from ivr_module.services.failure_hints import DEFAULT_HINTS
from tests.helpers import STAFF_PASSWORD, make_staff

from .conftest import log_in

# 1,234.56 TRY: two shirts at 617.28, no discount, no shipping.
TURKISH_BASKET = {
    "lines": [{"sku": "SKU-1", "name": "Gömlek", "quantity": 2, "unit_price": "617.28"}],
    "shipping_amount": "0.00",
    "currency": "TRY",
}


def chart_legend(page, canvas_id: str) -> list[str]:
    """The dataset labels Chart.js drew on a canvas."""
    return page.evaluate(
        "id => window.Chart.getChart(document.getElementById(id)).data.datasets.map(set => set.label)",
        canvas_id,
    )


def screenshot(page, name: str) -> None:
    """Keep a picture of the page when IVR_TEST_SCREENSHOTS names a folder (for the README)."""
    folder = os.environ.get("IVR_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_the_dashboard_and_lookup_in_turkish(app, server, page, make_pre_order, hooks):
    _, paid = make_pre_order(**TURKISH_BASKET)
    hooks.complete(paid, reference="REF-TR-1", staff_id="temsilci-1")
    hooks.pre_order("1234567890")  # an unknown number: a failure of the day
    make_staff(app, "ayse", "callcentre", locale="tr")
    log_in(page, server, "ayse", STAFF_PASSWORD)

    # The dashboard: Turkish words, Turkish money, and the charts' legends in Turkish.
    expect(page.locator("h1")).to_have_text("IVR ödemeleri")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    summary = page.locator("table.ivr-summary")
    expect(summary).to_contain_text("Başarısız çağrılar")
    expect(page.locator('[data-figure="sum-today"]')).to_have_text("1.234,56 ₺")
    expect(page.locator('[data-figure="rate-today"]')).to_have_text("%50,0")
    assert chart_legend(page, "payments-chart") == ["Ödemeler", "Toplam TRY"]
    assert chart_legend(page, "failures-chart") == ["Başarısız çağrılar"]
    expect(page.get_by_role("link", name="Sipariş sorgulama")).to_be_visible()  # the menu
    expect(page.locator(".ivr-latest-failures")).to_contain_text(HookError.ORDER_NOT_FOUND.value)  # as sent
    screenshot(page, "dashboard-tr.png")

    # The lookup of the paid order: Turkish labels, amounts, times and timeline.
    page.get_by_placeholder("Sipariş numarası, telefon, e-posta, referans veya temsilci no").fill(paid)
    page.get_by_role("button", name="Sorgula").click()
    page.wait_for_url(f"{server}/admin/lookup?order_number={paid}")
    expect(page.locator("h1")).to_have_text("Sipariş sorgulama")
    pre_order = page.locator("dl.ivr-pre-order")
    expect(pre_order).to_contain_text("1.234,56 ₺")
    expect(pre_order.locator('[data-field="status"]')).to_have_text("ödendi")
    expect(page.locator(".ivr-timeline")).to_contain_text("Ön sipariş açıldı")
    expect(page.locator(".ivr-timeline")).to_contain_text("1.234,56 ₺ ödendi")
    expect(page.locator(".ivr-transactions")).to_contain_text("temsilci-1")
    assert page.locator(".ivr-timeline td").first.inner_text().count(".") == 2  # 07.12.2026 14:05:09
    screenshot(page, "lookup-tr.png")

    # A failed call: the seed's English text as the vendor got it, the Turkish hint beside it.
    page.get_by_placeholder("Sipariş numarası, telefon, e-posta, referans veya temsilci no").fill("1234567890")
    page.get_by_role("button", name="Sorgula").click()
    hint = page.locator(".ivr-caller-hint")
    expect(hint).to_contain_text(DEFAULT_HINTS[FailureCode.ORDER_NOT_FOUND_MISTYPED]["tr"][0])
    expect(hint).to_contain_text("Arayana söyleyin:")
    expect(page.locator(".ivr-hook-calls .ivr-error-text")).to_have_text(HookError.ORDER_NOT_FOUND.value)

    # Back to English with the navbar's switch; the choice is kept on the account.
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Order lookup")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.console.errors == []

"""The staff report and a reconciliation in a real browser (chromium via Playwright)."""

import csv

from playwright.sync_api import expect

from tests.helpers import STAFF_PASSWORD, make_staff

from .conftest import log_in
from .test_admin_in_browser import canvas_is_drawn


def test_a_supervisor_reads_the_staff_report_and_opens_an_agents_transactions(
    app, server, page, make_pre_order, hooks
):
    for reference, staff_id in (("REF-A1", "agent-ayse"), ("REF-A2", "agent-ayse"), ("REF-B1", "agent-burak")):
        _, number = make_pre_order()
        hooks.complete(number, reference=reference, staff_id=staff_id)
    hooks.complete("7000000017", reference="REF-B2", staff_id="agent-burak")  # refused: Order Not Found
    make_staff(app, "callcentre-lead", "callcentre")
    log_in(page, server, "callcentre-lead", STAFF_PASSWORD)
    page.get_by_role("link", name="Staff", exact=True).click()
    agents = page.locator("table.ivr-staff-agents tbody tr")
    expect(agents).to_have_count(2)
    ayse = page.locator("tr[data-staff-id=agent-ayse]")
    expect(ayse.locator("[data-figure=payments]")).to_have_text("2")
    expect(ayse.locator("[data-figure=sum]")).to_have_text("119.94 EUR")
    burak = page.locator("tr[data-staff-id=agent-burak]")
    expect(burak.locator("[data-figure=calls]")).to_have_text("2")
    expect(burak.locator("[data-figure=rate]")).to_have_text("50.0%")
    assert canvas_is_drawn(page, "staff-chart")
    for period in ("Last 7 days", "Last 30 days"):
        page.locator(".ivr-staff-periods").get_by_role("link", name=period).click()
        expect(page.locator("tr[data-staff-id=agent-ayse] [data-figure=payments]")).to_have_text("2")
        assert canvas_is_drawn(page, "staff-chart"), period
    with page.expect_download() as download:
        page.locator("[data-role=staff-export]").click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert {row["staff_id"]: row["payments"] for row in rows} == {"agent-ayse": "2", "agent-burak": "1"}
    page.locator("tr[data-staff-id=agent-ayse] a.ivr-staff-link").click()
    listed = page.locator("table.model-list tbody tr")
    expect(listed).to_have_count(2)
    expect(page.locator("table.model-list")).to_contain_text("REF-A1")
    expect(page.locator("table.model-list")).not_to_contain_text("REF-B1")
    assert page.console.errors == []


def test_an_admin_reconciles_a_generated_settlement_file_showing_all_four_groups(
    app, runner, server, page, tmp_path
):
    path = tmp_path / "settlement.csv"
    result = runner.invoke(args=["ivr", "generate-data", "--hook-calls", "300", "--transactions", "90",
                                 "--days", "2", "--seed", "11", "--settlement-file", str(path)])
    assert result.exit_code == 0, result.output
    make_staff(app, "admin-finance", "admin")
    log_in(page, server, "admin-finance", STAFF_PASSWORD, next_path="/admin/settlements/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Import and reconcile").click()
    expect(page.locator(".alert-success")).to_contain_text("Imported")
    for group in ("matched", "file_only", "here_only", "differs"):
        count = int(page.locator(f"[data-count={group}]").inner_text().replace(",", ""))
        assert count > 0, group
        expect(page.locator(f"section[data-group={group}] tbody tr")).to_have_count(min(count, 200))
    expect(page.locator("section[data-group=differs]")).to_contain_text("in the file")
    expect(page.locator(".ivr-day-close tbody tr[data-currency=TRY]")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("[data-role=reconciliation-export]").click()
    groups = {row["group"] for row in csv.DictReader(open(download.value.path(), encoding="utf-8"))}
    assert groups == {"matched", "file_only", "here_only", "differs"}
    # The same file again: recognised, the same import.
    page.goto(f"{server}/admin/settlements/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Import and reconcile").click()
    expect(page.locator(".alert-warning")).to_contain_text("imported already")
    page.goto(f"{server}/admin/settlements/")
    expect(page.locator("table.ivr-settlement-imports tbody tr")).to_have_count(1)
    assert page.console.errors == []


def test_a_bad_settlement_file_is_refused_in_the_browser(app, server, page, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"reference_number,order_number,amount,currency,staff_id,time\nR-1,1,12.345,TRY,a,2026-12-06 10:00\n")
    make_staff(app, "admin-finance", "admin")
    log_in(page, server, "admin-finance", STAFF_PASSWORD, next_path="/admin/settlements/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Import and reconcile").click()
    expect(page.locator(".ivr-settlement-problem")).to_contain_text("Line 2: amount '12.345'")
    expect(page.locator(".ivr-settlement-problem")).to_contain_text("Nothing was imported")
    expect(page.locator("table.ivr-settlement-imports")).to_contain_text("No settlement file imported yet.")

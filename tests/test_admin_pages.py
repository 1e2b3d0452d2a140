"""What the admin shows: dashboard figures, the lists, local times."""

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ivr_module.admin import dashboard
from ivr_module.cache import cache
from ivr_module.config import ConfigError
from ivr_module.db import db
from ivr_module.models import HookCall, IVRTransaction
from ivr_module.services.failure_codes import FailureCode
from ivr_module.services.error_texts import HookError
from tests.helpers import StaffActions

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def add_call(app, at, error=None, order_number="1111111116", endpoint="pre_order", **fields):
    """Write one hook-call row as the hooks would have."""
    with app.app_context():
        db.session.add(HookCall(
            created_at=at, endpoint=endpoint, order_number=order_number, success=error is None,
            error_text=error.value if error else "", detail=fields.pop("detail", "a detail"),
            duration_ms=5, remote_addr=fields.pop("remote_addr", "203.0.113.10"), **fields,
        ))
        db.session.commit()


def add_payment(app, make_pre_order, at, amount, currency, reference):
    """A paid pre-order's transaction, recorded at `at`."""
    pre_order_id, number = make_pre_order()
    with app.app_context():
        db.session.add(IVRTransaction(
            reference_number=reference, order_number=number, staff_id="7", amount=Decimal(amount),
            currency=currency, created_at=at, pre_order_id=pre_order_id,
        ))
        db.session.commit()
    return number


def figure(page, name):
    match = re.search(rf'data-figure="{name}">(.*?)</td>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def chart(page, canvas_id):
    raw = re.search(rf'id="{canvas_id}"[^>]*data-chart=\'([^\']*)\'', page, re.S).group(1)
    return json.loads(raw)


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(dashboard, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def history(app, make_pre_order, frozen_now):
    """Calls and payments today, 3, 5, 20 and 40 days ago."""
    add_call(app, NOW - timedelta(hours=1))
    add_call(app, NOW - timedelta(hours=2), HookError.BASKET_CHANGED, order_number="2222222222")
    add_call(app, NOW - timedelta(days=3), HookError.ORDER_NOT_FOUND)
    add_call(app, NOW - timedelta(days=20))
    add_call(app, NOW - timedelta(days=40), HookError.USER_INVALID)
    add_payment(app, make_pre_order, NOW - timedelta(hours=3), "10.00", "TRY", "R-today")
    add_payment(app, make_pre_order, NOW - timedelta(days=5), "20.00", "EUR", "R-5")
    add_payment(app, make_pre_order, NOW - timedelta(days=20), "5.00", "TRY", "R-20")


def test_dashboard_figures_for_today_7_and_30_days(history, staff, client):
    staff.login("support")
    page = client.get("/admin/").text
    assert [figure(page, f"calls-{p}") for p in ("today", "7d", "30d")] == ["2", "3", "4"]
    assert [figure(page, f"failures-{p}") for p in ("today", "7d", "30d")] == ["1", "2", "2"]
    assert [figure(page, f"rate-{p}") for p in ("today", "7d", "30d")] == ["50.0%", "66.7%", "50.0%"]
    assert [figure(page, f"payments-{p}") for p in ("today", "7d", "30d")] == ["1", "2", "3"]
    assert figure(page, "sum-today") == "10.00 TRY"
    assert figure(page, "sum-7d") == "20.00 EUR 10.00 TRY"
    assert figure(page, "sum-30d") == "20.00 EUR 15.00 TRY"


def test_today_is_read_live_and_past_days_from_the_cache(app, history, staff, client):
    staff.login("support")
    client.get("/admin/")
    add_call(app, NOW - timedelta(minutes=5), HookError.USER_INVALID)
    add_call(app, NOW - timedelta(days=2), HookError.USER_INVALID)
    page = client.get("/admin/").text
    # Today's call shows at once; a row written into a past day waits for the cache to expire.
    assert [figure(page, f"calls-{p}") for p in ("today", "7d", "30d")] == ["3", "4", "5"]
    cache.clear()
    assert figure(client.get("/admin/").text, "calls-7d") == "5"


def test_dashboard_charts_carry_the_chosen_periods_data(history, staff, client):
    staff.login("callcentre")
    today = client.get("/admin/").text
    payments = chart(today, "payments-chart")
    assert len(payments["labels"]) == 24 and payments["labels"][0] == "00:00"
    assert sum(payments["counts"]) == 1 and payments["counts"][9] == 1
    assert chart(today, "failures-chart") == {"labels": [FailureCode.BASKET_CHANGED], "counts": [1]}
    week = client.get("/admin/?period=7d").text
    payments = chart(week, "payments-chart")
    assert len(payments["labels"]) == 7 and sum(payments["counts"]) == 2
    # Seven local days, the oldest first: five days ago is the second, today the last.
    assert payments["sums"] == {"EUR": [0, 20.0, 0, 0, 0, 0, 0], "TRY": [0, 0, 0, 0, 0, 0, 10.0]}
    failures = chart(week, "failures-chart")
    assert sorted(failures["labels"]) == [FailureCode.BASKET_CHANGED, FailureCode.ORDER_NOT_FOUND_UNKNOWN]


def test_dashboard_links_failures_by_code_to_the_filtered_list(history, staff, client):
    staff.login("support")
    page = client.get("/admin/?period=7d").text
    link = re.search(r'href="(/admin/failed-attempts/\?[^"]*basket_changed[^"]*)"', page).group(1)
    listed = client.get(link.replace("&amp;", "&")).text
    assert "2222222222" in listed and "1111111116" not in listed


def test_dashboard_lists_the_latest_failures_with_lookup_links(history, staff, client):
    staff.login("support")
    page = client.get("/admin/").text
    latest = re.search(r'ivr-latest-failures">(.*?)</table>', page, re.S).group(1)
    assert '<a class="order-link" href="/admin/lookup?order_number=2222222222">2222222222</a>' in latest
    for error in (HookError.BASKET_CHANGED, HookError.ORDER_NOT_FOUND, HookError.USER_INVALID):
        assert error in latest


def test_dashboard_days_are_local_days(app, app_with, frozen_now):
    # 22:00 UTC on the 14th is 01:00 on the 15th in Istanbul (UTC+3): today there, not in UTC.
    add_call(app, datetime(2026, 6, 14, 22, 0, tzinfo=timezone.utc))
    for zone, expected in (("Europe/Istanbul", "1"), ("UTC", "0")):
        local = app_with(IVR_TIMEZONE=zone)
        client = local.test_client()
        StaffActions(local, client).login("support", username=f"support-{zone.lower().replace('/', '-')}")
        assert figure(client.get("/admin/").text, "calls-today") == expected, zone


def test_hour_buckets_follow_daylight_saving_time(app_with):
    berlin = app_with(IVR_TIMEZONE="Europe/Berlin")
    with berlin.app_context():
        # Clocks went forward on 29 March 2026 and back on 25 October 2026.
        assert len(dashboard.hour_bounds(datetime(2026, 3, 29, 12, tzinfo=timezone.utc))) == 24
        assert len(dashboard.hour_bounds(datetime(2026, 10, 25, 12, tzinfo=timezone.utc))) == 26
        assert len(dashboard.hour_bounds(datetime(2026, 6, 1, 12, tzinfo=timezone.utc))) == 25


def test_times_are_shown_in_the_configured_time_zone(app, app_with):
    add_call(app, datetime(2026, 1, 1, 22, 30, tzinfo=timezone.utc), HookError.ORDER_NOT_FOUND)
    istanbul = app_with(IVR_TIMEZONE="Europe/Istanbul")
    client = istanbul.test_client()
    StaffActions(istanbul, client).login("support")
    assert "2026-01-02 01:30:00" in client.get("/admin/failed-attempts/").text
    assert "2026-01-02 01:30:00" in client.get("/admin/lookup?order_number=1111111116").text
    assert "Times in Europe/Istanbul." in client.get("/admin/lookup?order_number=1111111116").text


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_at_start(app_with, zone):
    with pytest.raises(ConfigError, match="IVR_TIMEZONE"):
        app_with(IVR_TIMEZONE=zone)


# --- Lists -------------------------------------------------------------------------------------


def test_failed_attempts_list_shows_failures_only(app, staff, client):
    add_call(app, NOW, HookError.BASKET_CHANGED, order_number="3333333333", detail="failed one")
    add_call(app, NOW, None, order_number="4444444444", detail="good one")
    staff.login("support")
    page = client.get("/admin/failed-attempts/").text
    assert "failed one" in page and "good one" not in page
    assert '<a class="order-link" href="/admin/lookup?order_number=3333333333">' in page


def test_search_matches_whole_numbers_not_fragments(app, staff, client):
    add_call(app, NOW, HookError.ORDER_NOT_FOUND, order_number="1234567897", detail="wanted")
    add_call(app, NOW, HookError.ORDER_NOT_FOUND, order_number="9999999999", detail="other")
    staff.login("support")
    found = client.get("/admin/failed-attempts/?search=+1234567897+").text
    assert "wanted" in found and "other" not in found
    assert "wanted" not in client.get("/admin/failed-attempts/?search=456789").text


def test_failed_attempts_filter_by_error_text_endpoint_and_local_date(app, app_with, staff, client):
    add_call(app, datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), HookError.BASKET_CHANGED, detail="late-utc")
    add_call(app, datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc), HookError.USER_INVALID,
             endpoint="complete", detail="morning")
    staff.login("support")
    by_text = client.get(
        "/admin/failed-attempts/", query_string={"flt0_error_text_equals": HookError.USER_INVALID}
    ).text
    assert "morning" in by_text and "late-utc" not in by_text
    by_endpoint = client.get("/admin/failed-attempts/?flt0_endpoint_equals=complete").text
    assert "morning" in by_endpoint and "late-utc" not in by_endpoint
    day = "flt0_time_between=2026-03-02+to+2026-03-02"
    assert "late-utc" not in client.get(f"/admin/failed-attempts/?{day}").text
    istanbul = app_with(IVR_TIMEZONE="Europe/Istanbul")
    local_client = istanbul.test_client()
    StaffActions(istanbul, local_client).login("support", username="support-ist")
    # 23:30 UTC on 1 March is 02:30 on 2 March in Istanbul.
    page = local_client.get(f"/admin/failed-attempts/?{day}").text
    assert "late-utc" in page and "morning" not in page


def test_pre_orders_filter_by_status_including_expired(app, staff, client, make_pre_order, api):
    expired_id, expired_number = make_pre_order()
    _, open_number = make_pre_order()
    with app.app_context():
        from ivr_module.models import PreOrder

        db.session.get(PreOrder, expired_id).expires_at = datetime(2020, 1, 1, tzinfo=timezone.utc)
        db.session.commit()
    staff.login("support")
    page = client.get("/admin/pre-orders/?flt0_status_equals=expired").text
    assert expired_number in page and open_number not in page


def test_pre_order_details_show_lines_and_payment(staff, client, make_pre_order, hooks):
    pre_order_id, number = make_pre_order()
    hooks.complete(number, reference="REF-DETAILS")
    staff.login("callcentre")
    page = client.get(f"/admin/pre-orders/details/?id={pre_order_id}").text
    assert "SKU-1" in page and "Shirt" in page and "59.97 EUR" in page and "REF-DETAILS" in page


def read_csv(response):
    """The rows of a CSV export (the streamed response is closed after reading)."""
    with response:
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_transactions_export_csv_holds_the_searched_row(staff, client, make_pre_order, hooks):
    _, number = make_pre_order()
    hooks.complete(number, reference="REF-CSV")
    _, other = make_pre_order()
    hooks.complete(other, reference="REF-OTHER")
    staff.login("callcentre")
    response = client.get("/admin/transactions/export/csv/?search=REF-CSV")
    assert response.mimetype == "text/csv"
    rows = read_csv(response)
    assert [(row["Reference"], row["Order number"], row["Amount"], row["Currency"]) for row in rows] == [
        ("REF-CSV", number, "59.97", "EUR")
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rows[0]["Time"])


def test_csv_export_defuses_spreadsheet_formulas(app, staff, client):
    add_call(app, NOW, HookError.ORDER_NOT_FOUND, order_number="=HYPERLINK(\"http://x\")", detail="@SUM(1)")
    staff.login("support")
    rows = read_csv(client.get("/admin/failed-attempts/export/csv/"))
    assert rows[0]["Order number"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["Detail"] == "'@SUM(1)"


def test_csv_cells_are_the_ones_flask_admin_would_write(app, make_pre_order, hooks, staff, client, monkeypatch):
    # The lists' export (admin/export.py) prepares its cells once per column (a day's export is
    # ten thousand rows); the file must stay the one Flask-Admin writes.
    from flask_admin.contrib.sqla import ModelView

    from ivr_module.admin import export
    from ivr_module.admin.export import CsvExport

    monkeypatch.setattr(export, "LINES_PER_CHUNK", 1)  # a chunk per line: the joins show

    _, number = make_pre_order()
    hooks.complete(number, reference="=REF-1")
    add_call(app, NOW, HookError.ORDER_NOT_FOUND, order_number="@1", detail="-x", staff_id=None)
    staff.login("support")
    urls = [f"/admin/{view}/export/csv/" for view in ("pre-orders", "transactions", "failed-attempts")]
    ours = [client.get(url).get_data(as_text=True) for url in urls]
    monkeypatch.setattr(CsvExport, "_export_csv", ModelView._export_csv)
    assert ours == [client.get(url).get_data(as_text=True) for url in urls]
    assert all(body.count("\n") == 2 for body in ours)  # the titles and one row each


def test_every_list_exports_csv(staff, client):
    staff.login("support")
    for view in ("pre-orders", "transactions", "failed-attempts"):
        with client.get(f"/admin/{view}/export/csv/") as response:
            assert response.status_code == 200 and response.mimetype == "text/csv", view
            assert response.get_data(as_text=True).count("\n") == 1  # the titles


def test_lists_sort_by_their_sortable_columns(app, staff, client):
    add_call(app, NOW - timedelta(hours=2), HookError.ORDER_NOT_FOUND, order_number="2000000007", detail="call-B")
    add_call(app, NOW, HookError.ORDER_NOT_FOUND, order_number="1000000009", detail="call-A")
    staff.login("support")
    newest_first = client.get("/admin/failed-attempts/").text
    assert newest_first.index("call-A") < newest_first.index("call-B")
    oldest_first = client.get("/admin/failed-attempts/?sort=0").text
    assert oldest_first.index("call-B") < oldest_first.index("call-A")
    by_number = client.get("/admin/failed-attempts/?sort=2&desc=1").text  # the order-number column
    assert by_number.index("call-B") < by_number.index("call-A")


def test_failed_attempts_list_counts_nothing(app, staff, client):
    # A count(*) per page would cost seconds on a log of millions of rows.
    add_call(app, NOW, HookError.ORDER_NOT_FOUND)
    staff.login("support")
    page = client.get("/admin/failed-attempts/").text
    assert "List (1)" not in page and "List</a>" in page

"""Settlement files in the admin and the CLI: upload, the four groups, day close, export, rights."""

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest

from ivr_module.db import db, utcnow
from ivr_module.models import SettlementImport, SettlementLine
from ivr_module.services import reconciliation
from tests.helpers import count_rows
from tests.report_helpers import add_payment, settlement_csv

PAGE = "/admin/settlements/"
TODAY = utcnow().date()
AT = datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=1)
WHEN = f"{AT:%Y-%m-%d %H:%M:%S}"


@pytest.fixture
def payments(app, make_pre_order):
    """Four of today's payments: the file below matches one, differs on two, and lacks one."""
    numbers = {}
    for reference, amount, currency in (("R-OK", "10.00", "TRY"), ("R-AMOUNT", "20.00", "TRY"),
                                        ("R-CURRENCY", "30.00", "TRY"), ("R-OURS", "40.00", "EUR")):
        numbers[reference] = add_payment(app, make_pre_order, AT, amount, currency, reference)
    return numbers


def the_file(numbers) -> bytes:
    return settlement_csv(
        f"R-OK,{numbers['R-OK']},10.00,TRY,agent-1,{WHEN}",
        f"R-AMOUNT,{numbers['R-AMOUNT']},21.00,TRY,agent-1,{WHEN}",
        f"R-CURRENCY,{numbers['R-CURRENCY']},30.00,EUR,agent-1,{WHEN}",
        f"R-VENDOR,,5.00,TRY,agent-2,{WHEN}",
    )


def upload(client, staff, content: bytes, name="settlement.csv", token=True):
    data = {"file": (io.BytesIO(content), name)}
    if token:
        data["csrf_token"] = staff.token(PAGE)
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def counts_on(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">([\d,]+)<', page))


def test_an_admin_uploads_a_file_and_reads_the_four_groups(app, payments, staff, client):
    staff.login("admin")
    response = upload(client, staff, the_file(payments))
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "Imported 4 lines of settlement.csv" in page
    assert counts_on(page) == {"matched": "1", "file_only": "1", "here_only": "1", "differs": "2"}
    for group, references in {"matched": ["R-OK"], "file_only": ["R-VENDOR"], "here_only": ["R-OURS"],
                              "differs": ["R-AMOUNT", "R-CURRENCY"]}.items():
        section = re.search(rf'data-group="{group}">(.*?)</section>', page, re.S).group(1)
        assert all(reference in section for reference in references), group
    assert "amount 21.00 in the file, 20.00 here" in page
    with app.app_context():
        stored = db.session.scalar(db.select(SettlementImport))
        assert (stored.uploaded_by, stored.filename, stored.rows) == ("admin-user", "settlement.csv", 4)
        assert (stored.matched, stored.file_only, stored.here_only, stored.differs) == (1, 1, 1, 2)
        assert stored.first_day == stored.last_day == TODAY and len(stored.sha256) == 64


def test_the_day_close_sums_each_currency_here_and_in_the_file(payments, staff, client):
    staff.login("admin")
    page = client.get(upload(client, staff, the_file(payments)).location).text

    def close(currency):
        row = re.search(rf'<tr data-currency="{currency}">(.*?)</tr>', page, re.S).group(1)
        return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td.*?</td>", row, re.S)]

    # The file: 10 + 21 + 5 TRY and 30 EUR. Here: 10 + 20 + 30 TRY and 40 EUR.
    assert close("TRY") == ["TRY", "3", "36.00", "3", "60.00", "-24.00"]
    assert close("EUR") == ["EUR", "1", "30.00", "1", "40.00", "-10.00"]


def test_the_same_file_again_is_recognised_and_not_counted_twice(app, payments, staff, client):
    staff.login("admin")
    first = upload(client, staff, the_file(payments)).location
    again = upload(client, staff, the_file(payments), name="renamed.csv")
    assert again.location == first
    assert "imported already" in client.get(again.location).text
    assert count_rows(app, SettlementImport) == 1 and count_rows(app, SettlementLine) == 5


@pytest.mark.parametrize("content, message", [
    (settlement_csv("R-1,1,abc,TRY,a,2026-12-06 10:00"), "Line 2: amount &#39;abc&#39;"),
    (settlement_csv("R-1,1,1.00,TRY,a,2026-12-06 10:00", header="ref,amount"), "Line 1: missing column(s)"),
    (settlement_csv("R-1,1,1.00,TRY,a,2026-12-06 10:00") + b"\xff\n", "Line 3: not UTF-8"),
])
def test_a_bad_upload_names_the_line_and_imports_nothing(app, staff, client, content, message):
    staff.login("admin")
    response = upload(client, staff, content, name="bad.csv")
    assert response.status_code == 400
    assert message in response.text and "Nothing was imported" in response.text
    assert count_rows(app, SettlementImport) == 0 and count_rows(app, SettlementLine) == 0


def test_an_upload_without_a_file_is_refused(app, staff, client):
    staff.login("admin")
    response = client.post(PAGE, data={"csrf_token": staff.token(PAGE)}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the settlement file." in response.text


def test_an_upload_without_the_csrf_token_is_refused(app, payments, staff, client):
    staff.login("admin")
    response = upload(client, staff, the_file(payments), token=False)
    assert response.status_code == 400
    assert count_rows(app, SettlementImport) == 0


def test_a_failure_while_storing_leaves_nothing_half_imported(app, payments, monkeypatch):
    # The import row and the first lines are written, then the database fails.
    real_insert_lines = reconciliation._insert_lines

    def insert_half_then_fail(rows):
        real_insert_lines(rows[:2])
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(reconciliation, "_insert_lines", insert_half_then_fail)
    with app.app_context():
        with pytest.raises(RuntimeError):
            reconciliation.import_settlement(the_file(payments), "x.csv", "admin-user")
    assert count_rows(app, SettlementImport) == 0 and count_rows(app, SettlementLine) == 0


def test_the_export_lists_every_line_with_its_group(payments, staff, client):
    staff.login("admin")
    location = upload(client, staff, the_file(payments)).location
    response = client.get(location + "export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted((r["group"], r["reference_number"]) for r in rows) == [
        ("differs", "R-AMOUNT"), ("differs", "R-CURRENCY"), ("file_only", "R-VENDOR"),
        ("here_only", "R-OURS"), ("matched", "R-OK"),
    ]
    amount = next(r for r in rows if r["reference_number"] == "R-AMOUNT")
    assert (amount["file_amount"], amount["amount"], amount["line"]) == ("21.00", "20.00", "3")


def test_export_cells_cannot_run_as_spreadsheet_formulas(app, make_pre_order, staff, client):
    staff.login("admin")
    content = settlement_csv(f"=CMD(1),,1.00,TRY,@agent,{WHEN}")
    rows = list(csv.DictReader(io.StringIO(client.get(upload(client, staff, content).location + "export.csv").text)))
    assert (rows[0]["reference_number"], rows[0]["file_staff_id"]) == ("'=CMD(1)", "'@agent")


@pytest.mark.parametrize("role", ["callcentre", "support"])
def test_only_admins_reach_settlements(app, payments, staff, client, role):
    staff.login("admin", username="boss")
    location = upload(client, staff, the_file(payments)).location
    staff.logout()
    staff.login(role)
    assert client.get(PAGE).status_code == 403
    assert client.get(location).status_code == 403
    assert client.get(location + "export.csv").status_code == 403
    response = upload(client, staff, the_file(payments) + b"R-X,,1.00,TRY,,2026-12-06 10:00\n")
    assert response.status_code == 403
    assert count_rows(app, SettlementImport) == 1


def test_an_unknown_import_is_404(staff, client):
    staff.login("admin")
    assert client.get(PAGE + "999/").status_code == 404


def test_the_column_names_come_from_the_setting(app_with, make_pre_order):
    app = app_with(IVR_SETTLEMENT_COLUMNS='{"reference_number": "Referans", "amount": "Tutar"}')
    add_payment(app, make_pre_order, AT, "10.00", "TRY", "R-OK")
    content = settlement_csv(f"R-OK,,10.00,TRY,a,{WHEN}",
                             header="Referans,order_number,Tutar,currency,staff_id,time")
    path = io.BytesIO(content)
    with app.app_context():
        outcome = reconciliation.import_settlement(path.getvalue(), "mapped.csv", "cli")
        assert outcome.settlement.matched == 1


def test_flask_ivr_reconcile_prints_the_four_counts(app, payments, runner, tmp_path):
    path = tmp_path / "settlement.csv"
    path.write_bytes(the_file(payments))
    result = runner.invoke(args=["ivr", "reconcile", str(path), "--by", "finance"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Matched:\s+1\n", result.output)
    assert re.search(r"In the file, not here:\s+1\n", result.output)
    assert re.search(r"Here, not in the file:\s+1\n", result.output)
    assert re.search(r"Amount or currency differs:\s+2\n", result.output)
    again = runner.invoke(args=["ivr", "reconcile", str(path)])
    assert again.exit_code == 0 and "Imported already" in again.output and "by finance" in again.output
    assert count_rows(app, SettlementImport) == 1


def test_flask_ivr_reconcile_refuses_a_bad_file(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(settlement_csv("R-1,1,1.00,TRY,a,2026-12-06 10:00", "R-2,1,1.00,TRY,a,soon"))
    result = runner.invoke(args=["ivr", "reconcile", str(path)])
    assert result.exit_code == 1
    assert "Line 3: time 'soon'" in result.output and "Nothing was imported" in result.output
    assert count_rows(app, SettlementImport) == 0


def test_generated_data_comes_with_a_settlement_file_showing_every_group(app, runner, tmp_path):
    path = tmp_path / "demo-settlement.csv"
    result = runner.invoke(args=["ivr", "generate-data", "--hook-calls", "400", "--transactions", "120",
                                 "--days", "3", "--seed", "5", "--settlement-file", str(path)])
    assert result.exit_code == 0, result.output
    assert "Wrote the settlement file of" in result.output
    reconciled = runner.invoke(args=["ivr", "reconcile", str(path)])
    assert reconciled.exit_code == 0, reconciled.output
    with app.app_context():
        stored = db.session.scalar(db.select(SettlementImport))
        assert stored.matched > 10 and stored.file_only == 3
        assert 1 <= stored.here_only <= 3 and 2 <= stored.differs <= 6
    # The same history gives the same file, which is recognised.
    runner.invoke(args=["ivr", "generate-data", "--if-empty", "--settlement-file", str(path)])
    assert "Imported already" in runner.invoke(args=["ivr", "reconcile", str(path)]).output


def test_sandbox_payments_stay_out_of_reconciliation(app, payments, client, runner, tmp_path):
    from tests.helpers import SANDBOX_PASSWORD, SANDBOX_USERNAME

    # A sandbox payment today, under a reference the file also names: neither "here, not in the
    # file" nor a match for the file's line.
    paid = client.post("/hooks/ivr/complete/", json={
        "username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD,
        "orderResultRequest": {"orderNumber": "5550000011", "referenceNumber": "R-VENDOR", "staffId": "7"}})
    assert paid.get_json()["orderResultResponse"]["result"]["success"] is True
    path = tmp_path / "settlement.csv"
    path.write_bytes(the_file(payments))
    result = runner.invoke(args=["ivr", "reconcile", str(path)])
    assert re.search(r"In the file, not here:\s+1\n", result.output)
    assert re.search(r"Here, not in the file:\s+1\n", result.output)  # R-OURS only

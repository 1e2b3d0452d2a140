"""Finding an order without its number: the lookup's search, its masking per role, its audit."""

import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ivr_module.db import db, utcnow
from ivr_module.models import AuditEntry, HookCall, IVREvent, PreOrder
from ivr_module.services.order_search import MAX_RESULTS, search_orders
from tests.helpers import BASKET, count_rows

AYSE = {"name": "Ayşe Yılmaz", "phone": "+90 532 123 45 34", "email": "ayse.yilmaz@example.com"}
MEHMET = {"name": "Mehmet Kaya", "phone": "0212 555 01 99", "email": "mehmet@example.com.tr"}


def search(staff, client, text, token=None):
    """POST the lookup's search box as the page does; returns the response."""
    return client.post("/admin/lookup/", data={"q": text, "csrf_token": token or staff.token("/admin/lookup/")})


def rows(page: str) -> list[dict]:
    """The search results table, one dict of data-field cells per row."""
    table = re.search(r'ivr-search-table">(.*?)</table>', page, re.S)
    if table is None:
        return []
    found = []
    for row in re.findall(r"<tr data-pre-order[^>]*>(.*?)</tr>", table.group(1), re.S):
        cells = dict(re.findall(r'data-field="([\w-]+)">(.*?)</td>', row, re.S))
        number = re.search(r'order_number=(\w+)"', row)
        found.append({**{key: re.sub(r"<[^>]+>", "", value).strip() for key, value in cells.items()},
                      "order_number": number.group(1) if number else None})
    return found


@pytest.fixture
def orders(make_pre_order, hooks):
    """Ayşe's order (paid by agent-12 with REF-AYSE) and Mehmet's, with their numbers."""
    _, ayse = make_pre_order(customer=AYSE)
    _, mehmet = make_pre_order(customer=MEHMET)
    hooks.complete(ayse, reference="REF-AYSE", staff_id="agent-12")
    return {"ayse": ayse, "mehmet": mehmet}


@pytest.mark.parametrize(
    "typed",
    ["+90 532 123 45 34", "0532 123 45 34", "05321234534", "5321234534", "905321234534", "4534", "45 34",
     "234534"],
)
def test_a_phone_finds_its_order_however_it_is_typed(staff, client, orders, typed):
    staff.login("support")
    found = rows(search(staff, client, typed).text)
    assert [row["order_number"] for row in found] == [orders["ayse"]]
    assert found[0]["matched-by"] == "phone"


def test_a_phone_search_matches_the_end_of_the_number_only(staff, client, orders):
    staff.login("support")
    assert rows(search(staff, client, "5321").text) == []  # its first digits, not its last
    assert "No order matches 5321." in search(staff, client, "5321").text


def test_an_email_finds_its_order_whatever_its_case(staff, client, orders):
    staff.login("support")
    found = rows(search(staff, client, "  Mehmet@EXAMPLE.com.TR ").text)
    assert [(row["order_number"], row["matched-by"]) for row in found] == [(orders["mehmet"], "email")]
    assert rows(search(staff, client, "mehmet@example.com").text) == []  # whole addresses only


def test_the_last_digits_of_an_order_number_find_it(staff, client, orders):
    staff.login("callcentre")
    found = rows(search(staff, client, orders["mehmet"][-5:]).text)
    assert orders["mehmet"] in [row["order_number"] for row in found]
    assert "order number" in next(row for row in found if row["order_number"] == orders["mehmet"])["matched-by"]


def test_a_staff_id_finds_the_orders_its_agent_took_with_status_and_amount(staff, client, orders):
    staff.login("callcentre")
    (found,) = rows(search(staff, client, "agent-12").text)
    assert (found["order_number"], found["matched-by"]) == (orders["ayse"], "staff id")
    assert found["status"] == "paid" and found["amount"] == "59.97 EUR"


def test_a_reference_number_opens_its_orders_page(staff, client, orders):
    staff.login("support")
    response = search(staff, client, "REF-AYSE")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/lookup?order_number=REF-AYSE")
    page = client.get(response.headers["Location"]).text
    assert f"belongs to order <strong>{orders['ayse']}</strong>" in page


def test_a_whole_order_number_opens_its_page_as_the_lookup_always_did(staff, client, orders):
    staff.login("support")
    response = search(staff, client, orders["mehmet"])
    assert response.headers["Location"].endswith(f"/admin/lookup?order_number={orders['mehmet']}")


def test_the_search_finds_reference_and_staff_id_through_the_service(app, orders):
    with app.app_context():
        by_reference = search_orders("REF-AYSE", "90").matches
        assert [(m.pre_order.order_number, m.matched_by) for m in by_reference] == [(orders["ayse"], ["reference"])]
        assert search_orders("REF-AYSE", "90", live=False).matches == []  # the sandbox's are apart


def test_at_most_twenty_newest_first(app, staff, client, make_pre_order):
    numbers = [make_pre_order(customer={"phone": f"0532 1{n:02d} 77 77"})[1] for n in range(MAX_RESULTS + 5)]
    with app.app_context():  # opening times out of id order: the newest is not the last made
        start = utcnow() - timedelta(days=1)
        for n, number in enumerate(numbers):
            opened = start + timedelta(minutes=(n * 7) % len(numbers))
            db.session.execute(update(PreOrder).where(PreOrder.order_number == number).values(created_at=opened))
        db.session.commit()
        newest = db.session.scalars(
            select(PreOrder.order_number).order_by(PreOrder.created_at.desc()).limit(MAX_RESULTS)
        ).all()
    assert newest != numbers[-MAX_RESULTS:][::-1]
    staff.login("support")
    page = search(staff, client, "7777").text
    assert [row["order_number"] for row in rows(page)] == newest
    assert "Only the 20 newest are shown" in page
    page = search(staff, client, "77").text
    assert "Type at least 4 digits" in page and rows(page) == []


@pytest.mark.parametrize("role, phone, email", [
    ("support", "+90 5** *** ** 34", "a***@example.com"),
    ("callcentre", "+90 5** *** ** 34", "a***@example.com"),
    ("admin", "+90 532 123 45 34", "ayse.yilmaz@example.com"),
])
def test_lists_mask_phone_and_email_for_support_and_callcentre_not_admins(staff, client, orders, role, phone, email):
    staff.login(role)
    page = search(staff, client, "4534").text
    (found,) = rows(page)
    assert (found["phone"], found["email"], found["customer"]) == (phone, email, "Ayşe Yılmaz")
    if role != "admin":
        assert "532 123 45 34" not in page and "ayse.yilmaz@" not in page


@pytest.mark.parametrize("role", ["support", "callcentre", "admin"])
def test_one_orders_page_shows_the_contact_whole_and_audits_each_view(app, staff, client, orders, role):
    staff.login(role)
    for _ in range(2):
        page = client.get(f"/admin/lookup/?order_number={orders['ayse']}").text
        assert 'data-field="phone">+90 532 123 45 34<' in page
        assert 'data-field="email">ayse.yilmaz@example.com<' in page
    with app.app_context():
        views = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contact_viewed")).all()
        pre_order_id = db.session.scalar(select(PreOrder.id).where(PreOrder.order_number == orders["ayse"]))
    assert [(v.actor_type, v.actor, v.order_number, v.pre_order_id) for v in views] == [
        ("staff", f"{role}-user", orders["ayse"], pre_order_id)
    ] * 2
    assert "Customer contact viewed" in client.get(f"/admin/lookup/?order_number={orders['ayse']}").text


def test_an_order_without_contact_is_shown_without_an_audit_row(app, staff, client, make_pre_order):
    _, number = make_pre_order()
    staff.login("support")
    page = client.get(f"/admin/lookup/?order_number={number}").text
    assert 'data-field="phone"' not in page
    assert count_rows(app, AuditEntry, AuditEntry.action == "contact_viewed") == 0


def test_the_search_needs_the_csrf_token(staff, client, orders):
    staff.login("support")
    response = client.post("/admin/lookup/", data={"q": "4534"})
    assert response.status_code == 400 and "4534" not in response.text


def test_the_search_refuses_text_no_database_can_store(staff, client):
    staff.login("support")
    assert search(staff, client, "45\x0034").status_code == 400


def test_the_search_box_posts_so_nothing_typed_reaches_a_url(staff, client):
    staff.login("callcentre")
    for url in ("/admin/", "/admin/lookup/"):
        form = re.search(r'<form method="(\w+)"[^>]*ivr-lookup-form[^>]*>(.*?)</form>', client.get(url).text, re.S)
        assert form.group(1) == "post" and 'name="csrf_token"' in form.group(2) and 'name="q"' in form.group(2)


def test_contact_never_reaches_the_logs_the_hook_calls_or_events(app, staff, client, api, hooks, caplog):
    caplog.set_level(logging.DEBUG)
    pre_order_id = api.post("/pre-orders", json={**BASKET, "customer": AYSE}).get_json()["id"]
    api.patch(f"/pre-orders/{pre_order_id}", json={"shipping_amount": "0", "customer": AYSE})
    number = api.post(f"/pre-orders/{pre_order_id}/order-number", json={}).get_json()["order_number"]
    hooks.pre_order(number)
    hooks.complete(number, reference="REF-FLOW")
    api.post("/pre-orders", json={**BASKET, "customer": {"email": "not an email"}})
    staff.login("support")
    assert rows(search(staff, client, "0532 123 45 34").text)
    assert "+90 532 123 45 34" in client.get(f"/admin/lookup/?order_number={number}").text
    secrets = ("532 123 45 34", "5321234534", "4354321235", "ayse.yilmaz", "Yılmaz")
    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert caplog.records and not [secret for secret in secrets if secret in logged]
    with app.app_context():
        calls = [json.dumps({column.key: str(getattr(call, column.key)) for column in HookCall.__table__.columns})
                 for call in db.session.scalars(select(HookCall))]
        payloads = db.session.scalars(select(IVREvent.payload)).all()
    assert len(calls) == 2 and payloads  # the flow ran: both calls logged, events raised
    assert not [secret for secret in secrets for text in calls + payloads if secret in text]


def test_every_order_number_keeps_its_reversed_search_key(app, make_pre_order, api):
    pre_order_id, first = make_pre_order()
    api.patch(f"/pre-orders/{pre_order_id}", json={"shipping_amount": "0"})
    second = api.post(f"/pre-orders/{pre_order_id}/order-number", json={}).get_json()["order_number"]
    with app.app_context():
        pre_order = db.session.get(PreOrder, pre_order_id)
        assert second != first and pre_order.order_number_key == second[::-1]
        pre_order.order_number = None
        assert pre_order.order_number_key is None


def test_migration_0011_gives_existing_order_numbers_their_keys(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    with app.app_context():
        db.session.remove()
        downgrade(revision="0010")
        with db.engine.begin() as connection:
            for number in ("7000000013", None):
                connection.execute(text(
                    "INSERT INTO ivr_pre_orders (status, order_number, currency, shipping_amount, created_at,"
                    " updated_at, live) VALUES ('open', :number, 'TRY', 0, :now, :now, :live)"
                ), {"number": number, "now": utcnow(), "live": True})
        upgrade()
        keys = db.session.execute(select(PreOrder.order_number, PreOrder.order_number_key)).all()
    assert sorted(keys, key=str) == sorted([("7000000013", "3100000007"), (None, None)], key=str)


def test_the_home_country_code_is_a_setting(app_with):
    from ivr_module.services import checkout

    other = app_with(IVR_PHONE_COUNTRY_CODE="44")
    with other.app_context():
        opened = checkout.open_pre_order({**BASKET, "customer": {"phone": "+44 7700 900123"}})
        assert opened.customer_phone_key == "3210090077"
        for typed in ("07700 900123", "+44 7700 900123", "0123"):
            assert [match.pre_order.id for match in search_orders(typed, "44").matches] == [opened.id]


def test_the_last_digits_match_the_end_of_an_order_number_and_nothing_after_nines(app, make_pre_order):
    from ivr_module.services import checkout

    made = {}
    for number in ("ORDER-X", "ORDER-99999", "1239999", "12399990", "99991239"):
        pre_order_id, _ = make_pre_order(issue=False)
        with app.app_context():
            checkout.issue_order_number(pre_order_id, {"order_number": number})
        made[pre_order_id] = number
    with app.app_context():
        found = {made[match.pre_order.id] for match in search_orders("9999", "90").matches}
    assert found == {"ORDER-99999", "1239999"}

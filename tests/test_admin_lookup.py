"""The order lookup: one order's whole story, plain words for an unknown number, near matches."""

import re

import pytest

from ivr_module.services import checkout
from ivr_module.services.error_texts import HookError
from tests.helpers import CASH_REGISTER_OPTION


def test_lookup_tells_one_orders_whole_story(staff, client, make_pre_order, hooks, api):
    pre_order_id, number = make_pre_order(shipping_amount="0")
    api.patch(f"/pre-orders/{pre_order_id}", json={"payment_option": None})
    hooks.pre_order(number)  # PaymentOption is null
    api.patch(f"/pre-orders/{pre_order_id}", json={"payment_option": CASH_REGISTER_OPTION})
    hooks.pre_order(number)
    hooks.complete(number, reference="REF-STORY")
    staff.login("support")
    response = client.get(f"/admin/lookup?order_number={number}")
    assert response.status_code == 200
    page = response.text
    assert "paid" in page and "55.07 EUR" in page and "SKU-1" in page and "Socks" in page
    calls = re.search(r'ivr-hook-calls">(.*?)</table>', page, re.S).group(1)
    assert calls.index(HookError.PAYMENT_OPTION_NULL) < calls.index("products read") < calls.index("REF-STORY")
    assert "pre-order has no payment option" in calls
    transaction = re.search(r'ivr-transactions">(.*?)</table>', page, re.S).group(1)
    assert "REF-STORY" in transaction and "55.07 EUR" in transaction


def test_lookup_finds_the_pre_order_by_a_number_replaced_after_a_basket_change(
    staff, client, make_pre_order, hooks, api
):
    pre_order_id, old_number = make_pre_order()
    hooks.pre_order(old_number)  # the caller hears 59.97
    api.patch(f"/pre-orders/{pre_order_id}", json={"shipping_amount": "0"})
    new_number = api.post(f"/pre-orders/{pre_order_id}/order-number", json={}).get_json()["order_number"]
    hooks.complete(old_number, reference="REF-OLD")
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={old_number}").text
    retired = re.search(r'ivr-retired"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert f"{old_number} was replaced after a basket change" in retired
    assert f'href="/admin/lookup?order_number={new_number}"' in retired
    pre_order = re.search(r'ivr-pre-order">(.*?)</dl>', page, re.S).group(1)
    assert new_number in pre_order and "55.07 EUR" in pre_order
    calls = re.search(r'ivr-hook-calls">(.*?)</table>', page, re.S).group(1)
    assert calls.index("products read") < calls.index(HookError.SESSION_NOT_FOUND) < calls.index("REF-OLD")
    assert f"replaced after a basket change by order number {new_number}" in calls
    assert "No payment recorded for this number." in page


def test_lookup_says_plainly_when_a_number_is_unknown(staff, client):
    staff.login("support")
    page = client.get("/admin/lookup?order_number=5555555557").text
    assert "No record of 5555555557." in page


KNOWN_NUMBER = "1234567897"  # Luhn-valid; its neighbouring digits all differ


@pytest.fixture
def known_order(app, make_pre_order):
    """A pre-order issued with a number whose keying slips we can predict."""
    pre_order_id, _ = make_pre_order(issue=False)
    with app.app_context():
        checkout.issue_order_number(pre_order_id, {"order_number": KNOWN_NUMBER})
    return KNOWN_NUMBER


def test_lookup_shows_calls_for_a_number_no_pre_order_has(staff, client, known_order, hooks):
    mistyped = "1234567879"  # the last two digits swapped
    hooks.pre_order(mistyped)
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={mistyped}").text
    assert "No pre-order has this number (check digit mismatch" in page
    assert HookError.ORDER_NOT_FOUND in page
    near = re.search(r'ivr-near-matches">(.*?)</div>', page, re.S).group(1)
    assert f'href="/admin/lookup?order_number={known_order}"' in near


@pytest.mark.parametrize("typed", ["1235567897", "2134567897", "1234567879"])
def test_lookup_offers_near_matches_for_a_keying_slip(staff, client, known_order, typed):
    staff.login("support")
    page = client.get(f"/admin/lookup?order_number={typed}").text
    assert f"No record of {typed}." in page
    assert f">{known_order}</a> (awaiting payment)" in page  # the status as staff read it


def test_lookup_offers_no_near_match_two_slips_away(staff, client, known_order):
    staff.login("support")
    page = client.get("/admin/lookup?order_number=2143567897").text
    assert "No record of 2143567897." in page and "ivr-near-matches" not in page


def test_lookup_finds_the_order_of_a_reference_number(staff, client, make_pre_order, hooks):
    _, number = make_pre_order()
    hooks.complete(number, reference="REF-ASKED")
    staff.login("callcentre")
    page = client.get("/admin/lookup?order_number=REF-ASKED").text
    assert f"belongs to order <strong>{number}</strong>" in page
    assert "paid" in page


def test_lookup_answers_with_and_without_the_slash(staff, client):
    staff.login("support")
    assert client.get("/admin/lookup?order_number=1").status_code == 200
    assert client.get("/admin/lookup/?order_number=1").status_code == 200


def test_lookup_escapes_what_it_was_asked(staff, client):
    staff.login("support")
    page = client.get("/admin/lookup?order_number=<script>alert(1)</script>").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/lookup?order_number=12%00",
        "/admin/pre-orders/?search=12%00",
        "/admin/failed-attempts/?flt0_remote_address_equals=1%00",
    ],
)
def test_text_no_database_can_store_is_refused_not_a_server_error(staff, client, url):
    staff.login("support")
    response = client.get(url)
    assert response.status_code == 400
    assert "not text" in response.text

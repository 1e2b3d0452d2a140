"""The customer on a pre-order: the checkout API takes, checks, stores and answers it."""

import pytest
from sqlalchemy import select

from ivr_module.db import db
from ivr_module.models import PreOrder
from ivr_module.services.contact_masking import mask_email, mask_phone
from ivr_module.services.customer_contact import national_digits, phone_search_key
from tests.helpers import BASKET

CUSTOMER = {"name": "Ayşe Yılmaz", "phone": "+90 532 123 45 34", "email": "Ayse.Yilmaz@Example.com"}


@pytest.mark.parametrize(
    "typed, national",
    [
        ("+90 532 123 45 34", "5321234534"),
        ("+905321234534", "5321234534"),
        ("0090 532 123 45 34", "5321234534"),
        ("0532 123 45 34", "5321234534"),
        ("05321234534", "5321234534"),
        ("5321234534", "5321234534"),
        ("905321234534", "5321234534"),  # the country code without its +
        ("  532  123 45 34 ", "5321234534"),
        ("4534", "4534"),  # the last digits, as support types them
        ("9012", "9012"),  # too short to hold a country code
        ("0123", "0123"),  # the last digits, not a trunk 0
        ("0002", "0002"),  # nor a 00 prefix
        ("0212 555 01 99", "2125550199"),
        ("+44 7700 900123", "447700900123"),  # another country keeps its code
    ],
)
def test_phone_numbers_are_read_as_their_national_digits(typed, national):
    assert national_digits(typed, "90") == national


def test_the_search_key_is_the_national_digits_reversed():
    assert phone_search_key("+90 532 123 45 34", "90") == "4354321235"
    assert phone_search_key(None, "90") is None and phone_search_key("", "90") is None


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("+90 532 123 45 34", "+90 5** *** ** 34"),
        ("0532 123 45 34", "+90 5** *** ** 34"),
        ("5321234534", "+90 5** *** ** 34"),
        ("+90 212 555 0199", "+90 2** *** ** 99"),
        ("+44 7700 900123", "+* *** *** *** 23"),
        ("", ""),
        (None, ""),
    ],
)
def test_phones_are_masked_but_for_the_country_code_first_digit_and_last_two(phone, masked):
    assert mask_phone(phone, "90") == masked


@pytest.mark.parametrize(
    "email, masked",
    [("ayse.yilmaz@example.com", "a***@example.com"), ("x@example.com.tr", "x***@example.com.tr"), (None, "")],
)
def test_emails_are_masked_but_for_the_first_character_and_the_domain(email, masked):
    assert mask_email(email) == masked


def test_a_pre_order_opened_with_a_customer_answers_and_stores_it(app, api):
    response = api.post("/pre-orders", json={**BASKET, "customer": CUSTOMER})
    assert response.status_code == 201
    assert response.get_json()["customer"] == {
        "name": "Ayşe Yılmaz", "phone": "+90 532 123 45 34", "email": "ayse.yilmaz@example.com",
    }
    with app.app_context():
        stored = db.session.get(PreOrder, response.get_json()["id"])
        assert stored.customer_email == "ayse.yilmaz@example.com"  # searched case-insensitively
        assert stored.customer_phone_key == "4354321235"


def test_a_pre_order_without_a_customer_answers_none(api):
    assert api.post("/pre-orders", json=BASKET).get_json()["customer"] is None


def test_a_change_sets_replaces_or_clears_the_customer_and_leaves_it_when_not_given(app, api):
    pre_order_id = api.post("/pre-orders", json=BASKET).get_json()["id"]
    answer = api.patch(f"/pre-orders/{pre_order_id}", json={"customer": CUSTOMER}).get_json()
    assert answer["customer"]["phone"] == "+90 532 123 45 34"
    answer = api.patch(f"/pre-orders/{pre_order_id}", json={"shipping_amount": "1.00"}).get_json()
    assert answer["customer"]["email"] == "ayse.yilmaz@example.com"
    answer = api.patch(f"/pre-orders/{pre_order_id}", json={"customer": {"phone": "0212  555 01 99"}}).get_json()
    assert answer["customer"] == {"name": None, "phone": "0212 555 01 99", "email": None}
    with app.app_context():
        assert db.session.get(PreOrder, pre_order_id).customer_phone_key == "9910555212"
    assert api.patch(f"/pre-orders/{pre_order_id}", json={"customer": None}).get_json()["customer"] is None
    with app.app_context():
        stored = db.session.get(PreOrder, pre_order_id)
        assert (stored.customer_phone, stored.customer_phone_key) == (None, None)


@pytest.mark.parametrize(
    "customer, field, message",
    [
        ({"phone": "532-123-45-34"}, "customer.phone", "must be digits and spaces, perhaps after a leading +"),
        ({"phone": "+90 (532) 1234534"}, "customer.phone", "must be digits and spaces, perhaps after a leading +"),
        ({"phone": "5 32 1+2"}, "customer.phone", "must be digits and spaces, perhaps after a leading +"),
        ({"phone": "123 45"}, "customer.phone", "must have 7 to 15 digits"),
        ({"phone": "+90 532 123 45 34 0000"}, "customer.phone", "must have 7 to 15 digits"),
        ({"phone": 5321234534}, "customer.phone", "Input should be a valid string"),
        ({"email": "ayse.example.com"}, "customer.email", "must be an email address such as name@example.com"),
        ({"email": "ayse@localhost"}, "customer.email", "must be an email address such as name@example.com"),
        ({"email": "a b@example.com"}, "customer.email", "must be an email address such as name@example.com"),
        ({"email": "a@" + "b" * 250 + ".com"}, "customer.email", "String should have at most 254 characters"),
        ({"name": "x" * 129}, "customer.name", "String should have at most 128 characters"),
        ({"name": "Ay\x00se"}, "customer.name", "must not contain a NUL character or an unpaired surrogate"),
        ({"name": ""}, "customer.name", "String should have at least 1 character"),
        ({"phone_number": "5321234534"}, "customer.phone_number", "Extra inputs are not permitted"),
        ("Ayşe", "customer", "Input should be a valid dictionary or instance of CustomerInput"),
    ],
)
def test_a_bad_customer_is_refused_naming_the_field_and_not_the_value(app, api, customer, field, message):
    response = api.post("/pre-orders", json={**BASKET, "customer": customer})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["field"], error["problems"][0]["message"]) == (field, message)
    typed = customer.values() if isinstance(customer, dict) else [customer]
    assert not [value for value in typed if isinstance(value, str) and value and value in response.text]
    with app.app_context():
        assert db.session.scalar(select(PreOrder.id)) is None  # nothing half-written


def test_a_bad_customer_in_a_change_leaves_the_pre_order_as_it_was(app, api):
    pre_order_id = api.post("/pre-orders", json={**BASKET, "customer": CUSTOMER}).get_json()["id"]
    response = api.patch(f"/pre-orders/{pre_order_id}", json={"shipping_amount": "0", "customer": {"email": "x"}})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "customer.email"
    answer = api.get(f"/pre-orders/{pre_order_id}").get_json()
    assert answer["customer"]["email"] == "ayse.yilmaz@example.com" and answer["shipping_amount"] == "4.90"

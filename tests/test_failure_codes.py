"""Failure codes: one closed set, derived from what the hooks answered and why; hints per code."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ivr_module.cache import cache
from ivr_module.db import db, utcnow
from ivr_module.models import FailureHint, HookCall, PreOrder
from ivr_module.services import checkout
from ivr_module.services.failure_codes import FailureCode, failure_code
from ivr_module.services.failure_hints import DEFAULT_HINTS, LOCALES
from ivr_module.services.error_texts import HookError
from tests.helpers import IVR_USERNAME, Hooks, StaffActions, csrf_token_of, new_pre_order


def last_code(app):
    with app.app_context():
        return db.session.scalar(select(HookCall.error_code).order_by(HookCall.id.desc()).limit(1))


def _expire(app, pre_order_id):
    with app.app_context():
        db.session.execute(update(PreOrder).where(PreOrder.id == pre_order_id)
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        cache.clear()  # the cached session still holds the old expiry


# (what the vendor does, the code its call gets)
SCENARIOS = {
    "broken body": (lambda h, ctx: h.client.post("/hooks/ivr/pre_order/", data=b"{"), FailureCode.INPUT_INVALID),
    "wrong password": (lambda h, ctx: h.client.post("/hooks/ivr/pre_order/", json={
        "username": IVR_USERNAME, "password": "nope", "orderNumber": ctx["number"]}),
        FailureCode.USER_INVALID_CREDENTIALS),
    "empty number": (lambda h, ctx: h.pre_order(""), FailureCode.ORDER_NUMBER_INVALID),
    "mistyped number": (lambda h, ctx: h.pre_order("1234567890"), FailureCode.ORDER_NOT_FOUND_MISTYPED),
    "never issued": (lambda h, ctx: h.pre_order("1234567897"), FailureCode.ORDER_NOT_FOUND_UNKNOWN),
    "complete of an unknown number": (lambda h, ctx: h.complete("1234567897"), FailureCode.ORDER_NOT_FOUND_UNKNOWN),
    "expired": (lambda h, ctx: (_expire(ctx["app"], ctx["id"]), h.pre_order(ctx["number"])),
                FailureCode.ORDER_NOT_FOUND_EXPIRED),
    "cancelled": (lambda h, ctx: (ctx["cancel"](), h.pre_order(ctx["number"])), FailureCode.ORDER_NOT_FOUND_CANCELLED),
    "already paid": (lambda h, ctx: (h.complete(ctx["number"], reference="R-1"), h.pre_order(ctx["number"])),
                     FailureCode.ORDER_NOT_FOUND_PAID),
    "paid, another reference": (lambda h, ctx: (h.complete(ctx["number"], reference="R-1"),
                                                h.complete(ctx["number"], reference="R-2")),
                                FailureCode.ORDER_NOT_FOUND_PAID),
    "basket changed": (lambda h, ctx: (ctx["change"](), h.pre_order(ctx["number"])), FailureCode.BASKET_CHANGED),
    "replaced after a basket change": (lambda h, ctx: (ctx["change"](), ctx["reissue"](), h.complete(ctx["number"])),
                                       FailureCode.ORDER_NOT_FOUND_REPLACED),
    "success false": (lambda h, ctx: h.complete(ctx["number"], success=False), FailureCode.SUCCESS_MUST_BE_TRUE),
    "reference of another order": (lambda h, ctx: (h.complete(ctx["number"], reference="R-9"),
                                                   h.complete(ctx["other"], reference="R-9")),
                                   FailureCode.REFERENCE_USED),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_failure_is_logged_with_its_code(app, client, make_pre_order, scenario):
    pre_order_id, number = make_pre_order()
    _, other = make_pre_order()

    def cancel():
        with app.app_context():
            checkout.cancel_pre_order(pre_order_id)

    def change():
        with app.app_context():
            checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})

    def reissue():
        with app.app_context():
            checkout.issue_order_number(pre_order_id)

    context = {"app": app, "id": pre_order_id, "number": number, "other": other,
               "cancel": cancel, "change": change, "reissue": reissue}
    act, expected = SCENARIOS[scenario]
    act(Hooks(client), context)
    assert last_code(app) == expected


@pytest.mark.parametrize("settings, code", [
    ({"IVR_PASSWORD": None}, FailureCode.USER_INVALID_NOT_CONFIGURED),
    ({"IVR_ALLOWED_IPS": "10.9.9.0/24"}, FailureCode.USER_INVALID_ADDRESS),
])
def test_vendor_refusals_carry_their_own_codes(app_with, settings, code):
    other = app_with(**settings)
    Hooks(other.test_client()).pre_order("1234567897")
    assert last_code(other) == code


def test_a_locked_out_address_gets_its_own_code(app_with):
    other = app_with(IVR_LOCKOUT_THRESHOLD=1)
    client = other.test_client()
    bad = {"username": IVR_USERNAME, "password": "wrong", "orderNumber": "1234567897"}
    client.post("/hooks/ivr/pre_order/", json=bad)
    assert last_code(other) == FailureCode.USER_INVALID_CREDENTIALS
    Hooks(client).pre_order("1234567897")  # the right password, but locked out
    assert last_code(other) == FailureCode.USER_INVALID_LOCKED_OUT


@pytest.mark.parametrize("error", list(HookError))
def test_every_error_text_has_a_code_and_a_success_has_none(error):
    assert failure_code(error.value, "anything") in set(FailureCode)
    assert failure_code("", "products read") is None


def test_every_code_has_a_caller_hint_and_a_support_note_in_each_language():
    assert set(DEFAULT_HINTS) == set(FailureCode)
    for code, texts in DEFAULT_HINTS.items():
        assert set(texts) == set(LOCALES), code
        assert all(caller.strip() and support.strip() for caller, support in texts.values()), code


def _fail_with_basket_changed(app, make_pre_order, hooks):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    hooks.pre_order(number)
    return number


def test_failed_attempts_show_the_code_and_hint_and_filter_by_code(app, staff, client, make_pre_order, hooks):
    number = _fail_with_basket_changed(app, make_pre_order, hooks)
    hooks.pre_order("1234567890")
    staff.login("support")
    listed = client.get("/admin/failed-attempts/?flt0_error_code_equals=basket_changed").text
    assert number in listed and "1234567890" not in listed
    caller, _support = DEFAULT_HINTS[FailureCode.BASKET_CHANGED]["en"]
    assert caller in listed


def test_the_lookup_shows_the_hint_for_the_last_failure_first(app, staff, client, make_pre_order, hooks):
    number = _fail_with_basket_changed(app, make_pre_order, hooks)
    staff.login("callcentre")
    page = client.get(f"/admin/lookup?order_number={number}").text
    caller, support = DEFAULT_HINTS[FailureCode.BASKET_CHANGED]["en"]
    hint = re.search(r'class="alert alert-info ivr-caller-hint".*?</div>', page, re.S).group()
    assert caller in hint and support in hint
    assert page.index("ivr-caller-hint") < page.index("ivr-hook-calls")


def test_the_hint_is_in_the_configured_language(app_with):
    turkish = app_with(IVR_DEFAULT_LOCALE="tr")
    pre_order_id, number = new_pre_order(turkish)
    with turkish.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    client = turkish.test_client()
    Hooks(client).pre_order(number)
    StaffActions(turkish, client).login("support")
    page = client.get(f"/admin/lookup?order_number={number}").text
    assert DEFAULT_HINTS[FailureCode.BASKET_CHANGED]["tr"][0] in page


def test_admins_edit_a_hint_and_the_lookup_shows_the_edit(app, staff, client, make_pre_order, hooks):
    number = _fail_with_basket_changed(app, make_pre_order, hooks)
    staff.login("admin")
    listed = client.get("/admin/caller-hints/").text
    assert listed.count("basket_changed") >= 2  # one row per language, made from the defaults
    edit_url = re.search(r'href="(/admin/caller-hints/edit/\?id=basket_changed[^"]*en[^"]*)"', listed).group(1)
    edit_url = edit_url.replace("&amp;", "&")
    form = client.get(edit_url).text
    saved = client.post(edit_url, data={
        "caller_hint": "Please ask for a fresh number at checkout.", "support_note": "Check the diff.",
        "csrf_token": csrf_token_of(form)})
    assert saved.status_code == 302
    page = client.get(f"/admin/lookup?order_number={number}").text
    assert "Please ask for a fresh number at checkout." in page


def test_support_reads_the_hints_but_cannot_edit_them(app, staff, client):
    staff.login("support")
    assert client.get("/admin/caller-hints/").status_code == 200
    with app.app_context():
        before = db.session.get(FailureHint, ("basket_changed", "en")).caller_hint
    refused = client.post("/admin/caller-hints/edit/?id=basket_changed,en",
                          data={"caller_hint": "hacked", "support_note": "hacked",
                                "csrf_token": csrf_token_of(client.get("/admin/").text)})
    assert refused.status_code in (302, 403)
    with app.app_context():
        assert db.session.get(FailureHint, ("basket_changed", "en")).caller_hint == before

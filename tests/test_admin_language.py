"""The admin in the staff's language: who reads which language, formats, and what stays English."""

import html
import io
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel, force_locale, get_locale

from ivr_module import IVRModule
from ivr_module.admin.formatting import day, local_time, money, number, percent
from ivr_module.config import ConfigError
from ivr_module.services import checkout
from ivr_module.services.error_texts import HookError
from ivr_module.services.failure_codes import FailureCode
from ivr_module.services.failure_hints import DEFAULT_HINTS
from tests.helpers import (
    StaffActions, csrf_token_of, dispose, make_app, make_staff, pre_order_answer_failed, user_named,
)
from tests.report_helpers import settlement_csv


def text_of(response) -> str:
    """A page's HTML with its character references read (Turkish letters, quotes)."""
    return html.unescape(response.text)


# --- which language a page speaks -------------------------------------------------------------


def test_a_staff_member_who_chose_turkish_reads_the_admin_in_turkish(staff, client):
    staff.login("support", locale="tr")
    page = text_of(client.get("/admin/"))
    assert "Başarısız çağrılar" in page and "Sipariş sorgulama" in page  # ours
    assert "Failed calls" not in page
    listed = text_of(client.get("/admin/pre-orders/"))
    assert "Filtre Ekle" in listed  # Flask-Admin's own catalogue ("Add Filter")
    assert "Ön siparişler" in listed and "Sipariş numarası" in listed


def test_without_a_preference_the_default_setting_decides(app_with):
    turkish = app_with(IVR_DEFAULT_LOCALE="tr")
    client = turkish.test_client()
    assert "Giriş yap" in text_of(client.get("/admin/auth/login"))  # the login page too
    StaffActions(turkish, client).login("support")
    assert "Başarısız çağrılar" in text_of(client.get("/admin/"))


def test_english_is_the_default_and_a_preference_beats_the_default(app, app_with, staff, client):
    assert "Log in" in client.get("/admin/auth/login").text
    turkish = app_with(IVR_DEFAULT_LOCALE="tr")
    other = turkish.test_client()
    StaffActions(turkish, other).login("admin", locale="en")
    page = other.get("/admin/").text
    assert "Failed calls" in page and "Başarısız çağrılar" not in page


def test_two_staff_members_read_their_own_languages_side_by_side(app, app_with, client):
    StaffActions(app, client).login("support", username="ayse", locale="tr")
    # A second app on the same database: the test's app context would share one CSRF token.
    second = app_with()
    english = second.test_client()
    StaffActions(second, english).login("support", username="john", locale="en")
    assert "Başarısız çağrılar" in text_of(client.get("/admin/"))
    assert "Failed calls" in english.get("/admin/").text
    assert "Başarısız çağrılar" in text_of(client.get("/admin/"))


@pytest.mark.parametrize("value", ["de", "", "TR", "tr_TR"])
def test_an_unknown_default_locale_stops_the_start(backend_config, value):
    with pytest.raises(ConfigError, match="IVR_DEFAULT_LOCALE"):
        make_app(backend_config, IVR_DEFAULT_LOCALE=value)


# --- setting the preference -------------------------------------------------------------------


def test_an_admin_sets_a_staff_members_language(app, staff, client):
    staff.login("admin")
    url = f"/admin/users/edit/?id={make_staff(app, 'ayse', 'support')}"
    form = {"username": "ayse", "role": "support", "active": "y", "password": "", "csrf_token": staff.token(url)}
    client.post(url, data={**form, "locale": "tr"})
    assert user_named(app, "ayse").locale == "tr"
    client.post(url, data={**form, "locale": "", "csrf_token": staff.token(url)})
    assert user_named(app, "ayse").locale is None  # back to the default
    listed = client.get("/admin/users/").text
    assert "Language" in listed


def test_an_admin_cannot_set_an_unknown_language(app, staff, client):
    staff.login("admin")
    me = user_named(app, "admin-user")
    url = f"/admin/users/edit/?id={me.id}"
    client.post(url, data={"username": "admin-user", "role": "admin", "active": "y", "password": "",
                           "locale": "xx", "csrf_token": staff.token(url)})
    assert user_named(app, "admin-user").locale is None


def test_staff_choose_their_own_language_from_any_page(app, staff, client):
    staff.login("support")
    token = staff.token("/admin/lookup")
    answer = client.post("/admin/auth/language", data={"locale": "tr", "next": "/admin/lookup", "csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith("/admin/lookup")
    assert user_named(app, "support-user").locale == "tr"
    assert "Sipariş sorgulama" in text_of(client.get("/admin/lookup"))
    client.post("/admin/auth/language", data={"locale": "", "csrf_token": staff.token()})
    assert user_named(app, "support-user").locale is None


@pytest.mark.parametrize("form, status", [
    ({"locale": "de"}, 400),
    ({"locale": "tr", "csrf_token": "forged"}, 400),
])
def test_a_bad_language_choice_is_refused(app, staff, client, form, status):
    staff.login("support")
    token = staff.token()
    answer = client.post("/admin/auth/language", data={"csrf_token": token, **form})
    assert answer.status_code == status
    assert user_named(app, "support-user").locale is None


def test_choosing_a_language_needs_a_login(client):
    token = csrf_token_of(client.get("/admin/auth/login").text)
    assert client.post("/admin/auth/language", data={"locale": "tr", "csrf_token": token}).status_code == 403


# --- what stays English --------------------------------------------------------------------------


def test_the_seed_error_text_stays_as_sent_with_the_turkish_hint_beside_it(app, staff, client, make_pre_order, hooks):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    answer = hooks.pre_order(number)
    assert pre_order_answer_failed(answer, HookError.BASKET_CHANGED.value)  # the vendor's answer: the seed's
    staff.login("support", locale="tr")
    caller_tr = DEFAULT_HINTS[FailureCode.BASKET_CHANGED]["tr"][0]
    listed = text_of(client.get("/admin/failed-attempts/"))
    assert HookError.BASKET_CHANGED.value in listed and caller_tr in listed
    looked_up = text_of(client.get(f"/admin/lookup?order_number={number}"))
    assert f'title="{caller_tr}">{HookError.BASKET_CHANGED.value}</td>' in looked_up
    assert "Arayana söyleyin:" in looked_up


def test_filters_keep_their_english_urls_in_turkish(app, staff, client, make_pre_order, hooks):
    """Links built by the dashboard and the staff report name filters in English."""
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    hooks.pre_order(number)
    hooks.pre_order("1234567890")
    staff.login("support", locale="tr")
    listed = text_of(client.get("/admin/failed-attempts/?flt0_error_code_equals=basket_changed"))
    assert number in listed and "1234567890" not in listed
    assert "Zaman" in listed and "Hata kodu" in listed  # the filters' names, translated


def test_csv_export_headers_stay_english_in_turkish(staff, client, make_pre_order, hooks):
    _, number = make_pre_order()
    hooks.complete(number, reference="REF-TR")
    staff.login("callcentre", locale="tr")
    header = client.get("/admin/transactions/export/csv/").text.splitlines()[0]
    assert "Reference" in header and "Order number" in header and "Referans" not in header


# --- formats -------------------------------------------------------------------------------------


@pytest.fixture
def istanbul(app_with):
    """A request of an app whose staff read times in Istanbul."""
    app = app_with(IVR_TIMEZONE="Europe/Istanbul")
    with app.test_request_context("/admin/"):
        yield app


@pytest.mark.parametrize("locale, expected", [("tr", "1.234,56 ₺"), ("en", "1,234.56 TRY")])
def test_money_with_its_currency_in_the_staff_language(istanbul, locale, expected):
    with force_locale(locale):
        assert money(Decimal("1234.56"), "TRY") == expected


@pytest.mark.parametrize("locale, amount, currency, expected", [
    ("tr", "1234567.5", "EUR", "1.234.567,50 €"),
    ("tr", "-0.5", "TRY", "-0,50 ₺"),
    ("tr", "1234.56", None, "1.234,56"),
    ("en", "1234.56", None, "1,234.56"),
    ("en", "0", "EUR", "0.00 EUR"),
])
def test_amounts_keep_two_decimals(istanbul, locale, amount, currency, expected):
    with force_locale(locale):
        assert money(Decimal(amount), currency) == expected


@pytest.mark.parametrize("locale, time, day_text, count, rate", [
    ("tr", "27.11.2026 17:05:09", "27.11.2026", "12.345", "%12,3"),
    ("en", "2026-11-27 17:05:09", "2026-11-27", "12,345", "12.3%"),
])
def test_dates_times_counts_and_rates_in_the_staff_language(istanbul, locale, time, day_text, count, rate):
    moment = datetime(2026, 11, 27, 14, 5, 9, tzinfo=timezone.utc)
    with force_locale(locale):
        assert local_time(moment) == time  # 14:05 UTC is 17:05 in Istanbul
        assert local_time(moment.replace(tzinfo=None)) == time  # stored naive UTC reads the same
        assert day(date(2026, 11, 27)) == day_text
        assert number(12345) == count
        assert percent(0.1234) == rate and percent(None) == "—"


def test_the_dashboard_shows_turkish_amounts_and_chart_words(app, staff, client, make_pre_order, hooks):
    _, number_ = make_pre_order()
    hooks.complete(number_, reference="REF-1")
    staff.login("callcentre", locale="tr")
    page = text_of(client.get("/admin/?period=7d"))
    assert "59,97 €" in page  # the basket of tests.helpers, 59.97 EUR
    words = [json.loads(found) for found in re.findall(r"data-labels='([^']*)'", page)]
    assert words[0]["payments"] == "Ödemeler" and words[0]["sum"] == "Toplam {currency}"
    assert words[1] == {"failures": "Başarısız çağrılar", "locale": "tr"}


# --- a host that has Flask-Babel of its own -----------------------------------------------------


def test_a_host_keeps_its_flask_babel_and_the_admin_still_speaks_the_staff_language(backend_config):
    host = Flask("host_shop")
    host.config.update(SECRET_KEY="host-secret-" + "x" * 32, **backend_config)
    babel = Babel(host, locale_selector=lambda: "de")

    @host.get("/")
    def home():
        return str(get_locale())

    IVRModule(host)
    assert host.extensions["babel"].instance is babel
    client = host.test_client()
    assert client.get("/").text == "de"  # the host's pages: the host's choice
    StaffActions(host, client).login("support", locale="tr")
    assert "Başarısız çağrılar" in text_of(client.get("/admin/"))
    assert client.get("/").text == "de"
    dispose(host)


def test_the_module_brings_flask_babel_when_the_host_has_none(app):
    assert "babel" in app.extensions
    with app.test_request_context("/"):
        assert str(get_locale()) == "en"


# --- no English left on a Turkish page -----------------------------------------------------------


def english_phrases() -> list[str]:
    """The catalogue's English phrases (two words or more) whose Turkish reads differently."""
    from babel.messages.pofile import read_po

    from ivr_module.i18n import DOMAIN, TRANSLATIONS

    with (TRANSLATIONS / "tr" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        messages = [message for message in read_po(handle) if message.id and message.id != message.string]
    phrases = []
    for message in messages:
        # The words between placeholders and markup: "No record of %(number)s." -> "No record of".
        phrases += [part.strip(" .,:;()") for part in re.split(r"%\(\w+\)s|<[^>]+>", message.id)]
    return sorted({phrase for phrase in phrases if len(phrase.split()) >= 2})


def visible_text(page: str) -> str:
    """A page's text as a person reads it: no tags, scripts, styles or hidden data (the filters')."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<div[^>]*class="d-none"[^>]*>.*?</div>', " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_every_admin_page_reads_in_turkish_without_english_left(app, staff, client, make_pre_order, hooks):
    pre_order_id, number = make_pre_order()
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    hooks.pre_order(number)  # a basket change: a failed call with a diff
    _, paid = make_pre_order()
    hooks.complete(paid, reference="REF-TR")
    staff.login("admin", locale="tr")
    failed_id = re.search(r"/admin/failed-attempts/details/\?id=(\d+)", client.get("/admin/failed-attempts/").text)
    pages = [
        "/admin/", "/admin/?period=30d", f"/admin/lookup?order_number={number}", f"/admin/lookup?order_number={paid}",
        "/admin/lookup?order_number=1234567891", "/admin/failed-attempts/",
        f"/admin/failed-attempts/details/?id={failed_id.group(1)}", "/admin/transactions/", "/admin/pre-orders/",
        f"/admin/pre-orders/details/?id={pre_order_id}", f"/admin/pre-orders/cancel/?rowid={pre_order_id}",
        # Not the caller hints: they list the English hints beside the Turkish ones, as data.
        "/admin/event-deliveries/", "/admin/audit/", "/admin/staff-report/?period=7d",
        "/admin/settlements/", "/admin/users/", "/admin/users/new/",
    ]
    token = staff.token("/admin/settlements/")
    upload = {"file": (io.BytesIO(settlement_csv(f"REF-TR,{paid},59.90,EUR,agent-7,2026-12-06 10:00",
                                                 "REF-X,,1.00,TRY,agent-7,2026-12-06 10:00")), "s.csv"),
              "csrf_token": token}
    imported = client.post("/admin/settlements/", data=upload, content_type="multipart/form-data")
    assert imported.status_code == 302 and "/admin/settlements/" in imported.location
    pages.append(imported.location)  # the reconciliation page
    phrases = english_phrases()
    assert "No record of" in phrases and "Failed calls" in phrases  # the check has teeth
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        text = visible_text(answer.text)
        left = [phrase for phrase in phrases if re.search(rf"\b{re.escape(phrase)}\b", text)]
        assert not left, f"{path}: English left: {left}"

"""Security of the admin pages: headers, no inline script, cookies, CSRF on every form."""

import re

import pytest

from tests.helpers import BASKET

PAGES = [
    "/admin/",
    "/admin/?period=30d",
    "/admin/lookup?order_number=1234567890",
    "/admin/failed-attempts/",
    "/admin/failed-attempts/details/?id=1",
    "/admin/transactions/",
    "/admin/pre-orders/",
    "/admin/pre-orders/details/?id=1",
    "/admin/users/",
    "/admin/users/new/",
    "/admin/users/edit/?id=1",
]


@pytest.fixture
def admin_pages(staff, client, make_pre_order, hooks):
    """Every kind of admin page, with data in it, as an admin sees them."""
    _, number = make_pre_order()
    hooks.pre_order("1234567890")
    hooks.complete(number)
    staff.login("admin")
    pages = {url: client.get(url) for url in PAGES}
    assert all(response.status_code == 200 for response in pages.values()), {
        url: r.status_code for url, r in pages.items()
    }
    return pages


def csp_directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_admin_pages_have_a_csp_without_inline_script(admin_pages):
    for url, response in admin_pages.items():
        directives = csp_directives(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"], url


def test_login_page_has_the_security_headers(client):
    response = client.get("/admin/auth/login")
    assert csp_directives(response)["script-src"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_admin_pages_cannot_be_framed(admin_pages):
    for url, response in admin_pages.items():
        assert csp_directives(response)["frame-ancestors"] == ["'none'"], url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_admin_pages_keep_their_urls_to_themselves(admin_pages):
    for url, response in admin_pages.items():
        assert response.headers["Referrer-Policy"] == "same-origin", url


def test_admin_pages_are_not_sniffed_or_cached(admin_pages):
    for url, response in admin_pages.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Cache-Control"] == "no-store", url


def test_the_redirect_to_login_carries_the_headers_too(client):
    response = client.get("/admin/transactions/")
    assert response.status_code == 302
    assert response.headers["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_admin_pages_hold_no_inline_script(admin_pages, client):
    admin_pages["/admin/auth/login"] = client.get("/admin/auth/login")
    for url, response in admin_pages.items():
        page = response.text
        assert not INLINE_SCRIPT.search(page), url
        assert not EVENT_HANDLER.search(page), (url, EVENT_HANDLER.search(page))
        assert not JAVASCRIPT_URL.search(page), (url, JAVASCRIPT_URL.search(page))


def test_hooks_and_api_are_left_alone(client, api):
    hook = client.post("/hooks/ivr/pre_order/", json={"username": "x", "password": "y", "orderNumber": "1"})
    assert "Content-Security-Policy" not in hook.headers
    assert "Content-Security-Policy" not in api.get("/pre-orders/1").headers


# --- Cookies -----------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite(staff):
    cookie = session_cookie(staff.login("support"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_development(app_with):
    production = app_with(TESTING=False, IVR_ENV="production")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    cookie = session_cookie(production.test_client().get("/admin/auth/login"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_not_secure_in_development(staff):
    # Development serves plain http://127.0.0.1: a Secure cookie would never come back.
    assert "Secure" not in session_cookie(staff.login("support"))


def test_a_host_apps_stricter_samesite_is_kept(app_with):
    assert app_with(SESSION_COOKIE_SAMESITE="Strict").config["SESSION_COOKIE_SAMESITE"] == "Strict"


# --- CSRF --------------------------------------------------------------------------------------


def test_login_without_the_csrf_token_is_refused(app, client):
    from tests.helpers import STAFF_PASSWORD, make_staff

    make_staff(app, "ayse", "support")
    response = client.post("/admin/auth/login", data={"username": "ayse", "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert "CSRF token is missing" in response.text
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "url, data",
    [
        ("/admin/pre-orders/action/", {"action": "cancel", "rowid": "1"}),
        ("/admin/users/delete/", {"id": "1"}),
        ("/admin/users/new/", {"username": "eve", "role": "admin", "password": "eve-password-123"}),
        ("/admin/auth/logout", {}),
    ],
)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_admin_form_refuses_a_post_without_its_csrf_token(staff, client, url, data, token):
    staff.login("admin")
    if token:
        data = {**data, "csrf_token": token}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "CSRF token" in response.text


def test_list_forms_carry_the_csrf_token(staff, client, make_pre_order):
    make_pre_order()
    staff.login("admin")
    action_form = re.search(r'<form id="action_form".*?</form>', client.get("/admin/pre-orders/").text, re.S)
    assert action_form and 'name="csrf_token"' in action_form.group()
    delete_form = re.search(r'<form class="icon" method="POST".*?</form>', client.get("/admin/users/").text, re.S)
    assert delete_form and 'name="csrf_token"' in delete_form.group()


def test_hooks_and_checkout_api_work_with_csrf_on(app, client, api, hooks):
    # CSRF is on: Flask-WTF's forms read the setting with this same default (unset means on)...
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    # ...and an admin form posted without its token is refused.
    refused = client.post("/admin/auth/logout")
    assert refused.status_code == 400 and "CSRF token" in refused.text
    created = api.post("/pre-orders", json=BASKET)
    assert created.status_code == 201
    issued = api.post(f"/pre-orders/{created.get_json()['id']}/order-number", json={})
    assert issued.status_code == 201
    number = issued.get_json()["order_number"]
    # The API answered with its bearer token and the hooks with their credentials, no CSRF token anywhere.
    assert hooks.pre_order(number)["result"]["success"] is True
    paid = hooks.complete(number, reference="R-1", staff_id="7")
    assert paid["orderResultResponse"]["result"]["success"] is True

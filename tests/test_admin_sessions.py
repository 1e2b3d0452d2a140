"""Admin sessions: a copied cookie dies with logout and password resets; idle sessions end."""

import time

import pytest
from flask import g

from ivr_module.admin.staff import SESSION_KEY
from tests.helpers import StaffActions, user_named

NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture
def copy_of(app):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""

    def copy(client):
        thief = app.test_client()
        thief.set_cookie("session", client.get_cookie("session").value)
        return thief

    return copy


def forget_cached_user() -> None:
    """pytest-flask's shared app context caches the last CSRF token: a new browser's request
    must not see it."""
    g.pop("csrf_token", None)


def is_logged_in(client) -> bool:
    """Whether the client's session opens the dashboard (else it is sent to the login page)."""
    forget_cached_user()
    return client.get("/admin/").status_code == 200


def browser_of(app, role, create=True):
    """A browser of its own, logged in as `role`-user; returns (browser, its StaffActions)."""
    browser = app.test_client()
    actions = StaffActions(app, browser)
    forget_cached_user()
    assert actions.login(role, create=create).status_code == 302
    return browser, actions


def test_the_cookie_names_the_session_token_not_the_row_id(app, staff, client):
    staff.login("support")
    with client.session_transaction() as session:
        stored = session[SESSION_KEY]["token"]
    user = user_named(app, "support-user")
    assert stored == user.session_token and stored != str(user.id)


def test_a_copied_cookie_no_longer_works_after_logout(staff, client, copy_of):
    staff.login("support")
    thief = copy_of(client)
    assert is_logged_in(thief)
    staff.logout()
    assert not is_logged_in(thief)


def test_logout_ends_the_users_sessions_in_other_browsers(app, staff, client):
    staff.login("support")
    elsewhere, _ = browser_of(app, "support", create=False)
    assert is_logged_in(elsewhere)
    forget_cached_user()
    staff.logout()
    assert not is_logged_in(elsewhere)


def test_a_copied_cookie_no_longer_works_after_an_admin_resets_the_password(app, copy_of):
    support_browser, _ = browser_of(app, "support")
    thief = copy_of(support_browser)
    admin_browser, admin = browser_of(app, "admin")
    support = user_named(app, "support-user")
    url = f"/admin/users/edit/?id={support.id}"
    data = {"username": "support-user", "role": "support", "active": "y", "password": NEW_PASSWORD}
    forget_cached_user()
    admin_browser.post(url, data={**data, "csrf_token": admin.token(url)})
    assert user_named(app, "support-user").check_password(NEW_PASSWORD)
    assert not is_logged_in(thief)
    assert not is_logged_in(support_browser)
    assert is_logged_in(admin_browser)


def test_a_deactivated_and_reactivated_account_keeps_no_old_session(app, copy_of):
    support_browser, _ = browser_of(app, "support")
    thief = copy_of(support_browser)
    admin_browser, admin = browser_of(app, "admin")
    url = f"/admin/users/edit/?id={user_named(app, 'support-user').id}"
    for active in ("", "y"):
        data = {"username": "support-user", "role": "support", "active": active, "password": ""}
        forget_cached_user()
        admin_browser.post(url, data={**data, "csrf_token": admin.token(url)})
    assert user_named(app, "support-user").active
    assert not is_logged_in(thief)


def test_an_admin_changing_their_own_password_stays_logged_in_only_there(app, staff, client, copy_of):
    staff.login("admin")
    thief = copy_of(client)
    me = user_named(app, "admin-user")
    url = f"/admin/users/edit/?id={me.id}"
    data = {"username": "admin-user", "role": "admin", "active": "y", "password": NEW_PASSWORD}
    client.post(url, data={**data, "csrf_token": staff.token(url)})
    assert user_named(app, "admin-user").check_password(NEW_PASSWORD)
    assert is_logged_in(client)
    assert not is_logged_in(thief)


def set_last_seen(client, seconds_ago: int) -> None:
    """Pretend the session was last used `seconds_ago`."""
    with client.session_transaction() as session:
        session[SESSION_KEY] = {**session[SESSION_KEY], "seen": int(time.time()) - seconds_ago}


def test_a_session_idle_longer_than_the_limit_is_logged_out(app, staff, client):
    staff.login("support")
    set_last_seen(client, app.config["IVR_ADMIN_SESSION_IDLE_SECONDS"] + 1)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/auth/login")
    assert "Your session expired." in client.get(response.headers["Location"]).text
    assert not is_logged_in(client)


def test_a_session_used_within_the_limit_stays_and_its_clock_restarts(app, staff, client):
    staff.login("support")
    set_last_seen(client, app.config["IVR_ADMIN_SESSION_IDLE_SECONDS"] - 60)
    assert is_logged_in(client)
    with client.session_transaction() as session:
        assert session[SESSION_KEY]["seen"] >= int(time.time()) - 60


def test_the_idle_limit_is_a_setting(app_with):
    quick = app_with(IVR_ADMIN_SESSION_IDLE_SECONDS=60)
    browser, _ = browser_of(quick, "support")
    set_last_seen(browser, 61)
    assert not is_logged_in(browser)

"""Logging in and out of the admin, the slow-down after failed logins, and `ivr create-user`."""

import pytest
from flask import g
from sqlalchemy import select

from ivr_module.admin import throttle
from ivr_module.db import db
from ivr_module.models import User
from tests.helpers import STAFF_PASSWORD, make_staff, user_named


@pytest.fixture
def log_in(staff):
    """Submit the login form as a browser does, for an account that may not exist."""
    return lambda username, password, next_url=None: staff.login(
        username=username, password=password, create=False, next_url=next_url
    )


def test_login_page_has_the_admin_look(client):
    page = client.get("/admin/auth/login").text
    assert "bootstrap.min.css" in page and "IVR payments" in page
    assert 'name="password"' in page and 'type="password"' in page


def test_valid_credentials_log_in_and_go_where_the_visitor_was_going(app, client, log_in):
    make_staff(app, "ayse", "support")
    response = log_in("ayse", STAFF_PASSWORD, next_url="/admin/transactions/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/transactions/"
    assert "ayse · support" in client.get("/admin/").text


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_login_never_redirects_to_another_site(app, next_url, log_in):
    make_staff(app, "ayse", "support")
    response = log_in("ayse", STAFF_PASSWORD, next_url=next_url)
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize(
    "username, password",
    [("ayse", "wrong-password-123"), ("nobody", STAFF_PASSWORD), ("AYSE", STAFF_PASSWORD)],
)
def test_wrong_credentials_are_refused_with_one_message(app, client, username, password, log_in):
    make_staff(app, "ayse", "support")
    response = log_in(username, password)
    assert response.status_code == 401
    assert "Unknown username or wrong password." in response.text
    assert client.get("/admin/").status_code == 302


def test_a_deactivated_account_cannot_log_in(app, log_in):
    make_staff(app, "ayse", "support", active=False)
    assert log_in("ayse", STAFF_PASSWORD).status_code == 401


def test_passwords_are_stored_hashed(app):
    make_staff(app, "ayse", "support")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.username == "ayse"))
    assert STAFF_PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_logout_ends_the_session(staff, client):
    staff.login("support")
    response = staff.logout()
    assert response.headers["Location"] == "/admin/auth/login"
    g.pop("_login_user", None)  # pytest-flask's shared app context caches the user
    assert client.get("/admin/").status_code == 302


def test_logout_is_a_post_with_the_csrf_token(staff, client):
    staff.login("support")
    assert client.get("/admin/auth/logout").status_code == 405
    assert client.post("/admin/auth/logout").status_code == 400


class Clock:
    """A stand-in for time.time() in the throttle."""

    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "_now", clock)
    return clock


def test_repeated_failures_slow_down_further_attempts(app, clock, log_in):
    make_staff(app, "ayse", "support")
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    first_delay = app.config["IVR_ADMIN_LOGIN_DELAY_SECONDS"]
    for _ in range(free):
        assert log_in("ayse", "wrong-password-123").status_code == 401
    # Even the right password waits now, and the page says for how long.
    refused = log_in("ayse", STAFF_PASSWORD)
    assert refused.status_code == 429
    assert f"Too many failed logins. Try again in {first_delay} seconds." in refused.text
    clock.now += first_delay
    assert log_in("ayse", STAFF_PASSWORD).status_code == 302


def test_the_delay_grows_with_each_further_failure(app, clock, log_in):
    make_staff(app, "ayse", "support")
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    first_delay = app.config["IVR_ADMIN_LOGIN_DELAY_SECONDS"]
    for _ in range(free):
        log_in("ayse", "wrong-password-123")
    clock.now += first_delay
    assert log_in("ayse", "wrong-password-123").status_code == 401
    assert f"Try again in {2 * first_delay} seconds." in log_in("ayse", STAFF_PASSWORD).text


def test_failures_from_many_addresses_still_slow_down_one_username(app, client, clock, log_in):
    make_staff(app, "ayse", "support")
    for attempt in range(app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{attempt + 1}"
        log_in("ayse", "wrong-password-123")
    client.environ_base["REMOTE_ADDR"] = "192.0.2.200"
    assert log_in("ayse", STAFF_PASSWORD).status_code == 429


def test_one_address_guessing_many_usernames_is_slowed_down(app, clock, log_in):
    make_staff(app, "ayse", "support")
    for attempt in range(4 * app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]):
        log_in(f"guess-{attempt}", "wrong-password-123")
    assert log_in("ayse", STAFF_PASSWORD).status_code == 429


def test_a_success_clears_the_usernames_failures(app, clock, log_in, staff):
    make_staff(app, "ayse", "support")
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    for _ in range(free - 1):
        log_in("ayse", "wrong-password-123")
    assert log_in("ayse", STAFF_PASSWORD).status_code == 302
    staff.logout()
    for _ in range(free - 1):
        assert log_in("ayse", "wrong-password-123").status_code == 401


# --- flask ivr create-user ---------------------------------------------------------------------


def test_create_user_with_a_password(app, runner):
    result = runner.invoke(args=["ivr", "create-user", "mehmet", "--role", "callcentre",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    user = user_named(app, "mehmet")
    assert user.role == "callcentre" and user.active and user.check_password("a-long-password")


def test_create_user_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(args=["ivr", "create-user", "mehmet", "--role", "support"],
                           input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output
    assert user_named(app, "mehmet").check_password("a-long-password")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "boss", "--password", "a-long-password"], "'boss' is not one of"),
        (["--role", "admin", "--password", "short"], "at least 10 characters"),
    ],
)
def test_create_user_refuses_bad_input(app, runner, args, message):
    result = runner.invoke(args=["ivr", "create-user", "mehmet", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert user_named(app, "mehmet") is None


def test_create_user_refuses_an_existing_name_unless_updating(app, runner):
    runner.invoke(args=["ivr", "create-user", "mehmet", "--role", "support", "--password", "first-password"])
    refused = runner.invoke(
        args=["ivr", "create-user", "mehmet", "--role", "admin", "--password", "second-password"]
    )
    assert refused.exit_code != 0 and "exists" in refused.output
    updated = runner.invoke(
        args=["ivr", "create-user", "mehmet", "--role", "admin", "--password", "second-password", "--update"]
    )
    assert updated.exit_code == 0, updated.output
    user = user_named(app, "mehmet")
    assert user.role == "admin" and user.check_password("second-password")


def test_the_role_column_accepts_only_the_three_roles(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        db.session.add(User(username="x", password_hash="x", role="superuser"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()

"""Logging in and out of the admin, the slow-down after failed logins, and `ivr create-user`."""

import re

import pytest
import redis
from flask import g
from sqlalchemy import select

from ivr_module.admin import throttle
from ivr_module.db import db
from ivr_module.models import User
from tests.helpers import (
    REDIS_TEST_URL,
    STAFF_PASSWORD,
    StaffActions,
    all_at_once,
    csrf_token_of,
    make_staff,
    user_named,
)


@pytest.fixture(autouse=True)
def fresh_login_counts(app):
    """The counters in Redis outlive an app: each test starts with none."""
    app.extensions["ivr_admin"].login_throttle.limiter.storage.reset()


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
    assert client.get("/admin/").status_code == 302


def test_logout_is_a_post_with_the_csrf_token(staff, client):
    staff.login("support")
    assert client.get("/admin/auth/logout").status_code == 405
    assert client.post("/admin/auth/logout").status_code == 400


WRONG = "wrong-password-123"


def fails_from(client, address, log_in, times, username="ayse"):
    """Send `times` wrong passwords for `username` from `address`."""
    client.environ_base["REMOTE_ADDR"] = address
    return [log_in(username, WRONG).status_code for _ in range(times)]


def test_failures_slow_down_that_username_from_that_address(app, client, log_in):
    make_staff(app, "ayse", "support")
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    assert fails_from(client, "192.0.2.1", log_in, free) == [401] * free
    # Even the right password is refused now, unchecked, and the page says for how long.
    refused = log_in("ayse", STAFF_PASSWORD)
    assert refused.status_code == 429
    wait = int(re.search(r"Try again in (\d+) seconds\.", refused.text).group(1))
    assert 0 < wait <= app.config["IVR_ADMIN_LOGIN_WINDOW_SECONDS"]


def test_a_correct_password_from_another_address_is_not_refused(app, client, log_in):
    make_staff(app, "ayse", "support")
    fails_from(client, "192.0.2.1", log_in, app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"] + 3)
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert log_in("ayse", STAFF_PASSWORD).status_code == 302


def test_one_address_guessing_many_usernames_is_slowed_down(app, client, log_in):
    make_staff(app, "ayse", "support")
    client.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    for attempt in range(app.config["IVR_ADMIN_LOGIN_ADDRESS_ATTEMPTS"]):
        assert log_in(f"guess-{attempt}", WRONG).status_code == 401
    assert log_in("ayse", STAFF_PASSWORD).status_code == 429
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert log_in("ayse", STAFF_PASSWORD).status_code == 302


def test_a_success_clears_the_failures_of_its_username_and_address(app, client, log_in, staff):
    make_staff(app, "ayse", "support")
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    fails_from(client, "192.0.2.1", log_in, free - 1)
    assert log_in("ayse", STAFF_PASSWORD).status_code == 302
    staff.logout()
    assert fails_from(client, "192.0.2.1", log_in, free - 1) == [401] * (free - 1)


def test_successes_do_not_use_up_the_address_budget(app_with):
    office = app_with(IVR_ADMIN_LOGIN_ADDRESS_ATTEMPTS=2)
    colleagues = StaffActions(office, office.test_client())
    for number in range(4):
        assert colleagues.login("support", username=f"colleague-{number}").status_code == 302
        colleagues.logout()


def test_parallel_wrong_passwords_are_checked_no_more_than_the_free_attempts(app):
    make_staff(app, "ayse", "support")
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    tries = []
    for _ in range(20):
        client = app.test_client()
        g.pop("csrf_token", None)  # pytest-flask's shared app context caches the last token
        token = csrf_token_of(client.get("/admin/auth/login").text)
        data = {"username": "ayse", "password": WRONG, "csrf_token": token}
        tries.append(lambda client=client, data=data: client.post("/admin/auth/login", data=data).status_code)
    statuses = all_at_once(tries)
    # A 401 is a checked password; a 429 was refused before any check.
    assert 1 <= statuses.count(401) <= free
    assert statuses.count(401) + statuses.count(429) == 20


def test_workers_share_the_counts_through_redis(app, app_with, backend, log_in, client):
    if backend != "postgres":
        pytest.skip("only PostgreSQL + Redis runs several workers on one count")
    make_staff(app, "ayse", "support")
    fails_from(client, "192.0.2.1", log_in, app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"])
    other_worker = app_with()
    other_client = other_worker.test_client()
    other_client.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    refused = StaffActions(other_worker, other_client).login(username="ayse", create=False)
    assert refused.status_code == 429
    assert redis.Redis.from_url(REDIS_TEST_URL).keys(f"{throttle.KEY_PREFIX}:*")


def test_failures_are_still_counted_while_redis_is_down(app, app_with, private_redis):
    make_staff(app, "ayse", "support")
    worker = app_with(REDIS_URL=private_redis.url)
    private_redis.stop()
    client = worker.test_client()
    actions = StaffActions(worker, client)
    free = app.config["IVR_ADMIN_LOGIN_FREE_ATTEMPTS"]
    statuses = [actions.login(username="ayse", password=WRONG, create=False).status_code for _ in range(free)]
    assert statuses == [401] * free
    assert actions.login(username="ayse", create=False).status_code == 429


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

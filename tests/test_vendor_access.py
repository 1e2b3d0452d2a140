"""Who may call the hooks: lockout, the address allow-list, trusted proxies."""

import threading
import time

import pytest

from ivr_module.services import vendor_auth
from tests.helpers import IVR_PASSWORD, IVR_USERNAME, all_at_once


def call(client, password=IVR_PASSWORD, addr="203.0.113.5", forwarded_for=None):
    body = {"username": IVR_USERNAME, "password": password, "orderNumber": "1234567897"}
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/hooks/ivr/pre_order/", json=body, headers=headers, environ_base={"REMOTE_ADDR": addr}
    )
    return response.get_json()["result"]["errortext"]


def last_detail(app):
    from sqlalchemy import select

    from ivr_module.db import db
    from ivr_module.models import HookCall

    with app.app_context():
        return db.session.scalars(select(HookCall).order_by(HookCall.id.desc())).first()


@pytest.fixture
def lockout_app(app):
    app.config.update(IVR_LOCKOUT_THRESHOLD=3, IVR_LOCKOUT_SECONDS=60)
    return app


def test_repeated_user_invalid_locks_the_address_out(lockout_app):
    client = lockout_app.test_client()
    assert [call(client, password="wrong") for _ in range(3)] == ["User invalid"] * 3
    # Locked: even the right password is refused, without a credential check.
    assert call(client) == "User invalid"
    assert last_detail(lockout_app).detail == "locked out"
    # Another address is not affected.
    assert call(client, addr="203.0.113.6") == "Order not found"


def test_a_success_ends_the_run_of_failures(lockout_app):
    client = lockout_app.test_client()
    call(client, password="wrong")
    call(client, password="wrong")
    assert call(client) == "Order not found"
    call(client, password="wrong")
    call(client, password="wrong")
    assert call(client) == "Order not found"


def test_lockout_ends_after_its_time(app_with):
    app = app_with(IVR_LOCKOUT_THRESHOLD=3, IVR_LOCKOUT_SECONDS=1)
    client = app.test_client()
    for _ in range(3):
        call(client, password="wrong")
    assert call(client) == "User invalid"
    # Calls refused while locked do not prolong the lock: it ends about a second from now.
    deadline = time.monotonic() + 10
    while call(client) != "Order not found":
        assert time.monotonic() < deadline, "the lockout did not end"
        time.sleep(0.1)


def test_threshold_zero_turns_lockout_off(app):
    app.config.update(IVR_LOCKOUT_THRESHOLD=0)
    client = app.test_client()
    for _ in range(15):
        call(client, password="wrong")
    assert call(client) == "Order not found"


def test_default_lockout_is_ten_failures(app):
    client = app.test_client()
    for _ in range(9):
        call(client, password="wrong")
    assert call(client) == "Order not found"
    for _ in range(10):
        call(client, password="wrong")
    assert call(client) == "User invalid"


def test_allow_list_refuses_other_addresses(app_with):
    app = app_with(IVR_ALLOWED_IPS="198.51.100.0/24, 2001:db8::/32")
    client = app.test_client()
    assert call(client, addr="198.51.100.20") == "Order not found"
    assert call(client, addr="2001:db8::1") == "Order not found"
    assert call(client, addr="203.0.113.5") == "User invalid"
    assert "IVR_ALLOWED_IPS" in last_detail(app).detail


def test_forwarded_for_is_ignored_without_trusted_proxies(app_with):
    app = app_with(IVR_ALLOWED_IPS="198.51.100.0/24")
    client = app.test_client()
    assert call(client, addr="203.0.113.5", forwarded_for="198.51.100.20") == "User invalid"
    assert last_detail(app).remote_addr == "203.0.113.5"


def test_trusted_proxy_count_picks_the_client_address(app_with):
    app = app_with(IVR_ALLOWED_IPS="198.51.100.0/24", IVR_TRUSTED_PROXIES=1)
    client = app.test_client()
    # One proxy: the last X-Forwarded-For entry is the client; earlier ones are not trusted.
    assert call(client, addr="10.0.0.2", forwarded_for="203.0.113.5, 198.51.100.20") == "Order not found"
    assert last_detail(app).remote_addr == "198.51.100.20"
    assert call(client, addr="10.0.0.2", forwarded_for="198.51.100.20, 203.0.113.5") == "User invalid"


def test_previous_password_works_during_its_rotation_window(app_with):
    from datetime import timedelta

    from ivr_module.db import utcnow

    window_end = (utcnow() + timedelta(minutes=5)).isoformat()
    app = app_with(IVR_PASSWORD="new-password", IVR_PREVIOUS_PASSWORD=IVR_PASSWORD,
                   IVR_PREVIOUS_PASSWORD_UNTIL=window_end)
    client = app.test_client()
    assert call(client, password=IVR_PASSWORD) == "Order not found"
    assert call(client, password="new-password") == "Order not found"
    assert call(client, password="neither") == "User invalid"


def test_previous_password_is_refused_after_the_window(app_with):
    app = app_with(IVR_PASSWORD="new-password", IVR_PREVIOUS_PASSWORD=IVR_PASSWORD,
                   IVR_PREVIOUS_PASSWORD_UNTIL="2020-01-01T00:00:00+00:00")
    client = app.test_client()
    assert call(client, password=IVR_PASSWORD) == "User invalid"
    assert call(client, password="new-password") == "Order not found"


@pytest.mark.parametrize("until", [None, "tomorrow", "2030-01-01T00:00:00"])
def test_a_rotation_window_needs_a_clear_end(app_with, until):
    from ivr_module.config import ConfigError

    with pytest.raises(ConfigError, match="IVR_PREVIOUS_PASSWORD_UNTIL"):
        app_with(IVR_PREVIOUS_PASSWORD="old", IVR_PREVIOUS_PASSWORD_UNTIL=until)


@pytest.fixture
def credential_checks(monkeypatch):
    """Counts the credential checks the hooks make (the real check still runs)."""
    checks, lock = [], threading.Lock()
    real_check = vendor_auth._credentials_refusal

    def counted(username, password):
        with lock:
            checks.append(username)
        time.sleep(0.01)  # a check takes a moment: concurrent callers overlap as they would
        return real_check(username, password)

    monkeypatch.setattr(vendor_auth, "_credentials_refusal", counted)
    return checks


def test_concurrent_bad_calls_get_no_more_checks_than_the_threshold(app, credential_checks):
    app.config.update(IVR_LOCKOUT_THRESHOLD=10, IVR_LOCKOUT_SECONDS=60)
    answers = all_at_once([lambda: call(app.test_client(), password="wrong")] * 40)
    assert answers == ["User invalid"] * 40
    assert len(credential_checks) <= 10
    assert call(app.test_client()) == "User invalid"  # locked out


def test_concurrent_good_calls_are_never_refused(app, credential_checks):
    app.config.update(IVR_LOCKOUT_THRESHOLD=3, IVR_LOCKOUT_SECONDS=60)
    answers = all_at_once([lambda: call(app.test_client())] * 30)
    assert answers == ["Order not found"] * 30  # they wait for checks in flight, not refused
    assert len(credential_checks) == 30


def test_an_allow_listed_address_is_never_locked_out(app_with):
    app = app_with(IVR_ALLOWED_IPS="198.51.100.0/24", IVR_LOCKOUT_THRESHOLD=3)
    client = app.test_client()
    for _ in range(20):
        assert call(client, password="wrong", addr="198.51.100.20") == "User invalid"
    assert last_detail(app).detail == "wrong password"
    assert call(client, addr="198.51.100.20") == "Order not found"


def test_addresses_outside_the_allow_list_are_still_locked_out(app_with):
    app = app_with(IVR_ALLOWED_IPS="198.51.100.0/24", IVR_LOCKOUT_THRESHOLD=3)
    client = app.test_client()
    for _ in range(3):
        call(client, addr="203.0.113.5")
    assert call(client, addr="203.0.113.5") == "User invalid"
    assert last_detail(app).detail == "locked out"

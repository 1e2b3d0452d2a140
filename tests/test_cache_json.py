"""The cache holds data, never code: values are JSON, and anything else read back is a miss."""

import json
import logging
import os
import pickle
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import redis

from ivr_module.cache import cache
from ivr_module.services.sessions import OrderSession, ProductLine, session_key
from ivr_module.services.vendor_auth import lockout_key
from tests.helpers import BASKET_TOTAL, REDIS_TEST_URL, transactions


class CreatesAFile:
    """Unpickling this runs `touch path`: the proof that a pickle was loaded."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def plant(app, backend, key, value: bytes):
    """Write raw bytes where the app's cache keeps `key`, as someone with access to it could."""
    if backend == "postgres":
        redis.Redis.from_url(REDIS_TEST_URL).set("ivr:" + key, value)
    else:
        with app.app_context():
            cache.cache._cache[key] = (0, value)


def planted_pickle(backend, path) -> bytes:
    """A pickle in the form the backend's default (pickling) serializer would load."""
    payload = pickle.dumps(CreatesAFile(path))
    return b"!" + payload if backend == "postgres" else payload


def test_a_planted_pickle_is_never_loaded(app, backend, hooks, make_pre_order, tmp_path, caplog):
    _, number = make_pre_order()
    proof = tmp_path / "pickle-was-loaded"
    plant(app, backend, session_key(number), planted_pickle(backend, proof))
    if backend == "postgres":  # the lockout count lives in Redis only on this backend
        plant(app, backend, lockout_key("127.0.0.1"), planted_pickle(backend, proof))

    with caplog.at_level(logging.WARNING):
        answer = hooks.pre_order(number)
        completed = hooks.complete(number, reference="REF-PICKLE")

    assert not proof.exists()
    assert answer["result"]["success"] is True
    assert str(answer["orderprice"]) == BASKET_TOTAL  # read from the database
    assert completed["orderResultResponse"]["result"]["success"] is True
    assert [t.reference_number for t in transactions(app)] == ["REF-PICKLE"]
    assert "not JSON" in caplog.text


@pytest.mark.parametrize("value", [b'"just text"', b'{"order_number": 1}', b"[1, 2]", b"\xff\xfe"])
def test_a_cached_value_that_is_not_a_session_is_a_miss(app, backend, hooks, make_pre_order, value):
    _, number = make_pre_order()
    plant(app, backend, session_key(number), value)
    answer = hooks.pre_order(number)
    assert answer["result"]["success"] is True
    assert str(answer["orderprice"]) == BASKET_TOTAL


def test_a_lockout_count_that_is_not_a_number_starts_again(app, backend, hooks):
    app.config.update(IVR_LOCKOUT_THRESHOLD=3, IVR_LOCKOUT_SECONDS=60)
    if backend != "postgres":
        pytest.skip("the in-process lockout count is not in the cache")
    plant(app, backend, lockout_key("127.0.0.1"), b'"not a number"')
    for _ in range(3):
        hooks.pre_order("1234567897", password="wrong")
    assert hooks.pre_order("1234567897")["result"]["errortext"] == "User invalid"  # locked


def test_values_are_stored_as_json(app, backend):
    with app.app_context():
        cache.set("probe", {"a": [1, "b"]})
        if backend == "postgres":
            stored = redis.Redis.from_url(REDIS_TEST_URL).get("ivr:probe")
        else:
            stored = cache.cache._cache["probe"][1]
    assert stored == b'{"a":[1,"b"]}'


def test_a_session_is_stored_as_the_json_of_its_fields_and_read_back_whole():
    """The cached session's text is the exact JSON of every field (as earlier releases wrote it,
    so a deploy reads what the previous one cached), and reads back equal, money exact."""
    session = OrderSession(
        pre_order_id=7, order_number="9000000019", status="awaiting_payment",
        expires_at=datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc), payment_option_set=True,
        payment_type="cash_register", basket_changed=False,
        products=(ProductLine("SKU-1", "Mug", 2, Decimal("12.50"), Decimal("10.00")),),
        amount=Decimal("20.00"), currency="TRY", paid_reference=None,
    )
    assert json.loads(session.to_json()) == {
        "pre_order_id": 7, "order_number": "9000000019", "status": "awaiting_payment",
        "expires_at": "2026-12-07 09:30:00+00:00", "payment_option_set": True,
        "payment_type": "cash_register", "basket_changed": False,
        "products": [{"sku": "SKU-1", "name": "Mug", "quantity": 2, "real_price": "12.50",
                      "discounted_price": "10.00"}],
        "amount": "20.00", "currency": "TRY", "paid_reference": None, "live": True,
    }
    assert OrderSession.from_json(session.to_json()) == session

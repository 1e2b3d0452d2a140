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
from ivr_module.cache_backends import StrictJSONSerializer
from ivr_module.services.answers import pre_order_answer
from ivr_module.services.sessions import OrderSession, ProductLine, session_key
from ivr_module.services.vendor_auth import lockout_key
from tests.helpers import BASKET_TOTAL, IVR_PASSWORD, IVR_USERNAME, REDIS_TEST_URL, transactions


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


@pytest.mark.parametrize("field, bad", [("answer", 12), ("amount", "lots"), ("expires_at", "soon")])
def test_a_cached_session_with_a_field_of_the_wrong_kind_is_a_miss(app, backend, hooks, make_pre_order, field, bad):
    """Shaped like a session but not one: the answer comes from the database, not a 503."""
    _, number = make_pre_order()
    hooks.pre_order(number)  # caches the session
    with app.app_context():
        cached = cache.get(session_key(number))
    plant(app, backend, session_key(number), json.dumps({**cached, field: bad}).encode())
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
    """The cached session is the JSON object of every field, its pre_order answer among them as
    ready-made text with the money exact, and reads back equal."""
    products = (ProductLine("SKU-1", "Mug", 2, Decimal("12.50"), Decimal("10.00")),)
    session = OrderSession(
        pre_order_id=7, order_number="9000000019", status="awaiting_payment",
        expires_at=datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc), payment_option_set=True,
        payment_type="cash_register", basket_changed=False,
        answer=pre_order_answer(True, products=products, amount=Decimal("20.00")),
        amount=Decimal("20.00"), currency="TRY", paid_reference=None,
    )
    stored = StrictJSONSerializer().dumps(session.to_dict())
    answer = (
        '{"result": {"success": true, "errortext": ""}, "productlist": [{"productnumber": "SKU-1", '
        '"productname": "Mug", "quantity": 2, "realprice": 12.50, "discountedprice": 10.00}], '
        '"orderprice": 20.00}'
    )
    assert json.loads(stored) == {
        "pre_order_id": 7, "order_number": "9000000019", "status": "awaiting_payment",
        "expires_at": "2026-12-07 09:30:00+00:00", "payment_option_set": True,
        "payment_type": "cash_register", "basket_changed": False, "answer": answer,
        "amount": "20.00", "currency": "TRY", "paid_reference": None, "live": True,
    }
    assert OrderSession.from_dict(StrictJSONSerializer().loads(stored)) == session


def test_the_pre_order_answer_is_sent_as_cached(app, backend, hooks, make_pre_order):
    """A cache hit answers with the session's ready-made text, byte for byte."""
    _, number = make_pre_order()
    first = hooks.pre_order(number)  # fills the cache from the database
    with app.app_context():
        cached = cache.get(session_key(number))
    call = {"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": number}
    body = hooks.client.post("/hooks/ivr/pre_order/", json=call).get_data(as_text=True)
    assert body == cached["answer"]
    assert json.loads(body, parse_float=Decimal) == json.loads(json.dumps(first), parse_float=Decimal)
    assert str(json.loads(body, parse_float=Decimal)["orderprice"]) == BASKET_TOTAL

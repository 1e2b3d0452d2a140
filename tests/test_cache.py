"""The cache: sessions served from it, replaced by every write, and never needed to answer."""

import time

import pytest
import redis
from sqlalchemy import event, func, select

from ivr_module.db import db
from ivr_module.models import HookCall, IVRTransaction
from ivr_module.services import checkout
from tests.helpers import Hooks, new_pre_order, pre_order_answer_failed
from tests.private_redis import free_port


def statements_during(app, action):
    """The SQL statements the app's engine runs while `action` runs (hook-call rows aside)."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_pre_order_is_answered_from_the_cache(app, hooks, make_pre_order):
    _, number = make_pre_order()
    hooks.pre_order(number)
    statements = statements_during(app, lambda: hooks.pre_order(number))
    assert not any("ivr_pre_orders" in statement for statement in statements)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HookCall)) == 2  # still logged


def test_complete_reads_the_database_not_the_cache(app, hooks, make_pre_order):
    _, number = make_pre_order()
    hooks.pre_order(number)
    statements = statements_during(app, lambda: hooks.complete(number))
    assert any("FROM ivr_pre_orders" in statement for statement in statements)


@pytest.mark.parametrize(
    "write, errortext",
    [
        (lambda pid: checkout.change_pre_order(pid, {"shipping_amount": "0"}), "Basket Changed"),
        (lambda pid: checkout.change_pre_order(pid, {"payment_option": None}), "PaymentOption is null"),
        (lambda pid: checkout.cancel_pre_order(pid), "Order Not Found"),
    ],
)
def test_every_write_replaces_the_cached_session(app, hooks, make_pre_order, write, errortext):
    pre_order_id, number = make_pre_order()
    assert hooks.pre_order(number)["result"]["success"] is True  # now cached
    with app.app_context():
        write(pre_order_id)
    assert pre_order_answer_failed(hooks.pre_order(number), errortext)


def test_payment_replaces_the_cached_session(hooks, make_pre_order):
    _, number = make_pre_order()
    hooks.pre_order(number)
    hooks.complete(number)
    assert pre_order_answer_failed(hooks.pre_order(number), "Order Not Found")


def hooks_work_without_cache(app, make_pre_order, hooks):
    """Every outcome of both hooks, answered from the database alone."""
    pre_order_id, number = make_pre_order()
    assert hooks.pre_order(number)["result"]["success"] is True
    assert pre_order_answer_failed(hooks.pre_order("1234567897"), "Order not found")
    with app.app_context():
        checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    assert pre_order_answer_failed(hooks.pre_order(number), "Basket Changed")
    with app.app_context():
        retired, number = number, checkout.issue_order_number(pre_order_id)[0].order_number
    assert pre_order_answer_failed(hooks.pre_order(retired), "Order Not Found")
    assert hooks.complete(retired, reference="R-0")["orderResultResponse"]["result"]["errortext"] == "Order Not Found"
    assert hooks.complete(number, reference="R-1")["orderResultResponse"]["result"]["success"] is True
    assert hooks.complete(number, reference="R-1")["orderResultResponse"]["result"]["success"] is True
    assert hooks.complete(number, reference="R-2")["orderResultResponse"]["result"]["errortext"] == "Order Not Found"
    assert pre_order_answer_failed(hooks.pre_order(number), "Order Not Found")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IVRTransaction)) == 1


def test_hooks_work_when_redis_is_a_closed_port(app_with):
    app = app_with(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    hooks_work_without_cache(app, lambda: new_pre_order(app), Hooks(app.test_client()))
    assert time.monotonic() - started < 10


def test_hooks_work_when_redis_is_killed_and_use_it_again_when_back(app_with, private_redis):
    app = app_with(REDIS_URL=private_redis.url)
    hooks, make = Hooks(app.test_client()), lambda: new_pre_order(app)
    _, number = make()
    assert hooks.pre_order(number)["result"]["success"] is True
    private_redis.stop()
    hooks_work_without_cache(app, make, hooks)
    private_redis.start()
    time.sleep(1.1)  # the cache is left alone for a second after a failure
    _, fresh = make()
    hooks.pre_order(fresh)
    assert any(key.startswith(b"ivr:session:") for key in _keys(private_redis))


def test_a_session_the_cache_failed_to_replace_is_not_served_later(app_with, private_redis):
    app = app_with(REDIS_URL=private_redis.url)
    hooks, make = Hooks(app.test_client()), lambda: new_pre_order(app)
    pre_order_id, number = make()
    assert hooks.pre_order(number)["result"]["success"] is True  # cached as payable
    admin = redis.Redis(port=private_redis.port)
    admin.execute_command("ACL", "SETUSER", "default", "-@write")  # writes fail, data stays
    try:
        with app.app_context():
            checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})
    finally:
        admin.execute_command("ACL", "SETUSER", "default", "+@all")
    assert admin.exists("ivr:session:" + number)  # Redis still holds the old session...
    time.sleep(1.1)
    # ...which must not be served once Redis answers again.
    assert pre_order_answer_failed(hooks.pre_order(number), "Basket Changed")


def _keys(server):
    return redis.Redis(port=server.port).keys("*")


def test_a_cached_pre_order_from_the_allow_list_costs_one_cache_round_trip(app_with, monkeypatch):
    from ivr_module.cache import cache

    # The vendor's own addresses have no lockout count to keep (production sets the allow-list).
    app = app_with(IVR_ALLOWED_IPS="127.0.0.1/32")
    hooks = Hooks(app.test_client())
    _, number = new_pre_order(app)
    hooks.pre_order(number)  # now cached
    reads = []
    for name in ("get", "get_many"):
        original = getattr(cache, name)
        monkeypatch.setattr(cache, name, lambda *keys, _o=original, _n=name: reads.append(_n) or _o(*keys))
    assert hooks.pre_order(number)["result"]["success"] is True
    assert reads == ["get"]  # the session; no lockout count for an allow-listed address


def test_a_stale_session_refilled_by_another_worker_during_its_deletion_fails_nothing(
    app_with, private_redis, monkeypatch
):
    from ivr_module.cache import cache
    from ivr_module.models import PreOrder
    from ivr_module.services.sessions import OrderSession, session_key

    app = app_with(REDIS_URL=private_redis.url)
    hooks = Hooks(app.test_client())
    pre_order_id, number = new_pre_order(app)
    assert hooks.pre_order(number)["result"]["success"] is True
    admin = redis.Redis(port=private_redis.port)
    admin.execute_command("ACL", "SETUSER", "default", "-@write")
    try:
        with app.app_context():
            checkout.change_pre_order(pre_order_id, {"shipping_amount": "0"})  # key now stale
    finally:
        admin.execute_command("ACL", "SETUSER", "default", "+@all")
    time.sleep(1.1)
    with app.app_context():
        client = cache.cache._write_client
    real_delete = client.delete

    def delete_then_another_worker_refills(*keys):
        deleted = real_delete(*keys)
        fresh = OrderSession.of(db.session.get(PreOrder, pre_order_id))
        cache.add(session_key(number), fresh.to_dict())  # as a reader elsewhere would
        return deleted

    monkeypatch.setattr(client, "delete", delete_then_another_worker_refills)
    assert pre_order_answer_failed(hooks.pre_order(number), "Basket Changed")

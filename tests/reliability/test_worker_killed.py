"""A gunicorn worker SIGKILLed in the middle of `complete`: the payment is recorded whole or not
at all, and the vendor's retry with the same reference then succeeds exactly once.

"The middle" is made deterministic from outside the app: the test's own connection holds a lock
the worker's transaction must wait for, the test finds that worker by its database connection
(pg_stat_activity's client port, then the worker owning that socket) and kills it there.
"""

import random
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from .processes import wait_until
from .service import NO_ANSWER, Load, Service, audit

ORDERS = 40
KILLS = 4


@pytest.fixture
def server(database, private_redis, start_server):
    """gunicorn with two workers on the test's database and Redis."""
    return start_server(database.url, private_redis.url, workers=2)


def blocked_backend_port(watcher, statement_start: str):
    """The client port of a backend of this database waiting for a lock in that statement."""
    row = watcher.execute(
        "SELECT client_port FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE %s",
        [statement_start + "%"],
    ).fetchone()
    return row and row[0]


def kill_worker_blocked_in(server, database, statement_start: str, call, before_kill=None) -> str:
    """Start `call` (a complete), kill the worker once it waits in that statement; its answer."""
    with ThreadPoolExecutor(max_workers=1) as pool, database.connect(autocommit=True) as watcher:
        answer = pool.submit(call)
        port = wait_until(lambda: blocked_backend_port(watcher, statement_start), 15,
                          f"a worker blocked in {statement_start!r}")
        if before_kill:
            before_kill()
        server.kill_worker(server.worker_connected_from(port))
        return answer.result(timeout=15)


def assert_row_locked(database, number: str) -> None:
    """Someone else holds the pre-order's row lock (the worker, mid-transaction)."""
    with database.connect() as probe, pytest.raises(psycopg.errors.LockNotAvailable):
        probe.execute("SELECT id FROM ivr_pre_orders WHERE order_number = %s FOR UPDATE NOWAIT",
                      [number])


def books_of(database):
    with database.connect() as connection:
        return audit(connection)


def assert_paid_once(database, reference: str, number: str):
    books = books_of(database)
    assert books.paid_by_reference == {reference: number}
    assert books.doubled == [] and books.inconsistent == [] and books.statuses["paid"] == 1


def assert_nothing_recorded_then_the_retry_pays_once(service, database, answer, number, reference):
    """The killed call got no answer and left nothing; the retry pays, a second one replays."""
    assert answer == NO_ANSWER
    books = books_of(database)
    assert books.paid_by_reference == {} and set(books.statuses) == {"awaiting_payment"}
    assert service.complete(number, reference) == "" and service.complete(number, reference) == ""
    assert_paid_once(database, reference, number)


def test_killed_while_waiting_for_the_pre_order_lock_records_nothing(server, database, figures):
    service = Service(server.url)
    number = service.new_order()["order_number"]
    with database.connect() as holder:
        holder.execute("SELECT id FROM ivr_pre_orders WHERE order_number = %s FOR UPDATE", [number])
        answer = kill_worker_blocked_in(server, database, "SELECT ivr_pre_orders.",
                                        lambda: service.complete(number, "REF-A"))
        holder.rollback()
    assert_nothing_recorded_then_the_retry_pays_once(service, database, answer, number, "REF-A")
    figures.update({"requests sent": service.sent, "faults injected": "1 (worker SIGKILLed)",
                    "payments lost": 0, "payments doubled": 0})


def test_killed_inside_the_insert_after_changing_the_pre_order_records_nothing(
    server, database, figures
):
    service = Service(server.url)
    number = service.new_order()["order_number"]
    other = service.new_order()
    with database.connect() as holder:
        # An uncommitted transaction with the same reference: the worker's INSERT must wait for it,
        # after its row lock and its change of the pre-order.
        holder.execute(
            "INSERT INTO ivr_transactions (reference_number, order_number, staff_id, amount,"
            " currency, created_at, pre_order_id) VALUES (%s, %s, 'other', 1, 'EUR', now(), %s)",
            ["REF-B", other["order_number"], other["id"]],
        )
        answer = kill_worker_blocked_in(server, database, "INSERT INTO ivr_transactions",
                                        lambda: service.complete(number, "REF-B"),
                                        before_kill=lambda: assert_row_locked(database, number))
        holder.rollback()
    assert_nothing_recorded_then_the_retry_pays_once(service, database, answer, number, "REF-B")
    figures.update({"requests sent": service.sent, "faults injected": "1 (worker SIGKILLed)",
                    "payments lost": 0, "payments doubled": 0})


def test_killed_after_the_payment_the_retry_is_a_replay(server, database, figures):
    service = Service(server.url)
    number = service.new_order()["order_number"]
    assert service.complete(number, "REF-C") == ""
    for pid in server.worker_pids():
        server.kill_worker(pid)
    assert service.complete(number, "REF-C") == ""
    assert service.complete(number, "REF-OTHER") == "Order Not Found"
    assert_paid_once(database, "REF-C", number)
    figures.update({"requests sent": service.sent, "faults injected": "2 (both workers SIGKILLed)",
                    "payments lost": 0, "payments doubled": 0})


def test_workers_killed_at_random_during_a_load_run_lose_and_double_nothing(
    server, database, figures
):
    service = Service(server.url)
    orders = [service.new_order() for _ in range(ORDERS)]
    answers = []

    def pay(order):
        """The vendor: complete, retried with the same reference while no answer comes."""
        for _ in range(20):
            text = service.complete(order["order_number"], f"REF-{order['id']}")
            answers.append(text)
            if text != NO_ANSWER:
                return text
        return NO_ANSWER

    load = Load(pay, orders, threads=6)
    chance = random.Random(4)
    for kill in range(KILLS):
        load.wait_for((kill + 1) * ORDERS // (KILLS + 1))
        server.kill_worker(chance.choice(server.worker_pids()))
    assert load.results() == [""] * ORDERS
    books = books_of(database)
    succeeded = {f"REF-{order['id']}": order["order_number"] for order in orders}
    assert books.lost(succeeded) == [] and books.doubled == [] and books.inconsistent == []
    assert books.statuses == {"paid": ORDERS}
    figures.update({
        "requests sent": service.sent,
        "faults injected": f"{KILLS} (a worker SIGKILLed at random under load)",
        "completes left without an answer, then retried": answers.count(NO_ANSWER),
        "payments made": ORDERS, "payments lost": 0, "payments doubled": 0,
    })

"""Two app processes (gunicorn) on different ports sharing one PostgreSQL and one Redis."""

from decimal import Decimal

import pytest

from tests.helpers import BASKET_TOTAL, all_at_once

from .service import Service, audit, pre_order_text

RACERS = 20


@pytest.fixture
def two(database, private_redis, start_server):
    """Services A and B: two gunicorn instances, each with two workers, same database and Redis."""
    return [Service(start_server(database.url, private_redis.url).url) for _ in range(2)]


def test_pre_order_issued_through_one_is_read_and_paid_through_the_other(two, database, figures):
    a, b = two
    order = a.new_order()
    answer = b.pre_order(order["order_number"])
    assert pre_order_text(answer) == "" and answer["orderprice"] == Decimal(BASKET_TOTAL)
    assert b.complete(order["order_number"], "REF-B-1") == ""
    status, seen_by_a = a.api("GET", f"/pre-orders/{order['id']}")
    assert status == 200 and seen_by_a["status"] == "paid"
    assert seen_by_a["transaction"]["reference_number"] == "REF-B-1"
    assert pre_order_text(a.pre_order(order["order_number"])) == "Order Not Found"
    with database.connect() as connection:
        books = audit(connection)
    assert not books.doubled and not books.inconsistent
    figures.update({"requests sent": a.sent + b.sent, "payments lost": 0, "payments doubled": 0})


@pytest.mark.parametrize("same_reference", [False, True], ids=["20 references", "one reference"])
def test_twenty_concurrent_completes_over_both_record_one_transaction(
    two, database, figures, same_reference
):
    a, b = two
    order = a.new_order()
    number = order["order_number"]
    references = ["REF-SAME"] * RACERS if same_reference else [f"REF-{i}" for i in range(RACERS)]
    calls = [lambda i=i: (a, b)[i % 2].complete(number, references[i]) for i in range(RACERS)]
    texts = all_at_once(calls)
    if same_reference:
        assert texts == [""] * RACERS  # every retry of the one payment succeeds
    else:
        assert texts.count("") == 1 and set(texts) - {""} == {"Order Not Found"}
    with database.connect() as connection:
        books = audit(connection)
        winner = references[texts.index("")]
        assert books.paid_by_reference == {winner: number}
        assert not books.doubled and not books.inconsistent
        assert books.statuses == {"paid": 1}
    figures.update({"requests sent": a.sent + b.sent, "concurrent completes": RACERS,
                    "transactions recorded": len(books.paid_by_reference), "payments doubled": 0})


def test_basket_change_through_one_is_seen_by_the_others_pre_order_at_once(two, figures):
    a, b = two
    order = a.new_order()
    number, path = order["order_number"], f"/pre-orders/{order['id']}"
    assert pre_order_text(b.pre_order(number)) == ""  # B has read it: the session is cached
    assert a.api("PATCH", path, {"shipping_amount": "0.00"})[0] == 200
    assert pre_order_text(b.pre_order(number)) == "Basket Changed"
    status, reissued = a.api("POST", f"{path}/order-number", {})
    assert status == 201  # a new basket, a new number
    assert pre_order_text(b.pre_order(number)) == "Order Not Found"  # the old one is retired
    new_number = reissued["order_number"]
    answer = b.pre_order(new_number)
    assert pre_order_text(answer) == "" and answer["orderprice"] == Decimal(reissued["amount"])
    assert a.api("POST", f"{path}/cancel")[0] == 200
    assert pre_order_text(b.pre_order(new_number)) == "Order Not Found"
    figures.update({"requests sent": a.sent + b.sent})

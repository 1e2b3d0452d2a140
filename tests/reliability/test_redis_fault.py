"""Redis killed in the middle of a load run: the hooks keep answering from the database, no
payment fails or is doubled, and the cache is used again once Redis is back."""

from decimal import Decimal

import redis

from .processes import wait_until
from .service import Load, Service, audit, pre_order_text

ORDERS = 90
THREADS = 6
FRESH = 10


def pay_by_phone(service: Service, order: dict, change_basket: bool) -> list[str]:
    """One caller paying one order, as the vendor (and for some, the checkout first) would.

    Returns every answer that broke the contract; empty when all went as it says.
    """
    number, reference, path = order["order_number"], f"REF-{order['id']}", f"/pre-orders/{order['id']}"
    problems = []

    def expect(what, got, wanted):
        if got != wanted:
            problems.append(f"{number} {what}: {got!r}, expected {wanted!r}")

    def read(number, total):
        answer = service.pre_order(number)
        expect("pre_order", pre_order_text(answer), "")
        expect("orderprice", answer and answer["orderprice"], Decimal(total))

    read(number, order["amount"])
    if change_basket:
        expect("PATCH", service.api("PATCH", path, {"shipping_amount": "0.00"})[0], 200)
        expect("pre_order after a change", pre_order_text(service.pre_order(number)), "Basket Changed")
        status, reissued = service.api("POST", f"{path}/order-number", {})
        expect("re-issue", status, 201)
        if status != 201:
            return problems
        # A new basket, a new number: the old one is retired (the storefront's order now has the new one).
        retired, number = number, reissued["order_number"]
        order["order_number"] = number
        expect("pre_order of the retired number", pre_order_text(service.pre_order(retired)), "Order Not Found")
        read(number, reissued["amount"])
    expect("complete", service.complete(number, reference), "")
    expect("retried complete", service.complete(number, reference), "")
    expect("pre_order once paid", pre_order_text(service.pre_order(number)), "Order Not Found")
    return problems


def served_from_cache(server, service, number) -> bool:
    """Whether a pre_order call on `number` was answered from Redis (a keyspace hit)."""
    stats = redis.Redis(port=server.port).info("stats")
    service.pre_order(number)
    return redis.Redis(port=server.port).info("stats")["keyspace_hits"] > stats["keyspace_hits"]


def test_redis_killed_mid_load_loses_and_doubles_nothing_and_the_cache_comes_back(
    database, private_redis, start_server, figures
):
    service = Service(start_server(database.url, private_redis.url).url)
    orders = [service.new_order() for _ in range(ORDERS)]
    load = Load(lambda item: pay_by_phone(service, *item),
                [(order, index % 5 == 0) for index, order in enumerate(orders)], THREADS)
    load.wait_for(ORDERS // 3)
    private_redis.stop()
    sent_at_kill = service.sent
    load.wait_for(2 * ORDERS // 3)
    sent_while_down = service.sent - sent_at_kill
    private_redis.start()
    problems = [problem for flow in load.results() for problem in flow]
    assert problems == []

    with database.connect() as connection:
        books = audit(connection)
    succeeded = {f"REF-{order['id']}": order["order_number"] for order in orders}
    assert books.lost(succeeded) == [] and books.doubled == [] and books.inconsistent == []
    assert books.statuses == {"paid": ORDERS}

    # Back: every worker reads sessions from Redis again (each retries a second after a failure).
    fresh = [service.new_order()["order_number"] for _ in range(FRESH)]
    wait_until(lambda: all(served_from_cache(private_redis, service, number) for number in fresh),
               20, "pre_order answered from Redis again", every=0.2)
    figures.update({
        "requests sent": service.sent,
        "requests while Redis was dead": sent_while_down,
        "faults injected": "1 (redis-server SIGKILLed mid-run, restarted empty)",
        "payments made": ORDERS,
        "basket changes": ORDERS // 5,
        "answers breaking the contract": len(problems),
        "payments lost": len(books.lost(succeeded)),
        "payments doubled": len(books.doubled),
    })
    assert sent_while_down > 100

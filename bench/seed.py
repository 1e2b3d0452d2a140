"""Seed payable pre-orders for the benchmark: `python -m bench.seed COUNT FILE` (settings from the env).

Rows are bulk-inserted (the service API would take minutes for tens of thousands); each is
exactly what `checkout.issue_order_number` leaves: awaiting payment, snapshot taken, TTL running.
"""

import sys
from datetime import timedelta

from sqlalchemy import insert

from ivr_module import create_app
from ivr_module.datagen import order_number_of
from ivr_module.db import db, utcnow
from ivr_module.demo import DEMO_BASKET
from ivr_module.models import PreOrder, PreOrderLine, PreOrderStatus
from ivr_module.services.checkout_input import PreOrderInput

BATCH = 2000


def basket_rows():
    """The demo basket as validated input, and its fingerprint (every seeded order shares it)."""
    basket = PreOrderInput.model_validate(DEMO_BASKET)
    lines = [PreOrderLine(position=i, sku=l.sku, name=l.name, quantity=l.quantity,
                          unit_price=l.unit_price, discount=l.discount) for i, l in enumerate(basket.lines)]
    sample = PreOrder(currency="TRY", shipping_amount=basket.shipping_amount, lines=lines)
    return basket, sample.basket_fingerprint()


def seed(count: int, first_serial: int = 1) -> list[str]:
    """Insert `count` payable pre-orders; return their order numbers."""
    basket, fingerprint = basket_rows()
    option = basket.payment_option
    expires = utcnow() + timedelta(days=1)
    numbers = [order_number_of(first_serial + i) for i in range(count)]  # as generate-data numbers them
    for start in range(0, count, BATCH):
        chunk = numbers[start:start + BATCH]
        ids = db.session.scalars(
            insert(PreOrder).returning(PreOrder.id, sort_by_parameter_order=True),
            [dict(status=PreOrderStatus.AWAITING_PAYMENT, order_number=number, expires_at=expires,
                  currency="TRY", shipping_amount=basket.shipping_amount,
                  payment_option_slug=option.slug, payment_option_name=option.name,
                  payment_type=option.payment_type, basket_snapshot=fingerprint)
             for number in chunk],
        ).all()
        db.session.execute(
            insert(PreOrderLine),
            [dict(pre_order_id=pre_order_id, position=i, sku=line.sku, name=line.name,
                  quantity=line.quantity, unit_price=line.unit_price, discount=line.discount)
             for pre_order_id in ids for i, line in enumerate(basket.lines)],
        )
        db.session.commit()
    return numbers


if __name__ == "__main__":
    count, path = int(sys.argv[1]), sys.argv[2]
    with create_app().app_context():
        with open(path, "w") as handle:
            handle.write("\n".join(seed(count)) + "\n")

"""Demo data: one pre-order for each outcome of the hooks, built through the service API."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Optional

from flask import current_app

from .db import utcnow
from .services import checkout
from .services.hook_log import record_hook_call
from .services.ivr import complete_payment, read_pre_order
from .services.order_numbers import with_check_digit

DEMO_BASKET = {
    "lines": [
        {"sku": "TSHIRT-BLU-M", "name": "T-shirt, blue, M", "quantity": 2,
         "unit_price": "149.90", "discount": "20.00"},
        {"sku": "MUG-LOGO", "name": "Mug with logo", "quantity": 1, "unit_price": "89.50"},
    ],
    "shipping_amount": "29.90",
    "payment_option": {"slug": "pay-by-phone", "name": "Pay by phone", "payment_type": "cash_register"},
}
PAID_REFERENCE = "DEMO-REF-0001"


def demo_customer(serial: int) -> dict:
    """The customer of a demo pre-order: the admin's search finds demo 2 by `0002`."""
    return {"name": f"Demo Customer {serial}", "phone": f"+90 555 000 00 {serial:02d}",
            "email": f"demo.customer{serial}@example.com"}


def demo_number(serial: int) -> str:
    """A fixed, Luhn-valid demo order number."""
    return with_check_digit(f"9000000{serial:02d}")


def _change_basket(pre_order_id):
    checkout.change_pre_order(pre_order_id, {"shipping_amount": "0.00"})


# Demo 2's basket after issue: every kind of line change, so its lookup shows a full diff.
CHANGED_LINES = [
    {**DEMO_BASKET["lines"][0], "quantity": 3, "unit_price": "139.90", "discount": "30.00"},
    {"sku": "CAP-LOGO", "name": "Cap with logo", "quantity": 1, "unit_price": "119.00"},
]


def _change_lines_and_shipping(pre_order_id):
    checkout.change_pre_order(pre_order_id, {"lines": CHANGED_LINES, "shipping_amount": "0.00"})


def _clear_payment_option(pre_order_id):
    checkout.change_pre_order(pre_order_id, {"payment_option": None})


def _other_payment_type(pre_order_id):
    option = {"slug": "credit-card", "name": "Credit card", "payment_type": "credit_card"}
    checkout.change_pre_order(pre_order_id, {"payment_option": option})


# The number demo 8 was re-issued under after its basket changed (payable: complete pays it).
REPLACING_NUMBER = "9000000985"  # demo_number(98)


def _change_basket_and_reissue(pre_order_id):
    _change_basket(pre_order_id)
    checkout.issue_order_number(pre_order_id, {"order_number": REPLACING_NUMBER})


def _cancel(pre_order_id):
    checkout.cancel_pre_order(pre_order_id)


def _pay(pre_order_id):
    pre_order = checkout.get_pre_order(pre_order_id)
    complete_payment(pre_order.order_number, PAID_REFERENCE, "demo-agent-7", True)


def _expire(pre_order_id):
    pre_order = checkout.get_pre_order(pre_order_id)
    pre_order.expires_at = utcnow() - timedelta(hours=1)
    checkout.commit_and_publish(pre_order)


@dataclass(frozen=True)
class DemoOrder:
    """A demo pre-order: its number, what the hooks answer, and how it gets there."""

    serial: int
    outcome: str
    after_issue: Optional[Callable] = None

    @property
    def order_number(self) -> str:
        """The demo pre-order's fixed order number."""
        return demo_number(self.serial)


DEMO_ORDERS = (
    DemoOrder(1, "success: pre_order reads the basket, complete records the payment"),
    DemoOrder(2, "Basket Changed (lines and shipping changed after issue)", _change_lines_and_shipping),
    DemoOrder(3, "PaymentOption is null (option cleared after issue)", _clear_payment_option),
    DemoOrder(4, "PaymentOption is not valid... (credit card)", _other_payment_type),
    DemoOrder(5, "Order Not Found (cancelled)", _cancel),
    DemoOrder(6, f"Order Not Found (paid; complete with {PAID_REFERENCE} replays)", _pay),
    DemoOrder(7, "Order not found (expired)", _expire),
    DemoOrder(8, "Order Not Found (replaced after a basket change by 9000000985)",
              _change_basket_and_reissue),
)
NEVER_ISSUED = demo_number(99)
# The first demo number with one digit keyed wrong: its check digit no longer fits.
MISTYPED = DEMO_ORDERS[0].order_number[:1] + "1" + DEMO_ORDERS[0].order_number[2:]


def _log_demo_calls(numbers: list[str]) -> None:
    """One pre_order call per demo number, answered and logged as the hook does it."""
    for number in numbers:
        result = read_pre_order(number)
        record_hook_call(
            endpoint="pre_order",
            remote_addr="127.0.0.1",
            username=current_app.config["IVR_USERNAME"] or "demo-ivr",
            order_number=number,
            success=result.success,
            error_text=result.errortext,
            error_code=result.code,
            detail=result.detail,
            duration_ms=3,
            request_id="demo",
        )


def seed_demo() -> list[tuple[str, str, bool]]:
    """Create the demo pre-orders that are missing; return (number, outcome, created) rows.

    The first time, each demo number also gets a logged pre_order call, so the admin's
    dashboard and order lookup show every outcome.
    """
    rows = []
    for demo in DEMO_ORDERS:
        created = not checkout.number_taken(demo.order_number)
        if created:
            pre_order = checkout.open_pre_order({**DEMO_BASKET, "customer": demo_customer(demo.serial)})
            checkout.issue_order_number(pre_order.id, {"order_number": demo.order_number})
            if demo.after_issue:
                demo.after_issue(pre_order.id)
        rows.append((demo.order_number, demo.outcome, created))
    rows.append((NEVER_ISSUED, "Order not found (never issued)", False))
    rows.append((MISTYPED, "Order not found (check digit mismatch)", False))
    if any(created for _number, _outcome, created in rows):
        _log_demo_calls([number for number, _outcome, _created in rows])
    return rows

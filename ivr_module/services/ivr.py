"""The hooks' domain: the seed's check chain, and recording a payment exactly once.

Checks run top to bottom in the order of CONTRACT.md section 3; the first refusal wins.
Input parsing and the vendor's credentials are checked before these (hooks/, vendor_auth).
"""

import logging
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import begin_write, db, rolled_back_on_error, utcnow
from ..metrics import PAYMENTS
from ..models import (
    CASH_REGISTER,
    IVRTransaction,
    PreOrder,
    PreOrderLine,
    PreOrderStatus,
    RetiredOrderNumber,
)
from ..models.pre_order import check_move
from . import sandbox
from .error_texts import HookError
from .events import record_paid
from .order_numbers import unknown_number_detail
from .results import HookResult, refuse
from .sessions import OrderSession, RetiredNumber, find_session, publish_session

logger = logging.getLogger(__name__)


def _refuse_if_retired(found):
    """A number replaced after a basket change names no basket any more: its session is gone."""
    if isinstance(found, RetiredNumber):
        return refuse(HookError.SESSION_NOT_FOUND, found.detail)
    return None


def _refuse_unless_live(session, order_number, not_found: HookError):
    """The number was issued and has not outlived its time to live."""
    if session is None:
        return refuse(not_found, unknown_number_detail(order_number))
    if session.is_expired():
        return refuse(not_found, f"order number expired at {session.expires_at:%Y-%m-%d %H:%M:%S} UTC")
    return None


def _refuse_unless_open(session):
    """The pre-order is still waiting for its payment (not cancelled, not paid)."""
    if session.status == PreOrderStatus.PAID:
        return refuse(
            HookError.SESSION_NOT_FOUND, f"already paid by transaction {session.paid_reference}"
        )
    if session.status != PreOrderStatus.AWAITING_PAYMENT:
        return refuse(HookError.SESSION_NOT_FOUND, f"pre-order is {session.status}")
    return None


def _refuse_unless_payment_option(session):
    """The checkout chose a payment option."""
    if not session.payment_option_set:
        return refuse(HookError.PAYMENT_OPTION_NULL, "pre-order has no payment option")
    return None


def _refuse_unless_cash_register(session):
    """The payment option is of the cash-register type."""
    if session.payment_type != CASH_REGISTER:
        return refuse(
            HookError.PAYMENT_OPTION_NOT_VALID, f"payment type is {session.payment_type!r}"
        )
    return None


def _refuse_if_basket_changed(session):
    """The basket is as it was when the order number was issued."""
    if session.basket_changed:
        return refuse(HookError.BASKET_CHANGED, "basket differs from the snapshot taken at issue")
    return None


SESSION_CHECKS = (
    _refuse_unless_open,
    _refuse_unless_payment_option,
    _refuse_unless_cash_register,
    _refuse_if_basket_changed,
)


def _first_refusal(session: OrderSession):
    for check in SESSION_CHECKS:
        refusal = check(session)
        if refusal is not None:
            return refusal
    return None


def read_pre_order(order_number: str, live: bool = True) -> HookResult:
    """The pre_order hook after its credentials: the products and total, or why not.

    `live` False: a sandbox call, which sees the magic numbers and sandbox pre-orders only.
    """
    if not order_number:
        return refuse(HookError.ORDER_NUMBER_INVALID, "order number is empty")
    magic = None if live else sandbox.magic_number(order_number)
    if magic is not None:
        return sandbox.magic_pre_order(magic)
    found = sandbox.in_mode(find_session(order_number), live)
    # A retired number is known (never `Order not found`), and refused even past its expiry.
    refusal = _refuse_if_retired(found) or _refuse_unless_live(found, order_number, HookError.ORDER_NOT_FOUND)
    refusal = refusal or _first_refusal(found)
    return refusal or HookResult(detail="products read", session=found)


def complete_payment(
    order_number: str, reference: str, staff_id: str, success: bool, live: bool = True
) -> HookResult:
    """The complete hook after its credentials: record the payment once, or say why not.

    `live` False: a sandbox call; it pays magic numbers and sandbox pre-orders only.
    """
    if not success:
        return refuse(HookError.SUCCESS_MUST_BE_TRUE, "vendor reported success=false")
    magic = None if live else sandbox.magic_number(order_number)
    if magic is not None:
        return sandbox.magic_complete(magic, reference, staff_id)
    try:
        return _record_payment(order_number, reference, staff_id, live)
    except IntegrityError:
        # Another worker recorded this reference or paid this pre-order between our checks
        # and our insert; run the checks again, now against what it committed.
        db.session.rollback()
        logger.info("payment race lost for order %s, reference %s", order_number, reference)
        return _record_payment(order_number, reference, staff_id, live)


def _record_payment(order_number: str, reference: str, staff_id: str, live: bool) -> HookResult:
    """One database transaction: replay check, row lock, the checks, the insert."""
    # One connection for every statement: asking the session for it each time cost a tenth of a
    # payment's CPU in all (docs/BENCHMARKS.md).
    connection = begin_write()
    with rolled_back_on_error():
        outcome = _check_payment(connection, order_number, reference, live)
        if isinstance(outcome, HookResult):
            db.session.rollback()
            return outcome
        paid, transaction = _pay(connection, outcome.session, reference, staff_id)
        # The event commits with the payment, or not at all.
        record_paid(connection, outcome.row, outcome.lines, transaction)
        db.session.commit()
    # Only a committed payment is published and counted.
    publish_session(paid)
    if paid.live:  # sandbox payments are no live figures
        PAYMENTS.labels(paid.currency).inc()
    return HookResult(detail=f"paid {paid.amount} {paid.currency} by transaction {reference}")


# The payment runs in Core, inside the session's transaction, with statements built once: it is
# the hottest write, and the ORM's eager loads and unit of work, or building each statement
# anew, cost several times the database work itself (docs/BENCHMARKS.md).
PRE_ORDERS, LINES, TRANSACTIONS = PreOrder.__table__, PreOrderLine.__table__, IVRTransaction.__table__
ORDER_OF_REFERENCE = select(TRANSACTIONS.c.order_number).where(
    TRANSACTIONS.c.reference_number == bindparam("reference"),
    TRANSACTIONS.c.live == bindparam("live"),  # references are unique per mode
)
# The row lock and the replay check in one round trip: a reference recorded before (by any
# order) comes back beside the locked row. Seen as of before a lock wait; a racer's payment
# of this very row shows in the row's status, read after the wait (see _check_payment).
# What judging and paying a pre-order, and its event, read of its row: not the customer's
# contact, nor the basket snapshot's text, which the payment would fetch and decode for nothing.
PAYMENT_COLUMNS = [
    PRE_ORDERS.c[name]
    for name in (
        "id", "status", "order_number", "expires_at", "currency", "shipping_amount", "payment_option_slug",
        "payment_option_name", "payment_type", "basket_snapshot", "created_at", "updated_at", "live",
    )
]
LOCK_PRE_ORDER = (
    select(*PAYMENT_COLUMNS, ORDER_OF_REFERENCE.scalar_subquery().label("replay_of"))
    .where(PRE_ORDERS.c.order_number == bindparam("order_number"))
    .with_for_update(of=PRE_ORDERS)
)
LINES_OF = (
    select(LINES).where(LINES.c.pre_order_id == bindparam("pre_order_id")).order_by(LINES.c.position)
)
REFERENCE_OF = select(TRANSACTIONS.c.reference_number).where(
    TRANSACTIONS.c.pre_order_id == bindparam("pre_order_id")
)
RETIRED = RetiredOrderNumber.__table__
RETIREMENT_OF = (
    select(RETIRED, PRE_ORDERS.c.live)
    .join(PRE_ORDERS, PRE_ORDERS.c.id == RETIRED.c.pre_order_id)
    .where(RETIRED.c.order_number == bindparam("order_number"))
)
RECORD_TRANSACTION = insert(TRANSACTIONS)
MARK_PAID = (
    update(PRE_ORDERS)
    .where(PRE_ORDERS.c.id == bindparam("pre_order_id"))
    .values(status=PreOrderStatus.PAID.value, updated_at=bindparam("paid_at"))
)


@dataclass(frozen=True)
class Payable:
    """A pre-order locked for its payment: its row and lines as read under the lock, judged."""

    row: object
    lines: list
    session: OrderSession


def _check_payment(connection, order_number: str, reference: str, live: bool):
    """The refusal or replay to answer, or the locked pre-order to pay (a Payable)."""
    parameters = {"order_number": order_number, "reference": reference, "live": live}
    pre_order = connection.execute(LOCK_PRE_ORDER, parameters).first()
    previous = pre_order.replay_of if pre_order else connection.execute(ORDER_OF_REFERENCE, parameters).scalar()
    if previous is not None:
        return _replay(previous, order_number, reference)
    if pre_order is not None and pre_order.live != live:  # the other mode's number: unknown here
        return _refuse_unless_live(None, order_number, HookError.SESSION_NOT_FOUND)
    if pre_order is None:
        return _refuse_unheld_number(connection, order_number, live)
    # Read once the lock is granted: they are then what the last writer committed (a join in
    # the locking query would show them as they were before the wait, and miss a racer's payment).
    lines = connection.execute(LINES_OF, {"pre_order_id": pre_order.id}).all()
    paid_reference = None
    if pre_order.status == PreOrderStatus.PAID:
        paid_reference = connection.execute(REFERENCE_OF, {"pre_order_id": pre_order.id}).scalar()
        if paid_reference == reference:
            # The same reference won a race a moment ago: a replay after all.
            return _replay(order_number, order_number, reference)
    session = OrderSession.build(pre_order, lines, paid_reference, answered=False)
    refusal = _refuse_unless_live(session, order_number, HookError.SESSION_NOT_FOUND)
    return refusal or _first_refusal(session) or Payable(pre_order, lines, session)


def _refuse_unheld_number(connection, order_number: str, live: bool) -> HookResult:
    """A number no pre-order holds: retired after a basket change, or never issued.

    A number the other mode retired is unknown here, as the other mode's pre-orders are.
    """
    # Read after the locking query: a re-issue that took the number away while that query
    # waited for the row has committed the retirement with it, and this statement sees it.
    retired = connection.execute(RETIREMENT_OF, {"order_number": order_number}).first()
    if retired is not None and retired.live == live:
        return _refuse_if_retired(RetiredNumber.of(retired, retired.live))
    return _refuse_unless_live(None, order_number, HookError.SESSION_NOT_FOUND)


def _pay(connection, session: OrderSession, reference: str, staff_id: str) -> tuple[OrderSession, dict]:
    """Record the transaction and mark the pre-order paid; return the paid session and the
    transaction's values as written."""
    check_move(session.pre_order_id, session.status, PreOrderStatus.PAID)
    paid_at = utcnow()
    transaction = {
        "reference_number": reference,
        "order_number": session.order_number,
        "staff_id": staff_id,
        "amount": session.amount,
        "currency": session.currency,
        "pre_order_id": session.pre_order_id,
        "live": session.live,
        "created_at": paid_at,
    }
    connection.execute(RECORD_TRANSACTION, transaction)
    connection.execute(MARK_PAID, {"pre_order_id": session.pre_order_id, "paid_at": paid_at})
    return replace(session, status=PreOrderStatus.PAID, paid_reference=reference), transaction


def _replay(recorded_for: str, order_number: str, reference: str) -> HookResult:
    """A reference seen before: the vendor's retry succeeds again; another order's is refused."""
    if recorded_for == order_number:
        return HookResult(detail=f"replay of transaction {reference}, nothing recorded")
    return refuse(HookError.REFERENCE_USED, f"reference already recorded for order {recorded_for}")

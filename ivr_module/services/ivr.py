"""The hooks' domain: the seed's check chain, and recording a payment exactly once.

Checks run top to bottom in the order of CONTRACT.md section 3; the first refusal wins.
Input parsing and the vendor's credentials are checked before these (hooks/, vendor_auth).
"""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import begin_write, db
from ..metrics import PAYMENTS
from ..models import CASH_REGISTER, IVRTransaction, PreOrder, PreOrderStatus
from .order_numbers import unknown_number_detail
from .results import HookError, HookResult, refuse
from .sessions import OrderSession, find_session, publish_session

logger = logging.getLogger(__name__)


def _number_live(session, order_number, not_found: HookError):
    """The number was issued and has not outlived its time to live."""
    if session is None:
        return refuse(not_found, unknown_number_detail(order_number))
    if session.is_expired():
        return refuse(not_found, f"order number expired at {session.expires_at:%Y-%m-%d %H:%M:%S} UTC")
    return None


def _session_open(session):
    """The pre-order is still waiting for its payment (not cancelled, not paid)."""
    if session.status == PreOrderStatus.PAID:
        return refuse(
            HookError.SESSION_NOT_FOUND, f"already paid by transaction {session.paid_reference}"
        )
    if session.status != PreOrderStatus.AWAITING_PAYMENT:
        return refuse(HookError.SESSION_NOT_FOUND, f"pre-order is {session.status}")
    return None


def _payment_option_set(session):
    """The checkout chose a payment option."""
    if not session.payment_option_set:
        return refuse(HookError.PAYMENT_OPTION_NULL, "pre-order has no payment option")
    return None


def _payment_option_cash_register(session):
    """The payment option is of the cash-register type."""
    if session.payment_type != CASH_REGISTER:
        return refuse(
            HookError.PAYMENT_OPTION_NOT_VALID, f"payment type is {session.payment_type!r}"
        )
    return None


def _basket_unchanged(session):
    """The basket is as it was when the order number was issued."""
    if session.basket_changed:
        return refuse(HookError.BASKET_CHANGED, "basket differs from the snapshot taken at issue")
    return None


SESSION_CHECKS = (
    _session_open,
    _payment_option_set,
    _payment_option_cash_register,
    _basket_unchanged,
)


def _first_refusal(session: OrderSession):
    for check in SESSION_CHECKS:
        refusal = check(session)
        if refusal is not None:
            return refusal
    return None


def read_pre_order(order_number: str) -> HookResult:
    """The pre_order hook after its credentials: the products and total, or why not."""
    if not order_number:
        return refuse(HookError.ORDER_NUMBER_INVALID, "order number is empty")
    session = find_session(order_number)
    refusal = _number_live(session, order_number, HookError.ORDER_NOT_FOUND)
    refusal = refusal or _first_refusal(session)
    return refusal or HookResult(detail="products read", session=session)


def complete_payment(order_number: str, reference: str, staff_id: str, success: bool) -> HookResult:
    """The complete hook after its credentials: record the payment once, or say why not."""
    if not success:
        return refuse(HookError.SUCCESS_MUST_BE_TRUE, "vendor reported success=false")
    try:
        return _record_payment(order_number, reference, staff_id)
    except IntegrityError:
        # Another worker recorded this reference or paid this pre-order between our checks
        # and our insert; run the checks again, now against what it committed.
        db.session.rollback()
        logger.info("payment race lost for order %s, reference %s", order_number, reference)
        return _record_payment(order_number, reference, staff_id)


def _record_payment(order_number: str, reference: str, staff_id: str) -> HookResult:
    """One database transaction: replay check, row lock, the checks, the insert."""
    begin_write()
    try:
        result, pre_order = _check_payment(order_number, reference)
        if pre_order is None:
            db.session.rollback()
            return result
        transaction = IVRTransaction(
            reference_number=reference,
            order_number=order_number,
            staff_id=staff_id,
            amount=pre_order.amount,
            currency=pre_order.currency,
            pre_order=pre_order,
        )
        db.session.add(transaction)
        pre_order.move_to(PreOrderStatus.PAID)
        paid = OrderSession.of(pre_order)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    publish_session(paid)
    PAYMENTS.labels(paid.currency).inc()
    return HookResult(detail=f"paid {paid.amount} {paid.currency} by transaction {reference}")


def _check_payment(order_number: str, reference: str):
    """Return (refusal or replay, None), or (None, the locked pre-order to pay)."""
    previous = db.session.scalar(
        select(IVRTransaction).where(IVRTransaction.reference_number == reference)
    )
    if previous is not None:
        return _replay(previous, order_number), None
    # Lines and transaction load in queries of their own, after the lock is granted: a join
    # here would read the transaction from before the wait and miss a racer's payment.
    pre_order = db.session.scalar(
        select(PreOrder).where(PreOrder.order_number == order_number).with_for_update()
    )
    if pre_order is not None and pre_order.transaction is not None:
        if pre_order.transaction.reference_number == reference:
            # The same reference won a race a moment ago: a replay after all.
            return _replay(pre_order.transaction, order_number), None
    session = OrderSession.of(pre_order) if pre_order is not None else None
    refusal = _number_live(session, order_number, HookError.SESSION_NOT_FOUND)
    refusal = refusal or _first_refusal(session)
    return refusal, (pre_order if refusal is None else None)


def _replay(previous: IVRTransaction, order_number: str) -> HookResult:
    """A reference seen before: the vendor's retry succeeds again; another order's is refused."""
    if previous.order_number == order_number:
        return HookResult(detail=f"replay of transaction {previous.reference_number}, nothing recorded")
    return refuse(
        HookError.REFERENCE_USED,
        f"reference already recorded for order {previous.order_number}",
    )

"""The checkout's operations on pre-orders: the Python service API behind the HTTP one.

Each operation validates everything first, then changes the pre-order under a row lock and
commits once; after the commit, the hooks' cached session is replaced. Callers pass plain
dicts shaped like the JSON API's bodies.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta
from typing import Optional

from flask import current_app
from pydantic import ValidationError
from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..db import begin_write, db, is_storable_text, rolled_back_on_error, utcnow
from ..models import (
    CASH_REGISTER,
    EventType,
    IllegalStatusMove,
    IVRTransaction,
    PreOrder,
    PreOrderLine,
    PreOrderStatus,
    RetiredOrderNumber,
)
from ..models.pre_order import ALLOWED_MOVES
from .audit import record_action
from .basket_snapshot import current_basket, dump_basket
from .checkout_input import (
    MAX_AMOUNT,
    NOT_TEXT,
    IssueInput,
    PreOrderChange,
    PreOrderInput,
    field_errors,
)
from .customer_contact import set_customer
from .events import record_event, record_number_replaced
from .order_numbers import generate_order_number
from .sessions import OrderSession, RetiredNumber, publish_retired, publish_session

logger = logging.getLogger(__name__)

# The largest id an INTEGER key holds: a larger one names no pre-order (and PostgreSQL
# refuses to compare with it, which must not become a 503).
MAX_ID = 2**31 - 1


class CheckoutError(Exception):
    """A refused checkout operation, with the HTTP status the API answers."""

    status = 400

    def __init__(self, code: str, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


class InvalidInput(CheckoutError):
    """The body does not validate; every problem is listed with its field."""

    status = 422

    def __init__(self, problems: list[tuple[str, str]]):
        field, message = problems[0]
        super().__init__("validation_error", f"{field}: {message}", field)
        self.problems = problems


class NotFound(CheckoutError):
    """No pre-order with that id."""

    status = 404


class Conflict(CheckoutError):
    """The pre-order's state forbids the operation."""

    status = 409


def _validated(model, data):
    if not isinstance(data, dict):
        raise InvalidInput([("body", "must be a JSON object")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(field_errors(error)) from None


def _build_lines(lines) -> list[PreOrderLine]:
    return [
        PreOrderLine(
            position=position,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
        )
        for position, line in enumerate(lines)
    ]


def _set_payment_option(pre_order: PreOrder, option) -> None:
    pre_order.payment_option_slug = option.slug if option else None
    pre_order.payment_option_name = (option.name or option.slug) if option else None
    pre_order.payment_type = option.payment_type if option else None


def _set_customer(pre_order: PreOrder, customer) -> None:
    set_customer(pre_order, customer, current_app.config["IVR_PHONE_COUNTRY_CODE"])


def _check_total(pre_order: PreOrder) -> None:
    if pre_order.amount > MAX_AMOUNT:
        raise InvalidInput([("lines", f"the pre-order total must not exceed {MAX_AMOUNT}")])


def commit_and_publish(pre_order: PreOrder) -> PreOrder:
    """Commit, then replace the hooks' cached session if the pre-order has a number.

    The pre-order stays loaded after the commit: this transaction wrote it under its row lock,
    so it is what the database holds, and answering with it needs no second read.
    """
    session = OrderSession.of(pre_order) if pre_order.order_number else None
    _commit_keeping_loaded()
    if session is not None:
        publish_session(session)
    return pre_order


def _commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects (the host's session setting, restored)."""
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def _not_found(pre_order_id: int) -> NotFound:
    return NotFound("not_found", f"no pre-order with id {pre_order_id}")


def _of_mode(pre_order: Optional[PreOrder], live: Optional[bool]) -> bool:
    """Whether a pre-order exists for a caller of this mode (None: any mode, e.g. the admin).

    The checkout API's live token never sees sandbox pre-orders, nor the sandbox token live ones.
    """
    return pre_order is not None and (live is None or pre_order.live == live)


# Built once: SQLAlchemy would otherwise work out each statement's cache key anew on every call.
# The payment, if any, comes in the locking round trip (its row as of before a lock wait: a
# racer's payment still shows in the locked row's status, which refuses every change).
LOCK_PRE_ORDER = (
    select(PreOrder)
    .where(PreOrder.id == bindparam("pre_order_id"))
    .options(joinedload(PreOrder.transaction))
    .with_for_update(of=PreOrder)
)
NUMBER_TAKEN = select(
    or_(
        exists().where(PreOrder.order_number == bindparam("number")),
        exists().where(RetiredOrderNumber.order_number == bindparam("number")),
    )
)


@contextmanager
def _locked(pre_order_id: int, live: Optional[bool] = None):
    """The pre-order, locked until commit, so concurrent writers and payments take turns."""
    if pre_order_id > MAX_ID:
        raise _not_found(pre_order_id)
    with rolled_back_on_error():
        begin_write()
        pre_order = db.session.scalar(LOCK_PRE_ORDER, {"pre_order_id": pre_order_id})
        if not _of_mode(pre_order, live):
            raise _not_found(pre_order_id)
        yield pre_order


def _refuse_unless_changeable(pre_order: PreOrder, action: str) -> None:
    # A final status (paid, cancelled) is one the life cycle allows no move out of.
    if not ALLOWED_MOVES[pre_order.status]:
        raise Conflict(
            f"pre_order_{pre_order.status}", f"a {pre_order.status} pre-order cannot be {action}"
        )


def open_pre_order(data: dict, live: bool = True) -> PreOrder:
    """Open a pre-order from a basket, shipping, currency, perhaps a payment option and customer.

    `live` False: a sandbox pre-order, seen only by sandbox hook calls (services/sandbox.py).
    """
    given = _validated(PreOrderInput, data)
    with rolled_back_on_error():
        pre_order = PreOrder(
            status=PreOrderStatus.OPEN,
            currency=given.currency or current_app.config["IVR_DEFAULT_CURRENCY"],
            shipping_amount=given.shipping_amount,
            lines=_build_lines(given.lines),
            live=live,
            transaction=None,  # known, so answering with the new pre-order does not look it up
        )
        _set_payment_option(pre_order, given.payment_option)
        _set_customer(pre_order, given.customer)
        _check_total(pre_order)
        db.session.add(pre_order)
        record_action("opened", pre_order)
        return commit_and_publish(pre_order)


def get_pre_order(pre_order_id: int, live: Optional[bool] = None) -> PreOrder:
    """The pre-order with this id (of this mode, when `live` is given)."""
    pre_order = db.session.get(PreOrder, pre_order_id) if pre_order_id <= MAX_ID else None
    if not _of_mode(pre_order, live):
        raise _not_found(pre_order_id)
    return pre_order


def change_pre_order(pre_order_id: int, data: dict, live: Optional[bool] = None) -> PreOrder:
    """Change the lines, shipping, currency, payment option or customer of an unpaid pre-order."""
    given = _validated(PreOrderChange, data)
    with _locked(pre_order_id, live) as pre_order:
        _refuse_unless_changeable(pre_order, "changed")
        basket_before = pre_order.basket_fingerprint()
        if "lines" in given.model_fields_set:
            pre_order.lines = _build_lines(given.lines)
        if "shipping_amount" in given.model_fields_set:
            pre_order.shipping_amount = given.shipping_amount
        if "currency" in given.model_fields_set:
            pre_order.currency = given.currency
        if "payment_option" in given.model_fields_set:
            _set_payment_option(pre_order, given.payment_option)
        if "customer" in given.model_fields_set:
            _set_customer(pre_order, given.customer)
        _check_total(pre_order)
        basket_changed = pre_order.basket_fingerprint() != basket_before
        record_action("basket_changed" if basket_changed else "changed", pre_order)
        return commit_and_publish(pre_order)


def _refuse_unless_payable(pre_order: PreOrder) -> None:
    if not pre_order.lines:
        raise Conflict("no_lines", "the pre-order has no lines")
    if not pre_order.has_payment_option:
        raise Conflict("payment_option_missing", "the pre-order has no payment option")
    if pre_order.payment_type != CASH_REGISTER:
        raise Conflict(
            "payment_option_not_cash_register",
            f"the payment option must be of type {CASH_REGISTER}, not {pre_order.payment_type}",
        )


def _assign_number(pre_order: PreOrder, brought: Optional[str]) -> Optional[RetiredNumber]:
    """Keep the number of an unchanged basket; else take the brought one or a free one.

    A number names one basket: when the basket changed since the last issue, the old number
    is retired (returned, to be published once committed) and never serves again.
    """
    current = pre_order.order_number
    if current is not None and not pre_order.basket_changed:
        if brought is not None and brought != current:
            raise Conflict(
                "order_number_mismatch",
                f"the pre-order already has order number {current} for this basket",
                "order_number",
            )
        return None
    if brought is None:
        number = _free_number()
    elif brought == current or number_taken(brought):
        raise _number_in_use(brought)
    else:
        number = brought
    pre_order.order_number = number
    if current is None:
        return None
    retired = RetiredOrderNumber(
        order_number=current,
        pre_order_id=pre_order.id,
        replaced_by=number,
        snapshot_basket=pre_order.snapshot_basket,  # still the old issue's: taken after this
    )
    db.session.add(retired)
    logger.info("order number %s of pre-order %s replaced by %s after a basket change",
                current, pre_order.id, number)
    return RetiredNumber.of(retired, pre_order.live)


def _free_number() -> str:
    """A generated order number that was never issued."""
    number = generate_order_number()
    while number_taken(number):
        number = generate_order_number()
    return number


def _number_in_use(number: Optional[str]) -> Conflict:
    named = f"order number {number}" if number else "the order number"
    return Conflict("order_number_taken", f"{named} was already issued for another basket", "order_number")


def number_taken(number: str) -> bool:
    """Whether this order number was ever issued: a pre-order holds it, or held it before a change."""
    return db.session.scalar(NUMBER_TAKEN, {"number": number})


def issue_order_number(
    pre_order_id: int, data: Optional[dict] = None, live: Optional[bool] = None
) -> tuple[PreOrder, bool]:
    """Issue (or re-issue) the order number: snapshot the basket, start its time to live.

    Returns the pre-order and whether the number is new. Re-issuing an unchanged basket keeps
    the number and renews its time to live; after a basket change the old number is retired
    (the hooks answer `Order Not Found` to it) and a new one is issued with a new snapshot.
    """
    given = _validated(IssueInput, data if data is not None else {})
    try:
        with _locked(pre_order_id, live) as pre_order:
            _refuse_unless_changeable(pre_order, "issued an order number")
            _refuse_unless_payable(pre_order)
            previous_number = pre_order.order_number
            retired = _assign_number(pre_order, given.order_number)
            is_new = pre_order.order_number != previous_number
            pre_order.basket_snapshot = pre_order.basket_fingerprint()
            pre_order.snapshot_basket = dump_basket(current_basket(pre_order))
            ttl = timedelta(seconds=current_app.config["IVR_ORDER_TTL_SECONDS"])
            pre_order.expires_at = utcnow() + ttl
            pre_order.move_to(PreOrderStatus.AWAITING_PAYMENT)
            record_action("number_issued" if is_new else "number_reissued", pre_order)
            if retired is not None:
                record_number_replaced(pre_order, previous_number)
            commit_and_publish(pre_order)
    except IntegrityError:
        # Another pre-order took the same number between our check and our commit.
        raise _number_in_use(given.order_number) from None
    if retired is not None:
        publish_retired(retired)
    return pre_order, is_new


def cancel_pre_order(pre_order_id: int, reason: Optional[str] = None, live: Optional[bool] = None) -> PreOrder:
    """Cancel an unpaid pre-order (recording who and why); the hooks then answer `Order Not Found`."""
    with _locked(pre_order_id, live) as pre_order:
        try:
            changed = pre_order.move_to(PreOrderStatus.CANCELLED)
        except IllegalStatusMove as refused:
            raise Conflict(f"pre_order_{pre_order.status}", str(refused)) from None
        if changed:  # a repeat changes nothing and reports nothing
            record_action("cancelled", pre_order, reason=reason)
            record_event(EventType.CANCELLED, pre_order)
        return commit_and_publish(pre_order)


def find_transactions(
    order_number: Optional[str] = None, reference_number: Optional[str] = None, live: bool = True
) -> list[IVRTransaction]:
    """IVR transactions by order number and/or reference number, oldest first.

    Live payments only, unless `live` is False: then the sandbox's only (never mixed).
    """
    if not order_number and not reference_number:
        raise InvalidInput([("order_number", "give order_number or reference_number")])
    for name, value in (("order_number", order_number), ("reference_number", reference_number)):
        if value and not is_storable_text(value):
            raise InvalidInput([(name, NOT_TEXT)])
    query = select(IVRTransaction).where(IVRTransaction.live == live)
    query = query.order_by(IVRTransaction.created_at, IVRTransaction.id)
    if order_number:
        query = query.where(IVRTransaction.order_number == order_number)
    if reference_number:
        query = query.where(IVRTransaction.reference_number == reference_number)
    return list(db.session.scalars(query))

"""The sandbox: test credentials, test data flagged `live = false`, and the magic order numbers.

A hook call made with IVR_SANDBOX_USERNAME is a sandbox call: the same parsing, lockout,
allow-list and constant-time credential check as a live one, but it sees only sandbox
pre-orders (opened with CHECKOUT_API_SANDBOX_TOKEN) and the magic numbers below, and records
only sandbox rows. Live calls never see sandbox rows. docs/VENDOR_GUIDE.md is the vendor's view.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..cache import cache
from ..config import ConfigError, api_tokens
from ..db import db, rolled_back_on_error, utcnow
from ..models import HookCall, IVRTransaction, PreOrder, PreOrderStatus
from .order_numbers import SANDBOX_PREFIX, with_check_digit
from .compare import same_text
from .error_texts import HookError
from .results import HookResult, refuse
from .answers import pre_order_answer
from .sessions import OrderSession, ProductLine, session_key

logger = logging.getLogger(__name__)

# The name the checkout API and the audit log give the sandbox token's caller.
SANDBOX_CALLER = "sandbox"


@dataclass(frozen=True)
class MagicNumber:
    """A fixed sandbox order number and what each hook answers for it, every time."""

    serial: int
    key: str  # a short name, used by the certification run and the vendor guide
    cause: str
    pre_order: HookError | None  # None: success, with the magic basket
    complete: HookError | None  # None: success
    records: bool = False  # whether a successful complete records a sandbox transaction

    @property
    def number(self) -> str:
        """The 10-digit order number (Luhn check digit last)."""
        return with_check_digit(f"{SANDBOX_PREFIX}{self.serial:03d}")


E = HookError
MAGIC_NUMBERS = (
    MagicNumber(1, "success", "payable; each complete with a new reference records a sandbox payment",
                None, None, records=True),
    MagicNumber(2, "never_issued", "never issued", E.ORDER_NOT_FOUND, E.SESSION_NOT_FOUND),
    MagicNumber(3, "expired", "its time to live has passed", E.ORDER_NOT_FOUND, E.SESSION_NOT_FOUND),
    MagicNumber(4, "cancelled", "the pre-order was cancelled", E.SESSION_NOT_FOUND, E.SESSION_NOT_FOUND),
    MagicNumber(5, "already_paid", "the pre-order is paid already", E.SESSION_NOT_FOUND, E.SESSION_NOT_FOUND),
    MagicNumber(6, "replaced", "replaced by a new number after a basket change",
                E.SESSION_NOT_FOUND, E.SESSION_NOT_FOUND),
    MagicNumber(7, "payment_option_null", "no payment option", E.PAYMENT_OPTION_NULL, E.PAYMENT_OPTION_NULL),
    MagicNumber(8, "payment_option_not_valid", "payment option is not cash_register",
                E.PAYMENT_OPTION_NOT_VALID, E.PAYMENT_OPTION_NOT_VALID),
    MagicNumber(9, "basket_changed", "basket changed since the number was issued",
                E.BASKET_CHANGED, E.BASKET_CHANGED),
    MagicNumber(10, "service_unavailable", "the database is unreachable",
                E.SERVICE_UNAVAILABLE, E.SERVICE_UNAVAILABLE),
    MagicNumber(11, "replay", "complete answers as to a retry of a recorded payment: success, nothing new",
                None, None),
    MagicNumber(12, "reference_used", "complete answers as to a reference recorded for another order",
                None, E.REFERENCE_USED),
)
del E
MAGIC_BY_NUMBER = {magic.number: magic for magic in MAGIC_NUMBERS}
MAGIC_BY_KEY = {magic.key: magic for magic in MAGIC_NUMBERS}

# The basket every payable magic number reads out, and the amount its payments record.
MAGIC_PRODUCTS = (
    ProductLine("SANDBOX-TSHIRT", "Sandbox T-shirt", 2, Decimal("299.80"), Decimal("279.80")),
    ProductLine("SANDBOX-MUG", "Sandbox mug", 1, Decimal("89.50"), Decimal("89.50")),
)
MAGIC_SHIPPING = Decimal("29.90")
MAGIC_AMOUNT = sum((line.discounted_price for line in MAGIC_PRODUCTS), MAGIC_SHIPPING)
MAGIC_ANSWER = pre_order_answer(True, products=MAGIC_PRODUCTS, amount=MAGIC_AMOUNT)


# --- Settings and credentials --------------------------------------------------------------------


def check_sandbox_settings(config) -> None:
    """Refuse sandbox settings that could let a sandbox caller pass for a live one, or back."""
    username, password = config.get("IVR_SANDBOX_USERNAME"), config.get("IVR_SANDBOX_PASSWORD")
    if bool(username) != bool(password):
        raise ConfigError("IVR_SANDBOX_USERNAME and IVR_SANDBOX_PASSWORD are set together or not at all")
    # The mode of a call is told by its username, so the two must differ.
    if username and username == config.get("IVR_USERNAME"):
        raise ConfigError("IVR_SANDBOX_USERNAME must differ from IVR_USERNAME")
    token = config.get("CHECKOUT_API_SANDBOX_TOKEN")
    live_tokens = api_tokens(config)
    if token and token in {live for _name, live in live_tokens}:
        raise ConfigError("CHECKOUT_API_SANDBOX_TOKEN must differ from every live checkout API token")
    # The audit log and the API tell the sandbox caller by this name.
    if SANDBOX_CALLER in {name for name, _live in live_tokens}:
        raise ConfigError(f"CHECKOUT_API_TOKENS may not name a token {SANDBOX_CALLER!r}")



def is_sandbox_username(username) -> bool:
    """Whether a call presents the sandbox username: then it is a sandbox call, logged as one."""
    expected = current_app.config.get("IVR_SANDBOX_USERNAME") or ""
    return bool(expected) and isinstance(username, str) and same_text(username, expected)


def sandbox_credentials_match(username: str, password: str) -> bool:
    """Both sandbox credentials match; unset settings match nobody. Both always compared."""
    config = current_app.config
    expected_username = config.get("IVR_SANDBOX_USERNAME") or ""
    expected_password = config.get("IVR_SANDBOX_PASSWORD") or ""
    username_ok = same_text(username, expected_username)
    password_ok = same_text(password, expected_password)
    return bool(expected_username and expected_password) and username_ok and password_ok


def in_mode(session, live: bool):
    """The session if it belongs to the caller's mode; else None, as for an unknown number."""
    # Sessions and retired markers (sessions.RetiredNumber) both carry their pre-order's flag.
    return session if session is not None and getattr(session, "live", True) == live else None


# --- The magic numbers ------------------------------------------------------------------------


def magic_number(order_number: str) -> MagicNumber | None:
    """The magic number entry for this order number, if it is one."""
    return MAGIC_BY_NUMBER.get(order_number)


def _magic_session(magic: MagicNumber) -> OrderSession:
    return OrderSession(
        pre_order_id=0,
        order_number=magic.number,
        status=PreOrderStatus.AWAITING_PAYMENT,
        expires_at=utcnow() + timedelta(hours=1),
        payment_option_set=True,
        payment_type="cash_register",
        basket_changed=False,
        answer=MAGIC_ANSWER,
        amount=MAGIC_AMOUNT,
        currency=current_app.config["IVR_DEFAULT_CURRENCY"],
        paid_reference=None,
        live=False,
    )


def _detail(magic: MagicNumber) -> str:
    return f"sandbox magic number {magic.key}: {magic.cause}"


def magic_pre_order(magic: MagicNumber) -> HookResult:
    """What pre_order answers for a magic number."""
    if magic.pre_order is not None:
        return refuse(magic.pre_order, _detail(magic))
    return HookResult(detail=_detail(magic), session=_magic_session(magic))


def _order_of_sandbox_reference(reference: str) -> str | None:
    return db.session.scalar(
        select(IVRTransaction.order_number).where(
            IVRTransaction.reference_number == reference, IVRTransaction.live.is_(False)
        )
    )


def _replay_or_used(recorded_for: str, order_number: str, reference: str) -> HookResult:
    if recorded_for == order_number:
        return HookResult(detail=f"sandbox replay of transaction {reference}, nothing recorded")
    return refuse(HookError.REFERENCE_USED, f"sandbox reference already recorded for order {recorded_for}")


def magic_complete(magic: MagicNumber, reference: str, staff_id: str) -> HookResult:
    """What complete answers for a magic number; `success` records a sandbox payment each time.

    As for any complete, a reference seen before in the sandbox is a replay (same number) or
    `Reference number already used` (another number) before the number's own outcome.
    """
    recorded_for = _order_of_sandbox_reference(reference)
    if recorded_for is not None:
        return _replay_or_used(recorded_for, magic.number, reference)
    if magic.complete is not None:
        return refuse(magic.complete, _detail(magic))
    if not magic.records:
        return HookResult(detail=_detail(magic))
    payment = IVRTransaction(
        reference_number=reference,
        order_number=magic.number,
        staff_id=staff_id,
        amount=MAGIC_AMOUNT,
        currency=current_app.config["IVR_DEFAULT_CURRENCY"],
        pre_order_id=None,
        live=False,
    )
    try:
        with rolled_back_on_error():
            db.session.add(payment)
            db.session.commit()
    except IntegrityError:
        # The same reference was recorded by a concurrent call a moment ago.
        return _replay_or_used(_order_of_sandbox_reference(reference), magic.number, reference)
    return HookResult(detail=f"sandbox: paid {MAGIC_AMOUNT} by transaction {reference}")


# --- Clearing the sandbox ---------------------------------------------------------------------


def purge_sandbox() -> dict[str, int]:
    """Delete every sandbox row (hook calls, transactions, pre-orders) in one transaction."""
    with rolled_back_on_error():
        numbers = list(db.session.scalars(
            select(PreOrder.order_number).where(PreOrder.live.is_(False), PreOrder.order_number.is_not(None))
        ))
        counts = {
            "hook calls": db.session.execute(delete(HookCall).where(HookCall.live.is_(False))).rowcount,
            "transactions": db.session.execute(
                delete(IVRTransaction).where(IVRTransaction.live.is_(False))
            ).rowcount,
            # Their lines go with them (ON DELETE CASCADE).
            "pre-orders": db.session.execute(delete(PreOrder).where(PreOrder.live.is_(False))).rowcount,
        }
        db.session.commit()
    _forget_sessions(numbers)
    return counts


def _forget_sessions(numbers: list[str]) -> None:
    """Drop the hooks' cached sessions of deleted pre-orders (a miss then reads the database)."""
    if not numbers:
        return
    try:
        cache.delete_many(*(session_key(number) for number in numbers))
    except RedisError as error:
        # They expire within minutes anyway (sessions.SESSION_CACHE_SECONDS).
        logger.warning("sandbox purge: cached sessions not dropped: %s", type(error).__name__)

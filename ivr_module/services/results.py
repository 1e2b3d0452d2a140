"""What a hook answers: the seed's error texts, one closed set, and the result of a call."""

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .sessions import OrderSession


class HookError(enum.StrEnum):
    """Every `errortext` a hook can send, letter for letter (seed document and CONTRACT.md)."""

    INPUT_INVALID = "Input invalid"
    USER_INVALID = "User invalid"
    ORDER_NUMBER_INVALID = "Order number invalid"
    # pre_order: the number was never issued, or its time to live has passed.
    ORDER_NOT_FOUND = "Order not found"
    # The number is known but its pre-order session is gone; complete uses it for any not found.
    SESSION_NOT_FOUND = "Order Not Found"
    PAYMENT_OPTION_NULL = "PaymentOption is null"
    PAYMENT_OPTION_NOT_VALID = "PaymentOption is not valid. Payment type must be cash_register"
    BASKET_CHANGED = "Basket Changed"
    SUCCESS_MUST_BE_TRUE = "Success must be true"
    REFERENCE_USED = "Reference number already used"
    SERVICE_UNAVAILABLE = "Service unavailable"


@dataclass(frozen=True)
class HookResult:
    """The outcome of one hook call: an error text or success, and a detail for support staff."""

    error: Optional[HookError] = None
    detail: str = ""
    session: Optional["OrderSession"] = None

    @property
    def success(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None

    @property
    def errortext(self) -> str:
        """The text the vendor reads: empty on success."""
        return "" if self.error is None else self.error.value


def refuse(error: HookError, detail: str) -> HookResult:
    """A failed call with its error text and internal detail."""
    return HookResult(error=error, detail=detail)

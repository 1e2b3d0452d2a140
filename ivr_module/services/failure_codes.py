"""Why a hook call failed, as a stable code from one closed set, and what staff say about it.

The vendor hears the seed's error text (results.HookError), which is coarse: "Order not found"
for a typo and for an expired number alike. The code tells them apart. It is derived from the
error text and the internal detail the services write, so it lives in one place: here. The
hook-call row, the failed-attempts filter, the dashboard chart and the metrics all carry it.
"""

import enum
import re

from .error_texts import HookError


class FailureCode(enum.StrEnum):
    """Every reason a hook call can fail, one per thing support does differently."""

    INPUT_INVALID = "input_invalid"
    USER_INVALID_CREDENTIALS = "user_invalid_credentials"
    USER_INVALID_NOT_CONFIGURED = "user_invalid_not_configured"
    USER_INVALID_ADDRESS = "user_invalid_address"
    USER_INVALID_LOCKED_OUT = "user_invalid_locked_out"
    ORDER_NUMBER_INVALID = "order_number_invalid"
    ORDER_NOT_FOUND_MISTYPED = "order_not_found_mistyped"
    ORDER_NOT_FOUND_UNKNOWN = "order_not_found_unknown"
    ORDER_NOT_FOUND_EXPIRED = "order_not_found_expired"
    ORDER_NOT_FOUND_REPLACED = "order_not_found_replaced"
    ORDER_NOT_FOUND_CANCELLED = "order_not_found_cancelled"
    ORDER_NOT_FOUND_PAID = "order_not_found_paid"
    PAYMENT_OPTION_NULL = "payment_option_null"
    PAYMENT_OPTION_NOT_VALID = "payment_option_not_valid"
    BASKET_CHANGED = "basket_changed"
    SUCCESS_MUST_BE_TRUE = "success_must_be_true"
    REFERENCE_USED = "reference_used"
    SERVICE_UNAVAILABLE = "service_unavailable"


# (error text or None for any, a pattern found in the detail, code): the first match wins. The details
# are the services' own words (ivr.py, vendor_auth.py, order_numbers.py).
_BY_DETAIL = (
    (HookError.USER_INVALID, r"locked out", FailureCode.USER_INVALID_LOCKED_OUT),
    (HookError.USER_INVALID, r"address ", FailureCode.USER_INVALID_ADDRESS),
    (HookError.USER_INVALID, r"IVR_USERNAME or IVR_PASSWORD is not set", FailureCode.USER_INVALID_NOT_CONFIGURED),
    (None, r"check digit mismatch", FailureCode.ORDER_NOT_FOUND_MISTYPED),
    (None, r"order number expired", FailureCode.ORDER_NOT_FOUND_EXPIRED),
    (None, r"replaced after a basket change", FailureCode.ORDER_NOT_FOUND_REPLACED),
    (None, r"already paid", FailureCode.ORDER_NOT_FOUND_PAID),
    (None, r"pre-order is paid", FailureCode.ORDER_NOT_FOUND_PAID),
    (None, r"pre-order is expired", FailureCode.ORDER_NOT_FOUND_EXPIRED),
    (None, r"pre-order is cancelled", FailureCode.ORDER_NOT_FOUND_CANCELLED),
)

# When no detail above matches: the code of each error text.
_BY_TEXT = {
    HookError.INPUT_INVALID: FailureCode.INPUT_INVALID,
    HookError.USER_INVALID: FailureCode.USER_INVALID_CREDENTIALS,
    HookError.ORDER_NUMBER_INVALID: FailureCode.ORDER_NUMBER_INVALID,
    HookError.ORDER_NOT_FOUND: FailureCode.ORDER_NOT_FOUND_UNKNOWN,
    HookError.SESSION_NOT_FOUND: FailureCode.ORDER_NOT_FOUND_UNKNOWN,
    HookError.PAYMENT_OPTION_NULL: FailureCode.PAYMENT_OPTION_NULL,
    HookError.PAYMENT_OPTION_NOT_VALID: FailureCode.PAYMENT_OPTION_NOT_VALID,
    HookError.BASKET_CHANGED: FailureCode.BASKET_CHANGED,
    HookError.SUCCESS_MUST_BE_TRUE: FailureCode.SUCCESS_MUST_BE_TRUE,
    HookError.REFERENCE_USED: FailureCode.REFERENCE_USED,
    HookError.SERVICE_UNAVAILABLE: FailureCode.SERVICE_UNAVAILABLE,
}


def failure_code(error_text: str, detail: str) -> FailureCode | None:
    """The code of a failed call (None for a success): from its error text and detail."""
    if not error_text:
        return None
    error = HookError(error_text)
    for text, pattern, code in _BY_DETAIL:
        if text in (None, error) and re.search(pattern, detail or ""):
            return code
    return _BY_TEXT[error]

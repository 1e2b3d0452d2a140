"""The seed's error texts: every `errortext` a hook can send, one closed set, letter for letter."""

import enum


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

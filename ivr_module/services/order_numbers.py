"""Order numbers: digits only, for a phone keypad, ending in a Luhn check digit."""

import secrets

from stdnum import luhn

# Nine random digits and a check digit: a billion numbers, short enough to key in.
RANDOM_DIGITS = 9
# Numbers starting so are the sandbox's magic numbers (services/sandbox.py): never generated.
SANDBOX_PREFIX = "555000"


def with_check_digit(body: str) -> str:
    """The digits `body` followed by their Luhn check digit."""
    return body + luhn.calc_check_digit(body)


def generate_order_number() -> str:
    """A fresh random order number; it never starts with 0 (vendors may send it as an integer)."""
    while True:
        first = str(1 + secrets.randbelow(9))
        rest = "".join(str(secrets.randbelow(10)) for _ in range(RANDOM_DIGITS - 1))
        if not (first + rest).startswith(SANDBOX_PREFIX):
            return with_check_digit(first + rest)


def unknown_number_detail(order_number: str) -> str:
    """Why a number is unknown, for support staff: a mistyped number fails its check digit."""
    if order_number.isascii() and order_number.isdigit() and not luhn.is_valid(order_number):
        return "check digit mismatch (mistyped number?)"
    return "order number was never issued"

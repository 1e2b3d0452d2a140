"""The customer's contact on a pre-order: phone numbers as the search reads them, and who saw them.

A phone number is searched by its national digits: `+90 532 123 45 34`, `0532 123 45 34` and
`5321234534` are one number. They are stored reversed (the search key), so "ends with these
digits" is a prefix search an ordinary index answers, on SQLite and PostgreSQL alike.
"""

from typing import Optional

from ..db import db
from ..models import PreOrder
from .audit import record_action

# A whole national number has this many digits (Turkey's have ten): "905321234534" loses its
# 90 and "05321234534" its trunk 0, while "9012345678" and "0123" are digits to match as typed.
NATIONAL_DIGITS = 10
CONTACT_VIEWED = "contact_viewed"


def phone_digits(phone: str) -> str:
    """The digits of a phone number, nothing else."""
    return "".join(character for character in phone if character.isascii() and character.isdigit())


def is_international(phone: str) -> bool:
    """Whether the number is written with its country code (`+`, or `00` before a whole number)."""
    digits = phone_digits(phone)
    return phone.strip().startswith("+") or (digits.startswith("00") and len(digits) > NATIONAL_DIGITS)


def national_digits(phone: str, country_code: str) -> str:
    """The digits that name the line at home: no `+`, spaces, home country code or leading 0.

    A number of another country keeps its country code: it is searched by its last digits,
    which it still ends with.
    """
    digits, international = phone_digits(phone), is_international(phone)
    if international and not phone.strip().startswith("+"):
        digits = digits[2:]  # the 00 prefix
    if digits.startswith(country_code):
        if international or len(digits) - len(country_code) >= NATIONAL_DIGITS:
            return digits[len(country_code):]
    if international or len(digits) <= NATIONAL_DIGITS:
        return digits  # "0123" is the end of a number, not a trunk 0 before one
    return digits.removeprefix("0")


def phone_search_key(phone: Optional[str], country_code: str) -> Optional[str]:
    """The stored search key: the national digits reversed (None without a phone)."""
    if not phone:
        return None
    return national_digits(phone, country_code)[::-1] or None


def set_customer(pre_order: PreOrder, customer, country_code: str) -> None:
    """Store the customer's name, phone and email (None clears them) with the phone's search key."""
    pre_order.customer_name = customer.name if customer else None
    pre_order.customer_phone = customer.phone if customer else None
    pre_order.customer_email = customer.email if customer else None
    pre_order.customer_phone_key = phone_search_key(pre_order.customer_phone, country_code)


def has_contact(pre_order: Optional[PreOrder]) -> bool:
    """Whether the pre-order holds any of the customer's contact details."""
    return pre_order is not None and any(
        (pre_order.customer_name, pre_order.customer_phone, pre_order.customer_email)
    )


def record_contact_view(pre_order: PreOrder) -> None:
    """Audit one unmasked view of a customer's contact (who, when, which order) and commit it."""
    record_action(CONTACT_VIEWED, pre_order)
    db.session.commit()

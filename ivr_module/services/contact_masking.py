"""Masked contact details for lists: enough to confirm with the caller, too little to copy."""

from typing import Optional

from .customer_contact import is_international, national_digits, phone_digits

HIDDEN = "*"


def _grouped(digits: str) -> str:
    """Digits in the groups they are read out in: 3 3 2 2 for ten, else threes ending in a two."""
    if len(digits) == 10:
        sizes = (3, 3, 2, 2)
    else:
        sizes = ((len(digits) - 2) % 3,) + (3,) * ((len(digits) - 2) // 3) + (2,)
    groups, start = [], 0
    for size in sizes:
        if size:
            groups.append(digits[start:start + size])
            start += size
    return " ".join(groups)


def mask_phone(phone: Optional[str], country_code: str) -> str:
    """`+90 5** *** ** 34`: the country code, the first digit and the last two; "" without a phone.

    A number of another country shows only `+` and its last two digits: where its country code
    ends is not known without a numbering plan.
    """
    if not phone:
        return ""
    national = national_digits(phone, country_code)
    foreign = is_international(phone) and not phone_digits(phone).lstrip("0").startswith(country_code)
    if foreign:
        return "+" + _grouped(HIDDEN * max(len(national) - 2, 0) + national[-2:])
    if len(national) < 4:  # too short to keep anything and still hide something
        return f"+{country_code} " + HIDDEN * len(national)
    return f"+{country_code} " + _grouped(national[0] + HIDDEN * (len(national) - 3) + national[-2:])


def mask_email(email: Optional[str]) -> str:
    """`a***@example.com`: the first character of the name and the whole domain; "" without one."""
    if not email:
        return ""
    name, _, domain = email.rpartition("@")
    return f"{name[:1]}***@{domain}"

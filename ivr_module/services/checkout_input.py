"""What the checkout may send: pydantic models, and their errors as (field, message) pairs."""

import re
from decimal import Decimal
from typing import Annotated, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..db import CENT, is_storable_text

# The largest amount a Numeric(12, 2) column holds.
MAX_AMOUNT = Decimal("9999999999.99")

NOT_TEXT = "must not contain a NUL character or an unpaired surrogate"


def _storable(value: str) -> str:
    """Refuse text the database cannot hold as invalid input, rather than fail to store it."""
    if not is_storable_text(value):
        raise ValueError(NOT_TEXT)
    return value


Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False),
    AfterValidator(lambda value: value.quantize(CENT)),
]


def text(max_length: int):
    """A required string, trimmed, 1..max_length characters."""
    return Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_storable),
    ]


Currency = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{3}$")
]


class Strict(BaseModel):
    """Unknown fields are refused: a misspelt `shipping` must not silently cost nothing."""

    model_config = ConfigDict(extra="forbid")


class LineInput(Strict):
    """A basket line."""

    sku: text(64)
    name: text(255)
    quantity: Annotated[StrictInt, Field(ge=1, le=100_000)]
    unit_price: Amount
    discount: Amount = Decimal("0.00")

    @field_validator("discount")
    @classmethod
    def _not_above_line_total(cls, discount: Decimal, info: ValidationInfo) -> Decimal:
        price, quantity = info.data.get("unit_price"), info.data.get("quantity")
        if price is not None and quantity is not None and discount > price * quantity:
            raise ValueError("must not exceed unit_price × quantity")
        return discount


Lines = Annotated[list[LineInput], Field(max_length=500)]


class PaymentOptionInput(Strict):
    """The payment option the customer chose; only `cash_register` passes the hooks."""

    slug: text(64)
    name: Optional[text(128)] = None
    payment_type: text(64)


MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15  # E.164 allows at most 15
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def _phone(value: str) -> str:
    if not re.fullmatch(r"\+?[0-9 ]+", value):
        raise ValueError("must be digits and spaces, perhaps after a leading +")
    digits = sum(character.isdigit() for character in value)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        raise ValueError(f"must have {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits")
    return " ".join(value.split())  # runs of spaces read as one


def _email(value: str) -> str:
    # The shape only: whether mail reaches it is the storefront's concern. The value is never
    # repeated in the message, so an error answer or log line carries no personal data.
    if not EMAIL_SHAPE.fullmatch(value):
        raise ValueError("must be an email address such as name@example.com")
    return value.lower()  # searched case-insensitively: stored lower-cased


class CustomerInput(Strict):
    """The customer's contact, so support can find the order without its number."""

    name: Optional[text(128)] = None
    phone: Optional[Annotated[text(32), AfterValidator(_phone)]] = Field(
        None, description="Digits and spaces, perhaps after a leading `+`; 7 to 15 digits"
    )
    email: Optional[Annotated[text(254), AfterValidator(_email)]] = Field(
        None, description="Stored and answered lower-cased"
    )


class PreOrderInput(Strict):
    """A new pre-order."""

    lines: Lines = []
    shipping_amount: Amount = Decimal("0.00")
    currency: Optional[Currency] = None
    payment_option: Optional[PaymentOptionInput] = None
    customer: Optional[CustomerInput] = None


class PreOrderChange(Strict):
    """A change: only the fields given are changed; `payment_option` or `customer` null clears it."""

    lines: Lines = None
    shipping_amount: Amount = None
    currency: Currency = None
    payment_option: Optional[PaymentOptionInput] = None
    customer: Optional[CustomerInput] = None


class IssueInput(Strict):
    """An order-number request, perhaps bringing the commerce side's own number."""

    order_number: Optional[
        Annotated[
            StrictStr,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$"),
            AfterValidator(_storable),
        ]
    ] = Field(
        None,
        description="The commerce side's own number; 409 if it was already issued for another basket",
    )


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """Each problem as (dotted field path, message), e.g. ("lines[0].quantity", "...")."""
    problems = []
    for item in error.errors():
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = item["msg"].removeprefix("Value error, ")
        problems.append((path or "body", message))
    return problems

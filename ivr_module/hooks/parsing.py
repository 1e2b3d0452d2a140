"""Reading the vendor's bodies by the rules of CONTRACT.md section 3 ("Input parsing").

Every rule that fails raises InputInvalid, which the hook answers as `Input invalid`.
"""

import json
from dataclasses import dataclass

from ..db import is_storable_text


class InputInvalid(Exception):
    """The request breaks a parsing rule; the message says which, for support staff."""


@dataclass(frozen=True)
class PreOrderCall:
    """A parsed pre_order request."""

    username: str
    password: str
    order_number: str


@dataclass(frozen=True)
class CompleteCall:
    """A parsed complete request."""

    username: str
    password: str
    order_number: str
    reference_number: str
    staff_id: str
    success: bool


def decode_object(body: bytes) -> dict:
    """The body as a JSON object."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InputInvalid("body is not JSON") from None
    if not isinstance(data, dict):
        raise InputInvalid(f"body is a JSON {type(data).__name__}, not an object")
    return data


def _string(data: dict, name: str, max_length: int, trim: bool = True) -> str:
    """A string field: integers become their decimal text; anything else is refused."""
    if name not in data:
        raise InputInvalid(f"{name} is missing")
    value = data[name]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        shown = "null" if value is None else type(value).__name__
        raise InputInvalid(f"{name} is {shown}, not a string")
    if trim:
        value = value.strip()
    if len(value) > max_length:
        raise InputInvalid(f"{name} is longer than {max_length} characters")
    return value


def _key_text(data: dict, name: str, max_length: int) -> str:
    """A string that is looked up and stored: it must be text a database can hold."""
    value = _string(data, name, max_length)
    if not is_storable_text(value):
        raise InputInvalid(f"{name} holds characters that are not text")
    return value


def _credentials(data: dict) -> tuple[str, str]:
    username = _string(data, "username", 256)
    password = _string(data, "password", 256, trim=False)
    if not username:
        raise InputInvalid("username is empty")
    if not password:
        raise InputInvalid("password is empty")
    return username, password


def _success_flag(data: dict) -> bool:
    """`success` is optional (true); JSON booleans and "true"/"false" in any case."""
    value = data.get("success", True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InputInvalid("success is neither a boolean nor \"true\"/\"false\"")


def parse_pre_order(data: dict) -> PreOrderCall:
    """The pre_order body's fields; an empty order number is left for its own error text."""
    username, password = _credentials(data)
    return PreOrderCall(username, password, _key_text(data, "orderNumber", 64))


def parse_complete(data: dict) -> CompleteCall:
    """The complete body's fields; the three order fields must not be empty."""
    username, password = _credentials(data)
    result = data.get("orderResultRequest")
    if not isinstance(result, dict):
        raise InputInvalid("orderResultRequest is missing or not an object")
    order_number = _key_text(result, "orderNumber", 64)
    reference_number = _key_text(result, "referenceNumber", 128)
    staff_id = _key_text(result, "staffId", 64)
    for name, value in (
        ("orderNumber", order_number),
        ("referenceNumber", reference_number),
        ("staffId", staff_id),
    ):
        if not value:
            raise InputInvalid(f"{name} is empty")
    return CompleteCall(
        username, password, order_number, reference_number, staff_id, _success_flag(result)
    )


def presented(data, *path: str):
    """A field as presented, for the hook-call log, when it is a string or an integer."""
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    if isinstance(data, int) and not isinstance(data, bool):
        return str(data)
    return data.strip() if isinstance(data, str) else None

"""The hooks' answers, spelled as the seed spells them.

simplejson writes Decimal as an exact JSON number (12.50, never 12.499999). The `pre_order`
answer of a payable session is made once, when the session is built, and cached with it
(services/sessions.py); every other answer is made as it is sent.
"""

from decimal import Decimal

import simplejson

NO_PRICE = Decimal("0.0")


def _text(payload: dict) -> str:
    return simplejson.dumps(payload, use_decimal=True)


def pre_order_answer(success: bool, errortext: str = "", products=(), amount: Decimal = NO_PRICE) -> str:
    """The pre_order hook's answer; `products` are ProductLines (none on a refusal)."""
    productlist = [
        {
            "productnumber": line.sku,
            "productname": line.name,
            "quantity": line.quantity,
            "realprice": line.real_price,
            "discountedprice": line.discounted_price,
        }
        for line in products
    ]
    return _text(
        {"result": {"success": success, "errortext": errortext}, "productlist": productlist, "orderprice": amount}
    )


def complete_answer(success: bool, errortext: str) -> str:
    """The complete hook's answer."""
    return _text({"orderResultResponse": {"result": {"success": success, "errortext": errortext}}})

"""How the checkout API and its events write pre-orders and transactions: money as "12.50",
times in ISO 8601."""

from ..models import IVRTransaction, PreOrder
from ..models.pre_order import basket_amount, basket_changed, discounted_price, real_price


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _money(value) -> str:
    return f"{value:.2f}"


def transaction_json(transaction: IVRTransaction) -> dict:
    """An IVR transaction."""
    return {
        "reference_number": transaction.reference_number,
        "order_number": transaction.order_number,
        "staff_id": transaction.staff_id,
        "amount": _money(transaction.amount),
        "currency": transaction.currency,
        "created_at": _time(transaction.created_at),
        "pre_order_id": transaction.pre_order_id,
    }


def customer_json(pre_order: PreOrder):
    """The customer's contact as the checkout gave it, or None when it gave none."""
    contact = {
        "name": pre_order.customer_name,
        "phone": pre_order.customer_phone,
        "email": pre_order.customer_email,
    }
    return contact if any(contact.values()) else None


def pre_order_json(pre_order: PreOrder, with_customer: bool = True) -> dict:
    """A pre-order as the checkout sees it; events leave the customer's contact out."""
    fields = pre_order_fields(pre_order, pre_order.lines, pre_order.current_status, pre_order.transaction)
    return fields | ({"customer": customer_json(pre_order)} if with_customer else {})


def pre_order_fields(pre_order, lines, status: str, transaction) -> dict:
    """A pre-order as the checkout sees it, but its customer, from anything with its columns'
    attributes: models, or the rows a payment read (its event is built from those)."""
    option = None
    if pre_order.payment_option_slug is not None:
        option = {
            "slug": pre_order.payment_option_slug,
            "name": pre_order.payment_option_name,
            "payment_type": pre_order.payment_type,
        }
    return {
        "id": pre_order.id,
        "status": status,
        "order_number": pre_order.order_number,
        "expires_at": _time(pre_order.expires_at),
        "currency": pre_order.currency,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                "discount": _money(line.discount),
                "real_price": _money(real_price(line)),
                "discounted_price": _money(discounted_price(line)),
            }
            for line in lines
        ],
        "shipping_amount": _money(pre_order.shipping_amount),
        "amount": _money(basket_amount(lines, pre_order.shipping_amount)),
        "payment_option": option,
        "basket_changed": basket_changed(pre_order, lines),
        "transaction": transaction_json(transaction) if transaction else None,
        "created_at": _time(pre_order.created_at),
        "updated_at": _time(pre_order.updated_at),
    }

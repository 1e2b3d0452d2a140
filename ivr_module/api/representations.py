"""How the checkout API writes pre-orders and transactions: money as "12.50", times in ISO 8601."""

from ..models import IVRTransaction, PreOrder


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
    option = None
    if pre_order.has_payment_option:
        option = {
            "slug": pre_order.payment_option_slug,
            "name": pre_order.payment_option_name,
            "payment_type": pre_order.payment_type,
        }
    return {
        "id": pre_order.id,
        "status": pre_order.current_status,
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
                "real_price": _money(line.real_price),
                "discounted_price": _money(line.discounted_price),
            }
            for line in pre_order.lines
        ],
        "shipping_amount": _money(pre_order.shipping_amount),
        "amount": _money(pre_order.amount),
        "payment_option": option,
        "basket_changed": pre_order.basket_changed,
        "transaction": transaction_json(pre_order.transaction) if pre_order.transaction else None,
        "created_at": _time(pre_order.created_at),
        "updated_at": _time(pre_order.updated_at),
    } | ({"customer": customer_json(pre_order)} if with_customer else {})

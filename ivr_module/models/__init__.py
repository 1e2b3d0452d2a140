"""All models, imported in one place so Alembic and the app see the whole schema."""

from .failure_hint import FailureHint
from .hook_call import HookCall
from .pre_order import (
    CASH_REGISTER,
    IllegalStatusMove,
    PreOrder,
    PreOrderLine,
    PreOrderStatus,
)
from .retired_order_number import RetiredOrderNumber
from .transaction import IVRTransaction
from .user import Role, User

__all__ = [
    "CASH_REGISTER",
    "FailureHint",
    "HookCall",
    "IVRTransaction",
    "IllegalStatusMove",
    "PreOrder",
    "PreOrderLine",
    "PreOrderStatus",
    "RetiredOrderNumber",
    "Role",
    "User",
]

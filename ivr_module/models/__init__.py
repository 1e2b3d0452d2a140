"""All models, imported in one place so Alembic and the app see the whole schema."""

from .audit import AuditEntry
from .event import DeliveryState, EventAttempt, EventType, IVREvent
from .hook_call import HookCall
from .pre_order import (
    CASH_REGISTER,
    IllegalStatusMove,
    PreOrder,
    PreOrderLine,
    PreOrderStatus,
)
from .transaction import IVRTransaction
from .user import Role, User

__all__ = [
    "AuditEntry",
    "DeliveryState",
    "EventAttempt",
    "EventType",
    "IVREvent",
    "CASH_REGISTER",
    "HookCall",
    "IVRTransaction",
    "IllegalStatusMove",
    "PreOrder",
    "PreOrderLine",
    "PreOrderStatus",
    "Role",
    "User",
]

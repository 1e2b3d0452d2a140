"""All models, imported in one place so Alembic and the app see the whole schema."""

from .audit import AuditEntry
from .event import DeliveryState, EventAttempt, EventType, IVREvent
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
from .settlement import MatchGroup, SettlementImport, SettlementLine
from .transaction import IVRTransaction
from .user import Role, User

__all__ = [
    "AuditEntry",
    "DeliveryState",
    "EventAttempt",
    "EventType",
    "IVREvent",
    "CASH_REGISTER",
    "FailureHint",
    "HookCall",
    "IVRTransaction",
    "IllegalStatusMove",
    "PreOrder",
    "PreOrderLine",
    "PreOrderStatus",
    "MatchGroup",
    "RetiredOrderNumber",
    "Role",
    "SettlementImport",
    "SettlementLine",
    "User",
]

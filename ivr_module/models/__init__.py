"""All models, imported in one place so Alembic and the app see the whole schema."""

from .hook_call import HookCall
from .pre_order import (
    CASH_REGISTER,
    IllegalStatusMove,
    PreOrder,
    PreOrderLine,
    PreOrderStatus,
)
from .settlement import MatchGroup, SettlementImport, SettlementLine
from .transaction import IVRTransaction
from .user import Role, User

__all__ = [
    "CASH_REGISTER",
    "HookCall",
    "IVRTransaction",
    "IllegalStatusMove",
    "PreOrder",
    "PreOrderLine",
    "PreOrderStatus",
    "MatchGroup",
    "Role",
    "SettlementImport",
    "SettlementLine",
    "User",
]

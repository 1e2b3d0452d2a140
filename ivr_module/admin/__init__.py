"""The admin dashboard for call-centre and support staff (CONTRACT.md section 7).

`init_admin(app)` builds a fresh Flask-Admin `Admin` for each app, with its views, login and
security headers. Templates and assets come from the repository's templates/ and static/
through a blueprint of our own, so a host app with other template folders finds them too.
"""

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from ..db import db
from ..models import AuditEntry, HookCall, IVREvent, IVRTransaction, PreOrder, User
from .auth import AuthView, login_manager
from .dashboard import DashboardView
from .events import AuditView, EventDeliveryView
from .formatting import parse_timezone
from .lookup import LookupView
from .security import add_security_headers, configure_cookies
from .views import FailedAttemptView, PreOrderView, TransactionView, UserView

ROOT = Path(__file__).resolve().parent.parent.parent
ASSETS = "ivr_admin_assets"


@dataclass(frozen=True)
class AdminState:
    """Per-app state of the admin, kept in app.extensions["ivr_admin"]."""

    zone: ZoneInfo
    blueprints: frozenset[str]


def _assets_blueprint() -> Blueprint:
    return Blueprint(
        ASSETS,
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        static_url_path="/admin/assets",
    )


def _views() -> list:
    """Fresh view objects (each keeps the Admin and blueprint it is registered with)."""
    return [
        LookupView(name="Order lookup", endpoint="ivr_admin_lookup", url="lookup"),
        FailedAttemptView(
            HookCall, db, name="Failed attempts", endpoint="ivr_admin_failed", url="failed-attempts"
        ),
        TransactionView(
            IVRTransaction, db, name="Transactions", endpoint="ivr_admin_transactions", url="transactions"
        ),
        PreOrderView(PreOrder, db, name="Pre-orders", endpoint="ivr_admin_pre_orders", url="pre-orders"),
        EventDeliveryView(
            IVREvent, db, name="Event deliveries", endpoint="ivr_admin_events", url="event-deliveries"
        ),
        UserView(User, db, name="Users", endpoint="ivr_admin_users", url="users"),
        AuditView(AuditEntry, db, name="Audit", endpoint="ivr_admin_audit", url="audit"),
        AuthView(name="Account", endpoint="ivr_admin_auth", url="auth"),
    ]


def init_admin(app) -> Admin:
    """Add the admin dashboard at /admin/ to `app`."""
    zone = parse_timezone(app.config["IVR_TIMEZONE"])
    configure_cookies(app)
    # Registered before Flask-Admin's blueprints, so our templates are found first.
    app.register_blueprint(_assets_blueprint())
    login_manager.init_app(app)
    admin = Admin(
        name="IVR payments",
        url="/admin",
        endpoint="ivr_admin",
        index_view=DashboardView(name="Dashboard", endpoint="ivr_admin", url="/admin"),
        theme=Bootstrap4Theme(base_template="ivr_admin/base.html", fluid=True),
    )
    views = _views()
    admin.add_views(*views)
    admin.init_app(app)
    endpoints = {"ivr_admin", ASSETS, *(view.endpoint for view in views)}
    app.extensions["ivr_admin"] = AdminState(zone, frozenset(endpoints))
    app.after_request(add_security_headers)
    return admin

"""The admin dashboard for call-centre and support staff (CONTRACT.md section 7).

`init_admin(app)` builds a fresh Flask-Admin `Admin` for each app, with its views, login and
security headers, at IVR_ADMIN_URL. Templates and assets come from the module's templates/ and
static/ (resources.py) through a blueprint of our own, so a host app with other template folders
finds them too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from ..i18n import lazy_gettext as _l
from ..resources import resource_path
from ..services.settlement_file import settlement_columns
from ..models import AuditEntry, FailureHint, HookCall, IVREvent, IVRTransaction, PreOrder, User
from .auth import AuthView
from .dashboard import DashboardView
from .events import AuditView, EventDeliveryView
from .formatting import parse_timezone
from .lookup import LookupView
from .security import add_security_headers
from .settlements import SettlementView
from .staff_report import StaffReportView
from .throttle import LoginThrottle
from .views import CallerHintView, FailedAttemptView, PreOrderView, TransactionView, UserView

ASSETS = "ivr_admin_assets"


@dataclass(frozen=True)
class AdminState:
    """Per-app state of the admin, kept in app.extensions["ivr_admin"]."""

    zone: ZoneInfo
    blueprints: frozenset[str]
    # The host's hook mapping its logged-in user to a role (staff.py); None: the module's accounts.
    staff_role: Callable | None
    login_throttle: LoginThrottle


def _assets_blueprint(admin_url: str) -> Blueprint:
    return Blueprint(
        ASSETS,
        __name__,
        template_folder=str(resource_path("templates")),
        static_folder=str(resource_path("static")),
        static_url_path=f"{admin_url}/assets",
    )


def _views(db, with_accounts: bool) -> list:
    """Fresh view objects (each keeps the Admin and blueprint it is registered with).

    The module's staff accounts (Users) only where they are the login: not when the host's is.
    """
    views = [
        LookupView(name=_l("Order lookup"), endpoint="ivr_admin_lookup", url="lookup"),
        FailedAttemptView(
            HookCall, db, name=_l("Failed attempts"), endpoint="ivr_admin_failed", url="failed-attempts"
        ),
        TransactionView(
            IVRTransaction, db, name=_l("Transactions"), endpoint="ivr_admin_transactions", url="transactions"
        ),
        PreOrderView(PreOrder, db, name=_l("Pre-orders"), endpoint="ivr_admin_pre_orders", url="pre-orders"),
        CallerHintView(FailureHint, db, name=_l("Caller hints"), endpoint="ivr_admin_hints", url="caller-hints"),
        EventDeliveryView(
            IVREvent, db, name=_l("Event deliveries"), endpoint="ivr_admin_events", url="event-deliveries"
        ),
        AuditView(AuditEntry, db, name=_l("Audit"), endpoint="ivr_admin_audit", url="audit"),
        StaffReportView(name=_l("Staff"), endpoint="ivr_admin_staff_report", url="staff-report"),
        SettlementView(name=_l("Settlements"), endpoint="ivr_admin_settlements", url="settlements"),
        AuthView(name=_l("Account"), endpoint="ivr_admin_auth", url="auth"),
    ]
    if with_accounts:
        views.append(UserView(User, db, name=_l("Users"), endpoint="ivr_admin_users", url="users"))
    return views


def init_admin(app, staff_role=None) -> Admin:
    """Add the admin dashboard at IVR_ADMIN_URL (default /admin/) to `app`."""
    zone = parse_timezone(app.config["IVR_TIMEZONE"])
    settlement_columns(app.config["IVR_SETTLEMENT_COLUMNS"])  # a bad mapping stops the start
    admin_url = "/" + app.config["IVR_ADMIN_URL"].strip("/")
    # Registered before Flask-Admin's blueprints, so our templates are found first.
    app.register_blueprint(_assets_blueprint(admin_url))
    admin = Admin(
        name=_l("IVR payments"),
        url=admin_url,
        endpoint="ivr_admin",
        index_view=DashboardView(name=_l("Dashboard"), endpoint="ivr_admin", url=admin_url),
        theme=Bootstrap4Theme(base_template="ivr_admin/base.html", fluid=True),
    )
    views = _views(app.extensions["ivr"].db, with_accounts=staff_role is None)
    admin.add_views(*views)
    admin.init_app(app)
    endpoints = {"ivr_admin", ASSETS, *(view.endpoint for view in views)}
    app.extensions["ivr_admin"] = AdminState(zone, frozenset(endpoints), staff_role, LoginThrottle(app.config))
    app.after_request(add_security_headers)
    return admin

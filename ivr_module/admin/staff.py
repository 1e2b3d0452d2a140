"""Who is using the admin: one of the module's own staff accounts, or the host's logged-in user.

The module never installs a LoginManager: a host's Flask-Login (or any other login) stays the
host's. Two modes (docs/EMBEDDING.md):

- the module's accounts (default): the admin's login page puts the account's id in the session
  under a key of the module's own, beside whatever the host keeps there;
- the host's login: IVRModule(app, staff_role=hook), where hook() returns None when nobody is
  logged in, else (name, role) with role one of admin/callcentre/support, or None for no access.
  The host's login page is then the only one.
"""

from dataclasses import dataclass

from flask import current_app, g, session, url_for

from ..db import db
from ..models import Role, User

SESSION_KEY = "ivr_staff"


@dataclass(frozen=True)
class Staff:
    """The person at the admin: a name for logs and pages, and the role that decides."""

    name: str
    role: str | None
    account: User | None = None  # the module's own account; None when the host's login decides

    def has_role(self, *roles: str) -> bool:
        """Whether this person holds one of these roles."""
        return self.role is not None and self.role in roles


def host_login_decides() -> bool:
    """Whether the host's login decides who reaches the admin (staff_role hook given)."""
    return current_app.extensions["ivr_admin"].staff_role is not None


def current_staff() -> Staff | None:
    """The person logged in to the admin for this request, or None."""
    if "ivr_staff_member" not in g:
        g.ivr_staff_member = _from_host() if host_login_decides() else _from_session()
    return g.ivr_staff_member


def _from_host() -> Staff | None:
    identity = current_app.extensions["ivr_admin"].staff_role()
    if identity is None:
        return None
    name, role = identity
    return Staff(str(name), role if role in set(Role) else None)


def _from_session() -> Staff | None:
    remembered = session.get(SESSION_KEY)
    if not isinstance(remembered, dict) or not isinstance(remembered.get("id"), int):
        return None
    user = db.session.get(User, remembered["id"])
    if user is None or not user.active:
        session.pop(SESSION_KEY, None)
        return None
    return Staff(user.username, user.role, user)


def log_in(user: User) -> None:
    """Remember this account in the session: the admin's own login, nothing of the host's."""
    session[SESSION_KEY] = {"id": user.id}
    g.pop("ivr_staff_member", None)


def log_out() -> None:
    """Forget the module's account in this session (the host's own login is left alone)."""
    session.pop(SESSION_KEY, None)
    g.pop("ivr_staff_member", None)


def login_url(next_path: str) -> str:
    """Where a logged-out visitor goes: the host's login page, or the module's."""
    if not host_login_decides():
        return url_for("ivr_admin_auth.login", next=next_path)
    manager = getattr(current_app, "login_manager", None)
    view = getattr(manager, "login_view", None) or current_app.config.get("IVR_HOST_LOGIN_ENDPOINT")
    if not view:
        raise RuntimeError("staff_role is set but the host has no login page: set "
                           "LoginManager.login_view or IVR_HOST_LOGIN_ENDPOINT")
    return url_for(view, next=next_path)

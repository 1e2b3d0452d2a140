"""Who is using the admin: one of the module's own staff accounts, or the host's logged-in user.

The module never installs a LoginManager: a host's Flask-Login (or any other login) stays the
host's. Two modes (docs/EMBEDDING.md):

- the module's accounts (default): the admin's login page puts the account's session token in
  the session under a key of the module's own, beside whatever the host keeps there. A new token
  (logout, a password change) ends every session of the account; a session unused for
  IVR_ADMIN_SESSION_IDLE_SECONDS is logged out;
- the host's login: IVRModule(app, staff_role=hook), where hook() returns None when nobody is
  logged in, else (name, role) with role one of admin/callcentre/support, or None for no access.
  The host's login page is then the only one.
"""

import time
from dataclasses import dataclass

from flask import current_app, flash, request, session, url_for
from sqlalchemy import select

from ..db import db
from ..i18n import gettext as _
from ..models import Role, User

SESSION_KEY = "ivr_staff"
# Where a request keeps who it found (per request: an app context can outlive one in tests).
_FOUND = "ivr.staff_member"


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
    if _FOUND not in request.environ:
        request.environ[_FOUND] = _from_host() if host_login_decides() else _from_session()
    return request.environ[_FOUND]


def _from_host() -> Staff | None:
    identity = current_app.extensions["ivr_admin"].staff_role()
    if identity is None:
        return None
    name, role = identity
    return Staff(str(name), role if role in set(Role) else None)


def _from_session() -> Staff | None:
    remembered = session.get(SESSION_KEY)
    if not isinstance(remembered, dict):
        return None
    token, last_seen = remembered.get("token"), remembered.get("seen")
    now = int(time.time())
    if not isinstance(last_seen, int) or now - last_seen > current_app.config["IVR_ADMIN_SESSION_IDLE_SECONDS"]:
        session.pop(SESSION_KEY, None)
        flash(_("Your session expired. Please log in again."), "info")
        return None
    user = db.session.scalar(select(User).where(User.session_token == token)) if isinstance(token, str) else None
    if user is None or not user.active:
        # The token was renewed (logout elsewhere, a new password) or the account is off.
        session.pop(SESSION_KEY, None)
        return None
    session[SESSION_KEY] = {"token": token, "seen": now}
    return Staff(user.username, user.role, user)


def log_in(user: User) -> None:
    """Remember this account's session token here: the admin's own login, nothing of the host's."""
    session[SESSION_KEY] = {"token": user.session_token, "seen": int(time.time())}
    request.environ.pop(_FOUND, None)


def log_out() -> None:
    """End every session of the logged-in account (a new token), and forget it here.

    The host's own login, if any, is left alone.
    """
    person = current_staff()
    if person is not None and person.account is not None:
        person.account.end_sessions()
        db.session.commit()
    session.pop(SESSION_KEY, None)
    request.environ.pop(_FOUND, None)


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

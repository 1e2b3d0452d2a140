"""Who may open what: one base for every admin view, and the rights of each role.

Rights, as a small table (CONTRACT.md section 7):

| view                                       | admin | callcentre | support |
|--------------------------------------------|-------|------------|---------|
| dashboard, lookup, pre-orders,             | read  | read       | read    |
| transactions, failed attempts,             |       |            |         |
| event deliveries                           |       |            |         |
| pre-orders: action "cancel" (with reason)  | yes   | no         | no      |
| event deliveries: action "send again"      | yes   | no         | no      |
| users                                      | all   | no         | no      |
| audit                                      | read  | no         | no      |
| customer phone and email in search results | whole | masked     | masked  |
| customer contact on one order's page       | whole | whole      | whole   |
|   (each view recorded in the audit log)    |       |            |         |

Nobody creates, edits or deletes a pre-order, a transaction, a hook-call row, an event or an
audit record. Every change a staff member makes is recorded in the audit log under their name.
"""

from urllib.parse import urlsplit

from flask import abort, redirect, request
from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from ..db import is_storable_text
from ..i18n import choose_afresh
from ..i18n import gettext as _
from ..i18n import template_helpers as translation_helpers
from ..models import Role
from ..services.audit import act_as
from .formatting import template_helpers
from .test_data import remember_switch, switch_url, test_data_shown
from .staff import current_staff, host_login_decides, login_url

EVERY_ROLE = frozenset(Role)
ADMIN_ONLY = frozenset({Role.ADMIN})

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AdminForm(BaseForm, FlaskForm):
    """Flask-Admin's form base with Flask-WTF's CSRF token, so delete and action forms carry it."""


def require_csrf() -> None:
    """Refuse (400) a state-changing request that lacks this session's CSRF token."""
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except ValidationError as refused:
        abort(400, description=_("%(problem)s Reload the page and try again.", problem=refused))


def refuse_unstorable_arguments() -> None:
    """Refuse (400) a search, filter, lookup or form holding text no database can store (NUL).

    PostgreSQL raises on such text in a query; one check here spares every view that error.
    """
    values = (*request.args.values(), *request.form.values())
    if not all(is_storable_text(value) for value in values):
        abort(400, description=_("The request holds characters that are not text."))


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after login, or None (never another host)."""
    if not target:
        return None
    parts = urlsplit(target)
    # Browsers read a backslash as a slash (slash, backslash, host is "//host"): refused anywhere.
    unsafe = target.startswith("//") or "\\" in target
    if parts.scheme or parts.netloc or not target.startswith("/") or unsafe:
        return None
    return target


class SecuredView:
    """Mixin of every admin view: login, the view's roles, CSRF on every POST, our template helpers."""

    # Roles that may open the view; None: everyone, logged in or not (the login page).
    roles = EVERY_ROLE

    def is_accessible(self) -> bool:
        """Logged in, active, and holding one of the view's roles."""
        if self.roles is None:
            return True
        person = current_staff()
        return person is not None and person.has_role(*self.roles)

    def inaccessible_callback(self, name, **kwargs):
        """Logged out: to the login page; logged in without the right: 403."""
        if current_staff() is None:
            return redirect(login_url(request.full_path.rstrip("?")))
        return self.render("ivr_admin/forbidden.html"), 403

    def _handle_view(self, name, **kwargs):
        choose_afresh()  # before anything is translated, the refusal pages included
        refused = super()._handle_view(name, **kwargs)
        person = current_staff() if refused is None else None
        if person is not None:
            act_as("staff", person.name)  # the audit log names who made each change
        if refused is None:
            if request.method not in SAFE_METHODS:
                require_csrf()
            refuse_unstorable_arguments()
            remember_switch()
        return refused

    def render(self, template, **kwargs):
        """Render with the CSRF token and our formatting helpers at hand."""
        kwargs.setdefault("csrf_token", generate_csrf)
        kwargs.setdefault("staff", current_staff())
        kwargs.setdefault("host_login", host_login_decides())
        kwargs.setdefault("test_data", test_data_shown())
        kwargs.setdefault("test_data_switch_url", switch_url)
        for key, helper in {**template_helpers(), **translation_helpers()}.items():
            kwargs.setdefault(key, helper)
        return super().render(template, **kwargs)

"""The admin's "Test data" switch: sandbox rows (live = false) are shown only when asked for.

Off (the default), every list and the order lookup show live rows only. On, they show the
sandbox's rows only, each with a "Test" badge, as a payment provider's test mode does. The
choice is made with ?test_data=1 or ?test_data=0 on any admin page (the navbar's button) and
kept in the session. The dashboard's figures are always live ones.
"""

from flask import request, session, url_for
from markupsafe import Markup
from sqlalchemy import true

from ..i18n import gettext as _

SESSION_KEY = "ivr_admin_test_data"


def test_badge() -> Markup:
    """The "Test" badge of a sandbox row, in the page's language."""
    return Markup('<span class="badge badge-warning mr-1" title="{}">{}</span>').format(
        _("Sandbox record"), _("Test")
    )


def remember_switch() -> None:
    """Keep the switch's position when the page asks for one (?test_data=1 or 0)."""
    asked = request.args.get("test_data")
    if asked in ("0", "1"):
        session[SESSION_KEY] = asked == "1"


def test_data_shown() -> bool:
    """Whether the staff member has switched to test data."""
    return bool(session.get(SESSION_KEY))


def shown_rows(model):
    """The where clause of the rows on show: live ones, or with the switch on, sandbox ones.

    Records with no live flag (events, which sandbox orders never raise, and the audit log)
    are shown either way.
    """
    if not hasattr(model, "live"):
        return true()
    return model.live.is_(not test_data_shown())


def switch_url() -> str:
    """This page with the switch turned the other way."""
    arguments = {**request.view_args, **request.args.to_dict(), "test_data": "0" if test_data_shown() else "1"}
    return url_for(request.endpoint, **arguments)


def with_test_badge(formatter):
    """A column formatter that puts the "Test" badge before a sandbox row's cell."""

    def column(view, context, model, name):
        cell = formatter(view, context, model, name)
        return cell if getattr(model, "live", True) else test_badge() + cell

    return column

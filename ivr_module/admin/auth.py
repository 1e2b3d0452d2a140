"""Logging staff in and out of the module's own accounts: a login page in the admin's look, the
slow-down (throttle.py). When the host's login decides (staff.py), this page only sends
visitors there. Sessions, their tokens and their idle lifetime are staff.py's."""

import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..db import db, utcnow
from ..i18n import LOCALES
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import User
from ..remote_address import remote_address
from . import staff
from .access import SecuredView, safe_next

logger = logging.getLogger(__name__)

# Checked when the username is unknown, so an unknown name costs as long as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash("no such user")


class LoginForm(FlaskForm):
    """Username and password; Flask-WTF adds the CSRF token."""

    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])


def authenticate(username: str, password: str):
    """The active user with this username and password, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


class AuthView(SecuredView, BaseView):
    """/admin/auth/login and /admin/auth/logout; open to everyone, never in the menu."""

    roles = None

    def is_visible(self) -> bool:
        """Not a menu entry."""
        return False

    @expose("/")
    def index(self):
        """Flask-Admin wants a default view: the login page."""
        return redirect(url_for(".login"))

    @expose("/login", methods=("GET", "POST"))
    def login(self):
        """Show the login form; on valid credentials log in and go where the visitor was going."""
        next_url = safe_next(request.args.get("next")) or url_for("ivr_admin.index")
        if staff.host_login_decides():
            return redirect(staff.login_url(next_url))
        if staff.current_staff() is not None:
            return redirect(next_url)
        form = LoginForm()
        status = 200
        if form.validate_on_submit():
            status = self._attempt(form)
            if status is None:
                return redirect(next_url)
        return self.render("ivr_admin/login.html", form=form), status

    def _attempt(self, form: LoginForm):
        """Try the credentials; None on success, else the HTTP status to answer with."""
        username, address = form.username.data.strip(), remote_address()
        throttle = current_app.extensions["ivr_admin"].login_throttle
        wait = throttle.admit(username, address)
        if wait:
            flash(_("Too many failed logins. Try again in %(seconds)s seconds.", seconds=wait), "error")
            return 429
        user = authenticate(username, form.password.data)
        if user is None:
            logger.info("admin login failed for %r from %s", username, address)
            flash(_("Unknown username or wrong password."), "error")
            return 401
        throttle.succeeded(username, address)
        staff.log_in(user)
        user.last_login_at = utcnow()
        db.session.commit()
        logger.info("admin login: %s (%s) from %s", user.username, user.role, address)
        return None

    @expose("/language", methods=("POST",))
    def language(self):
        """The logged-in staff member chooses their own language (empty: the default one)."""
        person = staff.current_staff()
        if person is None or person.account is None:
            abort(403)  # the host's login: the module keeps no preference for its users
        chosen = request.form.get("locale", "")
        if chosen not in ("", *LOCALES):
            abort(400, description=_("Unknown language."))
        person.account.locale = chosen or None
        db.session.commit()
        return redirect(safe_next(request.form.get("next")) or url_for("ivr_admin.index"))

    @expose("/logout", methods=("POST",))
    def logout(self):
        """Log out everywhere: a new session token ends every session of this account.

        A POST with the CSRF token, so no other site can log staff out.
        """
        staff.log_out()
        flash(_("You are logged out."), "info")
        return redirect(url_for(".login"))

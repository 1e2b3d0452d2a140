"""The admin in the staff's language: Flask-Babel, the module's own catalogue, a locale per request.

The module's strings live in a translation domain of their own ("ivr_module", catalogues in
ivr_module/translations/), so a host's own Flask-Babel catalogue ("messages") is never touched.
Flask-Admin's strings come from its own "admin" domain, which ships a Turkish catalogue.

The locale of an admin page: the logged-in staff account's preference, else IVR_DEFAULT_LOCALE
(the login page, the host's login, an account without a preference). Other pages of the app
keep whatever the host's Flask-Babel chooses (docs/EMBEDDING.md).
"""

from pathlib import Path

from flask import current_app, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh
from markupsafe import Markup

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "ivr_module"
# The languages the admin has complete catalogues of; the first is the source language.
LOCALES = ("en", "tr")
LOCALE_NAMES = {"en": "English", "tr": "Türkçe"}

domain = Domain(str(TRANSLATIONS), domain=DOMAIN)
gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext
# Marks the selector wrapped around a host's, so a second init_app does not wrap it twice.
_WRAPPED = "_ivr_admin_locale_selector"


def check_locale(value: str, setting: str = "IVR_DEFAULT_LOCALE") -> str:
    """A locale the admin has a catalogue of; anything else stops the start."""
    from .config import ConfigError

    if value not in LOCALES:
        raise ConfigError(f"{setting} must be one of {', '.join(LOCALES)}, got {value!r}")
    return value


def _on_admin_page() -> bool:
    state = current_app.extensions.get("ivr_admin")
    return has_request_context() and state is not None and request.blueprint in state.blueprints


def admin_locale() -> str:
    """The locale of this admin request: the staff account's preference, else the default."""
    from .admin.staff import current_staff

    person = current_staff()
    account = person.account if person is not None else None
    preferred = getattr(account, "locale", None)
    return preferred if preferred in LOCALES else current_app.config["IVR_DEFAULT_LOCALE"]


def _selector(host_selector=None):
    """A locale selector that answers for the admin's pages and leaves the rest to the host's."""

    def select_locale():
        if _on_admin_page():
            return admin_locale()
        return host_selector() if host_selector is not None else None

    setattr(select_locale, _WRAPPED, True)
    return select_locale


def init_app(app) -> None:
    """Give the app Flask-Babel, or teach the host's Flask-Babel the admin's locale.

    A host that has Flask-Babel keeps its instance, domain, directories and default locale;
    only its locale selector is wrapped: on the module's admin pages ours answers, elsewhere
    the host's does. A host that sets Flask-Babel up after the module must do so first instead.
    """
    check_locale(app.config["IVR_DEFAULT_LOCALE"])
    configuration = app.extensions.get("babel")
    if configuration is None:
        Babel(app, locale_selector=_selector())
    elif not getattr(configuration.locale_selector, _WRAPPED, False):
        configuration.locale_selector = _selector(configuration.locale_selector)


def choose_afresh() -> None:
    """Choose this admin request's locale anew (called as each admin view starts).

    Flask-Babel keeps the locale on `g`, which outlives a request when an app context was pushed
    around several (tests, CLI). Called by the admin's views, not as an app-wide before_request,
    so the hooks and the API pay nothing for it.
    """
    refresh()


def current_locale() -> str:
    """The language of this request's pages (en outside a request)."""
    locale = get_locale() if has_request_context() else None
    return str(locale) if locale is not None else LOCALES[0]


def markup_gettext(message: str, **variables) -> Markup:
    """A translation holding markup of our own (`<strong>`); the values put in are escaped."""
    return Markup(gettext(message)) % variables


def template_helpers() -> dict:
    """The module's gettext for its own templates, beside Flask-Admin's `_gettext`."""
    return {
        "_": gettext, "_markup": markup_gettext, "ngettext": ngettext,
        "locale": current_locale(), "locale_names": LOCALE_NAMES,
    }

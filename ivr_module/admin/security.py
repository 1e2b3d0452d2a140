"""Browser-facing protections of the admin pages: security headers and session cookies."""

from flask import current_app, request

from .. import config

# No inline script anywhere (our templates and the Flask-Admin ones we render are free of it);
# inline *styles* stay allowed because Flask-Admin's date-range picker and select2 set them.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    # Lookup URLs carry order numbers: they never leave the site in a Referer.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def configure_cookies(app) -> None:
    """Session cookie: HttpOnly, SameSite=Lax unless the host chose, Secure outside development."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if not config.is_development(app.config):
        app.config["SESSION_COOKIE_SECURE"] = True


def add_security_headers(response):
    """After each request: admin pages (and their assets) get the security headers."""
    state = current_app.extensions.get("ivr_admin")
    if state is None or request.blueprint not in state.blueprints:
        return response
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Pages show payment data: no shared or back-button copies.
        response.headers["Cache-Control"] = "no-store"
    return response

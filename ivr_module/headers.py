"""Response headers the module's own blueprints add (the host app's pages are the host's)."""


def nosniff(response):
    """Tell browsers to take our JSON as JSON, never to sniff it into something runnable."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

"""Browser tests: the app served on a free 127.0.0.1 port, driven by Debian's chromium.

Playwright's own browser download fails here, so chromium comes from apt (/usr/bin/chromium,
installed by .ci/run). Without it these tests skip on a developer's machine and fail in CI.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.helpers import unavailable

CHROMIUM = Path(os.environ.get("IVR_TEST_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class QuietHandler(WSGIRequestHandler):
    """No access log: a page load is twenty lines of it."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def server(app):
    """The app under test served over HTTP in a background thread; yields its base URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)


class ConsoleLog:
    """Errors the page reported: console errors (CSP violations included) and uncaught exceptions."""

    def __init__(self, page):
        self.errors = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def page(browser):
    """A fresh browser tab (own cookies) that records its console errors in page.console."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.console = ConsoleLog(tab)
    yield tab
    context.close()


def log_in(page, base_url, username, password, next_path="/admin/"):
    """Log in through the login form, as staff do."""
    page.goto(f"{base_url}{next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base_url + next_path)))

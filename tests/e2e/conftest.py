"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright against the
site served on a free local port, on a temporary SQLite database with the demo data.

They are skipped, with the reason, when Chromium or Playwright is not installed;
.ci/run installs both, so CI runs them.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from rcm_exchange.app import PERMISSIONS_POLICY
from rcm_exchange.config import PROJECT_ROOT

# Debian's headless shell (package chromium-headless-shell) is Chromium's Blink and V8
# without the browser's windowing: a new browser context and its first page cost about
# a third of the processor time they cost in the full browser's headless mode, and the
# browser tests open dozens of contexts. The full browser is the fallback.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
FULL_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM = HEADLESS_SHELL if HEADLESS_SHELL.exists() else FULL_CHROMIUM
CHROMIUM_ARGS = [
    "--no-sandbox",
    *(["--headless=new"] if CHROMIUM == FULL_CHROMIUM else []),
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

if sync_playwright is None:
    pytestmark_reason = "the playwright package is not installed (pip install -e '.[test]')"
elif not CHROMIUM.exists():
    pytestmark_reason = (
        f"{CHROMIUM} is missing (apt-get install chromium-headless-shell, or chromium); .ci/run installs it"
    )
else:
    pytestmark_reason = None


def pytest_configure(config):
    # Under pytest-xdist each worker has its own browser and live site; the artifacts
    # folder is emptied once, by the process that runs them all (never by a worker, which
    # could delete what another worker already wrote).
    if not hasattr(config, "workerinput"):
        shutil.rmtree(ARTIFACTS, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    if pytestmark_reason is None:
        return
    skip = pytest.mark.skip(reason=pytestmark_reason)
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder screenshots and the accessibility summary are written to."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class LiveSite:
    def __init__(self, app, base_url: str):
        self.app = app
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def has_page(self, endpoint: str) -> bool:
        return endpoint in self.app.view_functions

    def path_for(self, endpoint: str, **values) -> str:
        from flask import url_for

        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def url_for(self, endpoint: str, **values) -> str:
        return self.base_url + self.path_for(endpoint, **values)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    from werkzeug.serving import make_server

    from rcm_exchange.extensions import db
    from rcm_exchange.services.demo_data import load_demo_data
    from tests.conftest import make_app

    folder = tmp_path_factory.mktemp("e2e")
    app = make_app(f"sqlite:///{folder / 'e2e.sqlite3'}", folder)
    with app.app_context():
        db.create_all()
        load_demo_data()
        db.session.remove()
    from tests.local_servers import free_test_port

    server = make_server("127.0.0.1", free_test_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveSite(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class SignedInStates:
    """The cookies of one signed-in session per demo account, kept for the worker's browser.

    A page test that only looks at a page as some account need not sign in through the
    form each time (three page loads); it starts its browser context from the cookies of
    the account's session, and signs in anew if that session has ended since.
    """

    def __init__(self, browser, site: LiveSite):
        self.browser = browser
        self.site = site
        self._states: dict[str, dict] = {}

    def state(self, email: str, password: str) -> dict:
        if email not in self._states:
            context = self.browser.new_context()
            try:
                page = context.new_page()
                sign_in(page, self.site, email, password)
                self._states[email] = context.storage_state()
            finally:
                context.close()
        return self._states[email]

    def forget(self, email: str) -> None:
        self._states.pop(email, None)


@pytest.fixture(scope="session")
def signed_in_states(browser, live_site):
    return SignedInStates(browser, live_site)


def new_context(
    browser,
    language: str = "en",
    *,
    viewport=DESKTOP,
    javascript: bool = True,
    storage_state: dict | None = None,
):
    """A fresh browser context whose Accept-Language asks for ``language`` (with the
    cookies of ``storage_state``, as ``SignedInStates`` keeps them)."""
    locale = {"es": "es-MX", "en": "en-US"}[language]
    # bypass_csp: the strict policy (rightly) refuses the test's injected axe-core script.
    context = browser.new_context(
        locale=locale,
        viewport=viewport,
        java_script_enabled=javascript,
        bypass_csp=True,
        extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"},
        storage_state=storage_state,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def new_page(browser):
    """``new_page(language, viewport=DESKTOP, javascript=True, storage_state=None)``: a page
    in a fresh browser context (``new_context``), closed after the test."""
    contexts = []

    def open_page(language: str = "en", **options):
        context = new_context(browser, language, **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


class KeptPages:
    """One page per account and script (and per language for a visitor), kept for the
    worker's browser, for tests that only look at pages.

    A context of its own for each such look took longer than the look: a new context
    starts a renderer process and loads the site's styles afresh, and axe-core's 650 KB
    were parsed anew in each. A kept page goes from address to address as a reader's tab
    does, its window resized for each look; axe-core is an init script of its context,
    handed to the browser once rather than with every check. A signed-in page changes
    language with the site's switch (the account's setting wins over the browser's); a
    visitor's comes from the context's locale, which Chromium sends as Accept-Language
    whatever headers a page adds, so a visitor has a context per language.
    """

    def __init__(self, browser, signed_in_states: SignedInStates, password: str):
        self.browser = browser
        self.signed_in_states = signed_in_states
        self.password = password
        self._pages: dict[tuple, object] = {}

    def page(self, language: str, *, account: str | None = None, viewport=DESKTOP, axe: bool = False):
        key = (account, axe, None if account else language)
        if key not in self._pages:
            state = self.signed_in_states.state(account, self.password) if account else None
            context = new_context(self.browser, language, viewport=viewport, storage_state=state)
            if axe:
                context.add_init_script(path=str(AXE_SCRIPT))
            page = context.new_page()
            page.console_problems = []
            page.on("console", lambda message, page=page: _note_problem(page, message))
            self._pages[key] = page
        page = self._pages[key]
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)
        return page

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()


# The features the site's permissions policy refuses: a browser built without one of
# them says it does not know the name, which is no fault of the page.
REFUSED_FEATURES = {part.split("=")[0].strip() for part in PERMISSIONS_POLICY.split(",")}


def _unknown_refused_feature(text: str) -> bool:
    prefix = "Error with Permissions-Policy header: Unrecognized feature: '"
    return text.startswith(prefix) and text[len(prefix) :].rstrip("'.") in REFUSED_FEATURES


def _note_problem(page, message) -> None:
    """Keep what the browser's console says is wrong with the page (a header it cannot
    read, a script error, a resource that failed), for the checks of that page. The
    contexts bypass the content security policy, so its refusals are not among them."""
    if message.type in ("error", "warning") and not _unknown_refused_feature(message.text):
        page.console_problems.append(f"{page.url}: {message.text}")


@pytest.fixture(scope="session")
def kept_pages(browser, signed_in_states):
    from rcm_exchange.services.demo_data import DEMO_PASSWORD

    pages = KeptPages(browser, signed_in_states, DEMO_PASSWORD)
    yield pages
    pages.close()


def sign_in(page, site: LiveSite, email: str, password: str) -> None:
    page.goto(site.url("/auth/sign-in"))
    page.locator("#field-email").fill(email)
    page.locator("#field-password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/auth/sign-in" not in page.url, f"sign-in as {email} failed"


def in_language(page, language: str) -> None:
    """The account's own language wins over the browser's, and the browser tests share
    one site: switch to the language under test rather than count on an earlier test."""
    switch = page.locator(f".language-switch button[value={language}]")
    if switch.count():
        switch.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language

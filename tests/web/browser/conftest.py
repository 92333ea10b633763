"""End-to-end tests in a real browser: Playwright (sync API) driving Debian's Chromium against
the live server, on a phone-sized screen. Offline by construction: any request to another host,
any failed request, HTTP error, console error or script error fails the test.

Run only these: uv run pytest -m browser
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "uji-tepat-2026!"  # TEST_PASSWORD of tests/conftest.py


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    from a thread with a running loop unless told it is intended (the fixtures create data here).
    Set per module only: at import time it would leak into every test of the run (and into
    the subprocesses they start, where `check --deploy` rightly rejects it)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Network:
    """Every request the page makes; off-site or failed ones are problems, and so are console
    errors (a request the CSP blocks never reaches the network: Chromium reports it there) and
    uncaught script errors."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"off-site request: {request.url}")

    def failed(self, request) -> None:
        # A page that reloads itself (the import page when the job ends) cancels what it was
        # still loading: that is the browser aborting, not the network failing.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed: {request.url} ({request.failure})")

    def response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def page_error(self, error) -> None:
        self.problems.append(f"script error: {error}")


@pytest.fixture
def page(browser, live_server, transactional_db, settings, tmp_path):
    """A page on an Indonesian phone-sized screen (the app must not depend on the browser's
    language), with `page.log_in(username)` and `page.network` (what went wrong so far)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    context = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844},
                                  base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    network = Network(urlsplit(live_server.url)._replace(path="").geturl().rstrip("/"))
    page.on("request", network.request)
    page.on("requestfailed", network.failed)
    page.on("response", network.response)
    page.on("console", network.console)
    page.on("pageerror", network.page_error)
    page.network = network

    def log_in(username: str) -> None:
        page.goto("/masuk/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/$"))

    page.log_in = log_in
    yield page
    context.close()
    assert not network.problems, network.problems


@pytest.fixture
def house_photo(tmp_path) -> str:
    """A phone-sized JPEG of a house (a plain colour: what matters is its size and format)."""
    from PIL import Image

    path = tmp_path / "rumah.jpg"
    Image.new("RGB", (2000, 1500), (150, 120, 90)).save(path, "JPEG")
    return str(path)

"""Browser-test helpers: Sanfu served by a real server process, driven by Debian's Chromium, and pages signed in
on it (``signed_in``).

The server is a separate process (``sanfu run --noreload``) on the test database: the in-process threaded
live server shared SQLite between the test thread (running Playwright's event loop) and its request
threads, and crashed now and then inside sqlite3. A process of its own is also how Sanfu really runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# Screenshots go to docs/screenshots only when asked (`make screenshots`), so a test run leaves the tree clean.
SHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("SANFU_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "sanfu-screenshots"
)
CHROMIUM = "/usr/bin/chromium"
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
# How long the server may take to answer its first request: tens of seconds on a loaded machine (a page's
# step that waits for it would fail with a refused connection, far from the cause).
SERVER_START_SECONDS = 120
TIMEOUT_MS = 15_000  # how long a page's step may wait (for a selector, a URL) before the test fails


def database_url() -> str:
    """The test database as a SANFU_TEST_DATABASE_URL, for another process to open."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgresql://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app_server(transactional_db: None) -> Iterator[str]:
    """The base URL of a Sanfu server process reading and writing the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanfu.config.test_settings",
        "SANFU_TEST_DATABASE_URL": database_url(),
        "SANFU_DEBUG": "1",  # static files served by the development server
        "SANFU_HOME": str(ROOT),
        "PYTHONPATH": str(ROOT / "src"),
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=1).close()  # noqa: S310
            break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stderr.read().decode() if server.stderr else "server died") from None
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s") from None
            time.sleep(0.1)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(10)
        if connection.vendor == "postgresql":
            # ORM calls made while Playwright's event loop ran used a connection of their own context, which
            # nothing closes; end it so that the test database can be dropped.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop on this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    # From here the test's ORM calls use a connection of Playwright's context; one left over from an earlier
    # browser test was ended by that test's server teardown (PostgreSQL): start afresh.
    connection.close()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


def new_page(browser: Any, *, width: int = 1280, height: int = 900, **options: Any) -> Any:
    """A page of a fresh browser context (its own cookies) of ``width`` × ``height`` pixels in Chinese, waiting
    :data:`TIMEOUT_MS` at most for each step; ``options`` go to Playwright's ``new_context``."""
    context = browser.new_context(**{"viewport": {"width": width, "height": height}, "locale": "zh-CN", **options})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def sign_in(page: Any, base: str, username: str, password: str | None = None) -> None:
    """Sign ``username`` in on ``page`` through the login page with ``password`` (the test people's when None;
    the demo organisation's is ``DEMO_PASSWORD``) and wait for the home page. For a person who must pass the
    second factor, ``tests.signin.sign_in_with_second_factor``."""
    if password is None:
        from tests.conftest import PASSWORD  # here: tests.conftest imports this module

        password = PASSWORD
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def signed_in(app_server: str, browser: Any) -> Iterator[Callable[..., Any]]:
    """``signed_in(username, password=None, *, width=1280, height=900, **options)``: a page of a fresh browser
    context, signed in as ``username`` (see :func:`new_page` and :func:`sign_in`). Each call is a person of his
    own; the contexts close after the test, before the server stops (it is set up first)."""
    # While Playwright's loop runs, the test's ORM calls use a database connection of their own context; one
    # left over from an earlier test was ended by that test's server teardown (PostgreSQL), so start afresh
    # and end it again before this test's server goes.
    connection.close()
    contexts: list[Any] = []

    def _open(username: str, password: str | None = None, **options: Any) -> Any:
        page = new_page(browser, **options)
        contexts.append(page.context)
        sign_in(page, app_server, username, password)
        return page

    yield _open
    for context in contexts:
        context.close()
    connection.close()

"""Browser-test helpers: Sanfu served by a real server process, driven by Debian's Chromium.

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
from collections.abc import Iterator
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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=1).close()  # noqa: S310
            break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stderr.read().decode() if server.stderr else "server died") from None
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

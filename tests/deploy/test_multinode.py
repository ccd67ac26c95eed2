"""The multi-node shape (deploy/multinode.sh) end to end: nginx in front of two app servers, two workers, PostgreSQL
and Redis, on free ports, in a folder and a database of its own.

Through nginx a person signs in and submits requests (意见建议), the office's clerk handles them, and the workers
deliver the notifications. Meanwhile one app server and one worker are killed (SIGKILL, the whole process group)
and started again. Afterwards every request the server acknowledged is there once and handled, and every effect
(outbox message) was delivered once: each person it names has exactly one notice of it. The shape is stopped
whatever happens; it runs on the test database, which the flush after the (transactional) test empties.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

from tests.browser import database_url
from tests.reliability.server import Browser

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "multinode.sh"
DEMO_PASSWORD = "Sanfu@2026"
REDIS_URL = os.environ.get("SANFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DELIVERY_SECONDS = 120  # a message claimed by the killed worker is taken again after its claim (60 s) runs out


def _nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _why_not() -> str | None:
    if _nginx() is None:
        return "multi-node smoke test not run: nginx is not installed (scripts/ensure-nginx.sh installs Debian's)"
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return "multi-node smoke test: runs in the PostgreSQL run (the shape is PostgreSQL, Redis and nginx)"
    if not _redis_answers(REDIS_URL):
        return f"multi-node smoke test not run: Redis is not reachable at {REDIS_URL}"
    return None


class Shape:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # This run's test database, migrated already (a fresh one would spend most of the test migrating); the
        # test is transactional, so the flush after it removes everything the shape wrote.
        self.database_url = database_url()
        # The test run's own variables (its keys, settings module, test database) stay out of the shape.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SANFU_", "DJANGO_"))}
        self.env.update(
            SANFU_MULTINODE_DIR=str(folder),
            SANFU_DATABASE_URL=self.database_url,
            SANFU_REDIS_URL=REDIS_URL,
            SANFU_WEB_WORKERS="1",
            SANFU_MULTINODE_SEED="minimal",  # the people and the matter catalogue: all this test uses
        )

    def run(self, *args: str, timeout: float = 240) -> str:
        done = subprocess.run(  # noqa: S603
            [shutil.which("bash") or "/bin/bash", str(SCRIPT), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"multinode.sh {' '.join(args)}: {done.stdout}{done.stderr}{self.logs()}"
        return done.stdout

    def logs(self) -> str:
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            parts.append(f"\n--- {log.name}\n{log.read_text(errors='replace')[-2000:]}")
        return "".join(parts)

    @property
    def port(self) -> int:
        return int((self.folder / "nginx.port").read_text())

    def pids(self) -> list[int]:
        return [int(p.read_text()) for p in self.folder.glob("*.pid") if p.read_text().strip()]

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(sql, params or []).fetchall()  # type: ignore[arg-type]


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def shape(tmp_path: Path, transactional_db: None) -> Iterator[Shape]:
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    made = Shape(tmp_path / "multinode")
    try:
        made.run("start")
        yield made
    finally:
        groups = made.pids() if made.folder.exists() else []
        made.run("stop", timeout=120)
        assert not [pid for pid in groups if _alive(pid)], "a part of the shape outlived its stop"


def _signed_in(port: int, username: str) -> Browser:
    browser = Browser(port)
    browser.sign_in(username, DEMO_PASSWORD)
    return browser


def _submit(browser: Browser, title: str) -> int | None:
    """Submit one 意见建议 through nginx; the instance id when the server acknowledged it (a redirect to it)."""
    status, _headers, page = browser.get("/approvals/matters/suggestion/start/")
    assert status == 200, status
    token = re.search(rb'name="form_token" value="([^"]+)"', page)
    assert token
    status, headers, _body = browser.post(
        "/approvals/matters/suggestion/start/",
        {
            "form_token": token.group(1).decode(),
            "title": title,
            "urgency": "平急",
            "topic": title,
            "content": "食堂晚餐时间延长到七点。",
            "action": "submit",
        },
    )
    found = re.search(r"/approvals/instances/(\d+)/$", headers.get("Location", "")) if status == 302 else None
    return int(found.group(1)) if found else None


def _wait(what: str, check: Any, seconds: float, shape: Shape) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what} within {seconds} s{shape.logs()}")


def _open_task(shape: Shape, instance_id: int) -> tuple[int, str] | None:
    rows = shape.query(
        "SELECT t.id, u.username FROM workflow_task t JOIN accounts_user u ON u.id = t.assignee_id "
        "WHERE t.instance_id = %s AND t.status = 'open' ORDER BY t.id LIMIT 1",
        [instance_id],
    )
    return (int(rows[0][0]), str(rows[0][1])) if rows else None


def _all_delivered(shape: Shape, instance_ids: list[int]) -> bool:
    pending = shape.query(
        "SELECT count(*) FROM workflow_outboxmessage WHERE instance_id = ANY(%s) AND delivered_at IS NULL",
        [instance_ids],
    )
    return pending[0][0] == 0


def _approve(shape: Shape, browsers: dict[str, Browser], instance_id: int) -> None:
    task = _wait("a clerk's task", lambda: _open_task(shape, instance_id), 30, shape)
    task_id, username = task
    if username not in browsers:
        browsers[username] = _signed_in(shape.port, username)
    status, headers, _body = browsers[username].post(
        f"/approvals/instances/{instance_id}/approve/", {"task": str(task_id), "comment": "已转食堂，下周起执行。"}
    )
    assert status == 302, status
    assert headers.get("Location", "").endswith(f"/approvals/instances/{instance_id}/")


def test_the_multinode_shape_survives_an_app_server_and_a_worker_killed(shape: Shape) -> None:
    port = shape.port
    staff = _signed_in(port, "staff")
    clerks: dict[str, Browser] = {}

    # One request end to end: submitted through nginx, handled by the clerk, the workers tell both.
    first = _submit(staff, "延长食堂晚餐时间")
    assert first is not None
    _wait(
        "the clerk's notice of the new task",
        lambda: shape.query(
            "SELECT 1 FROM core_notification WHERE url = %s AND kind = 'task'", [f"/workflow/instances/{first}/"]
        ),
        60,
        shape,
    )
    _approve(shape, clerks, first)

    # More requests while one app server and one worker are killed and started again.
    acknowledged = [first]
    sent = 0
    stop = threading.Event()

    def keep_submitting() -> None:
        nonlocal sent
        while not stop.is_set() and sent < 12:
            sent += 1
            with contextlib.suppress(OSError, http.client.HTTPException):
                made = _submit(staff, f"意见建议 第{sent}条")
                if made is not None:
                    acknowledged.append(made)

    submitter = threading.Thread(target=keep_submitting)
    submitter.start()
    try:
        _wait("two more acknowledged requests", lambda: len(acknowledged) >= 3, 60, shape)
        shape.run("kill", "app1")
        shape.run("kill", "worker1")
        _wait("requests acknowledged with app1 down", lambda: len(acknowledged) >= 5, 60, shape)
        shape.run("restart", "app1")
        shape.run("restart", "worker1")
    finally:
        stop.set()
        submitter.join(60)
    assert len(acknowledged) >= 5
    # The restarted app server answers (nginx takes it back after its fail_timeout; ask it directly too).
    app1 = int((shape.folder / "app1.port").read_text())
    conn = http.client.HTTPConnection("127.0.0.1", app1, timeout=10)
    conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
    assert conn.getresponse().status == 200
    conn.close()

    for instance_id in acknowledged[1:]:
        _approve(shape, clerks, instance_id)

    # Every acknowledged request is there, once, and handled to its end.
    rows = shape.query("SELECT id, status FROM workflow_instance WHERE id = ANY(%s)", [acknowledged])
    assert sorted(r[0] for r in rows) == sorted(acknowledged)
    assert {r[1] for r in rows} == {"approved"}
    titles = shape.query(
        "SELECT r.title, count(*) FROM approvals_request r JOIN workflow_instance i ON i.id = r.instance_id "
        "WHERE r.title LIKE %s GROUP BY r.title HAVING count(*) > 1",
        ["意见建议 第%"],
    )
    assert titles == []  # no submission made two requests (nginx never repeats a POST it sent)

    # Every effect delivered, once: each outbox message made exactly one notice for each person it names.
    _wait("every outbox message delivered", lambda: _all_delivered(shape, acknowledged), DELIVERY_SECONDS, shape)
    messages = shape.query(
        "SELECT key, payload FROM workflow_outboxmessage WHERE instance_id = ANY(%s) AND kind = 'notify'",
        [acknowledged],
    )
    assert messages
    for key, payload in messages:
        people = sorted({int(p) for p in payload.get("people", [])})
        made = shape.query("SELECT user_id FROM core_notification WHERE key LIKE %s", [f"{key}:%"])
        assert sorted(r[0] for r in made) == people, key
    ended = shape.query(
        "SELECT count(*) FROM core_notification n JOIN accounts_user u ON u.id = n.user_id "
        "WHERE u.username = 'staff' AND n.kind = 'ended' AND n.url = ANY(%s)",
        [[f"/workflow/instances/{i}/" for i in acknowledged]],
    )
    assert ended[0][0] == len(acknowledged)  # the requester heard of each result once

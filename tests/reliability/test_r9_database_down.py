"""R9: the database busy or down while a person approves. The answer is a 503 page in the person's language
with ``Retry-After`` (not a server error), nothing of the step is left half-written, and once the database is
back the same press goes through.

Each test runs on the run's database, with that database's own way of being busy or down:

- busy on SQLite: another connection holds the write lock (``BEGIN EXCLUSIVE``) while the request waits out
  its busy timeout. The settings wait 20 s; the test shortens the wait to 0.3 s, which changes when the
  refusal comes, not what it is.
- busy on PostgreSQL: another connection holds an EXCLUSIVE lock on the outbox table, so the step's
  transaction updates the instance, appends its events and opens the next task, then waits at its outbox
  row until ``lock_timeout`` (0.3 s here; production sets it in the database URL, see docs) gives up. All
  of that must be rolled back.
- down on SQLite: the database file cannot be opened; on PostgreSQL: the server does not answer (a closed
  port). The first query of the request then fails in a middleware (the session's), before any view.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.core.dbdown import DatabaseUnavailableMiddleware
from sanfu.core.models import AuditRecord, Notification
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskStatus
from tests.approvals.test_inbox import submit

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_MS = 300  # how long the request waits for a lock here (SQLite's busy timeout, PostgreSQL's lock_timeout)


def snapshot(instance: Instance) -> dict[str, Any]:
    """Everything a step writes: the instance, its events and tasks, the outbox, notifications, audit rows."""
    return {
        "instance": Instance.objects.filter(pk=instance.pk).values("version", "status", "state", "updated_at").get(),
        "events": list(InstanceEvent.objects.filter(instance=instance).order_by("seq").values_list("seq", "type")),
        "tasks": list(Task.objects.filter(instance=instance).order_by("task_no").values_list("task_no", "status")),
        "outbox": OutboxMessage.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


@contextlib.contextmanager
def connection_settings(**changes: Any) -> Iterator[None]:
    """Django's next connection opens with ``changes`` (top-level keys, or ``OPTIONS`` entries); restored after."""
    settings = connection.settings_dict
    options = changes.pop("OPTIONS", {})
    saved = {key: settings.get(key) for key in changes}
    saved_options = dict(settings["OPTIONS"])
    connection.close()
    settings.update(changes)
    settings["OPTIONS"].update(options)
    try:
        yield
    finally:
        connection.close()
        settings.update(saved)
        settings["OPTIONS"].clear()
        settings["OPTIONS"].update(saved_options)


def _sqlite_path() -> str:
    return str(connection.settings_dict["NAME"])


def _postgresql_params() -> dict[str, Any]:
    settings = connection.settings_dict
    params = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"], "port": settings["PORT"]}
    if settings["PASSWORD"]:
        params["password"] = settings["PASSWORD"]
    return {key: value for key, value in params.items() if value}


@contextlib.contextmanager
def database_busy() -> Iterator[str]:
    """Another connection holds a lock the request's write needs; yields how the database is kept busy."""
    if connection.vendor == "sqlite":
        pragmas = str(connection.settings_dict["OPTIONS"].get("init_command", ""))
        options = {"timeout": WAIT_MS / 1000, "init_command": f"{pragmas} PRAGMA busy_timeout={WAIT_MS};"}
        with connection_settings(OPTIONS=options):
            holder = sqlite3.connect(_sqlite_path(), isolation_level=None)
            try:
                holder.execute("BEGIN EXCLUSIVE")
                yield "SQLite: another connection holds the write lock"
            finally:
                holder.close()  # rolls back
        return
    assert connection.vendor == "postgresql", connection.vendor
    options = {"options": f"-c lock_timeout={WAIT_MS}"}
    with connection_settings(OPTIONS=options), psycopg.connect(**_postgresql_params()) as holder:
        holder.execute(f"LOCK TABLE {OutboxMessage._meta.db_table} IN EXCLUSIVE MODE")
        try:
            yield "PostgreSQL: another connection locks the outbox table"
        finally:
            holder.rollback()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


@contextlib.contextmanager
def database_down(tmp_path: Path) -> Iterator[str]:
    if connection.vendor == "sqlite":
        with connection_settings(NAME=str(tmp_path / "gone" / "sanfu.sqlite3")):
            yield "SQLite: the database file cannot be opened"
        return
    assert connection.vendor == "postgresql", connection.vendor
    with connection_settings(HOST="127.0.0.1", PORT=str(_closed_port())):
        yield "PostgreSQL: nothing answers at the server's address"


def _signed_in(user: Any) -> Client:
    """A browser signed in, its session already written (a first page records the sign-in time), as a person
    who has been working for a while."""
    client = Client()
    client.force_login(user)
    assert client.get(reverse("approvals:inbox")).status_code == 200
    return client


def _assert_unavailable_page(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response  # an error page is a response like any other
    html = response.content.decode()
    assert "系统繁忙" in html
    assert "刚才的操作没有完成" in html


def _approve(client: Client, instance: Instance, **headers: Any) -> Any:
    url = reverse("approvals:instance_approve", args=[instance.pk])
    return client.post(url, {"comment": "同意"}, headers=headers)


def test_R9_database_busy_an_approval_is_a_503_page_and_nothing_half_written(org, flows, caplog, figures):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = _signed_in(org["section_head"])
    before = snapshot(instance)
    with (
        caplog.at_level(logging.ERROR, logger="sanfu.core.dbdown"),
        database_busy() as how,
        CaptureQueriesContext(connection) as sent,
    ):
        response = _approve(head, instance)
    _assert_unavailable_page(response)
    if connection.vendor == "postgresql":  # the step had written before it was stopped: a real rollback
        statements = [q["sql"] for q in sent.captured_queries]
        wrote = [i for i, sql in enumerate(statements) if sql.startswith(("UPDATE", "INSERT"))]
        assert any(f'"{Instance._meta.db_table}"' in statements[i] for i in wrote[:-1]), statements
        assert f'"{OutboxMessage._meta.db_table}"' in statements[wrote[-1]], statements
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    assert snapshot(instance) == before
    assert Task.objects.get(instance=instance, assignee=org["section_head"]).status == TaskStatus.OPEN
    # The database is free again: the same press goes through.
    assert _approve(head, instance).status_code == 302
    assert Task.objects.get(instance=instance, assignee=org["section_head"]).status == TaskStatus.APPROVED
    assert InstanceEvent.objects.filter(instance=instance, type="approved").count() == 1
    figures(f"R9 busy ({how}): 503 with Retry-After, nothing written; the retry approved")


def test_R9_database_down_pages_and_json_are_a_503_and_nothing_is_written(org, flows, tmp_path, figures):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = _signed_in(org["section_head"])
    head.raise_request_exception = False  # a real server answers; only the test client would re-raise
    before = snapshot(instance)
    with database_down(tmp_path) as how:
        page = head.get(reverse("approvals:instance", args=[instance.pk]))
        pressed = _approve(head, instance)
        asked_json = head.post(
            reverse("approvals:instance_read", args=[instance.pk]), headers={"accept": "application/json"}
        )
    _assert_unavailable_page(page)
    _assert_unavailable_page(pressed)
    assert asked_json.status_code == 503
    assert asked_json["Retry-After"].isdigit()
    assert asked_json.json()["error"]["code"] == "unavailable"
    assert "数据库暂时无法访问" in asked_json.json()["error"]["message"]
    assert snapshot(instance) == before
    assert _approve(head, instance).status_code == 302  # back up: the same press goes through
    assert Task.objects.get(instance=instance, assignee=org["section_head"]).status == TaskStatus.APPROVED
    figures(f"R9 down ({how}): page, approval and JSON each a 503 with Retry-After, nothing written")


def test_R9_the_page_is_in_the_persons_language(org, flows, tmp_path):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = _signed_in(org["section_head"])
    head.raise_request_exception = False
    head.cookies["django_language"] = "en"
    with database_down(tmp_path):
        response = _approve(head, instance)
    assert response.status_code == 503
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Back to my to-dos" in html


def test_R9_only_the_databases_failures_become_a_503(rf):
    """A bug stays a server error (500, reported as one); only the database's failures are "try again"."""
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    request = rf.post("/approvals/instances/1/approve/")
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, IntegrityError("a constraint")) is None
    for failure in (OperationalError("database is locked"), InterfaceError("connection already closed")):
        response = middleware.process_exception(request, failure)
        assert response is not None
        assert response.status_code == 503

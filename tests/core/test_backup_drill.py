"""BK-1, the restore drill: `sanfu backup` taken while requests with uploaded materials are submitted and
approved, restored into a new home (its own SANFU_HOME and database) by another process, is whole — every
file the restored database names is there with its checksum, the audit chain and every flow's event log
verify, the encrypted mobile numbers read — on SQLite (online backup API) and on PostgreSQL (pg_dump /
pg_restore into a new database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from sanfu.accounts.models import User
from sanfu.approvals import services as approvals
from sanfu.approvals.models import MatterType, Request
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import seed_demo
from sanfu.workflow.models import Task
from tests.approvals.conftest import EXPENSE, PDF
from tests.browser import database_url

ROOT = Path(__file__).resolve().parents[2]
MAX_ROUNDS = 3000  # the writer stops when told (the copy is done); this bounds it whatever happens

CHECK_RESTORED = """
import hashlib, io, json
from pathlib import Path
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models

out = io.StringIO()
call_command("audit", "verify", stdout=out)
call_command("flow", "verify", stdout=out)
media = Path(settings.MEDIA_ROOT)
problems, named = [], 0
for model in apps.get_models():
    if model._meta.proxy or model._meta.swapped:
        continue
    columns = {f.name for f in model._meta.concrete_fields}
    extra = [name for name in ("sha256", "size") if name in columns]
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.FileField):
            continue
        for row in model.objects.exclude(**{field.name: ""}).values(field.name, *extra):
            named += 1
            path = media / row[field.name]
            if not path.is_file():
                problems.append(f"missing: {row[field.name]}")
                continue
            data = path.read_bytes()
            if "sha256" in row and hashlib.sha256(data).hexdigest() != row["sha256"]:
                problems.append(f"checksum differs: {row[field.name]}")
            if "size" in row and len(data) != row["size"]:
                problems.append(f"size differs: {row[field.name]}")
from sanfu.approvals.models import Request
from sanfu.org.models import Staff
print(json.dumps({
    "verify": out.getvalue(),
    "named": named,
    "problems": problems,
    "requests": Request.objects.count(),
    "mobiles": sum(1 for staff in Staff.objects.all() if staff.mobile),
}))
"""


@pytest.fixture
def demo(transactional_db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """The demo organisation and matters, committed (other processes read them), in a home of its own."""
    home = tmp_path / "home"
    (home / "var").mkdir(parents=True)
    settings.MEDIA_ROOT = home / "var" / "media"
    seed_demo()
    seed_matters()
    return {
        "home": home,
        "clerk": User.objects.get(username="clerk"),
        "expense": MatterType.objects.get(code="expense"),
    }


def _writer(demo: dict[str, Any], stop: threading.Event, rounds: list[int], errors: list[BaseException]) -> None:
    """Submit a request with two uploaded materials, and approve the oldest open step, until told to stop."""
    try:
        for number in range(MAX_ROUNDS):
            if stop.is_set():
                break
            body = PDF + f"% round {number}\n".encode()
            approvals.matter_submit(
                actor=demo["clerk"],
                matter=demo["expense"],
                title=f"办公用纸报销 {number}",
                data=EXPENSE,
                materials={
                    "invoice": [SimpleUploadedFile(f"发票{number}.pdf", body, content_type="application/pdf")],
                    "list": [SimpleUploadedFile(f"清单{number}.pdf", body, content_type="application/pdf")],
                },
            )
            task = Task.objects.filter(status="open").select_related("assignee").order_by("pk").first()
            if task is not None:
                approvals.task_approve(actor=task.assignee, instance_id=task.instance_id, task_id=task.pk)
            rounds.append(number)
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()  # this thread's own connections


def _run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # our own interpreter
        [sys.executable, *args], env=environ, capture_output=True, text=True, timeout=600, check=False
    )


def _keys() -> dict[str, str]:
    """This Sanfu's keys, as environment variables."""
    return {
        "SANFU_SECRET_KEY": django_settings.SECRET_KEY,
        "SANFU_AUDIT_KEY": django_settings.SANFU_AUDIT_KEY,
        "SANFU_SIGNING_KEY": django_settings.SANFU_SIGNING_KEY,
        "SANFU_FIELD_KEY": django_settings.SANFU_FIELD_KEY,
    }


def _environ(**overrides: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "PYTHONPATH": str(ROOT / "src"),
        **overrides,
    }


def test_bk1_backup_under_load_restores_whole_into_a_new_home(demo: dict[str, Any], tmp_path: Path) -> None:
    stop = threading.Event()
    rounds: list[int] = []
    errors: list[BaseException] = []
    writer = threading.Thread(target=_writer, args=(demo, stop, rounds, errors))
    writer.start()
    try:
        while len(rounds) < 2 and writer.is_alive():  # some requests exist before the copy starts
            writer.join(0.05)
        before = Request.objects.count()
        copy = tmp_path / "sanfu.backup"
        taken = _run(
            ["-m", "sanfu.cli", "backup", str(copy)],
            _environ(
                DJANGO_SETTINGS_MODULE="sanfu.config.test_settings",
                SANFU_TEST_DATABASE_URL=database_url(),
                SANFU_HOME=str(demo["home"]),
                **_keys(),
            ),
        )
        during = len(rounds)
        while len(rounds) < during + 1 and writer.is_alive():  # and writes go on after it
            writer.join(0.05)
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert taken.returncode == 0, taken.stderr[-3000:]
    after = Request.objects.count()

    new_home = tmp_path / "restored"
    (new_home / "var").mkdir(parents=True)
    drill_db = f"{connection.settings_dict['NAME']}_drill"
    environ = _environ(
        DJANGO_SETTINGS_MODULE="sanfu.config.settings",  # the production module, as an operator runs it
        SANFU_DEBUG="0",
        SANFU_HOME=str(new_home),
        **_keys(),  # the keys live apart from the backups: the new home is given the same ones
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{drill_db}"')
            cursor.execute(f'CREATE DATABASE "{drill_db}"')
        environ["SANFU_DATABASE_URL"] = database_url().rsplit("/", 1)[0] + f"/{drill_db}"
    try:
        restored = _run(["-m", "sanfu.cli", "restore", str(copy), "--yes"], environ)
        assert restored.returncode == 0, restored.stderr[-3000:]
        checked = _run(["-m", "sanfu.cli", "shell", "-c", CHECK_RESTORED], environ)
        assert checked.returncode == 0, checked.stderr[-3000:]
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{drill_db}" WITH (FORCE)')
    seen = json.loads(checked.stdout.strip().splitlines()[-1])
    assert "audit trail intact" in seen["verify"]
    assert "instances agree with their event log" in seen["verify"]
    assert seen["problems"] == []
    assert seen["named"] >= 2 * before  # the materials of every request copied, at least
    assert before <= seen["requests"] <= after
    assert seen["mobiles"] > 0  # encrypted at rest, readable with the key kept apart from the backup
    if connection.vendor == "sqlite":
        assert (new_home / "var" / "sanfu.sqlite3").is_file()  # the new home's own database

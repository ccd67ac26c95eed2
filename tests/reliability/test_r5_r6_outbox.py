"""R5 and R6: the outbox's promise — every effect of a step is delivered, and a receiver that deduplicates on
the message key applies none twice — holds when a process dies at the worst moment.

- R5: the delivering worker is killed (SIGKILL) during delivery: once after the receiver wrote and before
  the message was marked delivered, once after the claim and before the receiver wrote. The sweep delivers
  what was left; the receiver was called again for the half-done message (a redelivery), and it still
  wrote each notice once.
- R6: the process that made the step is killed between its commit and its nudge to the worker (the nudge
  runs after commit, so nothing but the periodic sweep is left to deliver); the effect was committed with
  the step and the sweep delivers it exactly once, even two sweeps at once. A process killed before its
  commit leaves neither the step nor its effect.

The processes are real: a child Python process on this run's test database, killed by the kernel. Where
it is killed is not left to timing: it says (one line on stdout) that it has reached the point, and sleeps.
(tests/workflow/test_concurrency.py keeps the first such test, of the notice handler pausing after writing.)
"""

from __future__ import annotations

import io
import select
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from sanfu.core.models import Notification
from sanfu.workflow import outbox, services
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskStatus
from sanfu.workflow.tasks import sweep_outbox
from tests.reliability.server import ROOT, server_env

pytestmark = pytest.mark.django_db(transaction=True)


# --- child processes -----------------------------------------------------------------------------------


def _child(code: str, **env: str) -> subprocess.Popen[bytes]:
    """A Python process running ``code`` after ``django.setup()`` on this run's test database."""
    program = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", program],
        env={**server_env(), **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )


def _wait_for(child: subprocess.Popen[bytes], said: str, timeout: float = 120) -> None:
    """Until ``child`` prints the line ``said`` (it then sleeps where it is, waiting to be killed)."""
    assert child.stdout is not None
    ready, _w, _x = select.select([child.stdout], [], [], timeout)
    line = child.stdout.readline().decode().strip() if ready else ""
    assert line == said, f"the child said {line!r} (exit status {child.poll()}), not {said!r}"


def _kill(child: subprocess.Popen[bytes]) -> None:
    child.kill()  # SIGKILL
    child.wait(30)
    assert child.returncode == -9


@pytest.fixture
def no_nudge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps made here leave their effects in the outbox: no worker runs yet (tests deliver at once by
    default, HUEY immediate)."""
    monkeypatch.setattr(outbox, "_send_nudge", lambda: None)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times this process's notice receiver was called, per message key."""
    counted: Counter[str] = Counter()
    real = outbox.HANDLERS["notify"]
    lock = threading.Lock()

    def counting(message: OutboxMessage) -> None:
        with lock:
            counted[message.key] += 1
        real(message)

    monkeypatch.setitem(outbox.HANDLERS, "notify", counting)
    return counted


def _a_minute_later() -> Any:
    """When the claims of killed deliveries have expired."""
    return time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True)


def _sweep() -> int:
    """The worker's periodic sweep of the outbox, here."""
    return int(sweep_outbox.call_local())


def _sweep_a_minute_later() -> int:
    with _a_minute_later():
        return _sweep()


def _notices_expected(messages: list[OutboxMessage]) -> set[str]:
    return {f"{m.key}:{person}" for m in messages for person in m.payload["people"]}


def _notices_written() -> list[str]:
    return list(Notification.objects.filter(key__startswith="wf:").values_list("key", flat=True))


def _countersign(org: dict[str, Any], key: str) -> list[int]:
    people = [org["section_head"].pk, org["office_head"].pk, org["finance_head"].pk]
    services.definition_publish(
        actor=None,
        spec={
            "key": key,
            "nodes": [
                {"id": "start", "kind": "start", "next": "sign"},
                {
                    "id": "sign",
                    "kind": "approval",
                    "mode": "all",
                    "approvers": {"type": "users", "users": people},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    return people


def _two_steps(org: dict[str, Any], key: str) -> None:
    services.definition_publish(
        actor=None,
        spec={
            "key": key,
            "nodes": [
                {"id": "start", "kind": "start", "next": "first"},
                {
                    "id": "first",
                    "kind": "approval",
                    "approvers": {"type": "users", "users": [org["section_head"].pk]},
                    "next": "second",
                },
                {
                    "id": "second",
                    "kind": "approval",
                    "approvers": {"type": "users", "users": [org["office_head"].pk]},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )


def _verify_flows() -> None:
    out = io.StringIO()
    call_command("flow", "verify", stdout=out)  # raises CommandError naming any instance that differs
    assert f"{Instance.objects.count()} instances agree" in out.getvalue()


# --- R5 ------------------------------------------------------------------------------------------------

# A delivery worker that records each call of its notice receiver (a line in a file, before and after the
# receiver runs) and stops for good at call number R5_STOP_AT: after the receiver wrote ("after") or before
# it was called ("before"). It claims for one second, so that the next worker may take over its message.
_R5_WORKER = """
import os, sys, time
from sanfu.workflow import outbox
real = outbox.HANDLERS["notify"]
log = open(os.environ["R5_CALLS"], "a", buffering=1)
stop_at, window = int(os.environ["R5_STOP_AT"]), os.environ["R5_WINDOW"]
n = 0
def receiver(message):
    global n
    n += 1
    log.write(f"called {message.key}\\n")
    if n == stop_at and window == "before":
        print("stopped", flush=True)
        time.sleep(600)
    real(message)
    log.write(f"wrote {message.key}\\n")
    if n == stop_at and window == "after":
        print("stopped", flush=True)
        time.sleep(600)
outbox.HANDLERS["notify"] = receiver
outbox.deliver_pending(claim_seconds=1)
print("finished", flush=True)
"""


def _called(path: Path) -> Counter[str]:
    """How many times the workers' receivers were called, per message key."""
    return Counter(_calls_in_order(path))


def _calls_in_order(path: Path) -> list[str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.split(" ", 1)[1] for line in lines if line.startswith("called ")]


@pytest.mark.usefixtures("no_nudge")
def test_R5_a_worker_killed_during_delivery_leaves_every_effect_delivered_and_none_applied_twice(
    org: dict[str, Any], calls: Counter[str], tmp_path: Path, figures: Callable[[str], None]
) -> None:
    people = _countersign(org, "r5-countersign")
    instances = [
        services.instance_start(actor=org["clerk"], definition_key="r5-countersign", title=f"会签{i}")
        for i in range(10)
    ]
    for instance in instances[:4]:  # a step that opens nothing new: its message, if any, is delivered too
        task = Task.objects.get(instance=instance, assignee_id=people[0])
        services.task_approve(actor=org["section_head"], task_id=task.pk)
    messages = list(OutboxMessage.objects.filter(instance__in=instances))
    assert len(messages) >= len(instances)
    assert not OutboxMessage.objects.filter(delivered_at__isnull=False).exists()
    child_calls = tmp_path / "calls.txt"

    # The first worker dies after its third call wrote the notices, before the message was marked.
    first = _child(_R5_WORKER, R5_CALLS=str(child_calls), R5_STOP_AT="3", R5_WINDOW="after")
    _wait_for(first, "stopped")
    _kill(first)
    half_done = OutboxMessage.objects.get(key=_calls_in_order(child_calls)[-1])
    assert half_done.delivered_at is None
    assert half_done.attempts == 1
    assert set(_notices_written()) >= _notices_expected([half_done]), "the receiver had written"

    # The second dies holding a claim, before its receiver wrote anything.
    second = _child(_R5_WORKER, R5_CALLS=str(child_calls), R5_STOP_AT="2", R5_WINDOW="before")
    _wait_for(second, "stopped")
    _kill(second)
    claimed = OutboxMessage.objects.get(key=_calls_in_order(child_calls)[-1])
    assert claimed.delivered_at is None
    assert not set(_notices_written()) & _notices_expected([claimed]), "its receiver never wrote"

    swept = _sweep_a_minute_later()
    assert swept > 0
    assert _sweep_a_minute_later() == 0  # nothing is left, nothing is delivered again

    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    written = _notices_written()
    assert len(written) == len(set(written))
    assert set(written) == _notices_expected(messages)  # each person's notice of each message, once
    total = _called(child_calls) + calls
    assert set(total) == {m.key for m in messages}
    redelivered = [key for key, n in total.items() if n > 1]
    assert half_done.key in redelivered  # its receiver ran again, and wrote nothing new
    figures(
        f"R5: 2 delivery workers killed (after a write, before a write); {len(messages)} messages, "
        f"{sum(total.values())} receiver calls ({len(redelivered)} redelivered), {len(written)} notices, "
        "each once"
    )


# --- R6 ------------------------------------------------------------------------------------------------

# Approve one task through the flow's services; the process then stops for good right after the commit,
# where the nudge to the worker would be sent (outbox._send_nudge runs on commit).
_R6_AFTER_COMMIT = """
import os, time
from sanfu.accounts.models import User
from sanfu.workflow import outbox, services
def stalled():
    print("committed", flush=True)
    time.sleep(600)
outbox._send_nudge = stalled
services.task_approve(
    actor=User.objects.get(pk=int(os.environ["R6_ACTOR"])),
    task_id=int(os.environ["R6_TASK"]),
    comment=os.environ["R6_COMMENT"],
)
print("nudged", flush=True)
"""

# The same approval, stopping inside its transaction: the step's rows and its outbox message are written,
# not committed.
_R6_BEFORE_COMMIT = """
import os, time
from sanfu.accounts.models import User
from sanfu.workflow import fastpath, services
real = fastpath.save
def save(*args, **kwargs):
    real(*args, **kwargs)
    print("written", flush=True)
    time.sleep(600)
fastpath.save = save
services.task_approve(
    actor=User.objects.get(pk=int(os.environ["R6_ACTOR"])),
    task_id=int(os.environ["R6_TASK"]),
    comment=os.environ["R6_COMMENT"],
)
"""


def _approve_in_child(code: str, task: Task, comment: str) -> subprocess.Popen[bytes]:
    return _child(code, R6_ACTOR=str(task.assignee_id), R6_TASK=str(task.pk), R6_COMMENT=comment)


def test_R6_a_process_killed_between_commit_and_nudge_loses_no_effect_and_the_sweep_delivers_it_once(
    org: dict[str, Any], calls: Counter[str], figures: Callable[[str], None]
) -> None:
    _two_steps(org, "r6-two-steps")
    middle, last = (
        services.instance_start(actor=org["clerk"], definition_key="r6-two-steps", title=f"两步{i}") for i in range(2)
    )
    task = Task.objects.get(instance=last, status=TaskStatus.OPEN)
    services.task_approve(actor=org["section_head"], task_id=task.pk)  # `last` waits at its last step
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()  # delivered at once so far
    calls.clear()

    # Two processes at once: one approves the first step of `middle` (its effect: the next person's 待办),
    # the other the last step of `last` (its effect: the applicant's 已办结); each is killed after commit.
    children = {
        instance.pk: _approve_in_child(
            _R6_AFTER_COMMIT, Task.objects.get(instance=instance, status=TaskStatus.OPEN), f"R6-{instance.pk}"
        )
        for instance in (middle, last)
    }
    for child in children.values():
        _wait_for(child, "committed")
    for child in children.values():
        _kill(child)

    # Both steps are committed, each with its effect, which nobody has delivered.
    pending = list(OutboxMessage.objects.filter(delivered_at__isnull=True).order_by("key"))
    assert {m.instance_id for m in pending} == {middle.pk, last.pk}
    for instance in (middle, last):
        event = InstanceEvent.objects.get(instance=instance, comment=f"R6-{instance.pk}")
        assert event.type == "approved"
        assert any(m.key.startswith(f"wf:{instance.pk}:") and m.instance_id == instance.pk for m in pending)
    kinds = {m.instance_id: m.payload["kind"] for m in pending}
    assert kinds == {middle.pk: "task", last.pk: "ended"}
    assert all(m.attempts == 0 for m in pending)
    assert not set(_notices_written()) & _notices_expected(pending)

    # Two sweeps at once: claims give each message to one of them.
    swept: list[int] = []

    def sweep() -> None:
        try:
            swept.append(_sweep())
        finally:
            connections.close_all()

    with _a_minute_later():
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sum(swept) == len(pending)
    assert _sweep_a_minute_later() == 0
    assert calls == Counter({m.key: 1 for m in pending})  # each received exactly once
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    written = [k for k in _notices_written() if k.rsplit(":", 1)[0] in {m.key for m in pending}]
    assert sorted(written) == sorted(_notices_expected(pending))
    assert Notification.objects.get(key__in=written, user=org["office_head"]).kind == "task"
    assert Notification.objects.get(key__in=written, user=org["clerk"]).kind == "ended"
    _verify_flows()
    figures(f"R6: 2 processes killed after commit, before the nudge; {len(pending)} effects, each swept once")


def test_R6_a_process_killed_before_its_commit_leaves_neither_the_step_nor_its_effect(org: dict[str, Any]) -> None:
    _two_steps(org, "r6-two-steps")
    instance = services.instance_start(actor=org["clerk"], definition_key="r6-two-steps", title="未提交")
    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    messages_before = set(OutboxMessage.objects.values_list("key", flat=True))
    child = _approve_in_child(_R6_BEFORE_COMMIT, task, "R6-uncommitted")
    _wait_for(child, "written")
    _kill(child)
    assert not InstanceEvent.objects.filter(instance=instance, comment="R6-uncommitted").exists()
    assert set(OutboxMessage.objects.values_list("key", flat=True)) == messages_before
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    _verify_flows()
    # and the task can still be done: nothing of the dead transaction stands in the way
    services.task_approve(actor=org["section_head"], task_id=task.pk, comment="重新同意")
    assert Task.objects.get(instance=instance, status=TaskStatus.OPEN).assignee == org["office_head"]
    _verify_flows()

"""Races with real threads and a real process kill, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from sanfu.approvals.selectors.inbox import todo_tasks
from sanfu.core.errors import ApplicationError
from sanfu.core.models import Notification
from sanfu.org.models import Delegation
from sanfu.workflow import outbox, services
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskStatus
from tests.browser import database_url

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions at the same moment in threads; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:  # the race's loser is the point of the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _start(org: dict[str, Any], **form: Any) -> Instance:
    return services.instance_start(
        actor=org["clerk"], definition_key="expense", title="报销", form=form or {"amount": 5}
    )


@pytest.mark.usefixtures("reference")
def test_the_same_task_acted_on_by_two_people_at_once_has_exactly_one_winner(org):
    now = timezone.now()
    Delegation.objects.create(
        principal=org["section_head"],
        delegate=org["office_head"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    instance = _start(org)
    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert (task.assignee, task.on_behalf_of) == (org["office_head"], org["section_head"])
    results = race(
        lambda: services.task_approve(actor=org["office_head"], task_id=task.pk, comment="代批"),
        lambda: services.task_approve(actor=org["section_head"], task_id=task.pk, comment="本人批"),
    )
    winners = [r for r in results if isinstance(r, Instance)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert "处理" in losers[0].message
    assert InstanceEvent.objects.filter(instance=instance, type="approved").count() == 1
    assert Task.objects.filter(instance=instance, task_no=task.task_no).get().status == "approved"


@pytest.mark.usefixtures("reference")
def test_a_double_click_from_many_threads_approves_once(org):
    instance = _start(org)
    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    results = race(*[lambda: services.task_approve(actor=org["section_head"], task_id=task.pk)] * 6)
    assert sum(isinstance(r, Instance) for r in results) == 1, results
    assert InstanceEvent.objects.filter(instance=instance, type="approved").count() == 1
    events = list(InstanceEvent.objects.filter(instance=instance).order_by("seq").values_list("seq", flat=True))
    assert events == list(range(1, len(events) + 1))


@pytest.mark.usefixtures("reference")
def test_withdraw_racing_an_approval_leaves_one_consistent_outcome(org):
    for _round in range(3):
        instance = _start(org)
        task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
        results = race(
            lambda: services.instance_withdraw(actor=org["clerk"], instance_id=instance.pk),  # noqa: B023
            lambda: services.task_approve(actor=org["section_head"], task_id=task.pk),  # noqa: B023
        )
        assert sum(isinstance(r, Instance) for r in results) >= 1, results
        instance.refresh_from_db()
        types = set(InstanceEvent.objects.filter(instance=instance).values_list("type", flat=True))
        if instance.status == "withdrawn":
            assert "approved" not in types
            assert not Task.objects.filter(instance=instance, status=TaskStatus.OPEN).exists()
        else:
            assert "approved" in types
            assert "withdrawn" not in types
            assert isinstance(results[0], ApplicationError)


def test_a_deadline_firing_while_a_person_acts_is_applied_once(org):
    services.definition_publish(
        actor=None,
        spec={
            "key": "timed",
            "nodes": [
                {"id": "start", "kind": "start", "next": "head"},
                {
                    "id": "head",
                    "kind": "approval",
                    "approvers": {"type": "head"},
                    "deadline": {"working_hours": 1, "on_timeout": "auto_approve"},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    instance = services.instance_start(actor=org["clerk"], definition_key="timed", title="限时")
    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    due = instance.wakeup_at + timedelta(minutes=1)
    race(
        lambda: services.instances_tick_due(now=due),
        lambda: services.task_approve(actor=org["section_head"], task_id=task.pk),
    )
    instance.refresh_from_db()
    assert instance.status == "approved"
    decided = InstanceEvent.objects.filter(instance=instance, type__in=["approved", "auto_approved"]).count()
    assert decided == 1


def _worker(env: dict[str, str], pause: float) -> subprocess.Popen[bytes]:
    """A delivery worker in its own process whose notify handler pauses after writing, before the outbox
    row is marked delivered — the window in which a crash makes a redelivery necessary."""
    code = f"""
import time, django
django.setup()
from sanfu.workflow import outbox
real = outbox.HANDLERS["notify"]
def slow(message):
    real(message)
    time.sleep({pause})
outbox.HANDLERS["notify"] = slow
outbox.deliver_pending(claim_seconds=1)
"""
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)  # noqa: S603


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(org):
    count = 12
    for i in range(count):
        OutboxMessage.objects.create(
            key=f"crash:{i}", kind="notify", payload={"kind": "task", "people": [org["clerk"].pk], "title": f"第{i}件"}
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanfu.config.test_settings",
        "SANFU_TEST_DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT / "src"),
    }
    worker = _worker(env, pause=0.4)
    deadline = time.monotonic() + 30
    while Notification.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    written_before_crash = Notification.objects.count()
    half_done = OutboxMessage.objects.filter(delivered_at__isnull=True, attempts__gte=1).count()
    assert 0 < written_before_crash < count
    assert half_done >= 1, "the kill should land between a delivery and its mark"
    time.sleep(1.2)  # the dead worker's claim expires
    outbox.deliver_pending(claim_seconds=1)
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    assert Notification.objects.count() == count
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(set(keys)) == count


@pytest.mark.usefixtures("reference")
def test_inbox_reads_stay_consistent_after_the_race(org):
    instance = _start(org)
    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    race(*[lambda: services.task_approve(actor=org["section_head"], task_id=task.pk)] * 3)
    assert [t.node for t in todo_tasks(org["deputy"])] == ["leader"]


def _two_on_one_node(org: dict[str, Any], mode: str) -> Instance:
    people = [org["section_head"].pk, org["office_head"].pk]
    services.definition_publish(
        actor=None,
        spec={
            "key": f"two-{mode}",
            "nodes": [
                {"id": "start", "kind": "start", "next": "both"},
                {
                    "id": "both",
                    "kind": "approval",
                    "name": "会审",
                    "mode": mode,
                    "approvers": {"type": "users", "users": people},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    return services.instance_start(actor=org["clerk"], definition_key=f"two-{mode}", title="会审")


def _race_on_the_node(org: dict[str, Any], instance: Instance) -> tuple[list[Any], list[ApplicationError]]:
    mine = {t.assignee_id: t.pk for t in Task.objects.filter(instance=instance, status=TaskStatus.OPEN)}
    results = race(
        lambda: services.task_approve(actor=org["section_head"], task_id=mine[org["section_head"].pk]),
        lambda: services.task_approve(actor=org["office_head"], task_id=mine[org["office_head"].pk]),
    )
    return results, [r for r in results if isinstance(r, ApplicationError)]


def test_the_loser_of_a_race_on_an_any_node_is_told_who_acted_not_his_own_name(org):
    names = {org["section_head"].pk: org["section_head"].display_name, org["office_head"].pk: "办公室主任"}
    for _round in range(3):
        instance = _two_on_one_node(org, "any")
        results, losers = _race_on_the_node(org, instance)
        assert len(losers) == 1, results
        winner = InstanceEvent.objects.get(instance=instance, type="approved").actor_id
        loser = next(pk for pk in names if pk != winner)
        message = losers[0].message
        assert names[winner] in message, message
        assert names[loser] not in message, message
        assert not any(word in message for word in ("approved", "cancelled", "done", "open")), message


def test_the_loser_of_a_race_on_a_countersign_node_is_told_who_acted(org):
    names = {org["section_head"].pk: org["section_head"].display_name, org["office_head"].pk: "办公室主任"}
    for _round in range(3):
        instance = _two_on_one_node(org, "all")
        _results, losers = _race_on_the_node(org, instance)
        if not losers:  # the second came after the first had committed: both votes count
            continue
        (winner,) = InstanceEvent.objects.filter(instance=instance, type="approved").values_list("actor_id", flat=True)
        loser = next(pk for pk in names if pk != winner)
        assert names[winner] in losers[0].message, losers[0].message
        assert names[loser] not in losers[0].message, losers[0].message

"""挂起计时 / 恢复计时 as services: the task's holder (or the process administrator within his scope) holds a task's
deadline while waiting for the requester and resumes it moved on by the working days held — on the office's
working calendar, with an event and an audit row each; the inbox row has no due while held. Anyone else is
refused, bad input changes nothing, and of two resuming at once one wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.workflow import services
from sanfu.workflow.models import Instance, InstanceEvent, Task, TaskStatus
from sanfu.workflow.selectors import held_tasks
from sanfu.workflow.timeline import timeline
from tests.conftest import grant, make_department, make_staff, make_unit
from tests.workflow.test_concurrency import race


def local(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.get_current_timezone())


START = local(11, 23, 10)  # Mon 2026-11-23 10:00 in the office's zone; no holiday until the New Year


def _spec(org: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "timed",
        "name": "限时办理",
        "admins": [org["office_head"].pk],
        "nodes": [
            {"id": "start", "kind": "start", "next": "handle"},
            {
                "id": "handle",
                "kind": "handle",
                "name": "财务办理",
                "approvers": {"type": "users", "users": [org["finance_head"].pk]},
                "deadline": {"working_days": 2, "remind_before_hours": 4, "on_timeout": "remind"},
                "next": "end",
            },
            {"id": "end", "kind": "end"},
        ],
    }


@pytest.fixture
def timed(org: dict[str, Any]) -> dict[str, Any]:
    """A handling step due in 2 working days, held by the finance head; the office head is the unit's 流程管理员."""
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"))
    services.definition_publish(actor=None, spec=_spec(org))
    instance = services.instance_start(actor=org["clerk"], definition_key="timed", title="限时", now=START)
    return {**org, "instance": instance, "task": Task.objects.get(instance=instance, status=TaskStatus.OPEN)}


def _snapshot(instance: Instance) -> tuple[Any, ...]:
    row = Instance.objects.get(pk=instance.pk)
    task = Task.objects.get(instance=instance, task_no=1)
    return row.version, row.state, row.wakeup_at, task.due_at, InstanceEvent.objects.filter(instance=instance).count()


@pytest.mark.django_db
def test_the_holder_holds_and_resumes_and_the_due_moves_by_the_working_days_held(timed):
    instance, task, head = timed["instance"], timed["task"], timed["finance_head"]
    assert task.due_at == local(11, 25, 10)  # Mon + 2 working days
    services.task_deadline_hold(actor=head, task_id=task.pk, reason="缺发票原件，等申请人补齐", now=local(11, 24, 11))
    task.refresh_from_db()
    instance.refresh_from_db()
    assert task.due_at is None  # the inbox shows no due while held
    assert instance.wakeup_at is None  # and the clock worker has nothing to do
    assert [t.pk for t in held_tasks(instance_id=instance.pk)] == [task.pk]
    held = InstanceEvent.objects.get(instance=instance, type="deadline_held")
    assert (held.actor, held.comment, held.task_no) == (head, "缺发票原件，等申请人补齐", 1)
    assert AuditRecord.objects.get(action="workflow.deadline_hold").detail["reason"] == "缺发票原件，等申请人补齐"

    services.instances_tick_due(now=local(11, 27, 12))  # past the old deadline: nothing fires
    assert not InstanceEvent.objects.filter(instance=instance, type__in=["overdue", "deadline_reminded"]).exists()

    # Resumed Mon 11-30 12:00. From Tue 11:00: Wed, Thu, Fri and Mon 11:00 have passed — 4 working days.
    # Wed 11-25 10:00 + 4 working days = Thu, Fri, Mon, Tue 12-01 10:00.
    services.task_deadline_resume(actor=head, task_id=task.pk, now=local(11, 30, 12))
    task.refresh_from_db()
    instance.refresh_from_db()
    assert task.due_at == local(12, 1, 10)
    assert instance.wakeup_at == local(12, 1, 6)  # the reminder, 4 hours before
    assert held_tasks(instance_id=instance.pk) == []
    resumed = InstanceEvent.objects.get(instance=instance, type="deadline_resumed")
    assert (resumed.actor, resumed.changes["paused_days"]) == (head, 4)
    assert AuditRecord.objects.filter(action="workflow.deadline_resume").count() == 1
    labels = [e.label for e in timeline(list(InstanceEvent.objects.filter(instance=instance).order_by("seq")), {})]
    assert labels[-2:] == ["暂停计时", "恢复计时"]


@pytest.mark.django_db
def test_the_process_administrator_in_scope_may_and_anyone_else_is_refused_with_nothing_changed(timed):
    instance, task = timed["instance"], timed["task"]
    other_admin = make_staff(make_department(make_unit("other", name="另一家公司"), "办公室"), username="other_admin")
    grant(other_admin, Role.objects.get(code="process-admin"))
    before = _snapshot(instance)
    with pytest.raises(NotFoundError):  # another person's task is not there for him
        services.task_deadline_hold(actor=timed["accountant"], task_id=task.pk, reason="等补正")
    with pytest.raises(PermissionDeniedError):
        services.task_deadline_hold(actor=other_admin, task_id=task.pk, reason="等补正")
    with pytest.raises(NotFoundError):
        services.task_deadline_hold(actor=timed["finance_head"], task_id=999_999, reason="等补正")
    assert _snapshot(instance) == before
    services.task_deadline_hold(actor=timed["office_head"], task_id=task.pk, reason="申请人出差，等其返回补正")
    with pytest.raises(NotFoundError):
        services.task_deadline_resume(actor=timed["accountant"], task_id=task.pk)
    services.task_deadline_resume(actor=timed["office_head"], task_id=task.pk)
    events = InstanceEvent.objects.filter(instance=instance, type__startswith="deadline_").order_by("seq")
    assert [(e.type, e.actor) for e in events] == [
        ("deadline_held", timed["office_head"]),
        ("deadline_resumed", timed["office_head"]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", pytest.param("太长" * 1001, id="too-long")])
def test_a_hold_without_a_reason_or_with_a_novel_changes_nothing(timed, reason):
    before = _snapshot(timed["instance"])
    with pytest.raises(ApplicationError):
        services.task_deadline_hold(actor=timed["finance_head"], task_id=timed["task"].pk, reason=reason)
    assert _snapshot(timed["instance"]) == before
    assert not AuditRecord.objects.filter(action="workflow.deadline_hold").exists()


@pytest.mark.django_db
def test_holding_twice_or_resuming_an_unheld_or_finished_task_is_refused_and_changes_nothing(timed):
    instance, task, head = timed["instance"], timed["task"], timed["finance_head"]
    with pytest.raises(ApplicationError, match="没有暂停计时"):
        services.task_deadline_resume(actor=head, task_id=task.pk)
    services.task_deadline_hold(actor=head, task_id=task.pk, reason="等补正")
    before = _snapshot(instance)
    with pytest.raises(ApplicationError, match="已暂停计时"):
        services.task_deadline_hold(actor=head, task_id=task.pk, reason="再等")
    assert _snapshot(instance) == before
    services.task_approve(actor=head, task_id=task.pk, comment="当场补齐，已办")
    with pytest.raises(ApplicationError):
        services.task_deadline_resume(actor=head, task_id=task.pk)
    assert Instance.objects.get(pk=instance.pk).status == "approved"


@pytest.mark.django_db(transaction=True)
def test_two_resuming_at_once_one_wins_and_the_other_is_told(org):
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"))
    services.definition_publish(actor=None, spec=_spec(org))
    instance = services.instance_start(actor=org["clerk"], definition_key="timed", title="限时", now=START)
    task = Task.objects.get(instance=instance, status=TaskStatus.OPEN)
    services.task_deadline_hold(actor=org["finance_head"], task_id=task.pk, reason="等补正", now=local(11, 24, 11))
    results = race(
        lambda: services.task_deadline_resume(actor=org["finance_head"], task_id=task.pk, now=local(11, 26, 12)),
        lambda: services.task_deadline_resume(actor=org["office_head"], task_id=task.pk, now=local(11, 26, 12)),
    )
    assert sum(isinstance(r, Instance) for r in results) == 1, results
    (lost,) = [r for r in results if isinstance(r, ApplicationError)]
    assert lost.message  # told: someone acted first, or the clock is no longer held
    assert InstanceEvent.objects.filter(instance=instance, type="deadline_resumed").count() == 1
    assert AuditRecord.objects.filter(action="workflow.deadline_resume").count() == 1
    task.refresh_from_db()
    assert task.due_at == local(11, 27, 10)  # Wed 10:00 + 2 (Wed 11:00, Thu 11:00 passed) = Fri 10:00

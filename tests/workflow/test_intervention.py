"""The process administrator's interventions as services: 改派, 跳过, 重办 and 作废, each only by a process
administrator whose data scope covers the instance, with a reason, in the event log and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord, Notification
from sanfu.workflow import outbox, repository, services
from sanfu.workflow.models import Instance, InstanceEvent, Task, TaskStatus
from tests.conftest import grant, make_department, make_staff, make_unit, make_user


@pytest.fixture
def admin(org: dict[str, Any]) -> Any:
    """The unit's 流程管理员 (the built-in role: data scope 本单位), who is also its 办公室主任."""
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"))
    return org["office_head"]


@pytest.fixture
def stranger(org: dict[str, Any]) -> Any:
    """The 流程管理员 of another company of the group: outside this unit's data scope."""
    ensure_admin_roles()
    other = make_department(make_unit("other", name="另一家公司"), "办公室")
    person = make_staff(other, username="other_admin", full_name="外单位管理员")
    grant(person, Role.objects.get(code="process-admin"))
    return person


def _start(org: dict[str, Any], title: str = "差旅报销") -> Instance:
    return services.instance_start(actor=org["clerk"], definition_key="expense", title=title, form={"amount": 800})


def _open(instance: Instance) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN)


def _snapshot(instance: Instance) -> tuple[Any, ...]:
    row = Instance.objects.get(pk=instance.pk)
    return row.status, row.version, row.state, InstanceEvent.objects.filter(instance=instance).count()


@pytest.mark.usefixtures("reference")
def test_reassign_gives_the_task_to_the_new_person_with_a_notice_an_event_and_an_audit_row(org, admin):
    instance = _start(org)
    task = _open(instance)
    services.task_reassign(actor=admin, task_id=task.pk, to=org["finance_head"], reason="科长休长假")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    new = _open(instance)
    assert (new.assignee, new.node) == (org["finance_head"], task.node)
    outbox.deliver_pending()
    assert Notification.objects.filter(user=org["finance_head"], kind="task").exists()
    event = InstanceEvent.objects.get(instance=instance, type="admin_reassigned")
    assert (event.actor, event.comment) == (admin, "科长休长假")
    record = AuditRecord.objects.get(action="workflow.reassign")
    assert record.target == f"instance:{instance.pk}"
    assert record.detail["reason"] == "科长休长假"
    assert record.detail["to"] == org["finance_head"].pk
    services.task_approve(actor=org["finance_head"], task_id=new.pk)
    assert _open(instance).assignee == org["deputy"]


@pytest.mark.usefixtures("reference")
def test_reassign_is_refused_to_non_administrators_to_administrators_of_another_unit_and_to_inactive_people(
    org, admin, stranger
):
    instance = _start(org)
    task = _open(instance)
    before = _snapshot(instance)
    with pytest.raises(PermissionDeniedError, match="只有流程管理员"):
        services.task_reassign(actor=org["gm"], task_id=task.pk, to=org["finance_head"], reason="理由")
    with pytest.raises(PermissionDeniedError, match="不在您的管理范围内"):
        services.task_reassign(actor=stranger, task_id=task.pk, to=org["finance_head"], reason="理由")
    gone = make_user("gone", is_active=False)
    with pytest.raises(ApplicationError, match="已停用"):
        services.task_reassign(actor=admin, task_id=task.pk, to=gone, reason="理由")
    with pytest.raises(ApplicationError, match="必须说明理由"):
        services.task_reassign(actor=admin, task_id=task.pk, to=org["finance_head"], reason="  ")
    with pytest.raises(NotFoundError):
        services.task_reassign(actor=admin, task_id=task.pk + 1000, to=org["finance_head"], reason="理由")
    assert _snapshot(instance) == before
    assert not AuditRecord.objects.filter(action="workflow.reassign").exists()


@pytest.mark.usefixtures("reference")
def test_a_caller_who_checked_permission_itself_may_reassign_inside_its_own_transaction(org):
    """离职交接: the person's HR officer hands their work on; the caller decided, so neither the role nor the
    scope is checked, and the step joins the caller's transaction."""
    instance = _start(org)
    task = _open(instance)
    with transaction.atomic():
        services.task_reassign(
            actor=org["gm"],
            task_id=task.pk,
            to=org["office_head"],
            reason="离职交接",
            in_transaction=True,
            check_scope=False,
        )
    assert _open(instance).assignee == org["office_head"]
    assert AuditRecord.objects.get(action="workflow.reassign").actor_name == org["gm"].username


@pytest.mark.usefixtures("reference")
def test_of_two_interventions_computed_at_once_the_second_fails_cleanly(org, admin, monkeypatch):
    instance = _start(org)
    task = _open(instance)
    real_load = repository.load

    def load_then_another_administrator_acts(instance_id):
        loaded = real_load(instance_id)
        monkeypatch.setattr(repository, "load", real_load)
        services.task_reassign(actor=admin, task_id=task.pk, to=org["accountant"], reason="先到")
        return loaded

    monkeypatch.setattr(repository, "load", load_then_another_administrator_acts)
    with pytest.raises(ConflictError):
        services.task_reassign(actor=admin, task_id=task.pk, to=org["finance_head"], reason="后到")
    assert _open(instance).assignee == org["accountant"]
    assert AuditRecord.objects.filter(action="workflow.reassign").count() == 1

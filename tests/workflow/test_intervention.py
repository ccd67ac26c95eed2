"""The process administrator's interventions as services: 改派, 跳过, 重办 and 作废, each only by a process
administrator whose data scope covers the instance, with a reason, in the event log and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.accounts.permissions import AdminKind
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord, Notification
from sanfu.org.models import Delegation
from sanfu.workflow import outbox, repository, services
from sanfu.workflow.models import Instance, InstanceEvent, Task, TaskStatus
from tests.conftest import grant, make_department, make_staff, make_unit, make_user
from tests.workflow.test_concurrency import race


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
    sysadmin = make_user("sysadmin")
    grant(sysadmin, ensure_admin_roles()[AdminKind.SYSTEM])
    with pytest.raises(ApplicationError, match="管理员账户"):
        services.task_reassign(actor=admin, task_id=task.pk, to=sysadmin, reason="理由")
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


@pytest.mark.usefixtures("reference")
def test_skipping_a_node_moves_the_flow_on_and_is_recorded_by_the_administrator(org, admin):
    instance = _start(org)
    task = _open(instance)
    services.instance_skip_node(actor=admin, instance_id=instance.pk, node="head", reason="科长长期病假")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert _open(instance).assignee == org["deputy"]  # the next node: the leader in charge
    event = InstanceEvent.objects.get(instance=instance, type="admin_skipped")
    assert (event.actor, event.node, event.comment) == (admin, "head", "科长长期病假")
    record = AuditRecord.objects.get(action="workflow.skip")
    assert record.detail == {"node": "head", "reason": "科长长期病假"}


@pytest.mark.usefixtures("reference")
def test_restarting_from_a_node_gives_its_people_fresh_tasks(org, admin):
    instance = _start(org)
    services.task_approve(actor=org["section_head"], task_id=_open(instance).pk)
    assert _open(instance).assignee == org["deputy"]
    services.instance_restart_from(actor=admin, instance_id=instance.pk, node="head", reason="金额有误，重新审核")
    assert _open(instance).assignee == org["section_head"]
    event = InstanceEvent.objects.get(instance=instance, type="admin_restarted")
    assert (event.actor, event.comment) == (admin, "金额有误，重新审核")
    assert AuditRecord.objects.get(action="workflow.restart").detail["node"] == "head"


@pytest.mark.usefixtures("reference")
def test_a_returned_instance_can_be_restarted_by_the_administrator(org, admin):
    instance = _start(org)
    services.task_return(actor=org["section_head"], task_id=_open(instance).pk, comment="缺发票")
    assert Instance.objects.get(pk=instance.pk).status == "returned"
    services.instance_restart_from(actor=admin, instance_id=instance.pk, node="head", reason="发票已补")
    assert Instance.objects.get(pk=instance.pk).status == "running"
    assert _open(instance).assignee == org["section_head"]


@pytest.mark.usefixtures("reference")
@pytest.mark.parametrize(
    "intervene",
    [
        lambda who, i: services.instance_skip_node(actor=who, instance_id=i.pk, node="head", reason="理由"),
        lambda who, i: services.instance_restart_from(actor=who, instance_id=i.pk, node="head", reason="理由"),
        lambda who, i: services.instance_cancel(actor=who, instance_id=i.pk, reason="理由"),
    ],
    ids=["skip", "restart", "cancel"],
)
def test_interventions_on_a_whole_instance_are_refused_outside_the_administrators_scope(
    org, admin, stranger, intervene
):
    instance = _start(org)
    before = _snapshot(instance)
    with pytest.raises(PermissionDeniedError, match="只有流程管理员"):
        intervene(org["section_head"], instance)
    with pytest.raises(PermissionDeniedError, match="不在您的管理范围内"):
        intervene(stranger, instance)
    assert _snapshot(instance) == before
    assert not AuditRecord.objects.filter(action__startswith="workflow.").exclude(action="workflow.publish").exists()
    intervene(admin, instance)  # the unit's own administrator may
    assert _snapshot(instance) != before


@pytest.mark.usefixtures("reference")
def test_refused_interventions_say_why_in_chinese_and_change_nothing(org, admin):
    instance = _start(org)
    before = _snapshot(instance)
    with pytest.raises(ApplicationError, match="不在办理中"):
        services.instance_skip_node(actor=admin, instance_id=instance.pk, node="leader", reason="理由")
    with pytest.raises(ApplicationError, match="已到达过的审批或办理节点"):
        services.instance_restart_from(actor=admin, instance_id=instance.pk, node="leader", reason="理由")
    with pytest.raises(ApplicationError, match="意见不能超过"):
        services.instance_skip_node(
            actor=admin, instance_id=instance.pk, node="head", reason="长" * (services.COMMENT_MAX_LENGTH + 1)
        )
    with pytest.raises(NotFoundError):
        services.instance_skip_node(actor=admin, instance_id=instance.pk + 1000, node="head", reason="理由")
    assert _snapshot(instance) == before
    assert not AuditRecord.objects.filter(action="workflow.skip").exists()


@pytest.mark.usefixtures("reference")
def test_a_skip_computed_on_a_state_someone_else_changed_fails_cleanly(org, admin, monkeypatch):
    instance = _start(org)
    real_load = repository.load

    def load_then_the_head_approves(instance_id):
        loaded = real_load(instance_id)
        monkeypatch.setattr(repository, "load", real_load)
        services.task_approve(actor=org["section_head"], task_id=_open(instance).pk, comment="同意")
        return loaded

    monkeypatch.setattr(repository, "load", load_then_the_head_approves)
    with pytest.raises(ConflictError):
        services.instance_skip_node(actor=admin, instance_id=instance.pk, node="head", reason="科长不在")
    assert not InstanceEvent.objects.filter(instance=instance, type="admin_skipped").exists()
    assert not AuditRecord.objects.filter(action="workflow.skip").exists()
    assert _open(instance).assignee == org["deputy"]


# --- 委托代理 -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("reference")
@pytest.mark.parametrize(
    ("act", "words"),
    [
        (lambda who, task: services.task_approve(actor=who, task_id=task.pk, comment="同意"), "代您同意了"),
        (lambda who, task: services.task_reject(actor=who, task_id=task.pk, comment="超标准"), "代您驳回了"),
        (lambda who, task: services.task_return(actor=who, task_id=task.pk, comment="缺发票"), "代您退回了"),
    ],
    ids=["approve", "reject", "return"],
)
def test_the_principal_is_told_what_their_delegate_did_on_which_matter(org, act, words):
    now = timezone.now()
    Delegation.objects.create(
        principal=org["section_head"],
        delegate=org["office_head"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    instance = _start(org, "三月差旅报销")
    task = _open(instance)
    assert (task.assignee, task.on_behalf_of) == (org["office_head"], org["section_head"])
    act(org["office_head"], task)
    outbox.deliver_pending()
    (notice,) = Notification.objects.filter(user=org["section_head"], kind__startswith="deputy_")
    assert notice.title == f"委托代理：办公室主任 {words}“三月差旅报销”"
    assert notice.url == f"/workflow/instances/{instance.pk}/"
    assert not Notification.objects.filter(user=org["office_head"], kind__startswith="deputy_").exists()


# --- races with real threads ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference")
def test_two_administrators_intervening_at_once_one_wins_and_the_other_is_told(org, admin):
    instance = _start(org)
    task = _open(instance)
    results = race(
        lambda: services.task_reassign(actor=admin, task_id=task.pk, to=org["accountant"], reason="给会计"),
        lambda: services.task_reassign(actor=admin, task_id=task.pk, to=org["finance_head"], reason="给财务科长"),
    )
    assert sum(isinstance(r, Instance) for r in results) == 1, results
    (lost,) = [r for r in results if isinstance(r, ApplicationError)]
    assert "已由" in lost.message  # told that someone else acted first, not a crash
    assert InstanceEvent.objects.filter(instance=instance, type="admin_reassigned").count() == 1
    assert AuditRecord.objects.filter(action="workflow.reassign").count() == 1
    assert Task.objects.filter(instance=instance, status=TaskStatus.OPEN).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference")
def test_a_doubled_submit_racing_itself_is_applied_once_and_both_see_success(org, admin):
    instance = _start(org)
    task = _open(instance)
    results = race(
        *[
            lambda: services.task_reassign(
                actor=admin, task_id=task.pk, to=org["accountant"], reason="改派", token="form-1"
            )
        ]
        * 2
    )
    assert all(isinstance(r, Instance) for r in results), results
    assert InstanceEvent.objects.filter(instance=instance, type="admin_reassigned").count() == 1
    assert AuditRecord.objects.filter(action="workflow.reassign").count() == 1

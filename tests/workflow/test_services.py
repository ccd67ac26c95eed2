"""The persisted flow: service API over the pure engine, on the real organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanfu.accounts.models import Role
from sanfu.accounts.permissions import Perm
from sanfu.approvals.selectors.inbox import todo_tasks
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord, Notification
from sanfu.org.models import Delegation
from sanfu.workflow import fastpath, outbox, repository, selectors, services
from sanfu.workflow.engine import replay
from sanfu.workflow.engine.events import Event
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskStatus
from sanfu.workflow.services import interventions
from tests.conftest import grant
from tests.workflow.conftest import REFERENCE


def _todo(user):
    return list(todo_tasks(user))


def _replayed(instance: Instance):
    events = [
        Event.from_dict(
            {
                "seq": e.seq,
                "type": e.type,
                "at": e.at,
                "actor": e.actor_id,
                "on_behalf_of": e.on_behalf_of_id,
                "node": e.node or None,
                "task": e.task_no,
                "comment": e.comment,
                "changes": e.changes,
            }
        )
        for e in InstanceEvent.objects.filter(instance=instance).order_by("seq")
    ]
    return replay(events).to_dict()


def test_a_small_expense_goes_head_then_leader_in_charge(org, reference):
    instance = services.instance_start(
        actor=org["clerk"], definition_key="expense", title="差旅报销", form={"amount": 800}
    )
    (task,) = _todo(org["section_head"])
    services.task_approve(actor=org["section_head"], task_id=task.pk, comment="同意")
    (task,) = _todo(org["deputy"])  # 办公室's leader in charge, inherited by 文秘科
    services.task_approve(actor=org["deputy"], task_id=task.pk)
    instance.refresh_from_db()
    assert instance.status == "approved"
    assert instance.ended_at is not None
    assert _replayed(instance) == instance.state


def test_a_large_expense_adds_a_countersign_of_the_chosen_departments(org, reference):
    instance = services.instance_start(
        actor=org["clerk"],
        definition_key="expense",
        title="设备采购",
        form={"amount": 50000, "departments": [org["finance"].pk, org["office"].pk]},
    )
    services.task_approve(actor=org["section_head"], task_id=_todo(org["section_head"])[0].pk)
    assert [t.node for t in _todo(org["finance_head"])] == ["finance"]
    assert [t.node for t in _todo(org["office_head"])] == ["finance"]
    services.task_approve(actor=org["finance_head"], task_id=_todo(org["finance_head"])[0].pk)
    assert _todo(org["deputy"]) == []
    services.task_approve(actor=org["office_head"], task_id=_todo(org["office_head"])[0].pk)
    services.task_approve(actor=org["deputy"], task_id=_todo(org["deputy"])[0].pk)
    instance.refresh_from_db()
    assert instance.status == "approved"
    assert _replayed(instance) == instance.state


def test_history_records_who_acted_and_on_whose_behalf(org, reference):
    now = timezone.now()
    Delegation.objects.create(
        principal=org["section_head"],
        delegate=org["office_head"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    (task,) = _todo(org["office_head"])
    assert task.on_behalf_of == org["section_head"]
    services.task_approve(actor=org["office_head"], task_id=task.pk, comment="代批")
    approved = InstanceEvent.objects.get(instance=instance, type="approved")
    assert (approved.actor, approved.on_behalf_of) == (org["office_head"], org["section_head"])
    assert [e.type for e in selectors.history_of(instance)][:2] == ["submitted", "node_entered"]


def test_refusals_are_clear_and_change_nothing(org, reference):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    (task,) = _todo(org["section_head"])
    before = Instance.objects.get(pk=instance.pk)
    with pytest.raises(NotFoundError):
        services.task_approve(actor=org["accountant"], task_id=task.pk)
    with pytest.raises(ApplicationError, match="必须填写意见"):
        services.task_reject(actor=org["section_head"], task_id=task.pk, comment="")
    after = Instance.objects.get(pk=instance.pk)
    assert (after.version, after.state) == (before.version, before.state)


def test_the_same_task_acted_on_twice_reports_who_handled_it(org, reference):
    services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    (task,) = _todo(org["section_head"])
    services.task_approve(actor=org["section_head"], task_id=task.pk)
    with pytest.raises(ConflictError, match=f"该待办已由 {org['section_head'].display_name} 处理"):
        services.task_approve(actor=org["section_head"], task_id=task.pk)


def test_a_stale_version_loses_with_a_conflict(org, reference, monkeypatch):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    (task,) = _todo(org["section_head"])
    real_load = repository.load

    def load_then_someone_else_acts(instance_id):
        loaded = real_load(instance_id)
        Instance.objects.filter(pk=instance_id).update(version=loaded[0].version + 1)
        return loaded

    monkeypatch.setattr(repository, "load", load_then_someone_else_acts)
    with pytest.raises(ConflictError):
        services.task_approve(actor=org["section_head"], task_id=task.pk)
    assert InstanceEvent.objects.filter(instance=instance, type="approved").count() == 0
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_notifications_leave_through_the_outbox_once(org, reference):
    services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() >= 1
    assert outbox.deliver_pending() >= 1
    assert Notification.objects.filter(user=org["section_head"], kind="task").count() == 1
    # A second delivery of the same message (a worker that died before marking it) adds nothing.
    message = OutboxMessage.objects.get(kind="notify")
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None, claimed_until=None)
    outbox.deliver_pending()
    assert Notification.objects.filter(user=org["section_head"], kind="task").count() == 1


def test_deadlines_fire_from_the_worker_sweep(org, db):
    spec = {
        "key": "urgent",
        "nodes": [
            {"id": "start", "kind": "start", "next": "head"},
            {
                "id": "head",
                "kind": "approval",
                "approvers": {"type": "head"},
                "deadline": {"working_hours": 2, "on_timeout": "auto_approve"},
                "next": "end",
            },
            {"id": "end", "kind": "end"},
        ],
    }
    services.definition_publish(actor=None, spec=spec)
    instance = services.instance_start(
        actor=org["clerk"],
        definition_key="urgent",
        title="加急",
        now=timezone.now().replace(year=2026, month=11, day=25, hour=1),
    )
    assert instance.wakeup_at is not None
    assert services.instances_tick_due(now=instance.wakeup_at - timedelta(minutes=1)) == 0
    assert services.instances_tick_due(now=instance.wakeup_at + timedelta(minutes=1)) == 1
    instance.refresh_from_db()
    assert instance.status == "approved"
    assert InstanceEvent.objects.filter(instance=instance, type="auto_approved", actor__isnull=True).exists()


def test_a_subprocess_starts_and_its_end_resumes_the_parent_through_the_outbox(org, db):
    services.definition_publish(
        actor=None,
        spec={
            "key": "child",
            "nodes": [
                {"id": "start", "kind": "start", "next": "ok"},
                {
                    "id": "ok",
                    "kind": "approval",
                    "approvers": {"type": "users", "users": [org["accountant"].pk]},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    services.definition_publish(
        actor=None,
        spec={
            "key": "parent",
            "nodes": [
                {"id": "start", "kind": "start", "next": "sub"},
                {"id": "sub", "kind": "subprocess", "definition": "child", "next": "gm"},
                {
                    "id": "gm",
                    "kind": "approval",
                    "approvers": {"type": "users", "users": [org["gm"].pk]},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    parent = services.instance_start(actor=org["clerk"], definition_key="parent", title="总流程")
    outbox.deliver_pending()
    child = Instance.objects.get(parent=parent)
    services.task_approve(actor=org["accountant"], task_id=_todo(org["accountant"])[0].pk)
    outbox.deliver_pending()
    outbox.deliver_pending()  # redelivery is harmless
    assert [t.node for t in _todo(org["gm"])] == ["gm"]
    child.refresh_from_db()
    assert child.status == "approved"


def test_only_process_administrators_cancel_and_publish(org, reference):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    with pytest.raises(PermissionDeniedError):
        services.instance_cancel(actor=org["clerk"], instance_id=instance.pk, reason="x")
    with pytest.raises(PermissionDeniedError):
        services.definition_publish(actor=org["clerk"], spec=REFERENCE)


def test_an_invalid_definition_is_refused_with_every_problem(db):
    with pytest.raises(ApplicationError) as raised:
        services.definition_publish(
            actor=None,
            spec={
                "key": "bad",
                "nodes": [
                    {"id": "start", "kind": "start", "next": "a"},
                    {"id": "a", "kind": "approval", "approvers": {"type": "users", "users": []}, "next": "end"},
                    {"id": "lost", "kind": "approval", "approvers": {"type": "head"}, "next": "end"},
                    {"id": "end", "kind": "end"},
                ],
            },
        )
    nodes = {e["node"] for e in raised.value.errors}
    assert {"a", "lost"} <= nodes


def test_publishing_again_makes_a_new_version_and_running_instances_can_move(org, reference):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    v2 = services.definition_publish(actor=None, spec=REFERENCE)
    assert v2.version == 2
    without_head = {**REFERENCE, "nodes": [n for n in REFERENCE["nodes"] if n["id"] != "head"]}
    without_head["nodes"][0] = {**without_head["nodes"][0], "next": "amount"}
    v3 = services.definition_publish(actor=None, spec=without_head)
    report = services.instances_migrate(actor=None, key="expense", to_version=v3.version, dry_run=True)
    assert report.moved == []
    assert "head" in report.blocked[instance.pk]
    report = services.instances_migrate(actor=None, key="expense", to_version=2, dry_run=False)
    assert report.moved == [instance.pk]
    instance.refresh_from_db()
    assert instance.definition == v2


def test_path_ahead_names_the_next_people(org, reference):
    instance = services.instance_start(
        actor=org["clerk"],
        definition_key="expense",
        title="报销",
        form={"amount": 20000, "departments": [org["finance"].pk]},
    )
    steps = selectors.path_ahead_of(instance)
    assert [(s.node, s.people) for s in steps] == [
        ("head", [org["section_head"]]),
        ("finance", [org["finance_head"]]),
        ("leader", [org["deputy"]]),
    ]


def test_outsiders_cannot_see_an_instance(org, reference):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    assert selectors.access_instance(actor=org["section_head"], instance_id=instance.pk) == instance
    with pytest.raises(NotFoundError):
        selectors.access_instance(actor=org["accountant"], instance_id=instance.pk)


def test_the_flow_command_migrates_with_a_dry_run_first(org, reference):
    from io import StringIO

    from django.core.management import call_command

    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    services.definition_publish(actor=None, spec=REFERENCE)
    out = StringIO()
    call_command("flow", "migrate", "expense", stdout=out)
    assert f"would move 1 instances: [{instance.pk}]" in out.getvalue()
    instance.refresh_from_db()
    assert instance.definition.version == 1
    call_command("flow", "migrate", "expense", "--apply", stdout=out)
    instance.refresh_from_db()
    assert instance.definition.version == 2


def test_form_values_json_cannot_hold_natively_round_trip_exactly(org, reference):
    """The state is written with orjson; what it cannot write (an integer beyond 64 bits) falls back to the
    standard library, and is read back by it too (orjson would read a float); Chinese text is stored as it
    is. Read back — by another process too, which decodes the stored text — the instance is the same, and
    its events still rebuild it."""
    form = {"amount": 800, "reference": 2**70 + 1, "reason": "赴京参加“三服务”培训，含往返高铁"}
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="差旅报销", form=form)
    (task,) = _todo(org["section_head"])
    fastpath._KNOWN.clear()  # as if the next step came to another process
    services.task_approve(actor=org["section_head"], task_id=task.pk, comment="同意，注意“节约”")
    instance.refresh_from_db()
    assert instance.state["form"] == form
    assert repository.state_of(instance).form == form
    assert _replayed(instance) == instance.state
    event = InstanceEvent.objects.get(instance=instance, type="approved")
    assert event.comment == "同意，注意“节约”"


def _process_admin(org):
    role = Role.objects.create(
        code="process-admin", name="流程管理员", permissions=[Perm.MANAGE_PROCESSES], data_scope="all"
    )
    grant(org["gm"], role)
    return org["gm"]


def test_a_cancel_is_audited_in_its_own_transaction(org, reference):
    admin = _process_admin(org)
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    services.instance_cancel(actor=admin, instance_id=instance.pk, reason="重复提交")
    instance.refresh_from_db()
    assert instance.status == "cancelled"
    record = AuditRecord.objects.get(action="workflow.cancel")
    assert (record.target, record.detail) == (f"instance:{instance.pk}", {"reason": "重复提交"})


def test_a_failed_cancel_audit_leaves_neither_the_cancel_nor_the_audit(org, reference, monkeypatch):
    admin = _process_admin(org)
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    before = Instance.objects.get(pk=instance.pk)

    def fail(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(interventions, "audit_record", fail)
    with pytest.raises(RuntimeError):
        services.instance_cancel(actor=admin, instance_id=instance.pk, reason="重复提交")
    after = Instance.objects.get(pk=instance.pk)
    assert (after.status, after.version, after.state) == (before.status, before.version, before.state)
    assert not InstanceEvent.objects.filter(instance=instance, type="cancelled").exists()
    assert not AuditRecord.objects.filter(action="workflow.cancel").exists()

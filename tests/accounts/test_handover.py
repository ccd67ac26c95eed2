"""离职交接 as a service: everything that names a person — to-dos, delegations, secretary records, departments
in charge, 公文 drafts, definitions, saved drafts — listed by group and handed to a successor in one audited
transaction (all or nothing), optionally disabling the leaver's account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts import handover as handing
from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.approvals.models import Draft, MatterType
from sanfu.core import handover
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.documents import services as documents
from sanfu.documents.flows import publish_definitions
from sanfu.documents.models import DocKind, OutgoingDocument
from sanfu.org.models import Delegation, Department, Secretary
from sanfu.org.services import delegation_create
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceEvent, InstanceStatus, ProcessDefinition, Task, TaskStatus
from tests.conftest import grant, make_department, make_staff, make_unit

EXPENSE = {
    "key": "expense",
    "name": "费用报销",
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {"id": "head", "kind": "approval", "name": "部门负责人审批", "approvers": {"type": "head"}, "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


def seal_spec(person: User) -> dict[str, Any]:
    """A process that names ``person`` as its approver."""
    return {
        "key": "seal-check",
        "name": "用印审核",
        "nodes": [
            {"id": "start", "kind": "start", "next": "check"},
            {
                "id": "check",
                "kind": "approval",
                "name": "用印审核",
                "approvers": {"type": "users", "users": [person.pk]},
                "next": "end",
            },
            {"id": "end", "kind": "end"},
        ],
    }


def build_scene(org: dict[str, Any], admins: dict[str, User]) -> dict[str, Any]:
    """The 文秘科 head (the leaver) holds two to-dos, gave and received a delegation, serves the GM as
    secretary, is in charge of a department, drafted a 发文, saved a request draft, and a process names him."""
    leaver, successor = org["section_head"], org["office_head"]
    ensure_admin_roles()
    grant(org["accountant"], Role.objects.get(code="clerk"))  # 核稿 of the leaver's draft goes to this clerk
    grant(leaver, Role.objects.get(code="dept-head"))  # his 发文 needs the drafting right
    workflow.definition_publish(actor=None, spec=EXPENSE)
    workflow.definition_publish(actor=None, spec=seal_spec(leaver))
    publish_definitions()
    for title in ("差旅报销", "办公用品报销"):
        workflow.instance_start(actor=org["clerk"], definition_key="expense", title=title)
    now = timezone.now()
    given = delegation_create(
        actor=leaver,
        principal=leaver,
        delegate=org["accountant"],
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=10),
        reason="休假",
    )
    received = delegation_create(
        actor=org["finance_head"],
        principal=org["finance_head"],
        delegate=leaver,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=5),
    )
    secretary = Secretary.objects.create(secretary=leaver, leader=org["gm"])
    archives = make_department(org["unit"], "档案室", leader_in_charge=leaver)
    outgoing = documents.outgoing_draft(
        actor=leaver, kind=DocKind.NOTICE, title="关于节日值班安排的通知", body="各部门：值班安排如下。"
    )
    matter = MatterType.objects.create(code="seal", name="用印", definition_key="seal-check")
    draft = Draft.objects.create(matter=matter, owner=leaver, title="合同用印（未提交）")
    return {
        "leaver": leaver,
        "successor": successor,
        "given": given,
        "received": received,
        "secretary": secretary,
        "archives": archives,
        "outgoing": outgoing,
        "draft": draft,
        "sysadmin": admins["sysadmin"],
    }


@pytest.fixture
def scene(org: dict[str, Any], admins: dict[str, User]) -> dict[str, Any]:
    return build_scene(org, admins)


@pytest.fixture
def process_admin(org: dict[str, Any]) -> User:
    """The built-in 流程管理员 (data scope 本单位), who is the GM here."""
    ensure_admin_roles()
    grant(org["gm"], Role.objects.get(code="process-admin"))
    return org["gm"]


def keys(groups: list[handover.HandoverGroup]) -> dict[str, list[str]]:
    return {g.provider.name: [item.key for item in g.items] for g in groups}


def live_tasks(user: User) -> list[Task]:
    return list(Task.objects.filter(assignee=user, status__in=[TaskStatus.OPEN, TaskStatus.WAITING]))


def test_the_listing_groups_everything_that_names_the_person(scene: dict[str, Any]) -> None:
    s = scene
    groups = keys(handing.handover_groups(actor=s["sysadmin"], person=s["leaver"]))
    assert [k.split(":")[0] for k in groups["tasks"]] == ["task", "task"]
    assert groups["delegations_received"] == [f"delegation:{s['received'].pk}"]
    assert groups["delegations_given"] == [f"delegation:{s['given'].pk}"]
    assert groups["secretaries"] == [f"secretary:{s['secretary'].pk}"]
    assert groups["leaders_in_charge"] == [f"department:{s['archives'].pk}"]
    assert groups["outgoing"] == [f"outgoing:{s['outgoing'].pk}"]
    assert groups["approval_drafts"] == [f"draft:{s['draft'].pk}"]
    definition = ProcessDefinition.objects.get(key="seal-check")
    assert groups["definitions"] == [f"definition:{definition.pk}"]
    # the successor's own things are not listed as the leaver's
    assert groups["incoming"] == []
    assert groups["returned_requests"] == []


def test_the_system_administrator_hands_everything_over_in_one_audited_action(scene: dict[str, Any]) -> None:
    s = scene
    leaver, successor = s["leaver"], s["successor"]
    before = AuditRecord.objects.count()
    result = handing.account_handover(
        actor=s["sysadmin"], person=leaver, successor=successor, reason="调任财务部", deactivate=True
    )
    assert result.moved == {
        "tasks": 2,
        "delegations_received": 1,
        "secretaries": 1,
        "leaders_in_charge": 1,
        "outgoing": 1,
    }
    assert result.kept == {}
    assert result.deactivated
    # to-dos: reassigned, each an event in its instance with the reason
    assert live_tasks(leaver) == []
    assert len([t for t in live_tasks(successor) if t.node == "head"]) == 2
    events = InstanceEvent.objects.filter(type="admin_reassigned")
    assert events.count() == 2
    assert {e.comment for e in events} == {"调任财务部"}
    # acting for someone ends (the principal names a new deputy: an administrator never does); his own
    # arrangement stays his; the secretary record ends (the leader records his own secretary)
    s["given"].refresh_from_db()
    s["received"].refresh_from_db()
    assert s["received"].revoked_at is not None
    assert s["received"].delegate == leaver
    assert s["given"].revoked_at is None
    assert not Secretary.objects.filter(pk=s["secretary"].pk).exists()
    assert not Delegation.objects.filter(delegate=successor).exists()
    assert not Secretary.objects.filter(secretary=successor).exists()
    assert Department.objects.get(pk=s["archives"].pk).leader_in_charge == successor
    assert OutgoingDocument.objects.get(pk=s["outgoing"].pk).drafter == successor
    # listed only: the draft stays his, the definition unchanged (not chosen)
    assert Draft.objects.get(pk=s["draft"].pk).owner == leaver
    assert ProcessDefinition.objects.filter(key="seal-check").count() == 1
    leaver.refresh_from_db()
    assert not leaver.is_active
    # one summary row, plus a row per moved record and the disabling
    new = list(AuditRecord.objects.filter(seq__gt=before).order_by("seq"))
    summary = [r for r in new if r.action == "account.handover"]
    assert len(summary) == 1
    assert summary[0].target == f"user:{leaver.pk}"
    assert summary[0].detail["successor"] == successor.pk
    assert summary[0].detail["reason"] == "调任财务部"
    assert summary[0].detail["moved"]["tasks"] == 2
    assert summary[0].detail["listed_only"] == {"delegations_given": 1, "definitions": 1, "approval_drafts": 1}
    actions = [r.action for r in new]
    assert actions.count("workflow.reassign") == 2
    assert actions.count("handover.delegation") == 1
    assert actions.count("handover.secretary") == 1
    assert actions.count("handover.leader_in_charge") == 1
    assert actions.count("handover.outgoing") == 1
    assert actions.count("account.disable") == 1
    # afterwards nothing movable names him
    after = keys(handing.handover_groups(actor=s["sysadmin"], person=leaver))
    moved = ("tasks", "delegations_received", "secretaries", "leaders_in_charge", "outgoing")
    assert all(not after[name] for name in moved)


@pytest.fixture
def failing_provider() -> Any:
    """A provider that breaks in the middle of a handover (after every real one has moved its records)."""

    def fail(**_kwargs: Any) -> int:
        raise ApplicationError("模拟失败")

    handover.register(
        name="zz_failing",
        label="会失败的",
        list=lambda person: [handover.HandoverItem(key="x:1", title="x")],
        transfer=fail,
        order=999,
    )
    yield
    handover.unregister("zz_failing")


@pytest.mark.usefixtures("failing_provider")
def test_a_failure_anywhere_leaves_everything_as_it_was(scene: dict[str, Any]) -> None:
    s = scene
    leaver, successor = s["leaver"], s["successor"]
    before_tasks = {t.pk for t in live_tasks(leaver)}
    before_audit = AuditRecord.objects.count()
    with pytest.raises(ApplicationError, match="模拟失败"):
        handing.account_handover(
            actor=s["sysadmin"], person=leaver, successor=successor, reason="调任", deactivate=True
        )
    assert {t.pk for t in live_tasks(leaver)} == before_tasks
    assert not InstanceEvent.objects.filter(type="admin_reassigned").exists()
    assert Delegation.objects.get(pk=s["received"].pk).revoked_at is None
    assert Secretary.objects.get(pk=s["secretary"].pk).secretary == leaver
    assert Department.objects.get(pk=s["archives"].pk).leader_in_charge == leaver
    assert OutgoingDocument.objects.get(pk=s["outgoing"].pk).drafter == leaver
    assert AuditRecord.objects.count() == before_audit
    leaver.refresh_from_db()
    assert leaver.is_active


@pytest.mark.parametrize("who", ["inactive", "admin", "same", "none"])
def test_an_unfit_successor_is_refused_and_nothing_changes(
    scene: dict[str, Any], org: dict[str, Any], admins: dict[str, User], who: str
) -> None:
    s = scene
    if who == "inactive":
        successor: User | None = org["accountant"]
        User.objects.filter(pk=org["accountant"].pk).update(is_active=False)
        successor = User.objects.get(pk=org["accountant"].pk)
        message = "已停用"
    elif who == "admin":
        successor, message = admins["secadmin"], "管理员账户"
    elif who == "same":
        successor, message = s["leaver"], "本人"
    else:
        successor, message = None, "请选择接任者"
    before = AuditRecord.objects.count()
    with pytest.raises(ApplicationError, match=message):
        handing.account_handover(actor=s["sysadmin"], person=s["leaver"], successor=successor, reason="调任")
    assert len(live_tasks(s["leaver"])) == 2
    assert AuditRecord.objects.count() == before


def test_a_reason_is_required(scene: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="请填写交接原因"):
        handing.account_handover(
            actor=scene["sysadmin"], person=scene["leaver"], successor=scene["successor"], reason="  "
        )
    assert len(live_tasks(scene["leaver"])) == 2


def test_only_the_system_and_process_administrators_may_hand_over(
    scene: dict[str, Any], org: dict[str, Any], admins: dict[str, User]
) -> None:
    for actor in (admins["secadmin"], admins["auditadmin"], admins["outsider"], org["gm"]):
        assert not handing.may_hand_over(actor)
        with pytest.raises(PermissionDeniedError):
            handing.handover_groups(actor=actor, person=scene["leaver"])
        with pytest.raises(PermissionDeniedError):
            handing.account_handover(actor=actor, person=scene["leaver"], successor=scene["successor"], reason="调任")
    assert len(live_tasks(scene["leaver"])) == 2


def test_nothing_to_hand_over_is_said_so(org: dict[str, Any], admins: dict[str, User]) -> None:
    with pytest.raises(ApplicationError, match="没有可交接的事项"):
        handing.account_handover(
            actor=admins["sysadmin"], person=org["accountant"], successor=org["clerk"], reason="调任"
        )


def test_the_same_form_submitted_twice_hands_over_once(scene: dict[str, Any]) -> None:
    s = scene
    first = handing.account_handover(
        actor=s["sysadmin"], person=s["leaver"], successor=s["successor"], reason="调任", token="form-1"
    )
    second = handing.account_handover(
        actor=s["sysadmin"], person=s["leaver"], successor=s["successor"], reason="调任", token="form-1"
    )
    assert not first.replayed
    assert second.replayed
    assert second.moved == first.moved
    assert AuditRecord.objects.filter(action="account.handover").count() == 1


def test_the_process_administrator_moves_the_work_and_leaves_the_organisation_to_the_system_administrator(
    scene: dict[str, Any], process_admin: User
) -> None:
    s = scene
    groups = handing.handover_groups(actor=process_admin, person=s["leaver"])
    how = {g.provider.name: handing.moves(process_admin, g, ()) for g in groups}
    assert how["tasks"]
    assert how["outgoing"]
    assert not how["delegations_received"]
    assert not how["secretaries"]
    assert not how["leaders_in_charge"]
    result = handing.account_handover(
        actor=process_admin, person=s["leaver"], successor=s["successor"], reason="调任", options=["definitions"]
    )
    assert result.moved == {"tasks": 2, "outgoing": 1, "definitions": 1}
    # the organisation's records are the system administrator's: listed, not moved
    assert Secretary.objects.get(pk=s["secretary"].pk).secretary == s["leaver"]
    # a new version of the process names the successor; the old one stays for running instances
    latest = ProcessDefinition.objects.filter(key="seal-check").order_by("-version").first()
    assert latest.version == 2
    assert latest.spec["nodes"][1]["approvers"]["users"] == [s["successor"].pk]
    with pytest.raises(PermissionDeniedError, match="只有系统管理员"):
        handing.account_handover(
            actor=process_admin, person=s["leaver"], successor=s["successor"], reason="离职", deactivate=True
        )


def test_the_system_administrator_cannot_choose_to_republish_definitions(scene: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError, match="流程定义"):
        handing.account_handover(
            actor=scene["sysadmin"],
            person=scene["leaver"],
            successor=scene["successor"],
            reason="调任",
            options=["definitions"],
        )
    assert ProcessDefinition.objects.filter(key="seal-check").count() == 1


def test_a_process_administrator_reaches_only_people_within_his_scope(
    scene: dict[str, Any], process_admin: User
) -> None:
    other = make_staff(make_department(make_unit("other", name="另一家公司"), "办公室"), username="far_away")
    assert other not in handing.people_matching(actor=process_admin, query="far")
    with pytest.raises(NotFoundError):
        handing.handover_groups(actor=process_admin, person=other)
    assert scene["leaver"] in handing.people_matching(actor=process_admin, query=scene["leaver"].username)


def test_a_step_the_successor_already_holds_stays_with_the_leaver_and_is_counted(
    org: dict[str, Any], admins: dict[str, User]
) -> None:
    """会签 of two department heads where the successor is the other head: the flow would refuse him the
    leaver's task, so it stays (the process administrator decides) while the rest moves."""
    spec = {
        "key": "joint",
        "name": "联合审核",
        "nodes": [
            {"id": "start", "kind": "start", "next": "heads"},
            {
                "id": "heads",
                "kind": "approval",
                "name": "两部门会签",
                "mode": "all",
                "approvers": {"type": "users", "users": [org["section_head"].pk, org["finance_head"].pk]},
                "next": "end",
            },
            {"id": "end", "kind": "end"},
        ],
    }
    workflow.definition_publish(actor=None, spec=spec)
    workflow.definition_publish(actor=None, spec=EXPENSE)
    workflow.instance_start(actor=org["clerk"], definition_key="joint", title="联合检查")
    workflow.instance_start(actor=org["clerk"], definition_key="expense", title="差旅报销")
    result = handing.account_handover(
        actor=admins["sysadmin"], person=org["section_head"], successor=org["finance_head"], reason="合并岗位"
    )
    assert result.moved["tasks"] == 1
    assert result.kept == {"tasks": 1}
    left = live_tasks(org["section_head"])
    assert [t.instance.title for t in left] == ["联合检查"]
    summary = AuditRecord.objects.get(action="account.handover")
    assert summary.detail["kept"] == {"tasks": 1}


def test_a_returned_draft_is_flagged_for_the_process_administrator(scene: dict[str, Any], org: dict[str, Any]) -> None:
    s = scene
    documents.outgoing_return(actor=org["accountant"], document_id=s["outgoing"].pk, comment="格式不对")
    assert OutgoingDocument.objects.get(pk=s["outgoing"].pk).instance.status == InstanceStatus.RETURNED
    groups = {g.provider.name: g for g in handing.handover_groups(actor=s["sysadmin"], person=s["leaver"])}
    assert "重办" in groups["outgoing"].items[0].note


def test_secretary_records_end_both_ways(org: dict[str, Any], admins: dict[str, User]) -> None:
    """He served one leader and was served by a secretary: both records end; nobody is made a secretary."""
    leaver, successor = org["section_head"], org["office_head"]
    served = Secretary.objects.create(secretary=leaver, leader=org["gm"])
    serving = Secretary.objects.create(secretary=org["clerk"], leader=leaver)
    result = handing.account_handover(actor=admins["sysadmin"], person=leaver, successor=successor, reason="接任")
    assert result.moved == {"secretaries": 2}
    assert not Secretary.objects.filter(pk__in=[served.pk, serving.pk]).exists()
    assert not Secretary.objects.exists()
    records = AuditRecord.objects.filter(action="handover.secretary")
    assert {(r.detail["secretary"], r.detail["leader"]) for r in records} == {
        (leaver.pk, org["gm"].pk),
        (org["clerk"].pk, leaver.pk),
    }

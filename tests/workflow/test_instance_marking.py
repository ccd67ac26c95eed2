"""Flow instances carry what the read rule reads (密级, unit, department), and process administrators see
instances through that rule (security issue, holes 1 and 5): by their data scope over the instance's unit or
department, and 秘密 / 机密 ones only with the clearance; participants always see theirs."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.accounts.models import Role
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.approvals.selectors.actions import viewer_actions
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.org.clearance import Level, Marking
from sanfu.org.models import PostRole
from sanfu.workflow import outbox, selectors, services
from sanfu.workflow.models import Instance
from tests.conftest import grant, make_department, make_staff, make_unit

ONE_STEP: dict[str, Any] = {
    "key": "one-step",
    "nodes": [
        {"id": "start", "kind": "start", "next": "ok"},
        {"id": "ok", "kind": "approval", "approvers": {"type": "head"}, "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


@pytest.fixture
def one_step(db: None) -> None:
    services.definition_publish(actor=None, spec=ONE_STEP)


def _role(code: str, perms: list[str], scope: str) -> Role:
    return Role.objects.create(code=code, name=code, permissions=perms, data_scope=scope)


def _start(who: Any, **kw: Any) -> Instance:
    return services.instance_start(actor=who, definition_key="one-step", title="事项", **kw)


def test_a_start_belongs_to_the_initiators_unit_and_department_at_internal_by_default(org, one_step):
    instance = _start(org["accountant"])
    instance.refresh_from_db()
    assert (instance.confidentiality, instance.unit_id, instance.department_id) == (
        Level.INTERNAL,
        org["unit"].pk,
        org["finance"].pk,
    )


def test_the_caller_marks_what_it_starts(org, one_step):
    instance = _start(org["clerk"], marking=Marking(Level.SECRET, org["unit"].pk, org["office"].pk))
    instance.refresh_from_db()
    assert (instance.confidentiality, instance.department_id) == (Level.SECRET, org["office"].pk)


def test_an_unknown_level_is_refused_and_nothing_starts(org, one_step):
    with pytest.raises(ApplicationError):
        _start(org["clerk"], marking=Marking("top-secret", org["unit"].pk, None))
    assert not Instance.objects.exists()


def test_a_subprocess_keeps_its_parents_marking(org, db):
    services.definition_publish(actor=None, spec={**ONE_STEP, "key": "child"})
    services.definition_publish(
        actor=None,
        spec={
            "key": "parent",
            "nodes": [
                {"id": "start", "kind": "start", "next": "sub"},
                {"id": "sub", "kind": "subprocess", "definition": "child", "next": "end"},
                {"id": "end", "kind": "end"},
            ],
        },
    )
    marking = Marking(Level.CONFIDENTIAL, org["unit"].pk, org["office"].pk)
    parent = services.instance_start(actor=org["clerk"], definition_key="parent", title="总", marking=marking)
    outbox.deliver_pending()
    child = Instance.objects.get(parent=parent)
    assert (child.confidentiality, child.unit_id, child.department_id) == (
        Level.CONFIDENTIAL,
        org["unit"].pk,
        org["office"].pk,
    )


def test_a_department_scoped_process_administrator_sees_his_departments_instances_only(org, one_step):
    admin = make_staff(org["office"], username="office_padmin")
    grant(admin, _role("pa-dept", [Perm.MANAGE_PROCESSES], DataScope.DEPARTMENT))
    office = _start(org["clerk"], marking=Marking(Level.INTERNAL, org["unit"].pk, org["office"].pk))
    finance = _start(org["accountant"])
    assert list(selectors.overseen_instances(admin)) == [office]
    assert selectors.access_instance(actor=admin, instance_id=office.pk) == office
    with pytest.raises(NotFoundError):
        selectors.access_instance(actor=admin, instance_id=finance.pk)


def test_the_department_tree_scope_reaches_sub_departments(org, one_step):
    grant(org["office_head"], _role("pa-tree", [Perm.MANAGE_PROCESSES], DataScope.DEPARTMENT_TREE))
    in_section = _start(org["clerk"])  # 文秘科, under 办公室
    _start(org["accountant"])
    assert list(selectors.overseen_instances(org["office_head"])) == [in_section]


def test_a_self_scoped_process_administrator_oversees_what_he_started(org, one_step):
    grant(org["accountant"], _role("pa-self", [Perm.MANAGE_PROCESSES], DataScope.SELF))
    mine = _start(org["accountant"])
    _start(org["clerk"])
    assert list(selectors.overseen_instances(org["accountant"])) == [mine]


def test_clearance_counts_only_where_both_scopes_meet(org, one_step):
    """Managing processes in the whole company with clearance for one's own unit opens 秘密 instances of that
    unit only."""
    other = make_unit("sub", name="分公司")
    stranger = make_staff(make_department(other, "综合部"), username="sub_clerk")
    grant(org["office_head"], _role("pa-all", [Perm.MANAGE_PROCESSES], DataScope.ALL))
    grant(org["office_head"], _role("clear-unit", [Perm.READ_ARCHIVE_RESTRICTED], DataScope.UNIT), org["unit"])
    here = _start(org["clerk"], marking=Marking(Level.SECRET, org["unit"].pk, org["office"].pk))
    there = _start(stranger, marking=Marking(Level.SECRET, other.pk, None))
    open_there = _start(stranger)
    assert set(selectors.overseen_instances(org["office_head"])) == {here, open_there}
    assert there not in selectors.visible_instances(org["office_head"])


def test_participants_see_their_instance_at_any_level_and_others_do_not(org, one_step):
    secret = _start(org["clerk"], marking=Marking(Level.CONFIDENTIAL, org["unit"].pk, org["section"].pk))
    assert selectors.access_instance(actor=org["clerk"], instance_id=secret.pk) == secret
    assert selectors.access_instance(actor=org["section_head"], instance_id=secret.pk) == secret  # holds the task
    for outsider in (org["office_head"], org["gm"], org["accountant"]):
        with pytest.raises(NotFoundError):
            selectors.access_instance(actor=outsider, instance_id=secret.pk)


def test_an_inactive_person_sees_nothing_even_of_his_own(org, one_step):
    instance = _start(org["clerk"])
    org["clerk"].is_active = False
    with pytest.raises(NotFoundError):
        selectors.access_instance(actor=org["clerk"], instance_id=instance.pk)


def test_the_instance_page_offers_cancel_only_on_what_the_administrator_oversees(org, one_step):
    """A process administrator of another unit who takes part in an instance of this unit sees it, but is
    not offered 作废 (the service would refuse it); on his own unit's he is."""
    other = make_unit("sub", name="分公司")
    department = make_department(other, "综合部")
    make_staff(department, role=PostRole.HEAD, username="sub_head")
    admin = make_staff(department, username="sub_padmin")
    grant(admin, _role("pa-unit", [Perm.MANAGE_PROCESSES], DataScope.UNIT))
    services.definition_publish(
        actor=None,
        spec={
            **ONE_STEP,
            "key": "to-him",
            "nodes": [
                ONE_STEP["nodes"][0],
                {"id": "ok", "kind": "approval", "approvers": {"type": "users", "users": [admin.pk]}, "next": "end"},
                ONE_STEP["nodes"][2],
            ],
        },
    )
    his_unit = _start(admin)
    theirs = services.instance_start(actor=org["clerk"], definition_key="to-him", title="请他审批")
    assert selectors.access_instance(actor=admin, instance_id=theirs.pk) == theirs
    assert "cancel" in viewer_actions(his_unit, admin, None, None)
    assert "cancel" not in viewer_actions(theirs, admin, None, None)
    with pytest.raises(PermissionDeniedError):
        services.instance_cancel(actor=admin, instance_id=theirs.pk, reason="越权")

"""The 离职交接 page: who may open it, finding the person, the grouped list with counts, the one-button
handover with its refusals shown on the form, a constant number of queries however much names the person,
and a deactivated account's to-dos never sitting unseen."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.approvals.models import Draft, MatterType
from sanfu.core.models import AuditRecord
from sanfu.org.models import Secretary, Staff
from sanfu.workflow import services as workflow
from sanfu.workflow.models import ProcessDefinition, Task, TaskStatus
from tests.accounts.test_handover import EXPENSE, build_scene, live_tasks
from tests.conftest import grant, make_department

URL = reverse("accounts:handover")


@pytest.fixture
def scene(org: dict[str, Any], admins: dict[str, User]) -> dict[str, Any]:
    return build_scene(org, admins)


def test_only_the_system_and_process_administrators_open_it(
    org: dict[str, Any], admins: dict[str, User], login: Any
) -> None:
    for name in ("secadmin", "auditadmin", "outsider"):
        assert login(admins[name]).get(URL).status_code == 403
        assert login(admins[name]).post(f"{URL}?person={org['clerk'].pk}", {"reason": "x"}).status_code == 403
    assert login(org["clerk"]).get(URL).status_code == 403
    assert login(admins["sysadmin"]).get(URL).status_code == 200
    ensure_admin_roles()
    grant(org["gm"], Role.objects.get(code="process-admin"))
    assert login(org["gm"]).get(URL).status_code == 200


def test_the_account_page_links_to_it(admins: dict[str, User], login: Any) -> None:
    page = login(admins["sysadmin"]).get(reverse("accounts:manage")).content.decode()
    assert f'href="{URL}"' in page
    assert f'href="{URL}?person={admins["outsider"].pk}"' in page


def test_the_person_is_found_by_name_or_employee_number(
    org: dict[str, Any], admins: dict[str, User], login: Any
) -> None:
    client = login(admins["sysadmin"])
    number = Staff.objects.get(user=org["accountant"]).employee_no
    page = client.get(URL, {"q": number}).content.decode()
    assert f"?person={org['accountant'].pk}" in page
    assert f"?person={org['clerk'].pk}" not in page
    page = client.get(URL, {"q": "文书"}).content.decode()  # the clerk's full name
    assert f"?person={org['clerk'].pk}" in page


def test_the_page_lists_each_group_with_its_count(scene: dict[str, Any], login: Any) -> None:
    page = login(scene["sysadmin"]).get(URL, {"person": scene["leaver"].pk}).content.decode()
    labels = ("待办", "代理他人的委托", "本人的委托", "秘书", "分管部门", "拟稿的发文", "未提交的申请草稿")
    for label in (*labels, "流程定义中指定的审批人"):
        assert label in page
    assert "差旅报销" in page
    assert "关于节日值班安排的通知" in page
    assert "合同用印（未提交）" in page
    assert 'data-group="tasks" data-how="move"' in page
    assert 'data-group="approval_drafts" data-how="list"' in page
    # to move: 2 to-dos, 1 delegation he acts in, 1 secretary record, 1 department, 1 发文;
    # listed: his own delegation, the definition (the process administrator's), the saved draft
    assert "将交接 6 项；仅列出 3 项。" in page
    assert 'name="deactivate"' in page
    assert 'name="options"' not in page  # republishing a definition is the process administrator's
    assert "此类事项须由有相应权限的管理员交接" in page


def test_the_process_administrator_may_choose_to_republish_but_not_disable(
    scene: dict[str, Any], org: dict[str, Any], login: Any
) -> None:
    ensure_admin_roles()
    grant(org["gm"], Role.objects.get(code="process-admin"))
    client = login(org["gm"])
    page = client.get(URL, {"person": scene["leaver"].pk}).content.decode()
    assert 'name="options" value="definitions"' in page
    assert 'name="deactivate"' not in page
    assert 'data-group="secretaries" data-how="list"' in page
    client.post(
        f"{URL}?person={scene['leaver'].pk}",
        {"successor": "office_head", "reason": "调任", "options": "definitions"},
    )
    assert live_tasks(scene["leaver"]) == []
    assert Secretary.objects.get(pk=scene["secretary"].pk).secretary == scene["leaver"]
    assert ProcessDefinition.objects.filter(key="seal-check").count() == 2


def test_one_button_hands_everything_over_and_disables_the_account(scene: dict[str, Any], login: Any) -> None:
    s = scene
    client = login(s["sysadmin"])
    response = client.post(
        f"{URL}?person={s['leaver'].pk}",
        {"successor": s["successor"].username, "reason": "调任财务部", "deactivate": "on", "token": "t1"},
        follow=True,
    )
    page = response.content.decode()
    assert "项事务交接给" in page
    assert "账户已停用" in page
    assert live_tasks(s["leaver"]) == []
    assert not Secretary.objects.filter(pk=s["secretary"].pk).exists()
    s["leaver"].refresh_from_db()
    assert not s["leaver"].is_active
    record = AuditRecord.objects.get(action="account.handover")
    assert record.detail["deactivated"] is True
    # a doubled submit of the same form changes nothing more
    client.post(
        f"{URL}?person={s['leaver'].pk}", {"successor": s["successor"].username, "reason": "调任财务部", "token": "t1"}
    )
    assert AuditRecord.objects.filter(action="account.handover").count() == 1


def test_the_successor_is_typed_by_username_or_employee_number(scene: dict[str, Any], login: Any) -> None:
    s = scene
    number = Staff.objects.get(user=s["successor"]).employee_no
    login(s["sysadmin"]).post(f"{URL}?person={s['leaver'].pk}", {"successor": number, "reason": "调任"})
    assert live_tasks(s["leaver"]) == []


@pytest.mark.parametrize(
    ("successor", "reason", "message"),
    [
        ("nobody-by-that-name", "调任", "找不到用户名或工号为"),
        ("secadmin", "调任", "接任者不能是管理员账户"),
        ("section_head", "调任", "接任者不能是交接人本人"),
        ("office_head", "", "这个字段是必填项"),
    ],
)
def test_a_refusal_is_shown_on_the_form_and_nothing_changes(
    scene: dict[str, Any], login: Any, successor: str, reason: str, message: str
) -> None:
    s = scene
    response = login(s["sysadmin"]).post(f"{URL}?person={s['leaver'].pk}", {"successor": successor, "reason": reason})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(live_tasks(s["leaver"])) == 2
    assert not AuditRecord.objects.filter(action="account.handover").exists()


def test_an_inactive_successor_is_refused(scene: dict[str, Any], org: dict[str, Any], login: Any) -> None:
    User.objects.filter(pk=org["deputy"].pk).update(is_active=False)
    response = login(scene["sysadmin"]).post(
        f"{URL}?person={scene['leaver'].pk}", {"successor": "deputy", "reason": "调任"}
    )
    assert "接任者的账户已停用" in response.content.decode()
    assert len(live_tasks(scene["leaver"])) == 2


def test_an_unknown_person_is_a_404(admins: dict[str, User], login: Any) -> None:
    assert login(admins["sysadmin"]).get(URL, {"person": 999_999}).status_code == 404


def _pile_up(org: dict[str, Any], person: User, n: int) -> None:
    """``n`` more of each kind of thing naming ``person``: to-dos, departments in charge, drafts."""
    matter = MatterType.objects.get_or_create(code="seal", defaults={"name": "用印", "definition_key": "expense"})[0]
    for i in range(n):
        workflow.instance_start(actor=org["clerk"], definition_key="expense", title=f"报销 {i}")
        make_department(org["unit"], f"部门 {i}", leader_in_charge=person)
        Draft.objects.create(matter=matter, owner=person, title=f"草稿 {i}")


def test_the_listing_costs_the_same_queries_however_much_names_the_person(
    org: dict[str, Any], admins: dict[str, User], login: Any
) -> None:
    workflow.definition_publish(actor=None, spec=EXPENSE)
    client = login(admins["sysadmin"])
    person = org["section_head"]
    _pile_up(org, person, 1)
    client.get(URL, {"person": person.pk})  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, {"person": person.pk}).status_code == 200
    _pile_up(org, person, 8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL, {"person": person.pk}).content.decode()
    assert "报销 7" in page
    assert "部门 7" in page
    assert "草稿 7" in page
    assert len(many) == len(few)


def test_disabling_an_account_with_open_to_dos_warns_and_the_monitor_shows_them_stuck(
    org: dict[str, Any], admins: dict[str, User], login: Any
) -> None:
    """No handover: the disabled account's to-do is flagged for the process administrators, never unseen."""
    workflow.definition_publish(actor=None, spec=EXPENSE)
    instance = workflow.instance_start(actor=org["clerk"], definition_key="expense", title="孤儿报销单")
    holder = Task.objects.get(instance=instance, status=TaskStatus.OPEN).assignee
    assert holder == org["section_head"]
    response = login(admins["sysadmin"]).post(reverse("accounts:account_toggle", args=[holder.pk]), follow=True)
    page = response.content.decode()
    assert "仍有未交接的事项" in page
    assert "待办 1" in page
    holder.refresh_from_db()
    assert not holder.is_active
    ensure_admin_roles()
    grant(org["gm"], Role.objects.get(code="process-admin"))
    stuck = login(org["gm"]).get(reverse("approvals:monitor"), {"stuck": "1"}).content.decode()
    assert "孤儿报销单" in stuck
    assert "已停用" in stuck
    assert "无人办理" in stuck

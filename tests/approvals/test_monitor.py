"""流程监控: process administrators find any running request within their data scope; stuck ones (late, or
held by a deactivated account) come first; everybody else gets a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.workflow.models import Task, TaskStatus
from tests.approvals import test_inbox
from tests.conftest import grant, make_department, make_staff, make_unit, make_user

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def _admin() -> Any:
    """A process administrator of the whole group (data scope 全部)."""
    admin = make_user("process_admin")
    role = Role.objects.create(
        code="process_admin", name="流程管理员", permissions=[Perm.MANAGE_PROCESSES], data_scope=DataScope.ALL
    )
    grant(admin, role)
    return admin


def test_an_administrator_sees_only_requests_started_within_his_data_scope(
    org: dict[str, Any], flows: dict[str, Any], login: Any
) -> None:
    submit(org["clerk"], flows["leave"], "年假三天")
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"))  # built in: 本单位
    other = make_staff(make_department(make_unit("other", name="另一家公司"), "办公室"), username="other_admin")
    grant(other, Role.objects.get(code="process-admin"))
    assert "年假三天" in login(org["office_head"]).get("/approvals/monitor/").content.decode()
    assert "年假三天" not in login(other).get("/approvals/monitor/").content.decode()


def test_stuck_requests_come_first_and_say_why(org: dict[str, Any], flows: dict[str, Any], login: Any) -> None:
    calm = submit(org["clerk"], flows["leave"], "年假三天")
    late = submit(org["clerk"], flows["leave"], "事假一天")
    orphan = submit(org["accountant"], flows["leave"], "病假两天")
    Task.objects.filter(instance=late, status=TaskStatus.OPEN).update(due_at=timezone.now() - timedelta(hours=3))
    holder = Task.objects.filter(instance=orphan, status=TaskStatus.OPEN).first().assignee
    holder.is_active = False
    holder.save(update_fields=["is_active"])
    page = login(_admin()).get("/approvals/monitor/").content.decode()
    assert page.index("病假两天") < page.index("事假一天") < page.index("年假三天")
    for reason in ("无人办理", "已停用", "超时"):
        assert reason in page
    assert login(org["office_head"]).get("/approvals/monitor/").status_code == 404  # not a process administrator
    assert calm.pk != late.pk


def test_filters_narrow_the_list(org: dict[str, Any], flows: dict[str, Any], login: Any) -> None:
    submit(org["clerk"], flows["leave"], "年假三天")
    submit(org["accountant"], flows["seal"], "合同用印")
    client = login(_admin())
    assert "年假三天" not in client.get("/approvals/monitor/", {"definition": "seal"}).content.decode()
    by_dept = client.get("/approvals/monitor/", {"department": org["finance"].pk}).content.decode()
    assert "合同用印" in by_dept
    assert "年假三天" not in by_dept
    by_name = client.get("/approvals/monitor/", {"q": org["accountant"].full_name}).content.decode()
    assert "合同用印" in by_name
    assert "年假三天" not in by_name
    assert "年假三天" not in client.get("/approvals/monitor/", {"stuck": "1"}).content.decode()


def test_the_list_costs_the_same_queries_for_many_rows(org: dict[str, Any], flows: dict[str, Any], login: Any) -> None:
    client = login(_admin())
    submit(org["clerk"], flows["leave"], "请假 0")
    client.get("/approvals/monitor/")
    with CaptureQueriesContext(connection) as few:
        client.get("/approvals/monitor/")
    for i in range(1, 8):
        submit(org["clerk"] if i % 2 else org["accountant"], flows["leave"], f"请假 {i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/approvals/monitor/")
    assert len(many) == len(few)

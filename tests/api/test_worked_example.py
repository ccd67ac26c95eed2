"""The worked example of docs/api.md, step by step over HTTP: a token made on the 接口令牌 page, the matter's
notification, the person search, a submission retried with the same key, the head's inbox and approval."""

from __future__ import annotations

from django.test import Client

from sanfu.accounts.models import User
from sanfu.approvals.models import Request
from sanfu.workflow.models import Task
from tests.api.conftest import LEAVE, ApiClient


def _token_from_the_page(username: str, scopes: list[str]) -> str:
    page = Client()
    page.force_login(User.objects.get(username=username))
    created = page.post("/tokens/", {"name": "请假系统", "scopes": scopes, "days": "30"})
    assert created.status_code == 200
    return str(created.context["secret"])


def test_the_worked_example_of_the_api_guide(demo):
    staff = ApiClient(_token_from_the_page("staff", ["approvals:read", "approvals:write", "org:read"]))

    leave = staff.get("/approvals/matters/leave")
    assert leave.status_code == 200
    assert {f["name"] for f in leave.json()["form_schema"]["fields"]} >= {"kind", "period", "handover", "reason"}

    found = staff.get("/org/people", q="bgszr").json()  # 办公室主任 by the initials of the post's holder
    handover = found[0]["user_id"] if found else demo["people"]["office_head"].pk

    body = {"matter": "leave", "title": "事假两天", "data": {**LEAVE, "handover": handover}}
    first = staff.post("/approvals/requests", body, key="leave-2026-12-14")
    retried = staff.post("/approvals/requests", body, key="leave-2026-12-14")
    assert first.status_code == 201
    assert retried.json() == first.json()
    assert Request.objects.count() == 1
    created = first.json()

    task = Task.objects.get(pk=created["open_tasks"][0]["id"])
    head = ApiClient(_token_from_the_page(task.assignee.username, ["approvals:read", "approvals:write"]))
    todo = head.get("/approvals/inbox", box="todo").json()["items"]
    assert [item["request_id"] for item in todo] == [created["id"]]
    approved = head.post(
        f"/approvals/requests/{created['id']}/approve", {"comment": "同意", "version": created["version"]}
    )
    assert approved.status_code == 200
    assert approved.json()["version"] > created["version"]
    assert Task.objects.get(pk=task.pk).status == "approved"

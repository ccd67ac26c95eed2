"""The 审批中心 over HTTP with a token: the same rules as the pages, errors in one envelope, idempotency keys,
optimistic concurrency as 409 with the current version, cursor pagination."""

from __future__ import annotations

import pytest

from sanfu.approvals.models import Request
from sanfu.workflow.models import Instance, InstanceEvent, Task
from tests.api.conftest import LEAVE, leave_for


def _todo(client):
    return client.get("/approvals/inbox", box="todo").json()["items"]


def test_an_employee_submits_and_the_head_approves_over_http(api, demo):
    staff, head = api("staff"), None
    created = leave_for(staff, demo)
    assert created["status"] == "running"
    assert created["number"].startswith("QJ")
    holders = [t["assignee"] for t in created["open_tasks"]]
    assert holders
    task = Task.objects.get(pk=created["open_tasks"][0]["id"])
    head = api(task.assignee.username)
    assert any(item["request_id"] == created["id"] for item in _todo(head))
    approved = head.post(f"/approvals/requests/{created['id']}/approve", {"comment": "同意"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["version"] > created["version"]
    detail = staff.get(f"/approvals/requests/{created['id']}").json()
    assert any(e["type"] == "task_approved" or "approv" in e["type"] for e in detail["history"])


def test_a_missing_field_is_a_422_listing_every_problem_and_nothing_is_created(api, demo):
    staff = api("staff")
    response = staff.post("/approvals/requests", {"matter": "leave", "title": "请假", "data": {"kind": "事假"}})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid"
    fields = {d.get("field") for d in body["details"]}
    assert {"period", "handover", "reason"} <= fields
    assert Request.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"matter": "leave"}, {"matter": "leave", "title": "x", "urgency": "很急"}, {"matter": 1, "title": []}],
)
def test_malformed_bodies_are_a_422_validation_failed(api, demo, body):
    response = api("staff").post("/approvals/requests", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"
    assert response.json()["error"]["details"]


def test_an_unknown_or_hidden_matter_is_a_404(api, demo):
    response = api("staff").post("/approvals/requests", {"matter": "nope", "title": "x", "data": {}})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_someone_elses_request_is_a_404_on_read_and_on_every_action(api, demo):
    created = leave_for(api("staff"), demo)
    outsider = api("finance_head")
    assert outsider.get(f"/approvals/requests/{created['id']}").status_code == 404
    for action, body in [
        ("approve", {}),
        ("reject", {"comment": "不"}),
        ("return", {"comment": "不"}),
        ("transfer", {"to": demo["people"]["clerk"].pk}),
        ("signers", {"people": [demo["people"]["clerk"].pk]}),
        ("withdraw", {}),
        ("urge", {}),
        ("comments", {"comment": "看看"}),
    ]:
        response = outsider.post(f"/approvals/requests/{created['id']}/{action}", body)
        assert response.status_code == 404, (action, response.content)
    assert InstanceEvent.objects.filter(instance_id=created["id"]).count() == len(
        Instance.objects.get(pk=created["id"]).events.all()
    )


def test_only_the_assignee_acts_others_who_can_see_it_are_refused(api, demo):
    staff = api("staff")
    created = leave_for(staff, demo)
    version = Instance.objects.get(pk=created["id"]).version
    response = staff.post(f"/approvals/requests/{created['id']}/approve", {"comment": "我自己同意"})
    assert response.status_code == 409  # the service's answer: no task of his to act on here
    assert "没有待处理的事项" in response.json()["error"]["message"]
    assert Instance.objects.get(pk=created["id"]).version == version


def test_a_retried_action_with_the_same_idempotency_key_applies_once(api, demo):
    staff = api("staff")
    first = staff.post("/approvals/requests", _leave_body(demo), key="submit-1")
    again = staff.post("/approvals/requests", _leave_body(demo), key="submit-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Request.objects.count() == 1
    reused = staff.post("/approvals/requests", {**_leave_body(demo), "title": "另一件"}, key="submit-1")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert Request.objects.count() == 1


def test_a_refused_request_is_not_remembered_so_the_corrected_one_goes_through(api, demo):
    staff = api("staff")
    bad = staff.post("/approvals/requests", {"matter": "leave", "title": "x", "data": {}}, key="k-2")
    assert bad.status_code == 422
    good = staff.post("/approvals/requests", _leave_body(demo), key="k-2")
    assert good.status_code == 201


def test_a_stale_version_is_a_409_with_the_current_version(api, demo):
    staff = api("staff")
    created = leave_for(staff, demo)
    staff.post(f"/approvals/requests/{created['id']}/comments", {"comment": "补充说明"})
    current = Instance.objects.get(pk=created["id"]).version
    task = Task.objects.filter(instance_id=created["id"], status="open").first()
    head = api(task.assignee.username)
    stale = head.post(f"/approvals/requests/{created['id']}/approve", {"version": created["version"] - 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert stale.json()["error"]["current_version"] == current
    assert Task.objects.get(pk=task.pk).status == "open"


def test_the_inbox_pages_with_a_cursor_and_no_row_twice(api, demo):
    staff = api("staff")
    ids = {leave_for(staff, demo, title=f"第{i}次")["id"] for i in range(5)}
    seen, cursor = [], None
    while True:
        page = staff.get("/approvals/requests", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, reverse=True)
    bad = staff.get("/approvals/requests", cursor="!!!")
    assert bad.status_code == 422


def test_withdraw_urge_and_comment_by_the_initiator(api, demo):
    staff = api("staff")
    created = leave_for(staff, demo)
    assert staff.post(f"/approvals/requests/{created['id']}/urge", {"comment": "请尽快"}).status_code == 200
    assert staff.post(f"/approvals/requests/{created['id']}/comments", {"comment": "补充"}).status_code == 200
    withdrawn = staff.post(f"/approvals/requests/{created['id']}/withdraw", {"comment": "不请了"})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"


def test_matters_list_their_materials_up_front(api, demo):
    matters = api("staff").get("/approvals/matters").json()
    expense = next(m for m in matters if m["code"] == "expense")
    assert {m["code"] for m in expense["materials"]} >= {"invoice", "list"}
    assert all(m["standard"] for m in expense["materials"])


def _leave_body(demo):
    return {"matter": "leave", "title": "事假两天", "data": {**LEAVE, "handover": demo["people"]["office_head"].pk}}

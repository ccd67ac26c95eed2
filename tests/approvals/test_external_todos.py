"""统一待办: other systems push their to-dos into a person's 我的待办 and close them — the service's rules, the
REST operations, and the inbox that lists them beside Sanfu's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.api.tokens import token_issue
from sanfu.approvals.models import ExternalTodo, ExternalTodoStatus
from sanfu.approvals.selectors import inbox as selectors
from sanfu.approvals.services import external
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from tests.approvals import test_inbox
from tests.conftest import make_user

flows = test_inbox.flows  # the shared fixture: a leave flow whose first step is the initiator's head

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(admins: dict[str, User]) -> User:
    """An integration account with a token the system administrator issued."""
    return make_user("erp_bot", full_name="ERP 集成")


def _push(actor: User, person: User, external_id: str = "PO-1", **extra: Any) -> tuple[ExternalTodo, bool]:
    fields: dict[str, Any] = {
        "source": "erp",
        "source_name": "采购系统",
        "title": "采购订单待审核",
        "url": "https://erp.example.com/po/1",
        "integration": True,
        **extra,
    }
    return external.todo_push(actor=actor, person=person, external_id=external_id, **fields)


def _audits(verb: str) -> int:
    return AuditRecord.objects.filter(action=f"approvals.external_todo.{verb}").count()


# --- the service ---------------------------------------------------------------------------------------------


def test_a_push_creates_and_the_same_id_again_updates_the_same_to_do(org: dict[str, Any], erp: User) -> None:
    todo, created = _push(erp, org["clerk"])
    assert created
    assert (todo.person, todo.status, todo.pushed_by) == (org["clerk"], ExternalTodoStatus.OPEN, erp)
    due = timezone.now() + timedelta(days=2)
    again, created = _push(erp, org["clerk"], title="采购订单待审核（已修改）", due_at=due)
    assert not created
    assert again.pk == todo.pk
    assert ExternalTodo.objects.get().title == "采购订单待审核（已修改）"
    assert ExternalTodo.objects.get().due_at == due
    assert _audits("push") == 2
    _push(erp, org["clerk"], title="采购订单待审核（已修改）", due_at=due)  # nothing changes: nothing audited
    assert _audits("push") == 2


def test_a_person_is_found_by_username_or_employee_number(org: dict[str, Any]) -> None:
    clerk = org["clerk"]
    assert external.person_named(username="clerk") == clerk
    assert external.person_named(employee_no=clerk.staff.employee_no) == clerk
    for given in [{"username": "nobody"}, {"employee_no": "X0"}, {}, {"username": "clerk", "employee_no": "X"}]:
        with pytest.raises(ApplicationError):
            external.person_named(**given)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError):
        external.person_named(username="clerk")


def test_a_personal_token_pushes_only_the_persons_own_to_dos(org: dict[str, Any]) -> None:
    clerk = org["clerk"]
    with pytest.raises(PermissionDeniedError):
        _push(clerk, org["office_head"], integration=False)
    todo, _created = _push(clerk, clerk, integration=False, source="notes")
    assert todo.person == clerk


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript://example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://erp.example.com/po/1",
        "//erp.example.com/po/1",
        "/po/1",
        "https://",
        "https://user:secret@erp.example.com/po/1",
        "https://erp.example.com/po/1\nx",
        "https://erp.example.com/" + "a" * 500,
    ],
)
def test_only_http_links_back_are_taken(org: dict[str, Any], erp: User, url: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        _push(erp, org["clerk"], url=url)
    assert refused.value.errors[0]["field"] == "url"
    assert not ExternalTodo.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "长" * 201),
        ("title", "换行\x00"),
        ("source", "erp/x"),
        ("source", "a" * 33),
        ("source", ""),
        ("external_id", "PO/1"),
        ("external_id", ".."),
        ("external_id", "x" * 129),
        ("source_name", "名" * 65),
    ],
)
def test_lengths_and_characters_are_checked(org: dict[str, Any], erp: User, field: str, value: str) -> None:
    given = {"external_id": "PO-1", field: value}
    with pytest.raises(ApplicationError) as refused:
        _push(erp, org["clerk"], **given)
    assert refused.value.errors[0]["field"] == field


def test_closing_twice_is_harmless_and_a_closed_to_do_stays_closed(org: dict[str, Any], erp: User) -> None:
    _push(erp, org["clerk"])
    closed = external.todo_close(actor=erp, integration=True, source="erp", external_id="PO-1")
    assert closed.status == ExternalTodoStatus.DONE
    at = closed.closed_at
    again = external.todo_close(actor=erp, integration=True, source="erp", external_id="PO-1", outcome="cancelled")
    assert (again.status, again.closed_at) == (ExternalTodoStatus.DONE, at)
    assert _audits("close") == 1
    late_retry, _created = _push(erp, org["clerk"], title="迟到的重试")
    assert late_retry.status == ExternalTodoStatus.DONE


def test_only_the_pushing_account_closes_or_updates_and_a_source_belongs_to_one_account(
    org: dict[str, Any], erp: User
) -> None:
    _push(erp, org["clerk"])
    other = make_user("crm_bot")
    with pytest.raises(NotFoundError):
        external.todo_close(actor=other, integration=True, source="erp", external_id="PO-1")
    with pytest.raises(PermissionDeniedError):
        _push(other, org["clerk"])  # the same id
    with pytest.raises(PermissionDeniedError):
        _push(other, org["clerk"], external_id="PO-2")  # another id of a source that is erp_bot's
    with pytest.raises(NotFoundError):
        external.todo_close(actor=erp, integration=True, source="erp", external_id="PO-9")
    with pytest.raises(ApplicationError):
        external.todo_close(actor=erp, integration=True, source="erp", external_id="PO-1", outcome="reopened")
    assert ExternalTodo.objects.get().status == ExternalTodoStatus.OPEN


# --- the inbox -----------------------------------------------------------------------------------------------


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _todo_rows(client: Client, **params: Any) -> list[Any]:
    response = client.get(reverse("approvals:inbox"), {"tab": "todo", **params})
    assert response.status_code == 200
    return list(response.context["rows"])


def test_the_inbox_lists_them_beside_sanfus_own_marked_and_counted(
    org: dict[str, Any], flows: dict[str, Any], erp: User
) -> None:
    head = org["section_head"]
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    instance.tasks.filter(assignee=head).update(due_at=timezone.now() + timedelta(days=3))
    _push(erp, head, title="合同用印待确认", due_at=timezone.now() + timedelta(days=1))
    _push(erp, head, external_id="PO-2", title="没有期限的订单")
    client = _login(head)
    rows = _todo_rows(client)
    # soonest deadline first, whichever system the to-do is from; no deadline last
    assert [r.title for r in rows] == ["合同用印待确认", "年假五天", "没有期限的订单"]
    assert [r.source for r in rows] == ["采购系统", "", "采购系统"]
    page = client.get(reverse("approvals:inbox")).content.decode()
    assert 'href="https://erp.example.com/po/1" target="_blank" rel="noopener noreferrer"' in page
    assert selectors.todo_count(head) == 3
    assert selectors.tab_counts(head)["todo"] == 3
    assert '<span class="badge rounded-pill text-bg-danger" data-count="todo">3</span>' in page
    # the home page is the same list
    assert "合同用印待确认" in client.get(reverse("web:home")).content.decode()


def test_closed_to_dos_leave_the_to_do_list_and_done_ones_are_listed_as_done(org: dict[str, Any], erp: User) -> None:
    clerk = org["clerk"]
    _push(erp, clerk, external_id="PO-1", title="办完的订单")
    _push(erp, clerk, external_id="PO-2", title="撤销的订单")
    _push(erp, clerk, external_id="PO-3", title="还要办的订单")
    external.todo_close(actor=erp, integration=True, source="erp", external_id="PO-1")
    external.todo_close(actor=erp, integration=True, source="erp", external_id="PO-2", outcome="cancelled")
    client = _login(clerk)
    assert [r.title for r in _todo_rows(client)] == ["还要办的订单"]
    done = client.get(reverse("approvals:inbox"), {"tab": "done"}).context["rows"]
    assert [(r.title, r.status) for r in done] == [("办完的订单", "已办理")]
    assert selectors.tab_counts(clerk)["done"] == 1
    assert selectors.todo_count(clerk) == 1


def test_the_inbox_filters_apply_to_them(org: dict[str, Any], flows: dict[str, Any], erp: User) -> None:
    head = org["section_head"]
    test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    _push(erp, head, title="合同用印待确认", due_at=timezone.now() - timedelta(hours=1))
    client = _login(head)
    assert [r.title for r in _todo_rows(client, q="合同")] == ["合同用印待确认"]
    assert [r.title for r in _todo_rows(client, q="采购系统")] == ["合同用印待确认"]  # by the system's name
    assert [r.title for r in _todo_rows(client, matter=flows["leave"].pk)] == ["年假五天"]  # no matter: not listed
    late = _todo_rows(client, overdue="1")
    assert [(r.title, r.overdue) for r in late] == [("合同用印待确认", True)]


def test_the_to_do_list_costs_the_same_queries_with_one_or_many_of_them(
    org: dict[str, Any], flows: dict[str, Any], erp: User
) -> None:
    head = org["section_head"]
    test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    _push(erp, head, external_id="PO-0")
    client = _login(head)
    url = reverse("approvals:inbox")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(1, 8):
        _push(erp, head, external_id=f"PO-{i}", title=f"订单{i}")
        test_inbox.submit(org["clerk"], flows["leave"], f"事假{i}")
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 16
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pages_interleave_both_kinds_without_losing_or_repeating_a_row(org: dict[str, Any], erp: User) -> None:
    clerk = org["clerk"]
    soon = timezone.now() + timedelta(days=1)
    for i in range(25):
        _push(erp, clerk, external_id=f"PO-{i}", title=f"订单{i:02d}", due_at=soon + timedelta(minutes=i))
    client = _login(clerk)
    first, second = _todo_rows(client), _todo_rows(client, page=2)
    assert [r.title for r in first + second] == [f"订单{i:02d}" for i in range(25)]


# --- over HTTP -----------------------------------------------------------------------------------------------


class Api:
    def __init__(self, raw: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)


@pytest.fixture
def erp_api(admins: dict[str, User], erp: User) -> Api:
    _token, raw = token_issue(actor=admins["sysadmin"], holder=erp, name="ERP", scopes=["todos:write"], days=30)
    return Api(raw)


def _own_api(user: User, scopes: list[str]) -> Api:
    _token, raw = token_issue(actor=user, name="mine", scopes=scopes, days=30)
    return Api(raw)


BODY = {
    "person": "clerk",
    "source": "erp",
    "source_name": "采购系统",
    "external_id": "PO-1",
    "title": "采购订单待审核",
    "url": "https://erp.example.com/po/1",
    "due_at": "2026-12-20T17:00:00+08:00",
}


def test_an_integration_pushes_updates_lists_and_closes_over_http(org: dict[str, Any], erp_api: Api) -> None:
    created = erp_api.post("/todos", BODY)
    assert created.status_code == 201, created.content.decode()
    assert created.json()["status"] == "open"
    assert created.json()["person"] == "clerk"
    by_number = {**BODY, "person": "", "employee_no": org["clerk"].staff.employee_no, "title": "改了标题"}
    updated = erp_api.post("/todos", by_number)
    assert updated.status_code == 200
    assert updated.json()["title"] == "改了标题"
    erp_api.post("/todos", {**BODY, "person": "accountant", "external_id": "PO-2"})
    listed = erp_api.get("/todos", person="clerk")
    assert [i["external_id"] for i in listed.json()["items"]] == ["PO-1"]
    assert len(erp_api.get("/todos").json()["items"]) == 2
    closed = erp_api.post("/todos/erp/PO-1/close", {"outcome": "done"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "done"
    assert erp_api.post("/todos/erp/PO-1/close", {}).json()["status"] == "done"  # twice: the same answer
    assert [i["external_id"] for i in erp_api.get("/todos", status="open").json()["items"]] == ["PO-2"]
    assert erp_api.post("/todos/erp/PO-404/close", {}).status_code == 404


def test_http_refusals(org: dict[str, Any], erp_api: Api) -> None:
    bad_link = erp_api.post("/todos", {**BODY, "url": "javascript:alert(document.cookie)"})
    assert bad_link.status_code == 422
    assert bad_link.json()["error"]["details"][0]["field"] == "url"
    assert erp_api.post("/todos", {**BODY, "title": "长" * 201}).status_code == 422
    assert erp_api.post("/todos", {**BODY, "surprise": 1}).status_code == 422
    assert erp_api.post("/todos", {**BODY, "person": "nobody"}).status_code == 422
    clerk_own = _own_api(org["clerk"], ["todos:write"])
    assert clerk_own.post("/todos", {**BODY, "source": "notes", "person": "accountant"}).status_code == 403
    assert clerk_own.post("/todos", {**BODY, "source": "notes"}).status_code == 201
    assert clerk_own.post("/todos/erp/PO-1/close", {}).status_code == 404  # not theirs
    no_scope = _own_api(org["accountant"], ["org:read"])
    refused = no_scope.post("/todos", {**BODY, "person": "accountant"})
    assert refused.status_code == 403
    assert "todos:write" in refused.json()["error"]["message"]
    assert Api("sf_nothing").get("/todos").status_code == 401


def test_what_is_pushed_over_http_shows_in_the_persons_inbox(org: dict[str, Any], erp_api: Api) -> None:
    erp_api.post("/todos", BODY)
    client = _login(org["clerk"])
    assert [r.title for r in _todo_rows(client)] == ["采购订单待审核"]
    erp_api.post("/todos/erp/PO-1/close", {})
    assert _todo_rows(client) == []

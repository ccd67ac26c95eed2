"""The pages over HTTP: filing a request with its departments and deadlines, answering, drafting, deciding, issuing,
the library's search, the refusals (shown, nothing changed) and others' requests (404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.briefing.models import Material, MaterialState, Request, Revision, State
from tests.briefing.conftest import new_request, pdf, to_state

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_a_leader_files_a_request_through_the_form(world: dict[str, Any], login: Login) -> None:
    client = login(world["gm"])
    assert client.get(reverse("briefing:new")).status_code == 200
    due = timezone.localdate() + timedelta(days=7)
    form = {
        "kind": "info_report",
        "title": "本周经营信息",
        "needs": "请报送本周经营数据。",
        "due_on": due.isoformat(),
        "requested_by": world["gm"].pk,
        "owner": world["clerk"].pk,
        "confidentiality": "internal",
        "ask": [world["finance"].pk],
        f"deadline_{world['finance'].pk}": (due - timedelta(days=2)).isoformat(),
    }
    response = client.post(reverse("briefing:new"), form)
    created = Request.objects.get(title="本周经营信息")
    assert response.status_code == 302
    assert response.url == reverse("briefing:request", args=[created.pk])
    assert list(created.materials.values_list("department_id", "deadline")) == [
        (world["finance"].pk, due - timedelta(days=2))
    ]


def test_a_bad_form_says_why_and_files_nothing(world: dict[str, Any], login: Login) -> None:
    client = login(world["gm"])
    due = timezone.localdate() + timedelta(days=7)
    base = {
        "kind": "research",
        "title": "调研",
        "needs": "x",
        "due_on": due.isoformat(),
        "requested_by": world["gm"].pk,
        "owner": world["clerk"].pk,
        "confidentiality": "internal",
    }
    response = client.post(reverse("briefing:new"), base)
    assert response.status_code == 200
    assert "请至少选择一个报送材料的部门" in _messages(response)
    missing = client.post(
        reverse("briefing:new"), {**base, "ask": [world["finance"].pk], f"deadline_{world['finance'].pk}": ""}
    )
    assert "请填写部门“财务部”的报送时限" in _messages(missing)
    assert client.post(reverse("briefing:new"), {**base, "title": ""}).status_code == 200
    assert not Request.objects.exists()
    assert login(world["accountant"]).get(reverse("briefing:new")).status_code == 404


def test_the_loop_over_http(world: dict[str, Any], login: Login) -> None:
    request = new_request(world)
    clerk, gm, accountant = login(world["clerk"]), login(world["gm"]), login(world["accountant"])
    act = lambda name: reverse("briefing:act", args=[request.pk, name])  # noqa: E731
    assert clerk.post(act("confirm")).status_code == 302
    page = accountant.get(reverse("briefing:request", args=[request.pk]))
    assert page.status_code == 200
    assert f"material-form-{world['finance'].pk}" in page.text
    assert f"material-form-{world['section'].pk}" not in page.text  # another department's form is not his
    accountant.post(act("material"), {"department": world["finance"].pk, "text": "数据", "files": [pdf()]})
    clerk.post(act("decline"), {"department": world["section"].pk, "reason": "无"})
    assert set(Material.objects.values_list("state", flat=True)) == {MaterialState.SUBMITTED, MaterialState.NONE}
    material_file = Material.objects.get(department=world["finance"]).files.get()
    download = clerk.get(reverse("briefing:file", args=[request.pk, material_file.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    clerk.post(act("close-collection"))
    clerk.post(act("draft"), {"text": "第一稿", "note": "初稿"})
    clerk.post(act("draft"), {"text": "第二稿"})
    assert list(Revision.objects.values_list("no", flat=True)) == [1, 2]
    first = clerk.get(reverse("briefing:revision", args=[request.pk, 1]))
    assert first.status_code == 200
    assert "第一稿" in first.text
    clerk.post(act("submit"))
    gm.post(act("return"), {"text": "请补充"})
    assert Request.objects.get(pk=request.pk).state == State.ANALYSING
    clerk.post(act("draft"), {"text": "第三稿"})
    clerk.post(act("submit"))
    gm.post(act("approve"), {"text": "同意"})
    refused = clerk.post(act("issue"), {"output": "brief"}, follow=True)
    assert "请选择内部简报的阅读范围" in _messages(refused)
    clerk.post(act("issue"), {"output": "brief", "readers": [world["finance_head"].pk]})
    issued = Request.objects.get(pk=request.pk)
    assert issued.state == State.ISSUED
    assert issued.result_text == "第三稿"
    reader = login(world["finance_head"])
    library = reader.get(reverse("briefing:library"), {"q": "迎峰度夏"})
    assert request.title in library.text
    assert "第三稿" in reader.get(reverse("briefing:request", args=[request.pk])).text
    assert reader.get(reverse("briefing:revision", args=[request.pk, 1])).status_code == 404  # drafts: insiders


def test_a_refused_action_is_shown_and_changes_nothing(world: dict[str, Any], login: Login) -> None:
    request = to_state(world, new_request(world), "collecting")
    client = login(world["clerk"])
    response = client.post(reverse("briefing:act", args=[request.pk, "close-collection"]), follow=True)
    assert "尚未报送" in _messages(response)
    assert Request.objects.get(pk=request.pk).state == State.COLLECTING
    response = client.post(reverse("briefing:act", args=[request.pk, "draft"]), {"text": ""}, follow=True)
    assert "请填写稿件正文" in _messages(response)
    assert client.post(reverse("briefing:act", args=[request.pk, "nonsense"])).status_code == 404
    assert client.get(reverse("briefing:act", args=[request.pk, "confirm"])).status_code == 405


def test_others_get_404(world: dict[str, Any], login: Login) -> None:
    request = new_request(world)
    outsider = login(world["outsider"])
    assert outsider.get(reverse("briefing:request", args=[request.pk])).status_code == 404
    assert outsider.post(reverse("briefing:act", args=[request.pk, "confirm"])).status_code == 404
    assert Request.objects.get(pk=request.pk).state == State.INTAKE
    assert request.title not in outsider.get(reverse("briefing:list")).text


def test_list_and_library_queries_do_not_grow_with_rows(world: dict[str, Any], login: Login) -> None:
    client = login(world["gm"])
    to_state(world, new_request(world), "issued")
    new_request(world)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as listed:
            assert client.get(reverse("briefing:list")).status_code == 200
        with CaptureQueriesContext(connection) as searched:
            assert client.get(reverse("briefing:library")).status_code == 200
        return len(listed), len(searched)

    counts()  # the first request reads what is cached for the next ones
    few = counts()
    for _ in range(4):
        to_state(world, new_request(world), "issued")
        new_request(world)
    assert counts() == few


def test_the_department_head_finds_the_material_in_my_todos(world: dict[str, Any], login: Login) -> None:
    request = to_state(world, new_request(world), "collecting")
    page = login(world["finance_head"]).get(reverse("approvals:inbox"), {"tab": "briefing"})
    assert page.status_code == 200
    assert request.title in page.text
    assert "待报送材料" in page.text

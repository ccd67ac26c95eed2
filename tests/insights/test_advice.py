"""Streamlining advice on a log where every answer is known (tests/insights/advice_world.py): the necessity test
and its suggestions, 秒批, 压件; the page, its drill-downs, the Excel workbook and the API; applying a suggestion
as a draft (process administrators only, the published version untouched)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from sanfu.api.tokens import token_issue
from sanfu.approvals.models import Attachment, MatterType, Request
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord
from sanfu.insights import advice, redesign
from sanfu.workflow import services as flow
from sanfu.workflow.engine import parse_definition
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition
from tests.insights.advice_world import approve, at, start

pytestmark = pytest.mark.django_db

ADVICE = reverse("insights:advice")
XLSX = reverse("insights:advice_xlsx")
DRILL = reverse("insights:advice_drill_down")
APPLY = reverse("insights:advice_apply")
PERIOD = {"from": "2026-08", "to": "2026-10"}


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    """Early November: August–October are the last three closed months (the default period)."""
    with time_machine.travel(at(5, 9, month=11), tick=True):
        yield


@pytest.fixture(scope="module")
def page(advice_scene: dict[str, Any], django_db_blocker: Any) -> dict[str, Any]:
    """The office head's page over the default period, read once for the module's assertions."""
    with django_db_blocker.unblock(), time_machine.travel(at(5, 9, month=11), tick=True):
        user = advice_scene["office_head"]
        client = Client()
        client.force_login(user)
        session = client.session  # a process administrator has passed the second factor
        session["otp_device_id"] = TOTPDevice.objects.create(user=user, name="test", confirmed=True).persistent_id
        session.save()
        response = client.get(ADVICE)
        assert response.status_code == 200
        return {"a": response.context["a"], "html": response.content.decode()}


def _by(rows: list[dict[str, Any]], key: str = "ref") -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in rows}


def test_a_node_that_always_approves_quickly_and_says_nothing_is_suggested_for_filing(page: dict[str, Any]) -> None:
    a = page["a"]
    assert a["period"] == "2026-08—2026-10"
    filing = _by([s for s in a["suggestions"] if s["kind"] == "filing"])
    assert set(filing) == {"buy|review", "buy|big"}
    review = filing["buy|review"]
    assert review["evidence"] == {
        "acted": 6,
        "approval_rate": 100.0,
        "commented": 0,  # 同意, 已阅。, OK and empty say nothing
        "comment_rate": 0.0,
        "hours_p50": 2.0,
        "changed": 0,
    }
    assert review["node_name"] == "审核"
    assert 'data-ref="buy|review"' in page["html"]
    assert "改为备案" in page["html"]


def test_a_node_that_says_no_or_comments_is_not_suggested(page: dict[str, Any]) -> None:
    nodes = _by(page["a"]["nodes"])
    assert (nodes["buy|check"]["said_no"], nodes["buy|check"]["changed"]) == (1, 1)  # G1 不同意
    assert nodes["leave|approve"]["commented"] == 6
    suggested = {s["ref"] for s in page["a"]["suggestions"]}
    assert "buy|check" not in suggested
    assert "leave|approve" not in suggested


def test_a_threshold_that_sends_most_amounts_to_a_silent_node_is_suggested_higher(page: dict[str, Any]) -> None:
    (moved,) = [s for s in page["a"]["suggestions"] if s["kind"] == "threshold"]
    assert (moved["ref"], moved["threshold"], moved["proposed"]) == ("buy|route|1", 10000.0, 27000.0)
    assert (moved["evidence"]["routed"], moved["evidence"]["with_amount"], moved["evidence"]["routed_rate"]) == (
        8,
        15,
        53.3,
    )
    assert moved["evidence"]["still_above"] == 2  # 28,000 and 30,000


def test_stock_phrases_are_not_content() -> None:
    comments = pl.Series(["同意", "已阅。", " OK ", "", None, "同意！", "金额偏高，请压缩", "如拟"])
    content = pl.select(advice.has_content(pl.lit(comments))).to_series().to_list()
    assert content == [False, False, False, False, False, False, True, False]


def test_a_quick_approval_without_opening_the_materials_is_found(
    advice_scene: dict[str, Any], page: dict[str, Any]
) -> None:
    (quick,) = page["a"]["quick_tasks"]
    assert quick["instance"] == advice_scene["b1"].pk  # B2 was as quick, but its file was opened first
    assert (quick["person"], quick["seconds"]) == (advice_scene["deputy"].pk, 8.0)
    (summary,) = page["a"]["quick"]
    assert (summary["quick"], summary["approved"], summary["quick_rate"]) == (1, 8, 12.5)


def test_the_quick_window_is_the_readers_choice(advice_scene: dict[str, Any], login: Any) -> None:
    response = login(advice_scene["office_head"]).get(ADVICE, {**PERIOD, "seconds": "5"})
    assert response.context["a"]["quick"] == []


def test_a_task_held_far_longer_than_its_peers_is_found(advice_scene: dict[str, Any], page: dict[str, Any]) -> None:
    held = {r["instance"]: r for r in page["a"]["held"]}
    assert set(held) == {advice_scene["b8"].pk, advice_scene["g1"].pk}
    b8 = held[advice_scene["b8"].pk]
    assert (b8["node"], b8["person"], b8["held"], b8["node_p50"], b8["node_p90"]) == (
        "check",
        advice_scene["finance_head"].pk,
        45.0,
        2.0,
        9.8,
    )


def test_each_finding_drills_to_its_instances(advice_scene: dict[str, Any], login: Any) -> None:
    client = login(advice_scene["office_head"])
    response = client.get(
        DRILL, {**PERIOD, "finding": "splits", "ref": f"{advice_scene['s1'].pk}|{advice_scene['s2'].pk}"}
    )
    assert response.status_code == 200
    assert [i.pk for i, _page in response.context["d"].rows] == [advice_scene["s1"].pk, advice_scene["s2"].pk]
    response = client.get(DRILL, {**PERIOD, "finding": "nodes", "ref": "buy|review"})
    assert len(response.context["d"].rows) == 6


def test_a_leader_reads_the_advice_but_lists_only_what_he_may_open(advice_scene: dict[str, Any], login: Any) -> None:
    client = login(advice_scene["gm"])
    response = client.get(ADVICE, PERIOD)
    assert response.status_code == 200
    assert "advice-apply" not in response.content.decode()  # not a process administrator
    drill = client.get(DRILL, {**PERIOD, "finding": "nodes", "ref": "buy|review"}).context["d"]
    assert len(drill.rows) + drill.hidden == 6
    assert drill.hidden > 0


def test_the_excel_holds_the_same_findings(advice_scene: dict[str, Any], login: Any) -> None:
    response = login(advice_scene["clerk"]).get(XLSX, PERIOD)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["精简建议", "节点必要性", "秒批", "压件", "合规检查"]
    rows = list(book["精简建议"].iter_rows(values_only=True))
    assert len(rows) == 4
    assert {r[0] for r in rows[1:]} == {"改为备案", "调整分级阈值"}
    assert len(list(book["合规检查"].iter_rows(values_only=True))) == 5  # header + 4 findings


def test_the_api_answers_the_same_advice(advice_scene: dict[str, Any]) -> None:
    _token, raw = token_issue(actor=advice_scene["clerk"], name="效能", scopes=["insights:read"], days=30)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.get("/api/v1/insights/advice", {"seconds": 30})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == "2026-08—2026-10"
    assert {s["ref"] for s in body["suggestions"]} == {"buy|review", "buy|big", "buy|route|1"}
    assert client.get("/api/v1/insights/advice", {"from": "2026-13"}).status_code in (400, 422)
    _token, raw = token_issue(actor=advice_scene["accountant"], name="效能", scopes=["insights:read"], days=30)
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/insights/advice").status_code == 404


def _published_buy() -> ProcessDefinition:
    return ProcessDefinition.objects.get(key="buy", status=DefinitionStatus.PUBLISHED)


def test_a_process_administrator_applies_filing_as_a_draft(advice_scene: dict[str, Any], login: Any) -> None:
    before = _published_buy()
    spec_before = dict(before.spec)
    client = login(advice_scene["office_head"])
    assert "advice-apply" in client.get(ADVICE, PERIOD).content.decode()
    response = client.post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|review"})
    assert response.status_code == 302
    draft = ProcessDefinition.objects.get(key="buy", status=DefinitionStatus.DRAFT)
    assert draft.version == 2
    assert redesign.nodes_of(draft.spec)["review"] == {
        "id": "review",
        "name": "审核",
        "next": "check",
        "kind": "filing",
        "recipients": {"type": "users", "users": [advice_scene["section_head"].pk]},
    }
    assert redesign.nodes_of(draft.spec)["green"]["passes_over"] == ["big"]
    parse_definition(draft.spec)  # publishable as it is
    after = _published_buy()  # the published version is untouched, and still the one submissions use
    assert (after.pk, after.version, after.spec) == (before.pk, 1, spec_before)
    record = AuditRecord.objects.filter(action="workflow.draft").latest("seq")
    assert record.actor_id == advice_scene["office_head"].pk
    assert record.detail["based_on"] == 1
    assert "审核" in record.detail["reason"]
    again = client.post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|review"})  # pressed twice: one draft
    assert (again.status_code, again.content.decode()) == (409, "已有按这条建议生成的草稿（第 2 版）。")
    assert ProcessDefinition.objects.filter(key="buy", status=DefinitionStatus.DRAFT).count() == 1


def test_a_process_administrator_applies_a_moved_threshold_as_a_draft(advice_scene: dict[str, Any], login: Any) -> None:
    response = login(advice_scene["office_head"]).post(APPLY, {**PERIOD, "kind": "threshold", "ref": "buy|route|1"})
    assert response.status_code == 302
    draft = ProcessDefinition.objects.get(key="buy", status=DefinitionStatus.DRAFT)
    assert redesign.nodes_of(draft.spec)["route"]["branches"][1]["when"] == "form.amount > 27000.0"
    assert _published_buy().spec["nodes"][1]["branches"][1]["when"] == "form.amount > 10000.0"


@pytest.mark.parametrize("persona", ["clerk", "gm", "accountant"])
def test_only_a_process_administrator_may_apply(advice_scene: dict[str, Any], login: Any, persona: str) -> None:
    response = login(advice_scene[persona]).post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|review"})
    assert response.status_code == 404
    assert not ProcessDefinition.objects.filter(status=DefinitionStatus.DRAFT).exists()


@pytest.mark.parametrize("persona", ["accountant", "section_head", "other_head", "sysadmin"])
def test_others_are_refused(advice_scene: dict[str, Any], admins: dict[str, Any], login: Any, persona: str) -> None:
    client = login(admins[persona] if persona in admins else advice_scene[persona])
    for url in (ADVICE, XLSX, DRILL):
        assert client.get(url, {**PERIOD, "finding": "nodes", "ref": "buy|review"}).status_code == 404
    assert client.post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|review"}).status_code == 404


def test_an_anonymous_visitor_is_asked_to_sign_in(advice_scene: dict[str, Any]) -> None:
    for url in (ADVICE, XLSX, DRILL):
        response = Client().get(url, PERIOD)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("accounts:login"))
    assert Client().post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|review"}).status_code == 302
    assert not ProcessDefinition.objects.filter(status=DefinitionStatus.DRAFT).exists()


def test_bad_input_is_a_clear_error(advice_scene: dict[str, Any], login: Any) -> None:
    client = login(advice_scene["office_head"])
    response = client.get(ADVICE, {"from": "2026-13", "to": "2026-10"})
    assert response.status_code == 400
    assert "月份应写成" in response.content.decode()
    assert "起始月份晚于结束月份" in client.get(ADVICE, {"from": "2026-10", "to": "2026-08"}).content.decode()
    assert "尚未开始" in client.get(ADVICE, {"to": "2027-01"}).content.decode()
    assert "秒批时限" in client.get(ADVICE, {"seconds": "abc"}).content.decode()
    assert client.get(XLSX, {"from": "2024-01", "to": "2026-10"}).status_code == 400
    assert client.get(DRILL, {**PERIOD, "finding": "nothing", "ref": "x"}).status_code == 404
    response = client.post(APPLY, {**PERIOD, "kind": "publish", "ref": "buy|review"})
    assert (response.status_code, response.content.decode()) == (400, "未知的建议类型。")
    response = client.post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|check"})
    assert response.status_code == 400
    assert "已不成立" in response.content.decode()
    assert client.get(APPLY).status_code == 405


def test_opening_a_file_of_the_request_is_recorded_for_its_holder_only(
    advice_scene: dict[str, Any], login: Any
) -> None:
    """What 秒批 reads: the 审批中心's file link writes ``approvals.file_open`` when the holder of a live task of
    the instance opens it; another reader's opening (the initiator's) writes nothing."""
    instance = flow.instance_start(actor=advice_scene["clerk"], definition_key="leave", title="带附件的请假")
    matter = MatterType.objects.create(code="leave-files", name="请假", definition_key="leave")
    request = Request.objects.create(
        matter=matter, instance=instance, number="QJ-1", title=instance.title, applicant=advice_scene["clerk"]
    )
    attachment = Attachment(request=request, name="病历.pdf", size=9, content_type="application/pdf", sha256="0" * 64)
    attachment.uploaded_by = advice_scene["clerk"]
    attachment.file.save("病历.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    url = reverse("approvals:instance_file", args=[instance.pk, attachment.pk])
    opened = AuditRecord.objects.filter(action="approvals.file_open", target=f"instance:{instance.pk}")
    assert login(advice_scene["clerk"]).get(url).status_code == 200
    assert not opened.exists()
    response = login(advice_scene["office_head"]).get(url, {"inline": "1"})
    assert response.status_code == 200
    (record,) = opened
    assert (record.actor_id, record.detail) == (advice_scene["office_head"].pk, {"attachment": attachment.pk})


def test_the_page_reads_a_bounded_number_of_queries(advice_scene: dict[str, Any], login: Any) -> None:
    client = login(advice_scene["office_head"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ADVICE, PERIOD).status_code == 200
        return len(queries)

    count()  # the first request of a session reads what later ones find cached
    few = count()
    for day in (21, 22, 23, 24):
        more = start(advice_scene, "buy", f"批量 {day}", at(day, 9), form={"amount": 3000})
        approve(more, advice_scene["section_head"], at(day, 10))
        approve(more, advice_scene["finance_head"], at(day, 11))
    assert count() == few
    # the advice's own: the rights, the calendar, seven reads of the log, the definitions to apply; the rest is
    # the shell's (session, user, second factor, navigation badges)
    assert few <= 30


def test_running_instances_are_never_moved_to_a_draft(advice_scene: dict[str, Any], login: Any) -> None:
    login(advice_scene["office_head"]).post(APPLY, {**PERIOD, "kind": "filing", "ref": "buy|review"})
    draft = ProcessDefinition.objects.get(key="buy", status=DefinitionStatus.DRAFT)
    with pytest.raises(ApplicationError, match="没有已发布的第 2 版"):
        flow.instances_migrate(actor=None, key="buy", to_version=draft.version, dry_run=True)
    assert flow.instances_migrate(actor=None, key="buy", dry_run=True).moved == []  # the latest published is v1

"""The four steps through the services: each step, its rules, bad input (a refusal changes nothing) and conflicts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from sanfu.archive.models import ArchiveRecord
from sanfu.briefing import reminders, selectors, services
from sanfu.briefing.models import Material, MaterialState, Opinion, Request, Revision, State
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.workflow import outbox
from sanfu.workflow.models import OutboxMessage
from tests.briefing.conftest import new_request, pdf, to_state

pytestmark = pytest.mark.django_db


# --- 需求对接 ---------------------------------------------------------------------------------------------------


def test_a_leader_files_a_request_and_the_owner_is_told(world: dict[str, Any]) -> None:
    request = new_request(world)
    assert request.state == State.INTAKE
    assert request.requested_by == world["gm"]
    assert request.owner == world["clerk"]
    assert set(request.materials.values_list("department_id", flat=True)) == {world["finance"].pk, world["section"].pk}
    assert Notification.objects.filter(user=world["clerk"], title__contains=request.title).exists()


def test_the_office_files_on_a_leaders_behalf(world: dict[str, Any]) -> None:
    request = services.request_file(
        actor=world["clerk"],
        kind="info_report",
        title="本周安全生产信息",
        needs="汇总本周安全生产情况。",
        due_on=timezone.localdate() + timedelta(days=3),
        owner=world["clerk"],
        requested_by=world["gm"],
        asks=[services.AskIn(department=world["finance"], deadline=timezone.localdate() + timedelta(days=2))],
    )
    assert request.created_by == world["clerk"]
    assert request.requested_by == world["gm"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "poem"}, "类别"),
        ({"title": "  "}, "标题"),
        ({"needs": ""}, "需求说明"),
        ({"due_on": None}, "完成时限"),
        ({"due_on": date(2000, 1, 1)}, "完成时限不能早于今天"),
        ({"asks": []}, "至少选择一个"),
        ({"confidentiality": "top"}, "密级"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_written(
    world: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ApplicationError, match=message):
        new_request(world, **change)
    assert not Request.objects.exists()
    assert not Material.objects.exists()


def test_department_deadlines_are_checked(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    late = [services.AskIn(department=world["finance"], deadline=today + timedelta(days=30))]
    with pytest.raises(ApplicationError, match="不能晚于完成时限"):
        new_request(world, asks=late)
    twice = [services.AskIn(department=world["finance"], deadline=today)] * 2
    with pytest.raises(ApplicationError, match="重复"):
        new_request(world, asks=twice)
    foreign = [services.AskIn(department=world["outsider"].staff.posts.get().department, deadline=today)]
    with pytest.raises(ApplicationError, match="不属于本单位"):
        new_request(world, asks=foreign)
    assert not Request.objects.exists()


def test_who_may_file_and_who_may_own(world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.request_file(
            actor=world["accountant"],
            kind="research",
            title="x",
            needs="y",
            due_on=timezone.localdate(),
            owner=world["clerk"],
            asks=[],
        )
    with pytest.raises(ApplicationError, match="承办人必须是办公室"):
        new_request(world, owner=world["accountant"])
    with pytest.raises(ApplicationError, match="提出领导必须是公司领导"):
        new_request(world, requested_by=world["accountant"])
    assert not Request.objects.exists()


def test_the_owner_confirms_once_and_the_departments_are_told(world: dict[str, Any]) -> None:
    request = new_request(world)
    with pytest.raises(PermissionDeniedError):
        services.request_confirm(actor=world["accountant"], request_id=request.pk)
    services.request_confirm(actor=world["clerk"], request_id=request.pk)
    assert Request.objects.get(pk=request.pk).state == State.COLLECTING
    assert Notification.objects.filter(user=world["finance_head"], title__startswith="请报送材料").exists()
    with pytest.raises(ApplicationError, match="已确认"):
        services.request_confirm(actor=world["clerk"], request_id=request.pk)


# --- 素材收集 ---------------------------------------------------------------------------------------------------


def test_a_department_submits_material_with_a_file_once(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "collecting")
    material = services.material_submit(
        actor=world["accountant"],
        request_id=request.pk,
        department_id=world["finance"].pk,
        text="今夏负荷预测",
        files=[pdf()],
    )
    assert material.state == MaterialState.SUBMITTED
    assert material.answered_by == world["accountant"]
    assert [f.name for f in material.files.all()] == ["材料.pdf"]
    with pytest.raises(ConflictError, match="已经报送"):
        services.material_submit(
            actor=world["finance_head"], request_id=request.pk, department_id=world["finance"].pk, text="again"
        )


def test_material_rules(world: dict[str, Any]) -> None:
    request = new_request(world)
    with pytest.raises(ApplicationError, match="不在素材收集阶段"):
        services.material_submit(
            actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk, text="x"
        )
    services.request_confirm(actor=world["clerk"], request_id=request.pk)
    with pytest.raises(NotFoundError):  # not asked, not of the unit: the request does not exist for him
        services.material_submit(
            actor=world["outsider"], request_id=request.pk, department_id=world["finance"].pk, text="x"
        )
    with pytest.raises(PermissionDeniedError):  # a member of another asked department
        services.material_submit(
            actor=world["clerk"], request_id=request.pk, department_id=world["finance"].pk, text="x"
        )
    with pytest.raises(ApplicationError, match="材料说明或上传"):
        services.material_submit(
            actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk, text=" "
        )
    bad = pdf("材料.exe")
    with pytest.raises(ApplicationError, match="类型不允许"):
        services.material_submit(
            actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk, text="x", files=[bad]
        )
    with pytest.raises(ApplicationError, match="无材料理由"):
        services.material_decline(
            actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk, reason=""
        )
    assert Material.objects.filter(request=request, state=MaterialState.PENDING).count() == 2


def test_urge_tells_the_department_and_collection_waits_for_answers(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "collecting")
    services.material_urge(actor=world["clerk"], request_id=request.pk, department_id=world["finance"].pk)
    assert Notification.objects.filter(user=world["finance_head"], title__startswith="催办").exists()
    with pytest.raises(PermissionDeniedError):
        services.material_urge(actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk)
    with pytest.raises(ApplicationError, match="财务部"):
        services.collection_close(actor=world["clerk"], request_id=request.pk)
    services.material_submit(
        actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk, text="x"
    )
    with pytest.raises(ApplicationError, match="无需催办"):
        services.material_urge(actor=world["clerk"], request_id=request.pk, department_id=world["finance"].pk)
    # 文秘科 has not answered: once its deadline has passed, the owner may go on without it
    later = timezone.localdate() + timedelta(days=30)
    services.collection_close(actor=world["clerk"], request_id=request.pk, today=later)
    assert Request.objects.get(pk=request.pk).state == State.ANALYSING


def test_reminders_before_on_and_after_the_deadline_once_each(world: dict[str, Any]) -> None:
    deadline = date(2026, 12, 10)  # a Thursday
    with time_machine.travel(date(2026, 12, 1), tick=False):
        request = new_request(
            world,
            due_on=date(2026, 12, 20),
            asks=[services.AskIn(department=world["finance"], deadline=deadline)],
        )
        services.request_confirm(actor=world["clerk"], request_id=request.pk)
    assert reminders.reminders_send(today=date(2026, 12, 8)) == 0
    assert reminders.reminders_send(today=date(2026, 12, 9)) == 1  # the working day before
    assert reminders.reminders_send(today=date(2026, 12, 9)) == 0  # once
    assert reminders.reminders_send(today=date(2026, 12, 10)) == 1  # on the day
    assert reminders.reminders_send(today=date(2026, 12, 11)) == 1  # overdue: the owner too
    assert Notification.objects.filter(user=world["clerk"], title__startswith="材料报送已逾期").exists()
    assert Notification.objects.filter(user=world["finance_head"], title__startswith="材料报送即将到期").exists()


def test_a_deadline_on_a_rest_day_runs_to_the_next_working_day(world: dict[str, Any]) -> None:
    with time_machine.travel(date(2026, 12, 1), tick=False):
        request = new_request(
            world,
            due_on=date(2026, 12, 20),
            asks=[services.AskIn(department=world["finance"], deadline=date(2026, 12, 12))],  # a Saturday
        )
        services.request_confirm(actor=world["clerk"], request_id=request.pk)
    material = Material.objects.get(request=request)
    assert not selectors.is_overdue(material, today=date(2026, 12, 14))  # Monday: still on time
    assert selectors.is_overdue(material, today=date(2026, 12, 15))
    assert reminders.reminders_send(today=date(2026, 12, 11)) == 1  # Friday: the working day before Monday


# --- 分析研判 ---------------------------------------------------------------------------------------------------


def test_each_save_is_a_numbered_revision_and_the_leader_returns_and_approves(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "analysing")
    services.draft_save(actor=world["clerk"], request_id=request.pk, text="第二稿", note="补充数据")
    assert [(r.no, r.text, r.author_id) for r in selectors.revisions(request)] == [
        (1, "初稿：今夏最高负荷预计同比增长 8%。", world["clerk"].pk),
        (2, "第二稿", world["clerk"].pk),
    ]
    services.opinion_add(actor=world["deputy"], request_id=request.pk, text="请补充对比")
    services.review_submit(actor=world["clerk"], request_id=request.pk)
    with pytest.raises(ApplicationError, match="分析研判阶段"):
        services.draft_save(actor=world["clerk"], request_id=request.pk, text="x")
    with pytest.raises(PermissionDeniedError):
        services.review_approve(actor=world["deputy"], request_id=request.pk)
    with pytest.raises(ApplicationError, match="修改意见"):
        services.review_return(actor=world["gm"], request_id=request.pk, text="")
    services.review_return(actor=world["gm"], request_id=request.pk, text="请补充历年对比")
    assert Request.objects.get(pk=request.pk).state == State.ANALYSING
    services.draft_save(actor=world["clerk"], request_id=request.pk, text="第三稿")
    services.review_submit(actor=world["clerk"], request_id=request.pk)
    approved = services.review_approve(actor=world["gm"], request_id=request.pk, text="同意")
    assert approved.state == State.APPROVED
    assert approved.result_text == "第三稿"
    kinds = list(Opinion.objects.filter(request=request).values_list("kind", "revision_no"))
    assert kinds == [("comment", 2), ("return", 2), ("approve", 3)]


def test_drafts_need_text_and_the_right_person(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "analysing")
    with pytest.raises(ApplicationError, match="稿件正文"):
        services.draft_save(actor=world["clerk"], request_id=request.pk, text="  ")
    with pytest.raises(PermissionDeniedError):
        services.draft_save(actor=world["finance_head"], request_id=request.pk, text="x")
    assert Revision.objects.filter(request=request).count() == 1


def test_a_stale_version_cannot_win(world: dict[str, Any]) -> None:
    """Two actions read the same version; the second write finds it moved and is a conflict."""
    request = to_state(world, new_request(world), "analysing")
    stale = Request.objects.get(pk=request.pk)
    services.review_submit(actor=world["clerk"], request_id=request.pk)
    with pytest.raises(ConflictError):
        services._move(stale, frm=State.ANALYSING, to=State.REVIEW)
    assert Request.objects.get(pk=request.pk).state == State.REVIEW


# --- 成果输出 ---------------------------------------------------------------------------------------------------


def test_issue_as_brief_files_to_the_archive_and_opens_the_library(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "approved")
    with pytest.raises(ApplicationError, match="阅读范围"):
        services.result_issue(actor=world["clerk"], request_id=request.pk, output="brief", readers=[])
    with pytest.raises(ApplicationError, match="成果形式"):
        services.result_issue(actor=world["clerk"], request_id=request.pk, output="poster", readers=[world["gm"]])
    assert Request.objects.get(pk=request.pk).state == State.APPROVED
    issued = services.result_issue(
        actor=world["clerk"], request_id=request.pk, output="brief", readers=[world["finance_head"]]
    )
    assert issued.state == State.ISSUED
    assert issued.archive_ref
    record = ArchiveRecord.objects.get(pk=int(issued.archive_ref))
    assert record.kind == "调研"
    assert "初稿" in record.body_text
    assert set(record.readers.values_list("pk", flat=True)) >= {world["finance_head"].pk, world["gm"].pk}
    assert Notification.objects.filter(user=world["finance_head"], title__startswith="内部简报").exists()
    found = selectors.library(world["finance_head"], selectors.LibraryFilters(query="负荷"))
    assert list(found) == [issued]
    with pytest.raises(ApplicationError, match="审定后"):
        services.result_issue(actor=world["clerk"], request_id=request.pk, output="brief", readers=[world["gm"]])


def test_issue_to_documents_hands_a_report_draft_over_the_outbox(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    request = to_state(world, new_request(world), "approved")
    monkeypatch.delitem(outbox.HANDLERS, services.DRAFT_REPORT_KIND, raising=False)
    with pytest.raises(ApplicationError, match="公文系统暂未开放"):
        services.result_issue(actor=world["clerk"], request_id=request.pk, output="document")
    assert Request.objects.get(pk=request.pk).state == State.APPROVED
    received: list[dict[str, Any]] = []
    monkeypatch.setitem(outbox.HANDLERS, services.DRAFT_REPORT_KIND, lambda m: received.append(m.payload))
    services.result_issue(actor=world["clerk"], request_id=request.pk, output="document", recipients="集团公司")
    assert OutboxMessage.objects.filter(kind=services.DRAFT_REPORT_KIND, key=f"briefing-report:{request.pk}").exists()
    outbox.deliver_pending()  # after the commit, in the worker
    assert received
    assert received[0]["title"] == request.title
    assert received[0]["recipients"] == "集团公司"
    assert received[0]["body"] == "初稿：今夏最高负荷预计同比增长 8%。"


# --- who sees what ------------------------------------------------------------------------------------------------


def test_access_and_the_library_rules(world: dict[str, Any]) -> None:
    issued = to_state(world, new_request(world), "issued")
    secret = new_request(world, title="机密调研", confidentiality="secret")
    to_state(world, secret, "issued")
    lib = selectors.LibraryFilters()
    assert set(selectors.library(world["gm"], lib)) == {issued, secret}
    assert set(selectors.library(world["deputy"], lib)) == {issued}  # another leader: 内部 yes, 秘密 no clearance
    assert set(selectors.library(world["finance_head"], lib)) == {issued, secret}  # a reader: need-to-know
    assert not selectors.library(world["outsider"], lib).exists()
    with pytest.raises(NotFoundError):
        selectors.access_request(actor=world["outsider"], request_id=issued.pk)
    assert not selectors.insider(world["finance_head"], issued)
    assert [m.department_id for m in selectors.materials_for(world["accountant"], issued)] == [world["finance"].pk]
    found = selectors.library(world["gm"], selectors.LibraryFilters(kind="info_report"))
    assert not found.exists()
    by_dept = selectors.library(world["gm"], selectors.LibraryFilters(department_id=world["finance"].pk))
    assert set(by_dept) == {issued, secret}
    this_year = selectors.library(world["gm"], selectors.LibraryFilters(year=timezone.now().year, query="机密"))
    assert list(this_year) == [secret]


def test_todos_show_owed_material_confirmations_and_reviews(world: dict[str, Any]) -> None:
    from sanfu.briefing import todos

    request = new_request(world)
    assert todos.count(world["clerk"]) == 1  # to confirm
    services.request_confirm(actor=world["clerk"], request_id=request.pk)
    assert todos.count(world["clerk"]) == 0
    assert todos.count(world["finance_head"]) == 1
    assert "待报送材料" in todos.entries(world["finance_head"], 10)[0].note
    assert todos.count(world["accountant"]) == 0  # heads see the to-do; any member may answer
    to_state(world, request, "review")
    assert todos.count(world["gm"]) == 1


def test_my_calendar_shows_material_due_and_requests_due(world: dict[str, Any]) -> None:
    from datetime import datetime

    from sanfu.core import agenda

    with time_machine.travel(date(2026, 12, 1), tick=False):
        request = new_request(
            world,
            due_on=date(2026, 12, 18),
            asks=[services.AskIn(department=world["finance"], deadline=date(2026, 12, 12))],  # a Saturday
        )
        services.request_confirm(actor=world["clerk"], request_id=request.pk)
    start = timezone.make_aware(datetime.combine(date(2026, 12, 7), datetime.min.time()))
    end = timezone.make_aware(datetime.combine(date(2026, 12, 21), datetime.min.time()))
    head = [i for i in agenda.items(world["finance_head"], start, end) if i.uid.startswith("briefing")]
    assert [(i.title, timezone.localtime(i.starts_at).date()) for i in head] == [
        (f"报送材料：{request.title}", date(2026, 12, 14))  # the Saturday runs to Monday
    ]
    owner = [i for i in agenda.items(world["clerk"], start, end) if i.uid.startswith("briefing")]
    assert [timezone.localtime(i.starts_at).date() for i in owner] == [date(2026, 12, 18)]


def test_issue_to_documents_becomes_a_report_draft_in_the_outgoing_loop(world: dict[str, Any]) -> None:
    from sanfu.documents import flows as document_flows
    from sanfu.documents.models import DocKind, OutgoingDocument

    document_flows.publish_definitions()
    request = to_state(world, new_request(world), "approved")
    services.result_issue(actor=world["clerk"], request_id=request.pk, output="document", recipients="集团公司")
    outbox.deliver_pending()
    outbox.deliver_pending()  # at least once: a second delivery finds the first draft
    drafts = OutgoingDocument.objects.filter(title=request.title)
    assert [(d.kind, d.recipients, d.drafter_id) for d in drafts] == [(DocKind.REPORT, "集团公司", world["clerk"].pk)]
    assert Notification.objects.filter(user=world["clerk"], title__startswith="调研成果已转为发文").exists()

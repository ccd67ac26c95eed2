"""The window's loop through its services: a walk-in fanned out to two departments in parallel and closed with one
result and a rating; returns naming missing material; a bad rating's review; a complaint answered; bad input and
other people's requests refused with nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.servicedesk import figures, selectors, services
from sanfu.servicedesk.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    MissingItem,
    PartStatus,
    Rating,
    RequestStatus,
    ServiceRequest,
)
from sanfu.servicedesk.subjects import subject_pages
from sanfu.workflow.models import InstanceStatus, Task, TaskStatus
from sanfu.workflow.selectors import tasks_of
from tests.servicedesk.conftest import walk_in

pytestmark = pytest.mark.django_db


def test_a_walk_in_fans_out_to_two_departments_and_closes_with_a_rating(desk: dict[str, Any]) -> None:
    request = walk_in(desk)
    assert request.number.startswith("FW")
    assert request.status == RequestStatus.HANDLING
    assert request.requester == desk["accountant"]
    assert request.phone == "138-0013-8000"
    assert request.phone_digits == "13800138000"
    open_tasks = Task.objects.filter(instance=request.instance, status=TaskStatus.OPEN)
    assert {(t.node, t.assignee_id) for t in open_tasks} == {
        (f"dept-{desk['office'].pk}", desk["office_head"].pk),
        (f"dept-{desk['finance'].pk}", desk["finance_head"].pk),
    }
    assert all(t.due_at is not None for t in open_tasks)  # each its own deadline on the working calendar
    assert tasks_of(desk["finance_head"]).filter(instance=request.instance).count() == 1  # in 我的待办

    services.request_handle(actor=desk["finance_head"], request_id=request.pk, reply="已核对工资发放记录")
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLING  # one department still at work
    services.request_handle(actor=desk["office_head"], request_id=request.pk, reply="证明已盖章，请到窗口领取")
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.instance.status == InstanceStatus.APPROVED
    assert "财务部：已核对工资发放记录" in request.result
    assert "办公室：证明已盖章" in request.result
    assert request.turnaround_days == 0
    assert Notification.objects.filter(user=desk["accountant"], key__startswith="servicedesk-done").exists()

    rating = services.request_rate(actor=desk["accountant"], request_id=request.pk, score=5, comment="很快")
    assert rating.review_instance_id is None
    with pytest.raises(ConflictError):
        services.request_rate(actor=desk["accountant"], request_id=request.pk, score=4)
    whats = [m.what for m in selectors.timeline_of(request)]
    assert whats[0].startswith("受理")
    assert "办结" in whats
    assert whats[-1] == "评价 5 分"


def test_registration_checks_the_materials_at_once(desk: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as refused:
        walk_in(desk, materials=[])
    assert "身份证复印件" in refused.value.message
    # a service naming a matter takes the 审批中心's rules: the invoice is required there
    with pytest.raises(ApplicationError) as refused:
        services.request_register(
            actor=desk["accountant"],
            data=services.RequestIn(service_id=desk["expense"].pk, summary="报销差旅费", materials=["list"]),
        )
    assert "发票原件" in refused.value.message
    assert ServiceRequest.objects.count() == 0
    assert Task.objects.count() == 0
    ok = services.request_register(
        actor=desk["accountant"],
        data=services.RequestIn(service_id=desk["expense"].pk, summary="报销差旅费", materials=["invoice"]),
    )
    assert ok.channel == Channel.ONLINE
    assert ok.caller_name == desk["accountant"].display_name


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": " "}, "summary"),
        ({"caller_name": ""}, "caller_name"),
        ({"phone": ""}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"channel": "fax"}, "channel"),
        ({"materials": ["m1", "nope"]}, "materials"),
    ],
)
def test_bad_input_changes_nothing(desk: dict[str, Any], change: dict[str, Any], field: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        walk_in(desk, **change)
    assert refused.value.errors[0]["field"] == field
    assert ServiceRequest.objects.count() == 0
    assert Task.objects.count() == 0


def test_only_the_window_registers_walk_ins(desk: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.request_register(
            actor=desk["accountant"],
            data=services.RequestIn(
                service_id=desk["proof"].pk, summary="x", channel=Channel.WINDOW, caller_name="x", phone="123"
            ),
        )
    hotline = services.request_register(
        actor=desk["clerk"],
        data=services.RequestIn(
            service_id=desk["proof"].pk,
            summary="电话咨询",
            channel=Channel.HOTLINE,
            caller_name="张先生",
            phone="0551-1234",
        ),
    )
    assert hotline.requester is None
    assert hotline.materials_received == []


def test_another_requester_cannot_see_mine(desk: dict[str, Any]) -> None:
    request = walk_in(desk)
    with pytest.raises(NotFoundError):
        selectors.access_request(actor=desk["section_head"], request_id=request.pk)
    with pytest.raises(NotFoundError):
        selectors.access_request(actor=desk["stranger"], request_id=request.pk)
    with pytest.raises(NotFoundError):
        services.request_rate(actor=desk["gm"], request_id=request.pk, score=5)
    assert selectors.access_request(actor=desk["finance_head"], request_id=request.pk) == request  # its department
    with pytest.raises(ApplicationError):
        services.request_handle(actor=desk["gm"], request_id=request.pk, reply="x")


def test_a_return_names_the_missing_material_and_breaks_the_one_trip(desk: dict[str, Any]) -> None:
    request = walk_in(desk)
    with pytest.raises(ApplicationError):
        services.request_return_material(actor=desk["finance_head"], request_id=request.pk, items=[" "])
    services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["单位介绍信", "近三个月工资条"], note="签证用"
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING
    assert request.second_trip
    assert sorted(MissingItem.objects.values_list("name", flat=True)) == ["单位介绍信", "近三个月工资条"]
    assert Notification.objects.filter(user=desk["accountant"], key__startswith="servicedesk-return").exists()
    with pytest.raises(ConflictError):  # the department waits for the material
        services.request_handle(actor=desk["finance_head"], request_id=request.pk, reply="x")
    with pytest.raises(NotFoundError):
        services.request_supply(actor=desk["finance_head"], request_id=request.pk)
    services.request_supply(actor=desk["accountant"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLING
    assert set(request.parts.values_list("status", flat=True)) == {PartStatus.OPEN}
    assert selectors.most_missing([desk["proof"].pk])[desk["proof"].pk][0] == ("单位介绍信", 1)


def _close(desk: dict[str, Any], request: Any, when: datetime) -> None:
    services.request_handle(actor=desk["finance_head"], request_id=request.pk, reply="好", now=when)
    services.request_handle(actor=desk["office_head"], request_id=request.pk, reply="好", now=when)


def test_one_trip_share_and_figures_on_a_hand_made_month(desk: dict[str, Any]) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.get_current_timezone())  # Monday
    made = [walk_in(desk, summary=f"第{i}件", now=start) for i in range(4)]
    services.request_return_material(actor=desk["office_head"], request_id=made[0].pk, items=["单位介绍信"], now=start)
    services.request_supply(actor=desk["clerk"], request_id=made[0].pk, now=start)
    for r in made[:3]:
        # Wednesday: 2 working days
        _close(desk, r, datetime(2026, 11, 4, 15, 0, tzinfo=timezone.get_current_timezone()))
    services.request_rate(actor=desk["accountant"], request_id=made[1].pk, score=4)
    services.request_rate(actor=desk["accountant"], request_id=made[2].pk, score=2, comment="态度不好")
    services.complaint_file(actor=desk["accountant"], service_id=desk["proof"].pk, content="窗口排队太久", now=start)
    walk_in(desk, summary="下个月的", now=datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone()))

    found = figures.month_figures(unit_id=desk["unit"].pk, year=2026, month=11)
    proof = next(s for s in found.services if s.service_id == desk["proof"].pk)
    assert (proof.volume, proof.closed, proof.one_trip) == (4, 3, 2)
    assert proof.one_trip_share == 66.7
    assert proof.turnaround == 2.0
    assert proof.rating == 3.0
    assert proof.ratings == 2
    assert proof.complaints == 1
    assert proof.complaint_rate == 25.0
    assert found.trend["months"][-1] == "2026-11"
    assert found.trend["volume"][-1] == 4
    assert figures.figures_workbook(found)[:2] == b"PK"


def test_a_bad_rating_opens_a_review_the_head_must_answer(desk: dict[str, Any]) -> None:
    request = walk_in(desk)
    _close(desk, request, timezone.now())
    with pytest.raises(ApplicationError):  # a bad rating says why
        services.request_rate(actor=desk["accountant"], request_id=request.pk, score=1)
    with pytest.raises(ApplicationError):
        services.request_rate(actor=desk["accountant"], request_id=request.pk, score=6, comment="x")
    assert not Rating.objects.exists()
    rating = services.request_rate(actor=desk["accountant"], request_id=request.pk, score=1, comment="来回跑了两趟")
    review = Task.objects.get(instance_id=rating.review_instance_id, assignee=desk["office_head"])
    assert review.status == TaskStatus.OPEN
    assert review.due_at is not None
    assert tasks_of(desk["finance_head"]).filter(instance_id=rating.review_instance_id).exists()
    with pytest.raises(ApplicationError):
        services.rating_review_answer(actor=desk["accountant"], request_id=request.pk, answer="x")
    services.rating_review_answer(
        actor=desk["office_head"], request_id=request.pk, answer="已约谈窗口人员，材料清单已改"
    )
    rating.refresh_from_db()
    assert rating.reviewed_by == desk["office_head"]
    assert rating.review_answer.startswith("已约谈")
    assert not Task.objects.filter(instance_id=rating.review_instance_id, status=TaskStatus.OPEN).exists()
    with pytest.raises(ApplicationError):
        services.rating_review_answer(actor=desk["finance_head"], request_id=request.pk, answer="再答一次")


def test_a_complaint_is_investigated_and_answered(desk: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError):
        services.complaint_file(actor=desk["accountant"], service_id=desk["proof"].pk, content="  ")
    assert not Complaint.objects.exists()
    complaint = services.complaint_file(actor=desk["accountant"], service_id=desk["proof"].pk, content="窗口无人")
    task = Task.objects.get(instance=complaint.instance, status=TaskStatus.OPEN)
    assert task.assignee == desk["clerk"]
    assert complaint.due_on > timezone.localdate()
    with pytest.raises(NotFoundError):
        selectors.access_complaint(actor=desk["finance_head"], complaint_id=complaint.pk)
    with pytest.raises(ApplicationError):
        services.complaint_answer(actor=desk["clerk"], complaint_id=complaint.pk, investigation="", reply="x")
    services.complaint_answer(
        actor=desk["clerk"], complaint_id=complaint.pk, investigation="当班人员临时离岗", reply="已整改，设 AB 岗"
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED
    assert complaint.reply == "已整改，设 AB 岗"
    assert Notification.objects.filter(
        user=desk["accountant"], key=f"servicedesk-complaint:{complaint.pk}:{desk['accountant'].pk}"
    ).exists()
    with pytest.raises(ApplicationError):
        services.complaint_answer(actor=desk["clerk"], complaint_id=complaint.pk, investigation="x", reply="y")


def test_repeated_complaints_flag_the_service(desk: dict[str, Any]) -> None:
    for text in ["一", "二", "三"]:
        services.complaint_file(actor=desk["accountant"], service_id=desk["proof"].pk, content=text)
    flagged = {s.code: s.recent_complaints for s in selectors.visible_services(desk["accountant"])}
    assert flagged["proof"] == 3
    assert flagged["expense-help"] == 0
    today = timezone.localdate()
    found = figures.month_figures(unit_id=desk["unit"].pk, year=today.year, month=today.month)
    assert [s.flagged for s in found.services if s.service_id == desk["proof"].pk] == [True]


def test_the_catalogue_keeps_its_rules(desk: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.service_save(
            actor=desk["accountant"], data=services.ServiceIn(code="x1", name="x", department_ids=[desk["office"].pk])
        )
    for bad in [
        {"code": "proof"},
        {"department_ids": []},
        {"department_ids": [desk["stranger"].staff.unit_id and 999999]},
        {"matter_code": "no-such"},
        {"promised_days": 0},
        {"channels": []},
    ]:
        data = {"code": "new-one", "name": "新服务", "department_ids": [desk["office"].pk], **bad}
        with pytest.raises(ApplicationError):
            services.service_save(actor=desk["clerk"], data=services.ServiceIn(**data))
    assert selectors.visible_services(desk["clerk"]).count() == 2


def test_a_stale_second_action_on_a_part_is_refused_and_writes_nothing(desk: dict[str, Any]) -> None:
    """The head handles the part in one tab, then presses 退回补正 or 办结 again in another: the flow has moved on."""
    request = walk_in(desk)
    services.request_handle(actor=desk["office_head"], request_id=request.pk, reply="已盖章")
    with pytest.raises(ApplicationError):
        services.request_handle(actor=desk["office_head"], request_id=request.pk, reply="又盖了一次")
    with pytest.raises(ApplicationError):
        services.request_return_material(actor=desk["office_head"], request_id=request.pk, items=["单位介绍信"])
    part = request.parts.get(department=desk["office"])
    assert part.reply == "已盖章"
    assert part.done_by == desk["office_head"]
    assert not MissingItem.objects.exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLING


def test_the_window_rates_for_a_caller_and_the_inbox_opens_the_request(desk: dict[str, Any]) -> None:
    call = services.request_register(
        actor=desk["clerk"],
        data=services.RequestIn(
            service_id=desk["proof"].pk,
            summary="电话咨询",
            channel=Channel.HOTLINE,
            caller_name="张先生",
            phone="0551-1234",
        ),
    )
    pages = subject_pages([call.instance_id])
    assert pages == {call.instance_id: f"/service/requests/{call.pk}/"}
    _close(desk, call, timezone.now())
    with pytest.raises(NotFoundError):
        services.request_rate(actor=desk["accountant"], request_id=call.pk, score=5)
    rating = services.request_rate(actor=desk["clerk"], request_id=call.pk, score=4, comment="回访：满意")
    assert rating.rated_by == desk["clerk"]
    assert Notification.objects.filter(user=desk["clerk"], key__startswith="servicedesk-done").exists()

"""Ending a car request early: the requester withdraws it (through the flow while in approval, or once dispatched
until the trip starts), the vehicle manager cancels a dispatch with a reason (the car and the driver are free
again, the requester and the driver are told, the request is dispatched again or closed); what is refused changes
nothing; the request's page offers the buttons or says why not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from sanfu.core.audit import AuditRecord
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.resources import services
from sanfu.resources.models import CarRequest, CarRequestStatus, Dispatch, DispatchStatus
from sanfu.workflow.models import InstanceStatus, Task, TaskStatus
from tests.resources.conftest import at, dispatched_request, next_monday, trip


def _dispatch(res: dict[str, Any], request: CarRequest, *, car: str = "car", driver: str = "driver2") -> Dispatch:
    return services.car_request_dispatch(
        actor=res["clerk"], request_id=request.pk, vehicle_id=res[car].pk, driver_id=res[driver].pk
    )


def _status(request: CarRequest) -> str:
    request.refresh_from_db()
    return request.status


def _notices(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user, kind="resources").values_list("title", flat=True))


def test_the_requester_withdraws_while_the_head_has_not_acted(res: dict[str, Any]) -> None:
    request = services.car_request_submit(actor=res["accountant"], data=trip())
    with pytest.raises(PermissionDeniedError):  # the head sees it, but it is not theirs to withdraw
        services.car_request_withdraw(actor=res["finance_head"], request_id=request.pk)
    with pytest.raises(NotFoundError):
        services.car_request_withdraw(actor=res["stranger"], request_id=request.pk)
    assert _status(request) == CarRequestStatus.HEAD

    services.car_request_withdraw(actor=res["accountant"], request_id=request.pk, reason="行程取消")
    assert _status(request) == CarRequestStatus.CANCELLED
    assert request.instance is not None
    request.instance.refresh_from_db()
    assert request.instance.status == InstanceStatus.WITHDRAWN
    assert not Task.objects.filter(instance_id=request.instance_id, status=TaskStatus.OPEN).exists()
    assert AuditRecord.objects.filter(action="resources.car_request.withdraw", target=f"car_request:{request.pk}")
    with pytest.raises(ConflictError, match="不能撤回"):  # once is enough
        services.car_request_withdraw(actor=res["accountant"], request_id=request.pk)
    with pytest.raises(ApplicationError):  # and the head has nothing left to approve
        services.car_request_approve(actor=res["finance_head"], request_id=request.pk)


def test_a_returned_request_is_withdrawn_and_an_approved_one_is_not(res: dict[str, Any]) -> None:
    returned = services.car_request_submit(actor=res["accountant"], data=trip())
    services.car_request_return(actor=res["finance_head"], request_id=returned.pk, comment="人数有误")
    services.car_request_withdraw(actor=res["accountant"], request_id=returned.pk)
    assert _status(returned) == CarRequestStatus.CANCELLED

    approved = dispatched_request(res)  # the head agreed: the flow lets the requester no longer withdraw
    with pytest.raises(ConflictError, match="车辆管理员退回"):
        services.car_request_withdraw(actor=res["accountant"], request_id=approved.pk)
    assert _status(approved) == CarRequestStatus.DISPATCHING
    assert Task.objects.filter(instance_id=approved.instance_id, node="dispatch", status=TaskStatus.OPEN).exists()


def test_withdrawing_a_dispatched_request_frees_the_car_and_tells_the_driver(res: dict[str, Any]) -> None:
    request = dispatched_request(res)
    dispatch = _dispatch(res, request)
    services.car_request_withdraw(actor=res["accountant"], request_id=request.pk, reason="会议改期")
    assert _status(request) == CarRequestStatus.CANCELLED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.CANCELLED
    assert any("派车取消" in t for t in _notices(res["section_head"]))  # driver2 is the section head
    assert any("派车取消" in t for t in _notices(res["clerk"]))  # who dispatched it
    # the same car and driver at the same time are free again
    other = dispatched_request(res, purpose="送文件")
    assert _dispatch(res, other).vehicle == res["car"]


def test_the_manager_cancels_a_dispatch_and_dispatches_again(res: dict[str, Any]) -> None:
    request = dispatched_request(res)
    first = _dispatch(res, request)
    with pytest.raises(PermissionDeniedError):
        services.dispatch_cancel(actor=res["accountant"], request_id=request.pk, reason="不用了")
    with pytest.raises(ApplicationError, match="原因"):
        services.dispatch_cancel(actor=res["clerk"], request_id=request.pk, reason="  ")
    assert _status(request) == CarRequestStatus.DISPATCHED

    services.dispatch_cancel(actor=res["clerk"], request_id=request.pk, reason="车辆临时检修")
    assert _status(request) == CarRequestStatus.DISPATCHING
    first.refresh_from_db()
    assert first.status == DispatchStatus.CANCELLED
    assert any("车辆临时检修" in t for t in _notices(res["accountant"]))
    assert any("出车任务已取消" in t for t in _notices(res["section_head"]))
    assert services.may_act(res["clerk"], request, "dispatch")

    again = _dispatch(res, request, car="van", driver="driver")  # no flow step: the flow was approved
    assert _status(request) == CarRequestStatus.DISPATCHED
    assert (again.vehicle, again.driver) == (res["van"], res["driver"])
    assert Dispatch.objects.filter(request=request).count() == 2
    assert any("已重新派车" in t for t in _notices(res["accountant"]))
    with pytest.raises(ApplicationError, match="不在此环节"):  # one active dispatch per request
        _dispatch(res, request)


def test_the_manager_closes_the_request_with_the_dispatch(res: dict[str, Any]) -> None:
    request = dispatched_request(res)
    _dispatch(res, request)
    services.dispatch_cancel(actor=res["clerk"], request_id=request.pk, reason="领导取消出行", redispatch=False)
    assert _status(request) == CarRequestStatus.CANCELLED
    with pytest.raises(ApplicationError):
        _dispatch(res, request)
    assert not Dispatch.objects.filter(request=request, status=DispatchStatus.ACTIVE).exists()


def test_a_started_or_logged_trip_is_not_cancelled(res: dict[str, Any]) -> None:
    request = dispatched_request(res)
    dispatch = _dispatch(res, request)
    started = dispatch.starts_at + timedelta(minutes=5)
    with pytest.raises(ConflictError, match="已于"):
        services.dispatch_cancel(actor=res["clerk"], request_id=request.pk, reason="晚了", now=started)
    with pytest.raises(ConflictError, match="已于"):
        services.car_request_withdraw(actor=res["accountant"], request_id=request.pk, now=started)
    assert _status(request) == CarRequestStatus.DISPATCHED

    services.trip_record(
        actor=res["clerk"],
        request_id=request.pk,
        data=services.TripIn(odometer_start=100, odometer_end=180, returned_at=dispatch.ends_at),
        now=dispatch.ends_at + timedelta(hours=1),
    )
    with pytest.raises(ConflictError):
        services.dispatch_cancel(actor=res["clerk"], request_id=request.pk, reason="补录")
    with pytest.raises(ConflictError):
        services.car_request_withdraw(actor=res["accountant"], request_id=request.pk)
    assert _status(request) == CarRequestStatus.COMPLETED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACTIVE


def test_the_request_page_offers_what_each_person_may_do(res: dict[str, Any], login: Any) -> None:
    request = services.car_request_submit(actor=res["accountant"], data=trip())
    page = reverse("resources:request", args=[request.pk])
    act = reverse("resources:request_act", args=[request.pk])
    staff, manager = login(res["accountant"]), login(res["clerk"])
    assert 'id="withdraw-form"' in staff.get(page).content.decode()

    services.car_request_approve(actor=res["finance_head"], request_id=request.pk)
    shown = staff.get(page).content.decode()
    assert 'id="withdraw-form"' not in shown
    assert "车辆管理员退回" in shown  # why not, said on the page
    refused = staff.post(act, {"action": "withdraw"})
    assert refused.status_code == 409
    assert _status(request) == CarRequestStatus.DISPATCHING

    _dispatch(res, request)
    assert 'id="withdraw-form"' in staff.get(page).content.decode()
    assert 'id="cancel-form"' in manager.get(page).content.decode()
    assert 'id="cancel-form"' not in staff.get(page).content.decode()
    assert staff.post(act, {"action": "cancel", "comment": "不用了", "redispatch": "1"}).status_code == 400
    assert _status(request) == CarRequestStatus.DISPATCHED
    assert manager.post(act, {"action": "cancel", "comment": "", "redispatch": "1"}).status_code == 400
    done = manager.post(act, {"action": "cancel", "comment": "车辆临时检修", "redispatch": "1"})
    assert done.status_code == 302
    assert _status(request) == CarRequestStatus.DISPATCHING
    again = manager.get(page).content.decode()
    assert 'id="dispatch-form"' in again
    assert 'value="return"' not in again  # the flow's 派车 step is done: nothing to return

    assert staff.post(act, {"action": "withdraw", "comment": "改乘高铁"}).status_code == 302
    assert _status(request) == CarRequestStatus.CANCELLED
    assert login(res["stranger"]).post(act, {"action": "withdraw"}).status_code == 404


def test_a_withdrawal_made_in_the_approval_centre_is_finished_here(res: dict[str, Any]) -> None:
    """The flow withdrawn elsewhere (审批中心): the request's own withdrawal closes it without a second step."""
    from sanfu.workflow import services as workflow

    request = services.car_request_submit(actor=res["accountant"], data=trip(day=next_monday() + timedelta(days=1)))
    assert request.instance_id is not None
    workflow.instance_withdraw(actor=res["accountant"], instance_id=request.instance_id)
    assert services.car_request_options(res["accountant"], request).may_withdraw
    services.car_request_withdraw(actor=res["accountant"], request_id=request.pk)
    assert _status(request) == CarRequestStatus.CANCELLED


def test_the_car_is_free_for_the_overlapping_time_only_after_the_cancel(res: dict[str, Any]) -> None:
    day = next_monday()
    first = dispatched_request(res)
    _dispatch(res, first)
    second = dispatched_request(res, starts_at=at(day, 10), ends_at=at(day, 11))
    with pytest.raises(ConflictError, match="京A12345"):
        _dispatch(res, second, driver="driver")
    services.dispatch_cancel(actor=res["clerk"], request_id=first.pk, reason="改派大车", redispatch=True)
    assert _dispatch(res, second, driver="driver").vehicle == res["car"]
    with pytest.raises(ConflictError, match="京A12345"):  # and the first cannot take it back now
        _dispatch(res, first)

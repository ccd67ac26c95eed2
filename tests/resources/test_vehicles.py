"""公务用车 through its services: the request's way through the flow (部门审核 → 派车 → 回场), the refusals that
change nothing, and the overlap of a car or a driver refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sanfu.core.audit import AuditRecord
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.resources import selectors, services
from sanfu.resources.models import CarRequest, CarRequestStatus, Dispatch, TripLog, Vehicle, VehicleStatus
from sanfu.workflow.models import InstanceStatus, Task, TaskStatus
from tests.resources.conftest import at, dispatched_request, next_monday, trip


def _open_tasks(request: CarRequest) -> list[tuple[str, str]]:
    return list(
        Task.objects.filter(instance_id=request.instance_id, status=TaskStatus.OPEN).values_list(
            "node", "assignee__username"
        )
    )


def test_request_goes_to_the_head_then_the_manager_who_dispatches(res: dict[str, Any]) -> None:
    request = services.car_request_submit(actor=res["accountant"], data=trip())
    assert request.status == CarRequestStatus.HEAD
    assert request.department == res["finance"]
    assert _open_tasks(request) == [("head", "finance_head")]

    services.car_request_approve(actor=res["finance_head"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == CarRequestStatus.DISPATCHING
    assert _open_tasks(request) == [("dispatch", "clerk")]

    dispatch = services.car_request_dispatch(
        actor=res["clerk"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    request.refresh_from_db()
    assert request.status == CarRequestStatus.DISPATCHED
    assert request.instance is not None
    assert request.instance.status == InstanceStatus.APPROVED
    assert (dispatch.vehicle, dispatch.driver) == (res["car"], res["driver"])
    assert (dispatch.starts_at, dispatch.ends_at) == (request.starts_at, request.ends_at)
    assert AuditRecord.objects.filter(
        action="resources.car_request.dispatch", target=f"car_request:{request.pk}"
    ).exists()


def test_the_head_returns_and_the_requester_resubmits(res: dict[str, Any]) -> None:
    request = services.car_request_submit(actor=res["accountant"], data=trip())
    with pytest.raises(ApplicationError, match="原因"):
        services.car_request_return(actor=res["finance_head"], request_id=request.pk, comment=" ")
    services.car_request_return(actor=res["finance_head"], request_id=request.pk, comment="人数有误")
    request.refresh_from_db()
    assert request.status == CarRequestStatus.RETURNED
    resubmitted = services.car_request_resubmit(actor=res["accountant"], request_id=request.pk, data=trip(passengers=2))
    assert resubmitted.status == CarRequestStatus.HEAD
    assert resubmitted.passengers == 2
    assert _open_tasks(resubmitted) == [("head", "finance_head")]


def test_only_the_task_holder_acts(res: dict[str, Any]) -> None:
    request = services.car_request_submit(actor=res["accountant"], data=trip())
    with pytest.raises(ApplicationError):
        services.car_request_approve(actor=res["office_head"], request_id=request.pk)
    with pytest.raises(ApplicationError):  # not yet at 派车
        services.car_request_dispatch(
            actor=res["clerk"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
        )
    with pytest.raises(PermissionDeniedError):  # not a vehicle manager
        services.car_request_dispatch(
            actor=res["finance_head"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
        )
    with pytest.raises(NotFoundError):
        services.car_request_approve(actor=res["stranger"], request_id=request.pk)
    request.refresh_from_db()
    assert request.status == CarRequestStatus.HEAD
    assert not Dispatch.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"purpose": " "}, "用车事由"),
        ({"destination": ""}, "目的地"),
        ({"passengers": 0}, "乘车人数"),
        ({"passengers": 61}, "乘车人数"),
        ({"ends_at": "before"}, "晚于开始"),
        ({"ends_at": "long"}, "不能超过"),
        ({"starts_at": "past"}, "已经过去"),
        ({"department_id": "other"}, "用车部门"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(res: dict[str, Any], change: dict[str, Any], message: str) -> None:
    day = next_monday()
    values = dict(change)
    if values.get("ends_at") == "before":
        values["ends_at"] = at(day, 8)
    if values.get("ends_at") == "long":
        values["ends_at"] = at(day + timedelta(days=8), 9)
    if values.get("starts_at") == "past":
        values["starts_at"] = timezone.now() - timedelta(days=2)
        values["ends_at"] = timezone.now() - timedelta(days=1)
    if values.get("department_id") == "other":
        values["department_id"] = res["office"].pk
    with pytest.raises(ApplicationError, match=message):
        services.car_request_submit(actor=res["accountant"], data=trip(day, **values))
    assert not CarRequest.objects.exists()
    assert not Task.objects.exists()


def test_a_car_or_a_driver_out_at_that_time_is_refused(res: dict[str, Any]) -> None:
    first = dispatched_request(res)
    services.car_request_dispatch(
        actor=res["clerk"], request_id=first.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    day = next_monday()
    second = dispatched_request(res, starts_at=at(day, 11), ends_at=at(day, 14))
    with pytest.raises(ConflictError, match="京A12345") as refused:
        services.car_request_dispatch(
            actor=res["clerk"], request_id=second.pk, vehicle_id=res["car"].pk, driver_id=res["driver2"].pk
        )
    assert "赴电厂检查" in refused.value.message
    with pytest.raises(ConflictError, match="王师傅"):
        services.car_request_dispatch(
            actor=res["clerk"], request_id=second.pk, vehicle_id=res["van"].pk, driver_id=res["driver"].pk
        )
    second.refresh_from_db()
    assert second.status == CarRequestStatus.DISPATCHING  # the flow's step was rolled back with the refusal
    assert _open_tasks(second) == [("dispatch", "clerk")]
    assert Dispatch.objects.count() == 1
    # another car and driver: fine; and the same car right after the first trip ends (half-open ranges)
    services.car_request_dispatch(
        actor=res["clerk"], request_id=second.pk, vehicle_id=res["van"].pk, driver_id=res["driver2"].pk
    )
    third = dispatched_request(res, starts_at=at(day, 12), ends_at=at(day, 13))
    services.car_request_dispatch(
        actor=res["clerk"], request_id=third.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    assert Dispatch.objects.count() == 3


def test_dispatch_checks_the_car(res: dict[str, Any]) -> None:
    request = dispatched_request(res, passengers=6)
    with pytest.raises(ApplicationError, match="5 座"):
        services.car_request_dispatch(
            actor=res["clerk"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
        )
    services.vehicle_update(
        actor=res["clerk"],
        vehicle_id=res["van"].pk,
        data=services.VehicleIn(plate="京A67890", model="别克GL8", seats=7, status=VehicleStatus.MAINTENANCE),
    )
    with pytest.raises(ApplicationError, match="不在用"):
        services.car_request_dispatch(
            actor=res["clerk"], request_id=request.pk, vehicle_id=res["van"].pk, driver_id=res["driver"].pk
        )
    with pytest.raises(NotFoundError):  # another unit's car
        services.car_request_dispatch(
            actor=res["clerk"], request_id=request.pk, vehicle_id=res["other_car"].pk, driver_id=res["driver"].pk
        )
    assert not Dispatch.objects.exists()


def test_trip_log_is_checked_and_costs_add_up_per_department_and_month(res: dict[str, Any]) -> None:
    request = dispatched_request(res)
    services.car_request_dispatch(
        actor=res["clerk"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    back = request.starts_at + timedelta(hours=3)
    later = back + timedelta(hours=1)
    for bad, message in [
        (services.TripIn(odometer_start=1000, odometer_end=900, returned_at=back), "不能小于"),
        (services.TripIn(odometer_start=1000, odometer_end=99999, returned_at=back), "核对"),
        (services.TripIn(odometer_start=1000, odometer_end=1100, tolls="-5", returned_at=back), "通行费"),
        (services.TripIn(odometer_start=1000, odometer_end=1100, fuel_cost="abc", returned_at=back), "油费"),
        (
            services.TripIn(odometer_start=1000, odometer_end=1100, returned_at=request.starts_at - timedelta(hours=1)),
            "早于",
        ),
    ]:
        with pytest.raises(ApplicationError, match=message):
            services.trip_record(actor=res["clerk"], request_id=request.pk, data=bad, now=later)
    assert not TripLog.objects.exists()
    services.trip_record(
        actor=res["clerk"],
        request_id=request.pk,
        data=services.TripIn(
            odometer_start=1000,
            odometer_end=1120,
            fuel_litres="20",
            fuel_cost="150.50",
            tolls=30,
            parking=10,
            returned_at=back,
        ),
        now=later,
    )
    request.refresh_from_db()
    assert request.status == CarRequestStatus.COMPLETED
    with pytest.raises(ConflictError):
        services.trip_record(
            actor=res["clerk"], request_id=request.pk, data=services.TripIn(odometer_start=1, odometer_end=2), now=later
        )
    rows = selectors.vehicle_costs(res["clerk"], year=request.starts_at.year)
    assert [(r.department, r.trips, r.distance, r.total) for r in rows] == [("财务部", 1, 120, Decimal("190.50"))]
    assert rows[0].month == timezone.localtime(request.starts_at).date().replace(day=1)


def test_vehicle_plate_is_unique_and_checked(res: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="已登记"):
        services.vehicle_create(actor=res["clerk"], data=services.VehicleIn(plate="京a 12345", model="奥迪"))
    with pytest.raises(PermissionDeniedError):
        services.vehicle_create(actor=res["accountant"], data=services.VehicleIn(plate="京A99999", model="奥迪"))
    with pytest.raises(ApplicationError, match="座位数"):
        services.vehicle_create(actor=res["clerk"], data=services.VehicleIn(plate="京A99999", model="奥迪", seats=0))
    assert Vehicle.objects.count() == 3


def test_driver_needs_staff_or_name_and_phone(res: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="联系电话"):
        services.driver_create(actor=res["clerk"], name="李师傅")
    with pytest.raises(ApplicationError, match="本单位在职"):
        services.driver_create(actor=res["clerk"], user_id=res["stranger"].pk)


def test_visibility_of_requests(res: dict[str, Any]) -> None:
    request = services.car_request_submit(actor=res["accountant"], data=trip())
    assert list(selectors.visible_car_requests(res["accountant"])) == [request]
    assert list(selectors.visible_car_requests(res["finance_head"])) == [request]
    assert list(selectors.visible_car_requests(res["clerk"])) == [request]
    assert list(selectors.visible_car_requests(res["office_head"])) == []
    assert list(selectors.visible_car_requests(res["stranger"])) == []


def test_the_database_itself_refuses_an_overlapping_dispatch(res: dict[str, Any]) -> None:
    """Even a write that skips the services: on PostgreSQL the exclusion constraint, on SQLite the guarded
    statement is the only writer, so here the check is that the guard sees the overlap."""
    from django.db import connection

    first = dispatched_request(res)
    services.car_request_dispatch(
        actor=res["clerk"], request_id=first.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    second = dispatched_request(res)
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            Dispatch.objects.create(
                request=second,
                vehicle=res["car"],
                driver=res["driver2"],
                starts_at=second.starts_at,
                ends_at=second.ends_at,
                dispatched_by=res["clerk"],
            )
    from sanfu.resources.services.dispatch import _insert_dispatch

    with transaction.atomic():
        assert _insert_dispatch(request=second, vehicle=res["car"], driver=res["driver2"], actor=res["clerk"]) is None
    assert Dispatch.objects.count() == 1

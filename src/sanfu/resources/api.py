"""公务用车 over the REST API: the unit's vehicles, the holder's car requests (and those they may see), one
request with its dispatch, and submitting a request (which starts the flow ``vehicle-request``).

Each operation calls the same selector or service as the pages: another unit's request is a 404, bad input is a
422 or a 400 with the service's message, and nothing is written on refusal."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from sanfu.api import scopes
from sanfu.api.kit import Page, PageQuery, actor, answers, auth, page_of
from sanfu.resources import selectors, services
from sanfu.resources.models import CarRequest, Vehicle

READ = scopes.declare("resources:read", gettext_lazy("查看本单位车辆和我的用车申请"))
WRITE = scopes.declare("resources:write", gettext_lazy("提交用车申请"))

router = Router(tags=["公务用车"])


class VehicleOut(Schema):
    id: int
    plate: str
    model: str
    seats: int
    status: str = Field(description="in_service 在用、maintenance 维修保养、retired 已报废")


def _vehicle(v: Vehicle) -> VehicleOut:
    return VehicleOut(id=v.pk, plate=v.plate, model=v.model, seats=v.seats, status=v.status)


@router.get("/vehicles", response=answers(list[VehicleOut]), auth=auth(READ), summary="本单位的车辆")
def vehicles(request: HttpRequest) -> list[VehicleOut]:
    return [_vehicle(v) for v in selectors.visible_vehicles(actor(request))]


class DispatchOut(Schema):
    vehicle: str
    driver: str
    driver_phone: str
    starts_at: datetime
    ends_at: datetime


class CarRequestOut(Schema):
    id: int
    purpose: str
    origin: str
    destination: str
    passengers: int
    starts_at: datetime
    ends_at: datetime
    department: str
    requester: str
    status: str = Field(
        description="head 部门审核中、dispatching 待派车、returned 已退回、dispatched 已派车、completed 已回场"
    )
    dispatch: DispatchOut | None = None


def _request(r: CarRequest, *, with_dispatch: bool = False) -> CarRequestOut:
    dispatch = selectors.active_dispatch(r) if with_dispatch else None
    return CarRequestOut(
        id=r.pk,
        purpose=r.purpose,
        origin=r.origin,
        destination=r.destination,
        passengers=r.passengers,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        department=r.department.name,
        requester=r.requester.display_name,
        status=r.status,
        dispatch=DispatchOut(
            vehicle=dispatch.vehicle.plate,
            driver=dispatch.driver.name,
            driver_phone=dispatch.driver.phone,
            starts_at=dispatch.starts_at,
            ends_at=dispatch.ends_at,
        )
        if dispatch
        else None,
    )


@router.get("/car-requests", response=answers(Page[CarRequestOut]), auth=auth(READ), summary="用车申请")
def car_requests(request: HttpRequest, paging: Query[PageQuery]) -> Page[CarRequestOut]:
    """本人的用车申请；部门负责人另见本部门的，车辆管理员见本单位全部。按编号倒序，游标分页。"""
    rows, following = page_of(
        selectors.visible_car_requests(actor(request)).select_related("requester", "department").order_by("-pk"),
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return Page[CarRequestOut](items=[_request(r) for r in rows], next_cursor=following)


@router.get(
    "/car-requests/{request_id}",
    response=answers(CarRequestOut),
    auth=auth(READ),
    summary="一个用车申请",
    operation_id="resources_car_request_detail",
)
def car_request_detail(request: HttpRequest, request_id: int) -> CarRequestOut:
    return _request(selectors.access_car_request(actor=actor(request), request_id=request_id), with_dispatch=True)


class CarRequestIn(Schema):
    purpose: str = Field(min_length=1, max_length=200, description="用车事由")
    origin: str = Field(min_length=1, max_length=100, description="出发地")
    destination: str = Field(min_length=1, max_length=100, description="目的地")
    passengers: int = Field(1, ge=1, le=60, description="乘车人数")
    starts_at: datetime = Field(description="用车开始（带时区，如 2026-12-14T09:00:00+08:00）")
    ends_at: datetime = Field(description="用车结束（带时区），须晚于开始")


@router.post(
    "/car-requests",
    response=answers(CarRequestOut, status=201),
    auth=auth(WRITE),
    summary="提交用车申请",
    operation_id="resources_car_request_submit",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "read": {
                        "operationId": "resources_car_request_detail",
                        "parameters": {"request_id": "$response.body#/id"},
                        "description": "查看刚提交的用车申请",
                    }
                }
            }
        }
    },
)
def car_request_submit(request: HttpRequest, body: CarRequestIn) -> Status[CarRequestOut]:
    """提交后先经部门负责人审核，再由车辆管理员派车。时间已过去、结束早于开始等为 422（写明原因），不留下任何记录。"""
    created = services.car_request_submit(
        actor=actor(request),
        data=services.CarRequestIn(
            purpose=body.purpose,
            origin=body.origin,
            destination=body.destination,
            passengers=body.passengers,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
        ),
    )
    return Status(201, _request(created))

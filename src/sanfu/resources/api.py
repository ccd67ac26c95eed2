"""资源共享 over the REST API. 公务用车: the unit's vehicles, the holder's car requests (and those they may see), one
request with its dispatch, submitting a request (which starts the flow ``vehicle-request``), the requester's
withdrawal and the vehicle manager's cancellation of a dispatch. 办公设备: the register (filtered, paged) and one
asset with its transfers and repairs; the renewal plan (the office). 办公用品: the items with the stock per store,
the 领用申请 (list, submit, one) and 发放 by the store's keeper.

Each operation calls the same selector or service as the pages: another unit's request is a 404, bad input is a
422 or a 400 with the service's message, and nothing is written on refusal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from sanfu.accounts.models import User
from sanfu.api import scopes
from sanfu.api.kit import ObjectId, Page, PageQuery, actor, answers, auth, page_of
from sanfu.core.errors import PermissionDeniedError
from sanfu.resources import renewal, rights, selectors, services
from sanfu.resources.models import Asset, CarRequest, Store, SupplyItem, SupplyLine, SupplyRequest, Vehicle

READ = scopes.declare("resources:read", gettext_lazy("查看本单位的车辆、设备、办公用品和我的用车、领用申请"))
WRITE = scopes.declare("resources:write", gettext_lazy("提交和撤回用车申请、取消派车、提交领用申请和发放办公用品"))

router = Router(tags=["资源共享"])


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
        description="head 部门审核中、dispatching 待派车、returned 已退回、dispatched 已派车、completed 已回场、"
        "cancelled 已撤销"
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
    model_config = ConfigDict(extra="forbid")

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


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=200, description="撤回原因（选填）")


@router.post(
    "/car-requests/{request_id}/withdraw",
    response=answers(CarRequestOut),
    auth=auth(WRITE),
    summary="撤回用车申请",
    operation_id="resources_car_request_withdraw",
)
def car_request_withdraw(request: HttpRequest, request_id: int, body: WithdrawIn) -> CarRequestOut:
    """申请人撤回：审批中（尚无审批人同意，或已退回）经流程撤回；已派车的在出车前撤回，派车随之取消，车辆和驾驶员释放。
    非申请人为 403；已有审批人同意、已出车或已回场为 409（写明原因）。"""
    withdrawn = services.car_request_withdraw(actor=actor(request), request_id=request_id, reason=body.reason)
    return _request(withdrawn, with_dispatch=True)


class DispatchCancelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200, description="取消原因")
    redispatch: bool = Field(True, description="true：申请回到待派车，可重新派车；false：申请随之撤销")


@router.post(
    "/car-requests/{request_id}/cancel-dispatch",
    response=answers(CarRequestOut),
    auth=auth(WRITE),
    summary="取消派车",
    operation_id="resources_dispatch_cancel",
)
def dispatch_cancel(request: HttpRequest, request_id: int, body: DispatchCancelIn) -> CarRequestOut:
    """车辆管理员在出车前取消派车：车辆和驾驶员释放，申请人和驾驶员收到通知。非车辆管理员为 403；
    未派车、已出车或已回场为 409。"""
    cancelled = services.dispatch_cancel(
        actor=actor(request), request_id=request_id, reason=body.reason, redispatch=body.redispatch
    )
    return _request(cancelled, with_dispatch=True)


# --- 办公设备 ------------------------------------------------------------------------------------------------

ConditionCode = Literal["good", "fair", "poor"]


class AssetOut(Schema):
    id: int
    number: str
    name: str
    category: str
    purchase_date: date
    value: Decimal
    service_years: int
    condition: str = Field(description="good 良好、fair 一般、poor 较差")
    status: str = Field(description="in_use 在用、disposed 已处置")
    location: str
    department: str
    department_id: int | None
    keeper: str


def _asset(a: Asset) -> AssetOut:
    return AssetOut(
        id=a.pk,
        number=a.number,
        name=a.name,
        category=a.category,
        purchase_date=a.purchase_date,
        value=a.value,
        service_years=a.service_years,
        condition=a.condition,
        status=a.status,
        location=a.location,
        department=a.department.name if a.department else "",
        department_id=a.department_id,
        keeper=a.keeper.display_name if a.keeper else "",
    )


class AssetQuery(PageQuery):
    q: str = Field("", max_length=50, description="在资产编号、名称、类别、存放地点中查找")
    department: ObjectId | None = Field(None, description="使用部门的编号")
    condition: ConditionCode | None = Field(None, description="状况")


@router.get("/assets", response=answers(Page[AssetOut]), auth=auth(READ), summary="设备台账")
def assets(request: HttpRequest, filters: Query[AssetQuery]) -> Page[AssetOut]:
    """本单位的设备，可按部门、状况筛选，按编号或名称查找；按编号倒序，游标分页。"""
    rows = selectors.search_assets(
        actor(request), q=filters.q.strip(), department=filters.department, condition=filters.condition or ""
    )
    found, following = page_of(rows, cursor=filters.cursor, limit=filters.limit)
    return Page[AssetOut](items=[_asset(a) for a in found], next_cursor=following)


class AssetTransferOut(Schema):
    moved_at: datetime
    from_department: str
    to_department: str
    from_keeper: str
    to_keeper: str
    from_location: str
    to_location: str
    note: str
    moved_by: str


class AssetRepairOut(Schema):
    repaired_on: date
    description: str
    cost: Decimal
    recorded_by: str


class AssetDetailOut(AssetOut):
    transfers: list[AssetTransferOut]
    repairs: list[AssetRepairOut]


def _name(department: object) -> str:
    return str(getattr(department, "name", "") or "")


def _person(user: object) -> str:
    return str(getattr(user, "display_name", "") or "")


@router.get(
    "/assets/{asset_id}",
    response=answers(AssetDetailOut),
    auth=auth(READ),
    summary="一台设备",
    operation_id="resources_asset_detail",
)
def asset_detail(request: HttpRequest, asset_id: int) -> AssetDetailOut:
    """设备及其调拨记录、维修记录（新的在前）。外单位的设备为 404。"""
    a = selectors.access_asset(actor=actor(request), asset_id=asset_id)
    transfers = a.transfers.select_related("from_department", "to_department", "from_keeper", "to_keeper", "moved_by")
    return AssetDetailOut(
        **_asset(a).model_dump(),
        transfers=[
            AssetTransferOut(
                moved_at=t.moved_at,
                from_department=_name(t.from_department),
                to_department=_name(t.to_department),
                from_keeper=_person(t.from_keeper),
                to_keeper=_person(t.to_keeper),
                from_location=t.from_location,
                to_location=t.to_location,
                note=t.note,
                moved_by=_person(t.moved_by),
            )
            for t in transfers
        ],
        repairs=[
            AssetRepairOut(
                repaired_on=r.repaired_on, description=r.description, cost=r.cost, recorded_by=_person(r.recorded_by)
            )
            for r in a.repairs.select_related("recorded_by")
        ],
    )


class RenewalLineOut(Schema):
    asset_id: int
    number: str
    name: str
    category: str
    department: str
    purchase_date: date
    due_date: date
    value: Decimal
    repairs: Decimal = Field(description="累计维修费")
    condition: str
    reasons: list[str]


class RenewalBudgetOut(Schema):
    department: str
    count: int
    budget: Decimal


class RenewalPlanOut(Schema):
    year: int
    by_age: bool = Field(description="规则：达到使用年限")
    by_condition: bool = Field(description="规则：状况较差")
    repair_share: int | None = Field(description="规则：累计维修费超过原值的百分比（空：不启用）")
    lines: list[RenewalLineOut]
    by_department: list[RenewalBudgetOut]
    total: Decimal


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")


@router.get("/renewal-plan", response=answers(RenewalPlanOut), auth=auth(READ), summary="设备更新计划")
def renewal_plan(request: HttpRequest, query: Query[YearQuery]) -> RenewalPlanOut:
    """本单位一年的更新计划（按单位的更新规则）与各部门预算。只有办公室（资产管理员）可以查看，其他人为 403。"""
    person = actor(request)
    if not rights.is_manager(person):
        raise PermissionDeniedError(_("只有办公室（资产管理员）可以查看更新计划。"))
    plan = renewal.renewal_plan(person, year=query.year or timezone.localdate().year)
    return RenewalPlanOut(
        year=plan.year,
        by_age=plan.rule.by_age,
        by_condition=plan.rule.by_condition,
        repair_share=plan.rule.repair_share,
        lines=[
            RenewalLineOut(
                asset_id=line.asset_id,
                number=line.number,
                name=line.name,
                category=line.category,
                department=line.department,
                purchase_date=line.purchase_date,
                due_date=line.due_date,
                value=line.value,
                repairs=line.repairs,
                condition=line.condition,
                reasons=[str(r) for r in line.reasons],
            )
            for line in plan.lines
        ],
        by_department=[RenewalBudgetOut(department=d, count=c, budget=b) for d, c, b in plan.by_department],
        total=plan.total,
    )


# --- 办公用品 ------------------------------------------------------------------------------------------------


class StoreOut(Schema):
    id: int
    name: str
    keeper: str


class StockOut(Schema):
    store_id: int
    store: str
    quantity: int
    low_mark: int = Field(description="预警数量：库存不高于它时提醒库管员")


class SupplyItemOut(Schema):
    id: int
    name: str
    measure: str = Field(description="计量单位")
    needs_approval: bool = Field(description="领用须经部门负责人审批")
    stock: list[StockOut] = Field(description="各库房的库存：办公室见全部库房，库管员见本人管理的库房，其他人为空")


class SupplyCatalogueOut(Schema):
    stores: list[StoreOut]
    items: list[SupplyItemOut]


@router.get("/supply-items", response=answers(SupplyCatalogueOut), auth=auth(READ), summary="办公用品与库存")
def supply_items(request: HttpRequest) -> SupplyCatalogueOut:
    """本单位的库房和办公用品（领用申请用它们的编号）。库存与库存页面相同：办公室见全部库房，库管员见本人管理的库房。"""
    person = actor(request)
    unit_id = rights.unit_of(person)
    if unit_id is None:
        return SupplyCatalogueOut(stores=[], items=[])
    stores = list(Store.objects.filter(unit_id=unit_id).select_related("keeper"))
    kept = {s.pk for s in stores if rights.is_manager(person) or s.keeper_id == person.pk}
    stocks = selectors.visible_stock(person).filter(store_id__in=kept)
    items = SupplyItem.objects.filter(unit_id=unit_id).prefetch_related(
        Prefetch("stocks", queryset=stocks, to_attr="shown")
    )
    return SupplyCatalogueOut(
        stores=[StoreOut(id=s.pk, name=s.name, keeper=s.keeper.display_name) for s in stores],
        items=[
            SupplyItemOut(
                id=i.pk,
                name=i.name,
                measure=i.measure,
                needs_approval=i.needs_approval,
                stock=[
                    StockOut(store_id=st.store_id, store=st.store.name, quantity=st.quantity, low_mark=st.low_mark)
                    for st in getattr(i, "shown", [])
                ],
            )
            for i in items
        ],
    )


class SupplyLineOut(Schema):
    item_id: int
    item: str
    measure: str
    quantity: int


class SupplyRequestOut(Schema):
    id: int
    store_id: int
    store: str
    department: str
    requester: str
    note: str
    status: str = Field(description="pending 审批中、returned 已退回、ready 待发放、issued 已发放")
    created_at: datetime
    issued_at: datetime | None
    lines: list[SupplyLineOut]


def _supply(r: SupplyRequest) -> SupplyRequestOut:
    return SupplyRequestOut(
        id=r.pk,
        store_id=r.store_id,
        store=r.store.name,
        department=r.department.name,
        requester=r.requester.display_name,
        note=r.note,
        status=r.status,
        created_at=r.created_at,
        issued_at=r.issued_at,
        lines=[
            SupplyLineOut(item_id=line.item_id, item=line.item.name, measure=line.item.measure, quantity=line.quantity)
            for line in r.lines.all()
        ],
    )


def _supply_rows() -> Prefetch:  # type: ignore[type-arg]
    return Prefetch("lines", queryset=SupplyLine.objects.select_related("item"))


def _one_supply(person: User, request_id: int) -> SupplyRequestOut:
    found = selectors.access_supply_request(actor=person, request_id=request_id)
    prefetch_related_objects([found], _supply_rows())
    return _supply(found)


@router.get("/supply-requests", response=answers(Page[SupplyRequestOut]), auth=auth(READ), summary="领用申请")
def supply_requests(request: HttpRequest, paging: Query[PageQuery]) -> Page[SupplyRequestOut]:
    """本人的领用申请；库管员另见本库房的，部门负责人见本部门的，办公室见本单位全部。按编号倒序，游标分页。"""
    rows, following = page_of(
        selectors.visible_supply_requests(actor(request))
        .select_related("requester", "department", "store")
        .prefetch_related(_supply_rows()),
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return Page[SupplyRequestOut](items=[_supply(r) for r in rows], next_cursor=following)


@router.get(
    "/supply-requests/{request_id}",
    response=answers(SupplyRequestOut),
    auth=auth(READ),
    summary="一份领用申请",
    operation_id="resources_supply_request_detail",
)
def supply_request_detail(request: HttpRequest, request_id: int) -> SupplyRequestOut:
    return _one_supply(actor(request), request_id)


class SupplyLineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    item: ObjectId = Field(description="用品的编号（本单位）")
    quantity: int = Field(ge=1, le=10000)


class SupplyRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    store: ObjectId = Field(description="库房的编号（本单位）")
    lines: list[SupplyLineIn] = Field(min_length=1, max_length=20)
    note: str = Field("", max_length=200, description="用途")


@router.post(
    "/supply-requests",
    response=answers(SupplyRequestOut, status=201),
    auth=auth(WRITE),
    summary="提交领用申请",
    operation_id="resources_supply_request_submit",
)
def supply_request_submit(request: HttpRequest, body: SupplyRequestIn) -> Status[SupplyRequestOut]:
    """有需审批的用品时先经部门负责人审批（pending），否则直接待发放（ready）。外单位的库房为 404；同一用品重复、
    用品不属本单位等为 422，不留下任何记录。"""
    made = services.supply_request_submit(
        actor=actor(request),
        store_id=body.store,
        lines=[services.LineIn(item_id=line.item, quantity=line.quantity) for line in body.lines],
        note=body.note,
    )
    return Status(201, _one_supply(actor(request), made.pk))


@router.post(
    "/supply-requests/{request_id}/issue",
    response=answers(SupplyRequestOut),
    auth=auth(WRITE),
    summary="发放办公用品",
    operation_id="resources_supply_request_issue",
)
def supply_request_issue(request: HttpRequest, request_id: int) -> SupplyRequestOut:
    """该库房的库管员（或办公室）发放：每一项都出库，或者一项也不出库。非库管员为 403；不是待发放、库存不足为 409。"""
    services.supply_request_issue(actor=actor(request), request_id=request_id)
    return _one_supply(actor(request), request_id)

"""Reads of 资源共享, permission-scoped by construction: ``visible_<entities>(actor)`` lists only the actor's unit
(and, for car requests, what the actor may see), ``access_<entity>(*, actor, …)`` raises ``NotFoundError`` (a 404)
for anything else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import NotFoundError
from sanfu.resources import rights
from sanfu.resources.models import (
    Asset,
    CarRequest,
    Condition,
    Dispatch,
    DispatchStatus,
    Driver,
    Stock,
    SupplyLine,
    SupplyRequest,
    SupplyStatus,
    TripLog,
    Vehicle,
    VehicleStatus,
)
from sanfu.workflow.models import Task, TaskStatus


def _unit(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise NotFoundError(_("您不属于任何单位。"))
    return unit_id


# --- vehicles ---------------------------------------------------------------------------------------------------


def visible_vehicles(actor: User) -> QuerySet[Vehicle]:
    unit_id = rights.unit_of(actor)
    return Vehicle.objects.filter(unit_id=unit_id) if unit_id else Vehicle.objects.none()


def dispatchable_vehicles(actor: User) -> QuerySet[Vehicle]:
    return visible_vehicles(actor).filter(status=VehicleStatus.IN_SERVICE)


def visible_drivers(actor: User) -> QuerySet[Driver]:
    unit_id = rights.unit_of(actor)
    return Driver.objects.filter(unit_id=unit_id) if unit_id else Driver.objects.none()


def access_vehicle(*, actor: User, vehicle_id: int) -> Vehicle:
    vehicle = visible_vehicles(actor).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFoundError(_("车辆不存在。"))
    return vehicle


def access_driver(*, actor: User, driver_id: int) -> Driver:
    driver = visible_drivers(actor).filter(pk=driver_id).first()
    if driver is None:
        raise NotFoundError(_("驾驶员不存在。"))
    return driver


def visible_car_requests(actor: User) -> QuerySet[CarRequest]:
    """The manager sees every request of the unit; a head, their departments' (with sub-departments) and those
    waiting for them; anyone, their own."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return CarRequest.objects.none()
    rows = CarRequest.objects.filter(unit_id=unit_id)
    if rights.is_manager(actor):
        return rows
    mine = Q(requester_id=actor.pk)
    paths = rights.headed_paths(actor)
    if paths:
        mine |= reduce(or_, (Q(department__path__startswith=p) for p in paths))
    tasked = Task.objects.filter(Q(assignee_id=actor.pk) | Q(on_behalf_of_id=actor.pk)).values("instance_id")
    return rows.filter(mine | Q(instance_id__in=tasked))


def access_car_request(*, actor: User, request_id: int) -> CarRequest:
    found = (
        visible_car_requests(actor).select_related("requester", "department", "instance").filter(pk=request_id).first()
    )
    if found is None:
        raise NotFoundError(_("用车申请不存在。"))
    return found


def active_dispatch(request: CarRequest) -> Dispatch | None:
    return (
        Dispatch.objects.filter(request=request, status=DispatchStatus.ACTIVE)
        .select_related("vehicle", "driver", "dispatched_by")
        .first()
    )


def open_step_of(request: CarRequest) -> str | None:
    """The flow's step waiting on the request (``head`` or ``dispatch``), None when none is open."""
    if request.instance_id is None:
        return None
    return (
        Task.objects.filter(instance_id=request.instance_id, status=TaskStatus.OPEN)
        .values_list("node", flat=True)
        .first()
    )


def overlapping_dispatches(
    *, vehicle_id: int | None, driver_id: int | None, starts_at: datetime, ends_at: datetime
) -> QuerySet[Dispatch]:
    """Active dispatches of the vehicle or the driver overlapping [starts_at, ends_at)."""
    who = Q()
    if vehicle_id:
        who |= Q(vehicle_id=vehicle_id)
    if driver_id:
        who |= Q(driver_id=driver_id)
    return Dispatch.objects.filter(who, status=DispatchStatus.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)


def vehicle_schedule(actor: User, day: date) -> list[Dispatch]:
    """The active dispatches of the unit's vehicles touching ``day`` (local), for the fleet board."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    return list(
        Dispatch.objects.filter(
            vehicle__in=visible_vehicles(actor), status=DispatchStatus.ACTIVE, starts_at__lt=end, ends_at__gt=start
        )
        .select_related("vehicle", "driver", "request", "request__department")
        .order_by("starts_at")
    )


# --- costs --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostRow:
    month: date
    department: str
    trips: int
    distance: int
    fuel_litres: Decimal
    fuel_cost: Decimal
    tolls: Decimal
    parking: Decimal

    @property
    def total(self) -> Decimal:
        return self.fuel_cost + self.tolls + self.parking


def vehicle_costs(actor: User, *, year: int) -> list[CostRow]:
    """出车费用 per department (the requester's) and month of the trip, for the manager of the unit: one grouped
    query whatever the number of trips."""
    unit_id = _unit(actor)
    zero = Decimal("0")
    rows = (
        TripLog.objects.filter(dispatch__request__unit_id=unit_id, dispatch__starts_at__year=year)
        .annotate(month=TruncMonth("dispatch__starts_at"))
        .values("month", "dispatch__request__department__name")
        .annotate(
            trips=Count("id"),
            km=Coalesce(Sum(F("odometer_end") - F("odometer_start")), 0),
            fuel_litres=Coalesce(Sum("fuel_litres"), zero),
            fuel_cost=Coalesce(Sum("fuel_cost"), zero),
            tolls=Coalesce(Sum("tolls"), zero),
            parking=Coalesce(Sum("parking"), zero),
        )
        .order_by("month", "dispatch__request__department__name")
    )
    result = []
    for r in rows:
        month = r["month"]
        month = timezone.localtime(month).date() if isinstance(month, datetime) else month
        result.append(
            CostRow(
                month=month.replace(day=1),
                department=r["dispatch__request__department__name"],
                trips=int(r["trips"]),
                distance=int(r["km"]),
                fuel_litres=Decimal(r["fuel_litres"]),
                fuel_cost=Decimal(r["fuel_cost"]),
                tolls=Decimal(r["tolls"]),
                parking=Decimal(r["parking"]),
            )
        )
    return result


# --- assets ---------------------------------------------------------------------------------------------------------


def visible_assets(actor: User) -> QuerySet[Asset]:
    unit_id = rights.unit_of(actor)
    return Asset.objects.filter(unit_id=unit_id) if unit_id else Asset.objects.none()


def search_assets(actor: User, *, q: str = "", department: int | None = None, condition: str = "") -> QuerySet[Asset]:
    """The register filtered as the page and the API filter it: ``q`` in the number, name, category or place; one
    department; one condition (an unknown condition filters nothing)."""
    rows = visible_assets(actor).select_related("department", "keeper")
    if q:
        rows = rows.filter(
            Q(number__icontains=q) | Q(name__icontains=q) | Q(category__icontains=q) | Q(location__icontains=q)
        )
    if department:
        rows = rows.filter(department_id=department)
    if condition in Condition.values:
        rows = rows.filter(condition=condition)
    return rows


def access_asset(*, actor: User, asset_id: int) -> Asset:
    asset = visible_assets(actor).select_related("keeper", "department").filter(pk=asset_id).first()
    if asset is None:
        raise NotFoundError(_("设备不存在。"))
    return asset


# --- supplies -------------------------------------------------------------------------------------------------------


def visible_supply_requests(actor: User) -> QuerySet[SupplyRequest]:
    """The office sees every request of the unit; a store's keeper, the store's; a head, their departments'; anyone,
    their own and those waiting on them."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return SupplyRequest.objects.none()
    rows = SupplyRequest.objects.filter(unit_id=unit_id)
    if rights.is_manager(actor):
        return rows
    mine = Q(requester_id=actor.pk) | Q(store__keeper_id=actor.pk)
    paths = rights.headed_paths(actor)
    if paths:
        mine |= reduce(or_, (Q(department__path__startswith=p) for p in paths))
    tasked = Task.objects.filter(Q(assignee_id=actor.pk) | Q(on_behalf_of_id=actor.pk)).values("instance_id")
    return rows.filter(mine | Q(instance_id__in=tasked))


def access_supply_request(*, actor: User, request_id: int) -> SupplyRequest:
    found = (
        visible_supply_requests(actor)
        .select_related("requester", "department", "store", "store__keeper")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFoundError(_("领用申请不存在。"))
    return found


def visible_stock(actor: User) -> QuerySet[Stock]:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Stock.objects.none()
    return (
        Stock.objects.filter(store__unit_id=unit_id)
        .select_related("store", "item")
        .order_by("store__name", "item__name")
    )


@dataclass(frozen=True)
class ConsumptionRow:
    month: date
    department: str
    item: str
    measure: str
    quantity: int


def supply_consumption(actor: User, *, year: int) -> list[ConsumptionRow]:
    """领用汇总: issued quantities per month, department and item (the office); one grouped query."""
    unit_id = _unit(actor)
    rows = (
        SupplyLine.objects.filter(
            request__unit_id=unit_id, request__status=SupplyStatus.ISSUED, request__issued_at__year=year
        )
        .annotate(month=TruncMonth("request__issued_at"))
        .values("month", "request__department__name", "item__name", "item__measure")
        .annotate(total=Sum("quantity"))
        .order_by("month", "request__department__name", "item__name")
    )
    result = []
    for r in rows:
        month = r["month"]
        month = timezone.localtime(month).date() if isinstance(month, datetime) else month
        result.append(
            ConsumptionRow(
                month=month.replace(day=1),
                department=r["request__department__name"],
                item=r["item__name"],
                measure=r["item__measure"],
                quantity=int(r["total"]),
            )
        )
    return result

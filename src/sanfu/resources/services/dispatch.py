"""公务用车 from the dispatch on: the vehicle manager's 派车, its cancel, the requester's withdrawal until the trip
starts, and the trip log on return.

Two active dispatches of one vehicle, or of one driver, never overlap, whoever writes them at the same moment.
Each dispatch is written by one guarded statement (``INSERT … SELECT … WHERE NOT EXISTS (an overlapping active
dispatch of the vehicle or the driver)``), which SQLite runs under its single write lock; on PostgreSQL the
exclusion constraints of migration 0002 refuse whichever of two racing writers commits second. Either way the
loser gets a ``ConflictError`` naming the dispatch in the way, and its flow step is rolled back with it.

A cancelled dispatch (by the vehicle manager, or by the requester's withdrawal before the trip) frees its car and
driver at once: the guard and the constraints look at active dispatches only. The request is then dispatched again
(without a flow step: the flow was approved with the first dispatch) or closed as 已撤销. Every change of a
request's status is a conditional update of its row: of a cancel racing the trip log, or two dispatches after a
cancel, one wins and the other is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ConflictError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.resources import rights, selectors
from sanfu.resources.models import (
    CarRequest,
    CarRequestStatus,
    Dispatch,
    DispatchStatus,
    Driver,
    TripLog,
    Vehicle,
    VehicleStatus,
)
from sanfu.resources.services.vehicles import (
    MAX_AMOUNT,
    MAX_DISTANCE_KM,
    _bad,
    _redispatching,
    _require_manager,
    _task,
    _when,
)
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, InstanceStatus

# --- the guarded write ----------------------------------------------------------------------------------------

_INSERT = (
    "INSERT INTO resources_dispatch (request_id, vehicle_id, driver_id, starts_at, ends_at, status, "
    "dispatched_by_id, created_at) "
    "SELECT %s, %s, %s, %s, %s, 'active', %s, %s "
    "WHERE NOT EXISTS (SELECT 1 FROM resources_dispatch WHERE (vehicle_id = %s OR driver_id = %s) "
    "AND status = 'active' AND starts_at < %s AND ends_at > %s)"
)


def _dt(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _insert_dispatch(*, request: CarRequest, vehicle: Vehicle, driver: Driver, actor: User) -> int | None:
    """One guarded insert; the new dispatch's id, or None when the vehicle or the driver is taken then."""
    params = [
        request.pk,
        vehicle.pk,
        driver.pk,
        _dt(request.starts_at),
        _dt(request.ends_at),
        actor.pk,
        _dt(timezone.now()),
        vehicle.pk,
        driver.pk,
        _dt(request.ends_at),
        _dt(request.starts_at),
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: PostgreSQL's refusal is local
            cursor.execute(_INSERT + " RETURNING id", params)
            row = cursor.fetchone()
    except IntegrityError:  # PostgreSQL: an exclusion constraint refused a writer that raced us
        return None
    return int(row[0]) if row else None


def _dispatch_conflict(vehicle: Vehicle, driver: Driver, request: CarRequest) -> ConflictError:
    """The refusal naming the dispatch in the way (read after the guarded write failed)."""
    other = (
        selectors.overlapping_dispatches(
            vehicle_id=vehicle.pk, driver_id=driver.pk, starts_at=request.starts_at, ends_at=request.ends_at
        )
        .select_related("request", "vehicle", "driver")
        .order_by("starts_at")
        .first()
    )
    if other is None:
        return ConflictError(_("所选车辆或驾驶员在该时段刚被派出，请刷新后重试。"))
    what = (
        _("车辆 %(plate)s") % {"plate": vehicle.plate}
        if other.vehicle_id == vehicle.pk
        else _("驾驶员 %(name)s") % {"name": driver.name}
    )
    return ConflictError(
        _("%(what)s 在 %(when)s 已派给“%(purpose)s”，与本次用车时间冲突，请另选。")
        % {"what": what, "when": _when(other.starts_at, other.ends_at), "purpose": other.request.purpose},
        errors=[{"field": "vehicle" if other.vehicle_id == vehicle.pk else "driver", "dispatch": other.pk}],
    )


def car_request_dispatch(
    *, actor: User, request_id: int, vehicle_id: int, driver_id: int, comment: str = ""
) -> Dispatch:
    """派车: the vehicle manager's step of the flow (or, after a cancelled dispatch, a dispatch again). The request
    is claimed (a conditional update: of two managers dispatching it at once, one wins), the car and the driver are
    written by the guarded insert and the flow's step is approved in the same transaction; a car or a driver
    already out then is refused, and nothing of this dispatch (nor the step) is left."""
    _require_manager(actor)
    request = selectors.access_car_request(actor=actor, request_id=request_id)
    again = _redispatching(request)
    task = None if again else _task(actor, request, "dispatch", CarRequestStatus.DISPATCHING)
    vehicle = selectors.access_vehicle(actor=actor, vehicle_id=vehicle_id)
    driver = selectors.access_driver(actor=actor, driver_id=driver_id)
    if vehicle.status != VehicleStatus.IN_SERVICE:
        raise _bad(
            _("车辆 %(plate)s 当前不在用（%(status)s），不能派出。")
            % {"plate": vehicle.plate, "status": vehicle.get_status_display()},
            "vehicle",
        )
    if not driver.active:
        raise _bad(_("驾驶员 %(name)s 已不在岗。") % {"name": driver.name}, "driver")
    if request.passengers > vehicle.seats:
        raise _bad(
            _("乘车 %(n)d 人，车辆 %(plate)s 只有 %(seats)d 座。")
            % {"n": request.passengers, "plate": vehicle.plate, "seats": vehicle.seats},
            "vehicle",
        )
    with transaction.atomic():
        if (
            CarRequest.objects.filter(pk=request.pk, status=CarRequestStatus.DISPATCHING).update(
                status=CarRequestStatus.DISPATCHED
            )
            != 1
        ):
            raise ConflictError(_("该用车申请已被他人办理，请刷新。"))
        dispatch_id = _insert_dispatch(request=request, vehicle=vehicle, driver=driver, actor=actor)
        if dispatch_id is None:
            raise _dispatch_conflict(vehicle, driver, request)
        if task is not None:
            instance = workflow.task_approve(
                actor=actor, task_id=task.pk, comment=comment or _("已派车"), in_transaction=True
            )
            if instance.status != InstanceStatus.APPROVED:
                raise ConflictError(_("派车环节尚未办结，请刷新。"))
        audit_record(
            action="resources.car_request.dispatch",
            actor=actor,
            target=f"car_request:{request.pk}",
            detail={"dispatch": dispatch_id, "vehicle": vehicle.pk, "driver": driver.pk, "again": again},
        )
        if again:  # the flow's end told the requester of the first dispatch; this one they learn here
            _tell(
                request,
                key=f"car-redispatch:{dispatch_id}",
                people=[request.requester_id, driver.user_id],
                title=_("已重新派车：%(purpose)s，%(when)s，车辆 %(plate)s，驾驶员 %(name)s")
                % {
                    "purpose": request.purpose,
                    "when": _when(request.starts_at, request.ends_at),
                    "plate": vehicle.plate,
                    "name": driver.name,
                },
            )
    return Dispatch.objects.select_related("vehicle", "driver", "request").get(pk=dispatch_id)


# --- withdrawing a request, cancelling a dispatch ------------------------------------------------------------

OPEN_STATUSES = (CarRequestStatus.HEAD, CarRequestStatus.DISPATCHING, CarRequestStatus.RETURNED)
FLOW_CLOSED = (InstanceStatus.WITHDRAWN, InstanceStatus.CANCELLED)


def _tell(request: CarRequest, *, key: str, people: list[int | None], title: str) -> None:
    """A notice about the request (in the app, and by mail or robot as each person chose), written with the change
    that causes it."""
    notify_people(
        key=key,
        people=[p for p in people if p],
        kind="resources",
        title=title,
        url=reverse("resources:request", args=[request.pk]),
    )


def _started(dispatch: Dispatch, now: datetime) -> bool:
    return dispatch.starts_at <= now or TripLog.objects.filter(dispatch=dispatch).exists()


@dataclass(frozen=True)
class Options:
    """What a person may do now to end a request or its dispatch, and, when not, why (for the request's page)."""

    may_withdraw: bool = False
    withdraw_refusal: str = ""
    may_cancel_dispatch: bool = False
    cancel_refusal: str = ""
    dispatch_again: bool = False  # at 待派车 after a cancelled dispatch: no flow step left to return


def _flow_refusal(request: CarRequest) -> str:
    """Why the requester cannot withdraw a request still in (or back from) its flow ("" when they can)."""
    instance: Instance | None = request.instance
    if instance is None:
        return _("该用车申请没有审批流程，不能撤回。")
    withdrawable = (
        instance.status in (*FLOW_CLOSED, InstanceStatus.RETURNED, InstanceStatus.APPROVED)  # approved: 待派车 again
        or (instance.status == InstanceStatus.RUNNING and not (instance.state or {}).get("acted"))
    )
    if withdrawable:
        return ""
    return _("已有审批人同意了该申请，不能撤回；如不再用车，请联系车辆管理员退回后再撤回。")


def _withdraw_refusal(request: CarRequest, dispatch: Dispatch | None, now: datetime) -> str:
    """Why the requester cannot withdraw the request now ("" when they can)."""
    if request.status in OPEN_STATUSES:
        return _flow_refusal(request)
    if request.status != CarRequestStatus.DISPATCHED:
        return _("%(status)s的用车申请不能撤回。") % {"status": request.get_status_display()}
    if dispatch is None:
        return _("该用车申请没有有效的派车。")
    if _started(dispatch, now):
        return _("用车已于 %(start)s 开始，不能撤回。") % {
            "start": f"{timezone.localtime(dispatch.starts_at):%Y-%m-%d %H:%M}"
        }
    return ""


def _cancel_refusal(request: CarRequest, dispatch: Dispatch | None, now: datetime) -> str:
    """Why the vehicle manager cannot cancel the request's dispatch now ("" when they can)."""
    if request.status != CarRequestStatus.DISPATCHED or dispatch is None:
        return _("只有已派车的用车申请可以取消派车。")
    if TripLog.objects.filter(dispatch=dispatch).exists():
        return _("该次出车已登记回场，不能取消派车。")
    if dispatch.starts_at <= now:
        return _("该次出车已于 %(start)s 开始，不能取消派车。") % {
            "start": f"{timezone.localtime(dispatch.starts_at):%Y-%m-%d %H:%M}"
        }
    return ""


def car_request_options(actor: User, request: CarRequest, *, now: datetime | None = None) -> Options:
    """The withdrawal (the requester's) and the dispatch's cancellation (the vehicle manager's) as ``actor`` may
    take them now: the page shows the buttons, or the reason there is none."""
    now = now or timezone.now()
    dispatch = selectors.active_dispatch(request)
    options: dict[str, Any] = {"dispatch_again": _redispatching(request)}
    if request.requester_id == actor.pk and request.status not in (
        CarRequestStatus.CANCELLED,
        CarRequestStatus.COMPLETED,
    ):
        refusal = _withdraw_refusal(request, dispatch, now)
        options.update(may_withdraw=not refusal, withdraw_refusal=refusal)
    if rights.is_manager(actor) and request.status == CarRequestStatus.DISPATCHED:
        refusal = _cancel_refusal(request, dispatch, now)
        options.update(may_cancel_dispatch=not refusal, cancel_refusal=refusal)
    return Options(**options)


def car_request_withdraw(*, actor: User, request_id: int, reason: str = "", now: datetime | None = None) -> CarRequest:
    """撤回 by the requester: while in approval through the flow's own withdrawal (before any approver acted, or
    when returned), or once dispatched until the trip starts — the dispatch is cancelled, its car and driver are
    free again, and the driver and the dispatcher are told. The request is then 已撤销."""
    now = now or timezone.now()
    reason = reason.strip()
    if len(reason) > 200:
        raise _bad(_("撤回原因不超过 200 个字。"), "reason")
    request = selectors.access_car_request(actor=actor, request_id=request_id)
    if request.requester_id != actor.pk:
        raise PermissionDeniedError(_("只有申请人可以撤回用车申请。"))
    dispatch = selectors.active_dispatch(request)
    refusal = _withdraw_refusal(request, dispatch, now)
    if refusal:
        raise ConflictError(refusal)
    if request.status in OPEN_STATUSES:
        instance = request.instance
        assert instance is not None  # _withdraw_refusal refused a request without one
        if instance.status in (InstanceStatus.RUNNING, InstanceStatus.RETURNED):
            # the flow's withdrawal is its own transaction (its events and the approvers' notices); the request
            # follows at once below, and a withdrawal left half done (or made in 审批中心) is finished by a retry
            workflow.instance_withdraw(actor=actor, instance_id=instance.pk, comment=reason)
        with transaction.atomic():
            if (
                CarRequest.objects.filter(pk=request.pk, status=request.status).update(
                    status=CarRequestStatus.CANCELLED
                )
                != 1
            ):
                raise ConflictError(_("该用车申请已被他人办理，请刷新。"))
            audit_record(
                action="resources.car_request.withdraw",
                actor=actor,
                target=f"car_request:{request.pk}",
                detail={"reason": reason, "from": request.status},
            )
    else:
        assert dispatch is not None
        with transaction.atomic():
            _close_dispatch(request, dispatch, to=CarRequestStatus.CANCELLED)
            audit_record(
                action="resources.car_request.withdraw",
                actor=actor,
                target=f"car_request:{request.pk}",
                detail={"reason": reason, "from": request.status, "dispatch": dispatch.pk},
            )
            _tell(
                request,
                key=f"car-withdrawn:{dispatch.pk}",
                people=[dispatch.driver.user_id, dispatch.dispatched_by_id],
                title=_("用车申请已撤回，派车取消：%(purpose)s，%(when)s，车辆 %(plate)s")
                % {
                    "purpose": request.purpose,
                    "when": _when(dispatch.starts_at, dispatch.ends_at),
                    "plate": dispatch.vehicle.plate,
                },
            )
    request.refresh_from_db()
    return request


def _close_dispatch(request: CarRequest, dispatch: Dispatch, *, to: str) -> None:
    """The request leaves 已派车 (claimed first: a trip log racing it finds it gone, or it finds the trip logged)
    and its dispatch is cancelled, freeing the car and the driver."""
    if CarRequest.objects.filter(pk=request.pk, status=CarRequestStatus.DISPATCHED).update(status=to) != 1:
        raise ConflictError(_("该用车申请刚被他人办理（已登记回场或已取消派车），请刷新。"))
    cancelled = Dispatch.objects.filter(pk=dispatch.pk, status=DispatchStatus.ACTIVE).update(
        status=DispatchStatus.CANCELLED
    )
    if cancelled != 1:
        raise ConflictError(_("该派车已被取消，请刷新。"))
    if TripLog.objects.filter(dispatch=dispatch).exists():
        raise ConflictError(_("该次出车已登记回场，不能取消派车。"))


def dispatch_cancel(
    *, actor: User, request_id: int, reason: str, redispatch: bool = True, now: datetime | None = None
) -> CarRequest:
    """取消派车 by the vehicle manager, with the reason, before the trip starts: the car and the driver are free
    again, the requester and the driver are told, and the request goes back to 待派车 (``redispatch``) or is
    closed as 已撤销."""
    now = now or timezone.now()
    request = selectors.access_car_request(actor=actor, request_id=request_id)  # what one may not see: 404 first
    _require_manager(actor)
    reason = reason.strip()
    if not reason:
        raise _bad(_("取消派车时请写明原因。"), "reason")
    if len(reason) > 200:
        raise _bad(_("取消原因不超过 200 个字。"), "reason")
    dispatch = selectors.active_dispatch(request)
    refusal = _cancel_refusal(request, dispatch, now)
    if refusal:
        raise ConflictError(refusal)
    assert dispatch is not None
    to = CarRequestStatus.DISPATCHING if redispatch else CarRequestStatus.CANCELLED
    with transaction.atomic():
        _close_dispatch(request, dispatch, to=to)
        audit_record(
            action="resources.dispatch.cancel",
            actor=actor,
            target=f"car_request:{request.pk}",
            detail={"dispatch": dispatch.pk, "reason": reason, "redispatch": redispatch},
        )
        values = {
            "purpose": request.purpose,
            "when": _when(dispatch.starts_at, dispatch.ends_at),
            "plate": dispatch.vehicle.plate,
            "reason": reason,
        }
        _tell(
            request,
            key=f"car-dispatch-cancelled:{dispatch.pk}",
            people=[request.requester_id],
            title=(
                _("派车已取消，将重新派车：%(purpose)s，%(when)s（%(reason)s）")
                if redispatch
                else _("派车已取消，用车申请已撤销：%(purpose)s，%(when)s（%(reason)s）")
            )
            % values,
        )
        _tell(
            request,
            key=f"car-dispatch-cancelled-driver:{dispatch.pk}",
            people=[dispatch.driver.user_id],
            title=_("出车任务已取消：%(purpose)s，%(when)s，车辆 %(plate)s（%(reason)s）") % values,
        )
    request.refresh_from_db()
    return request


# --- the trip log ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripIn:
    odometer_start: int
    odometer_end: int
    fuel_litres: Decimal | str | int = 0
    fuel_cost: Decimal | str | int = 0
    tolls: Decimal | str | int = 0
    parking: Decimal | str | int = 0
    returned_at: datetime | None = None


def _amount(value: Any, name: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as exc:
        raise _bad(_("%(label)s须是数字。") % {"label": label}, name) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise _bad(_("%(label)s须在 0 至 100000 之间。") % {"label": label}, name)
    return amount.quantize(Decimal("0.01"))


def trip_record(*, actor: User, request_id: int, data: TripIn, now: datetime | None = None) -> TripLog:
    """回场登记 by the vehicle manager: odometer readings and costs; the request is then 已回场."""
    now = now or timezone.now()
    _require_manager(actor)
    request = selectors.access_car_request(actor=actor, request_id=request_id)
    if request.status != CarRequestStatus.DISPATCHED:
        raise ConflictError(_("只有已派车的用车申请可以登记回场。"))
    dispatch = selectors.active_dispatch(request)
    if dispatch is None:
        raise ConflictError(_("该用车申请没有有效的派车。"))
    if data.odometer_start < 0 or data.odometer_end < 0:
        raise _bad(_("里程读数不能为负数。"), "odometer_start")
    if data.odometer_end < data.odometer_start:
        raise _bad(_("回场里程不能小于出车里程。"), "odometer_end")
    if data.odometer_end - data.odometer_start > MAX_DISTANCE_KM:
        raise _bad(_("一次出车超过 %(n)d 公里，请核对里程读数。") % {"n": MAX_DISTANCE_KM}, "odometer_end")
    amounts = {
        "fuel_litres": _amount(data.fuel_litres, "fuel_litres", _("加油量")),
        "fuel_cost": _amount(data.fuel_cost, "fuel_cost", _("油费")),
        "tolls": _amount(data.tolls, "tolls", _("通行费")),
        "parking": _amount(data.parking, "parking", _("停车费")),
    }
    returned_at = data.returned_at or now
    if returned_at < dispatch.starts_at:
        raise _bad(_("回场时间不能早于出车时间。"), "returned_at")
    if returned_at > now + timedelta(minutes=5):
        raise _bad(_("回场时间不能晚于现在。"), "returned_at")
    with transaction.atomic():
        if (
            CarRequest.objects.filter(pk=request.pk, status=CarRequestStatus.DISPATCHED).update(
                status=CarRequestStatus.COMPLETED
            )
            != 1
        ):
            raise ConflictError(_("该用车申请已登记回场或已取消派车，请刷新。"))
        trip = TripLog.objects.create(
            dispatch=dispatch,
            odometer_start=data.odometer_start,
            odometer_end=data.odometer_end,
            returned_at=returned_at,
            recorded_by=actor,
            **amounts,
        )
        audit_record(
            action="resources.trip.record",
            actor=actor,
            target=f"car_request:{request.pk}",
            detail={"distance": trip.distance, **{k: str(v) for k, v in amounts.items()}},
        )
    return trip

"""公务用车, before the car leaves: the fleet (vehicles and drivers) and car requests through the flow
``vehicle-request`` — submission, resubmission after a return, 部门审核 and its return. The dispatch, its cancel,
the requester's withdrawal and the trip log are in ``services.dispatch``; callers import both from
``sanfu.resources.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError
from sanfu.org.models import Department, Staff
from sanfu.org.selectors import departments_of, head_of, people_with_role, primary_department
from sanfu.resources import flows, rights, selectors
from sanfu.resources.models import (
    CarRequest,
    CarRequestStatus,
    Driver,
    Vehicle,
    VehicleStatus,
)
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus, Task
from sanfu.workflow.selectors import open_task_for

MAX_TRIP_DAYS = 7
MAX_PASSENGERS = 60
MAX_DISTANCE_KM = 5000  # one trip; a typo of a digit too many is refused
MAX_AMOUNT = Decimal("100000")


def _bad(message: str, name: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name}])


def _require_manager(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None or not rights.is_manager(actor):
        raise PermissionDeniedError(_("只有办公室（车辆管理员）可以办理此事项。"))
    return unit_id


def _when(starts_at: datetime, ends_at: datetime) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


# --- the fleet ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleIn:
    plate: str
    model: str
    seats: int = 5
    status: str = VehicleStatus.IN_SERVICE


def _checked_vehicle(data: VehicleIn) -> VehicleIn:
    plate = data.plate.strip().upper().replace(" ", "")
    model = data.model.strip()
    if not 5 <= len(plate) <= 16:
        raise _bad(_("请填写车牌号（5 至 16 个字符）。"), "plate")
    if not model or len(model) > 100:
        raise _bad(_("请填写品牌型号（不超过 100 个字）。"), "model")
    if not 1 <= data.seats <= MAX_PASSENGERS:
        raise _bad(_("座位数须在 1 至 %(n)d 之间。") % {"n": MAX_PASSENGERS}, "seats")
    if data.status not in VehicleStatus.values:
        raise _bad(_("请选择车辆状态。"), "status")
    return VehicleIn(plate=plate, model=model, seats=data.seats, status=data.status)


def vehicle_create(*, actor: User, data: VehicleIn) -> Vehicle:
    """登记车辆 (the office). A plate already registered is refused."""
    unit_id = _require_manager(actor)
    data = _checked_vehicle(data)
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                unit_id=unit_id, plate=data.plate, model=data.model, seats=data.seats, status=data.status
            )
            audit_record(
                action="resources.vehicle.create",
                actor=actor,
                target=f"vehicle:{vehicle.pk}",
                detail={"plate": data.plate},
            )
    except IntegrityError as exc:
        raise _bad(_("车牌号 %(plate)s 已登记。") % {"plate": data.plate}, "plate") from exc
    return vehicle


def vehicle_update(*, actor: User, vehicle_id: int, data: VehicleIn) -> Vehicle:
    """修改车辆 (plate, model, seats, status: 在用 / 维修保养 / 已报废)."""
    _require_manager(actor)
    vehicle = selectors.access_vehicle(actor=actor, vehicle_id=vehicle_id)
    data = _checked_vehicle(data)
    before = {"plate": vehicle.plate, "model": vehicle.model, "seats": vehicle.seats, "status": vehicle.status}
    try:
        with transaction.atomic():
            Vehicle.objects.filter(pk=vehicle.pk).update(
                plate=data.plate, model=data.model, seats=data.seats, status=data.status
            )
            audit_record(
                action="resources.vehicle.update",
                actor=actor,
                target=f"vehicle:{vehicle.pk}",
                detail={"before": before, "after": {"plate": data.plate, "status": data.status}},
            )
    except IntegrityError as exc:
        raise _bad(_("车牌号 %(plate)s 已登记。") % {"plate": data.plate}, "plate") from exc
    vehicle.refresh_from_db()
    return vehicle


def driver_create(*, actor: User, user_id: int | None = None, name: str = "", phone: str = "") -> Driver:
    """登记驾驶员: a person on the unit's staff list (their name is taken from it), or a name and a phone."""
    unit_id = _require_manager(actor)
    name, phone = name.strip(), phone.strip()
    if user_id:
        staff = (
            Staff.objects.filter(user_id=user_id, unit_id=unit_id, user__is_active=True).select_related("user").first()
        )
        if staff is None:
            raise _bad(_("驾驶员须是本单位在职人员。"), "user")
        name = staff.user.display_name
    elif not name or len(name) > 50:
        raise _bad(_("请选择本单位人员，或填写驾驶员姓名（不超过 50 个字）。"), "name")
    elif not phone:
        raise _bad(_("外聘驾驶员请填写联系电话。"), "phone")
    if len(phone) > 30:
        raise _bad(_("电话不超过 30 个字符。"), "phone")
    with transaction.atomic():
        driver = Driver.objects.create(unit_id=unit_id, user_id=user_id or None, name=name, phone=phone)
        audit_record(action="resources.driver.create", actor=actor, target=f"driver:{driver.pk}", detail={"name": name})
    return driver


# --- car requests ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarRequestIn:
    purpose: str
    origin: str
    destination: str
    passengers: int
    starts_at: datetime
    ends_at: datetime
    department_id: int | None = None


def _checked_request(actor: User, data: CarRequestIn, now: datetime) -> tuple[dict[str, Any], Department]:
    purpose, origin, destination = data.purpose.strip(), data.origin.strip(), data.destination.strip()
    if not purpose or len(purpose) > 200:
        raise _bad(_("请填写用车事由（不超过 200 个字）。"), "purpose")
    if not origin or len(origin) > 100:
        raise _bad(_("请填写出发地（不超过 100 个字）。"), "origin")
    if not destination or len(destination) > 100:
        raise _bad(_("请填写目的地（不超过 100 个字）。"), "destination")
    if not 1 <= data.passengers <= MAX_PASSENGERS:
        raise _bad(_("乘车人数须在 1 至 %(n)d 之间。") % {"n": MAX_PASSENGERS}, "passengers")
    if timezone.is_naive(data.starts_at) or timezone.is_naive(data.ends_at):
        raise _bad(_("开始和结束时间须带时区。"), "starts_at")
    starts_at = data.starts_at.replace(second=0, microsecond=0)
    ends_at = data.ends_at.replace(second=0, microsecond=0)
    if ends_at <= starts_at:
        raise _bad(_("用车结束时间须晚于开始时间。"), "ends_at")
    if ends_at - starts_at > timedelta(days=MAX_TRIP_DAYS):
        raise _bad(_("一次用车不能超过 %(n)d 天。") % {"n": MAX_TRIP_DAYS}, "ends_at")
    if ends_at <= now:
        raise _bad(_("不能申请已经过去的时间。"), "starts_at")
    mine = departments_of(actor)
    if data.department_id:
        department = next((d for d in mine if d.pk == data.department_id), None)
        if department is None:
            raise _bad(_("用车部门须是本人所在的部门。"), "department")
    else:
        department = primary_department(actor)
        if department is None:
            raise _bad(_("您不属于任何部门，不能申请用车。"), "department")
    fields = {
        "purpose": purpose,
        "origin": origin,
        "destination": destination,
        "passengers": data.passengers,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    return fields, department


def _flow_form(actor: User, unit_id: int) -> dict[str, Any]:
    head = head_of(actor)
    managers = [u.pk for u in people_with_role(rights.MANAGER_ROLE, unit_id=unit_id) if u.pk != actor.pk]
    return {"head": head.pk if head is not None else None, "managers": managers}


def _status_after_step(instance_id: int) -> str:
    """Where the flow now waits: 部门审核 or 派车."""
    at_head = Task.objects.filter(instance_id=instance_id, node="head", status="open").exists()
    return CarRequestStatus.HEAD if at_head else CarRequestStatus.DISPATCHING


def car_request_submit(*, actor: User, data: CarRequestIn, now: datetime | None = None) -> CarRequest:
    """用车申请: stored and sent through the flow (the department head, then the vehicle manager)."""
    now = now or timezone.now()
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise PermissionDeniedError(_("您不属于任何单位，不能申请用车。"))
    fields, department = _checked_request(actor, data, now)
    form = _flow_form(actor, unit_id)
    flows.ensure_published()
    with transaction.atomic():
        instance = workflow.instance_start(
            actor=actor,
            definition_key=flows.VEHICLE_KEY,
            title=_("用车申请：%(purpose)s") % {"purpose": fields["purpose"]},
            form=form,
            in_transaction=True,
        )
        request = CarRequest.objects.create(
            unit_id=unit_id,
            department=department,
            requester=actor,
            instance=instance,
            status=_status_after_step(instance.pk),
            created_at=now,
            **fields,
        )
        audit_record(
            action="resources.car_request.submit",
            actor=actor,
            target=f"car_request:{request.pk}",
            detail={"starts_at": fields["starts_at"], "ends_at": fields["ends_at"], "department": department.pk},
        )
    return request


def car_request_resubmit(
    *, actor: User, request_id: int, data: CarRequestIn, now: datetime | None = None
) -> CarRequest:
    """修改后重新提交 a returned request (its requester only)."""
    now = now or timezone.now()
    request = selectors.access_car_request(actor=actor, request_id=request_id)
    if request.requester_id != actor.pk:
        raise PermissionDeniedError(_("只有申请人可以修改用车申请。"))
    if request.status != CarRequestStatus.RETURNED or request.instance_id is None:
        raise ConflictError(_("只有被退回的用车申请可以修改后重新提交。"))
    fields, department = _checked_request(actor, data, now)
    with transaction.atomic():
        workflow.instance_resubmit(
            actor=actor, instance_id=request.instance_id, form=_flow_form(actor, request.unit_id), in_transaction=True
        )
        status = _status_after_step(request.instance_id)
        changed = CarRequest.objects.filter(pk=request.pk, status=CarRequestStatus.RETURNED).update(
            department=department, status=status, **fields
        )
        if changed != 1:
            raise ConflictError(_("该用车申请已被他人办理，请刷新。"))
        audit_record(action="resources.car_request.resubmit", actor=actor, target=f"car_request:{request.pk}")
    request.refresh_from_db()
    return request


def _task(actor: User, request: CarRequest, node: str, status: str) -> Task:
    if request.instance_id is None or request.status != status:
        raise ApplicationError(_("该用车申请不在此环节。"), code=ErrorCode.CONFLICT)
    return open_task_for(actor=actor, instance_id=request.instance_id, node=node)


def may_act(actor: User, request: CarRequest, node: str) -> bool:
    if node == "dispatch" and _redispatching(request):
        return rights.is_manager(actor)
    status = CarRequestStatus.HEAD if node == "head" else CarRequestStatus.DISPATCHING
    try:
        _task(actor, request, node, status)
    except ApplicationError:
        return False
    return True


def car_request_approve(*, actor: User, request_id: int, comment: str = "") -> CarRequest:
    """部门审核 同意: the request goes on to the vehicle manager."""
    request = selectors.access_car_request(actor=actor, request_id=request_id)
    task = _task(actor, request, "head", CarRequestStatus.HEAD)
    with transaction.atomic():
        instance = workflow.task_approve(
            actor=actor, task_id=task.pk, comment=comment or _("同意"), in_transaction=True
        )
        status = _status_after_step(instance.pk)
        if CarRequest.objects.filter(pk=request.pk, status=CarRequestStatus.HEAD).update(status=status) != 1:
            raise ConflictError(_("该用车申请已被他人办理，请刷新。"))
        audit_record(action="resources.car_request.approve", actor=actor, target=f"car_request:{request.pk}")
    request.status = status
    return request


def car_request_return(*, actor: User, request_id: int, comment: str) -> CarRequest:
    """退回 to the requester with the reason (at 部门审核 or at 派车)."""
    if not comment.strip():
        raise _bad(_("退回时请写明原因。"), "comment")
    request = selectors.access_car_request(actor=actor, request_id=request_id)
    node = "head" if request.status == CarRequestStatus.HEAD else "dispatch"
    task = _task(actor, request, node, request.status)
    with transaction.atomic():
        workflow.task_return(actor=actor, task_id=task.pk, to="initiator", comment=comment, in_transaction=True)
        if (
            CarRequest.objects.filter(pk=request.pk, status=request.status).update(status=CarRequestStatus.RETURNED)
            != 1
        ):
            raise ConflictError(_("该用车申请已被他人办理，请刷新。"))
        audit_record(
            action="resources.car_request.return",
            actor=actor,
            target=f"car_request:{request.pk}",
            detail={"comment": comment, "step": node},
        )
    request.status = CarRequestStatus.RETURNED
    return request


def _redispatching(request: CarRequest) -> bool:
    """A request back at 待派车 after its dispatch was cancelled: its flow was approved with that dispatch, so it is
    dispatched again without a flow step (by any vehicle manager)."""
    return (
        request.status == CarRequestStatus.DISPATCHING
        and request.instance is not None
        and request.instance.status == InstanceStatus.APPROVED
    )

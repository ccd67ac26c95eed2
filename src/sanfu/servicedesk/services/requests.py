"""一窗受理: a request registered once (online by the requester, at the desk by the window clerk for a walk-in or a
call), handled by every department behind the service in parallel (each its own flow task), returned for missing
material by any of them (naming the items), supplied, and closed with one result when the last department is done.

Every step runs the flow in the same transaction as the window's rows; a department's part moves with a guarded
update (``status`` must still be what the page showed), so two people on one part cannot both win."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core import notices
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.org.models import Staff
from sanfu.servicedesk import flows, rights, selectors
from sanfu.servicedesk.models import (
    Channel,
    MaterialReturn,
    MissingItem,
    PartStatus,
    RequestPart,
    RequestStatus,
    Service,
    ServiceRequest,
)
from sanfu.servicedesk.services.base import (
    MAX_TEXT,
    bad,
    digits_of,
    due_date,
    due_moved,
    require_unit,
    working_days_taken,
)
from sanfu.servicedesk.services.files import OTHER, CheckedFile, files_checked, files_store
from sanfu.workflow import services as workflow
from sanfu.workflow.models import TODO_KINDS, InstanceEvent, InstanceStatus, Task, TaskStatus
from sanfu.workflow.selectors import held_tasks, open_task_for

MAX_ITEMS = 20


@dataclass(frozen=True)
class RequestIn:
    service_id: int
    summary: str
    channel: str = Channel.ONLINE
    caller_name: str = ""  # at the desk: the caller; online: the requester's own name
    phone: str = ""
    requester_id: int | None = None  # at the desk: the staff member who came or called, when one did
    materials: list[str] = field(default_factory=list)  # the material codes presented
    files: Mapping[str, Sequence[Any]] = field(default_factory=dict)  # uploads by material code


def material_problems(service: Service, presented: list[str]) -> list[dict[str, str]]:
    """一次性告知: every required material not presented, at once — the 审批中心's rules for a service that names a
    matter, the service's own list otherwise."""
    if service.matter_code:
        return notices.check(service.matter_code, {}, on_file=presented)
    return [
        {"field": m["code"], "label": m["name"], "message": _("缺少材料“%(name)s”") % {"name": m["name"]}}
        for m in service.materials
        if m.get("required") and m["code"] not in presented
    ]


def materials_of(service: Service) -> list[dict[str, object]]:
    """The service's materials list: the matter's (shared with the 审批中心) or its own."""
    if service.matter_code:
        notice = notices.notice(service.matter_code)
        return list(notice["materials"]) if notice else []
    return list(service.materials)


def _caller(actor: User, unit_id: int, data: RequestIn, phone: str) -> tuple[str, User | None]:
    """At the desk: the caller's name, and the staff member who came or called (None for an outsider)."""
    caller_name = data.caller_name.strip()
    if not caller_name or len(caller_name) > 50:
        raise bad(_("请填写来访或来电人姓名（不超过 50 个字）。"), "caller_name")
    if not phone:
        raise bad(_("请填写联系电话，办结时通知和回访要用。"), "phone")
    requester: User | None = None
    if data.requester_id:
        staff = Staff.objects.filter(user_id=data.requester_id, unit_id=unit_id, user__is_active=True).first()
        if staff is None:
            raise bad(_("申请人须是本单位在职人员（外来人员不选）。"), "requester")
        requester = staff.user
    return caller_name, requester


def _checked(actor: User, unit_id: int, data: RequestIn) -> tuple[Service, dict[str, object], list[CheckedFile]]:
    service = Service.objects.filter(pk=data.service_id, unit_id=unit_id, is_active=True).first()
    if service is None:
        raise bad(_("请选择本单位在办的服务事项。"), "service")
    at_desk = data.channel in (Channel.WINDOW, Channel.HOTLINE)
    if data.channel not in Channel.values:
        raise bad(_("请选择办理渠道。"), "channel")
    if at_desk and not rights.is_clerk(actor):
        raise PermissionDeniedError(_("只有服务窗口可以登记来访和来电。"))
    if data.channel not in service.channels:
        raise bad(_("该服务不提供此办理渠道。"), "channel")
    summary, phone = data.summary.strip(), data.phone.strip()
    if not summary or len(summary) > MAX_TEXT:
        raise bad(_("请填写诉求摘要（不超过 500 个字）。"), "summary")
    if len(phone) > 30 or (phone and not 3 <= len(digits_of(phone)) <= 20):
        raise bad(_("联系电话应为 3 至 20 位数字（可带区号、分机号）。"), "phone")
    caller_name, requester = _caller(actor, unit_id, data, phone) if at_desk else (actor.display_name, actor)
    materials = materials_of(service)
    codes = {str(m["code"]) for m in materials}
    presented = [c for c in dict.fromkeys(data.materials) if c in codes]
    if len(presented) != len(set(data.materials)):
        raise bad(_("所选材料不在该服务的材料清单中。"), "materials")
    presented += [c for c, uploads in data.files.items() if uploads and c in codes and c not in presented]
    if data.channel != Channel.HOTLINE:  # a call brings nothing; what is missing is asked for afterwards
        problems = material_problems(service, presented)
        if problems:
            raise ApplicationError(
                _("材料不齐，请一次补齐后再受理：%(list)s") % {"list": _("；").join(p["message"] for p in problems)},
                errors=[{"field": "materials", "material": p["field"], "message": p["message"]} for p in problems],
            )
    checked = files_checked(service, materials, data.files)
    return (
        service,
        {
            "summary": summary,
            "phone": phone,
            "phone_digits": digits_of(phone),
            "caller_name": caller_name,
            "requester": requester,
            "channel": data.channel,
            "materials_received": presented,
        },
        checked,
    )


def request_register(*, actor: User, data: RequestIn, now: datetime | None = None) -> ServiceRequest:
    """受理: one registration, one number, one flow that opens a task for every department behind the service."""
    now = now or timezone.now()
    unit_id = require_unit(actor)
    service, fields, checked = _checked(actor, unit_id, data)
    departments = list(service.departments.values_list("pk", flat=True))
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            unit_id=unit_id,
            service=service,
            number=f"t{uuid.uuid4().hex[:31]}",  # replaced by the number from the id below
            registered_by=actor,
            due_on=due_date(now, service.promised_days),
            created_at=now,
            **fields,
        )
        request.number = f"FW{timezone.localtime(now):%Y%m%d}{request.pk:05d}"
        instance = workflow.instance_start(
            actor=actor,
            definition_key=flows.service_key(service.pk),
            title=_("%(service)s：%(summary)s") % {"service": service.name, "summary": fields["summary"]},
            now=now,
            in_transaction=True,
        )
        request.instance = instance
        request.save(update_fields=["number", "instance"])
        RequestPart.objects.bulk_create([RequestPart(request=request, department_id=d) for d in departments])
        files_store(actor=actor, request=request, checked=checked, now=now)
        audit_record(
            action="servicedesk.request.register",
            actor=actor,
            target=f"service_request:{request.pk}",
            detail={
                "service": service.pk,
                "channel": request.channel,
                "departments": departments,
                "files": [f.name for f in checked],
            },
        )
    return request


def _part_for(actor: User, request: ServiceRequest, department_id: int | None) -> tuple[RequestPart, Task]:
    """The department part ``actor`` handles (their open task on its node), optionally the one named."""
    if request.instance_id is None or request.status == RequestStatus.DONE:
        raise ApplicationError(_("该申请已办结。"), code=ErrorCode.CONFLICT)
    parts = list(request.parts.all())
    if department_id is not None:
        parts = [p for p in parts if p.department_id == department_id]
    for part in parts:
        try:
            task = open_task_for(actor=actor, instance_id=request.instance_id, node=part.node)
        except ApplicationError:
            continue
        return part, task
    raise ApplicationError(_("您在该申请中没有待办理的部门事项。"), code=ErrorCode.CONFLICT)


def may_handle(actor: User, request: ServiceRequest) -> list[RequestPart]:
    """The parts ``actor`` may act on now (for the page)."""
    if request.instance_id is None or request.status == RequestStatus.DONE:
        return []
    nodes = set(
        Task.objects.filter(instance_id=request.instance_id, status="open", assignee=actor).values_list(
            "node", flat=True
        )
    )
    return [p for p in request.parts.all() if p.node in nodes]


def _notify_requester(request: ServiceRequest, *, key: str, title: str) -> None:
    people = [request.requester_id] if request.requester_id else [request.registered_by_id]
    notify_people(
        key=key,
        people=people,
        kind="servicedesk",
        title=title,
        url=reverse("servicedesk:request", args=[request.pk]),
    )


def request_handle(
    *, actor: User, request_id: int, reply: str, department_id: int | None = None, now: datetime | None = None
) -> ServiceRequest:
    """办结 a department's part with its reply. The last part closes the request: one result, the turnaround in
    working days, and a message to the requester."""
    now = now or timezone.now()
    reply = reply.strip()
    if not reply or len(reply) > 1000:
        raise bad(_("请填写办理意见（不超过 1000 个字）。"), "reply")
    request = selectors.access_request(actor=actor, request_id=request_id)
    part, task = _part_for(actor, request, department_id)
    if part.status != PartStatus.OPEN:
        raise ConflictError(_("该部门正在等待补齐材料，补齐后才能办结。"))
    with transaction.atomic():
        instance = workflow.task_approve(actor=actor, task_id=task.pk, comment=reply, now=now, in_transaction=True)
        if (
            RequestPart.objects.filter(pk=part.pk, status=PartStatus.OPEN).update(
                status=PartStatus.DONE, reply=reply, done_by=actor, done_at=now
            )
            != 1
        ):
            raise ConflictError(_("该部门事项已被他人办理，请刷新。"))
        if instance.status == InstanceStatus.APPROVED:
            replies = request.parts.select_related("department").order_by("id")
            result = "\n".join(
                _("%(department)s：%(reply)s") % {"department": p.department.name, "reply": p.reply} for p in replies
            )
            closed = (
                ServiceRequest.objects.filter(pk=request.pk)
                .exclude(status=RequestStatus.DONE)
                .update(
                    status=RequestStatus.DONE,
                    closed_at=now,
                    result=result,
                    turnaround_days=working_days_taken(request.created_at, now),
                )
            )
            if closed != 1:
                raise ConflictError(_("该申请已办结。"))
            _notify_requester(
                request,
                key=f"servicedesk-done:{request.pk}",
                title=_("您的服务申请 %(number)s 已办结，请评价") % {"number": request.number},
            )
        audit_record(
            action="servicedesk.request.handle",
            actor=actor,
            target=f"service_request:{request.pk}",
            detail={"department": part.department_id, "closed": instance.status == InstanceStatus.APPROVED},
        )
    request.refresh_from_db()
    return request


def request_return_material(
    *,
    actor: User,
    request_id: int,
    items: list[str],
    note: str = "",
    department_id: int | None = None,
    now: datetime | None = None,
) -> MaterialReturn:
    """退回补正: a department names the missing items (each recorded); its task waits with its clock held (补正期间不
    计时: every open task of the department's step, so its deadline does not run out while the requester fetches
    the material), the requester is told what to bring, and the request no longer counts as done in one trip."""
    now = now or timezone.now()
    names = list(dict.fromkeys(i.strip() for i in items if i.strip()))
    if not names:
        raise bad(_("请写明缺少哪些材料。"), "items")
    if len(names) > MAX_ITEMS or any(len(n) > 100 for n in names):
        raise bad(_("缺少的材料不超过 %(n)d 项，每项不超过 100 个字。") % {"n": MAX_ITEMS}, "items")
    if len(note) > MAX_TEXT:
        raise bad(_("说明不超过 500 个字。"), "note")
    request = selectors.access_request(actor=actor, request_id=request_id)
    part, _task = _part_for(actor, request, department_id)
    with transaction.atomic():
        if RequestPart.objects.filter(pk=part.pk, status=PartStatus.OPEN).update(status=PartStatus.RETURNED) != 1:
            raise ConflictError(_("该部门事项已在等待补齐材料或已办结，请刷新。"))
        ServiceRequest.objects.filter(pk=request.pk).update(status=RequestStatus.AWAITING, second_trip=True)
        returned = MaterialReturn.objects.create(
            request=request, department_id=part.department_id, note=note.strip(), created_by=actor, created_at=now
        )
        MissingItem.objects.bulk_create(
            [MissingItem(material_return=returned, service_id=request.service_id, name=n) for n in names]
        )
        _hold_clocks(actor, request, part, now)
        _notify_requester(
            request,
            key=f"servicedesk-return:{returned.pk}",
            title=_("服务申请 %(number)s 需补齐材料：%(items)s")
            % {"number": request.number, "items": _("、").join(names)},
        )
        audit_record(
            action="servicedesk.request.return_material",
            actor=actor,
            target=f"service_request:{request.pk}",
            detail={"department": part.department_id, "items": names},
        )
    return returned


def _hold_clocks(actor: User, request: ServiceRequest, part: RequestPart, now: datetime) -> None:
    """挂起计时 of the department's open tasks that have a deadline (the window has decided: it returned for
    material), in the caller's transaction."""
    if request.instance_id is None:
        return
    timed = Task.objects.filter(
        instance_id=request.instance_id,
        node=part.node,
        status=TaskStatus.OPEN,
        kind__in=TODO_KINDS,
        due_at__isnull=False,
    ).order_by("task_no")
    for task_id in timed.values_list("pk", flat=True):
        workflow.task_deadline_hold(
            actor=actor,
            task_id=task_id,
            reason=_("退回补正，等待申请人补齐材料"),
            check_rights=False,
            in_transaction=True,
            now=now,
        )


def _resume_clocks(actor: User, request: ServiceRequest, nodes: list[str], now: datetime) -> dict[str, int]:
    """恢复计时 of the held tasks of the departments at ``nodes``; the working days each department's clock was held
    (by node: the longest of its tasks), as the flow counted them."""
    if request.instance_id is None:
        return {}
    events = InstanceEvent.objects.filter(instance_id=request.instance_id)
    seen = events.order_by("-seq").values_list("seq", flat=True).first() or 0
    for node in nodes:
        for task in held_tasks(instance_id=request.instance_id, node=node):
            workflow.task_deadline_resume(
                actor=actor,
                task_id=task.pk,
                comment=_("申请人已补齐材料"),
                check_rights=False,
                in_transaction=True,
                now=now,
            )
    paused: dict[str, int] = {}
    for node, changes in events.filter(seq__gt=seen, type="deadline_resumed").values_list("node", "changes"):
        paused[node] = max(paused.get(node, 0), int(changes.get("paused_days") or 0))
    return paused


def request_supply(
    *,
    actor: User,
    request_id: int,
    note: str = "",
    files: Mapping[str, Sequence[Any]] | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """补齐材料 (the requester, or the window for a walk-in or a caller), with the files brought if any (by
    material code, ``other`` for an item the list does not name): the waiting departments go on, their clocks
    resumed and moved on by the working days held, and the promised date (``due_on``) by as many as the longest."""
    now = now or timezone.now()
    request = selectors.access_request(actor=actor, request_id=request_id)
    if actor.pk != request.requester_id and not (rights.is_clerk(actor) and rights.unit_of(actor) == request.unit_id):
        raise NotFoundError(_("服务申请不存在。"))
    if request.status != RequestStatus.AWAITING:
        raise ConflictError(_("该申请没有待补的材料。"))
    checked = files_checked(request.service, materials_of(request.service), files or {}, allow_other=True)
    answered = MaterialReturn.objects.filter(request=request, supplied_at__isnull=True).order_by("-id").first()
    with transaction.atomic():
        waiting = list(
            MaterialReturn.objects.filter(request=request, supplied_at__isnull=True).values_list("pk", "department_id")
        )
        supplied = MaterialReturn.objects.filter(pk__in=[pk for pk, _d in waiting], supplied_at__isnull=True).update(
            supplied_at=now, supplied_by=actor
        )
        returned = [p.node for p in request.parts.filter(status=PartStatus.RETURNED)]
        RequestPart.objects.filter(request=request, status=PartStatus.RETURNED).update(status=PartStatus.OPEN)
        if (
            ServiceRequest.objects.filter(pk=request.pk, status=RequestStatus.AWAITING).update(
                status=RequestStatus.HANDLING
            )
            != 1
            or not supplied
        ):
            raise ConflictError(_("材料已由他人登记补齐，请刷新。"))
        paused = _resume_clocks(actor, request, returned, now)
        for pk, department_id in waiting:
            days = paused.get(flows.department_node(department_id))
            if days is not None:
                MaterialReturn.objects.filter(pk=pk).update(paused_days=days)
        longest = max(paused.values(), default=0)
        if longest:
            ServiceRequest.objects.filter(pk=request.pk).update(
                due_on=due_moved(request.due_on, longest), paused_days=F("paused_days") + longest
            )
        files_store(actor=actor, request=request, checked=checked, now=now, material_return=answered)
        brought = [f.material_code for f in checked if f.material_code != OTHER]
        if brought:
            received = list(dict.fromkeys([*request.materials_received, *brought]))
            ServiceRequest.objects.filter(pk=request.pk).update(materials_received=received)
        audit_record(
            action="servicedesk.request.supply",
            actor=actor,
            target=f"service_request:{request.pk}",
            detail={"note": note[:MAX_TEXT], "files": [f.name for f in checked], "paused_days": longest},
        )
    request.refresh_from_db()
    return request

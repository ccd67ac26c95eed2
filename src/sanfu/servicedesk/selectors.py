"""Every read of the one-stop window, scoped by construction: a request is seen by its requester, the person who
registered it, the window clerks of its unit and the heads of its departments; a complaint by its complainant and
the window clerks. Anyone else gets ``NotFoundError`` (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sanfu.accounts.models import User
from sanfu.core.errors import NotFoundError
from sanfu.servicedesk import rights
from sanfu.servicedesk.models import (
    Complaint,
    ComplaintStatus,
    MaterialReturn,
    MissingItem,
    Rating,
    RequestFile,
    RequestPart,
    RequestStatus,
    Service,
    ServiceRequest,
)
from sanfu.workflow.models import InstanceEvent

REPEAT_COMPLAINTS = 3  # complaints on one service within REPEAT_DAYS flag it
REPEAT_DAYS = 30


def visible_services(actor: User) -> QuerySet[Service]:
    """The catalogue of the actor's unit (inactive services only for the window clerks), each with its recent
    complaints counted (``recent_complaints``) for the repeated-complaints flag."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Service.objects.none()
    rows = Service.objects.filter(unit_id=unit_id)
    if not rights.is_clerk(actor):
        rows = rows.filter(is_active=True)
    return with_complaints(rows)


def with_complaints(rows: QuerySet[Service], now: datetime | None = None) -> QuerySet[Service]:
    since = (now or timezone.now()) - timedelta(days=REPEAT_DAYS)
    return rows.annotate(recent_complaints=Count("complaints", filter=Q(complaints__created_at__gte=since)))


def public_services(unit_id: int) -> QuerySet[Service]:
    """What a visitor without an account may read: the unit's active services marked public."""
    return Service.objects.filter(unit_id=unit_id, is_active=True, public=True).prefetch_related("departments")


def access_service(*, actor: User, service_id: int) -> Service:
    service = visible_services(actor).filter(pk=service_id).first()
    if service is None:
        raise NotFoundError(_("服务事项不存在。"))
    return service


def visible_requests(actor: User) -> QuerySet[ServiceRequest]:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return ServiceRequest.objects.none()
    if rights.is_clerk(actor):
        return ServiceRequest.objects.filter(unit_id=unit_id)
    mine = Q(requester=actor) | Q(registered_by=actor)
    headed = rights.headed_departments(actor)
    if headed:
        parts = RequestPart.objects.filter(request=OuterRef("pk"), department_id__in=headed)
        mine |= Q(Exists(parts))
    return ServiceRequest.objects.filter(mine, unit_id=unit_id)


def access_request(*, actor: User, request_id: int) -> ServiceRequest:
    request = (
        visible_requests(actor).select_related("service", "requester", "registered_by").filter(pk=request_id).first()
    )
    if request is None:
        raise NotFoundError(_("服务申请不存在。"))
    return request


def my_requests(actor: User) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(requester=actor).select_related("service").order_by("-created_at", "-id")


def visible_complaints(actor: User) -> QuerySet[Complaint]:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Complaint.objects.none()
    if rights.is_clerk(actor):
        return Complaint.objects.filter(unit_id=unit_id)
    return Complaint.objects.filter(unit_id=unit_id, complainant=actor)


def complaints_list(actor: User) -> QuerySet[Complaint]:
    """The complaints the actor sees, those still waiting for a reply first (the earliest due first), then the
    answered ones, the latest first."""
    answered = Case(When(status=ComplaintStatus.OPEN, then=0), default=1, output_field=IntegerField())
    return (
        visible_complaints(actor)
        .select_related("service", "complainant", "request")
        .annotate(answered=answered)
        .order_by("answered", "due_on", "-created_at", "-id")
    )


def access_complaint(*, actor: User, complaint_id: int) -> Complaint:
    complaint = (
        visible_complaints(actor).select_related("service", "request", "complainant").filter(pk=complaint_id).first()
    )
    if complaint is None:
        raise NotFoundError(_("投诉不存在。"))
    return complaint


def desk_queue(actor: User, *, day: date | None = None) -> QuerySet[ServiceRequest]:
    """The desk's queue: every request still open, the earliest promised first, then today's closed ones."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return (
        visible_requests(actor)
        .filter(Q(created_at__gte=start, created_at__lt=start + timedelta(days=1)) | ~Q(status=RequestStatus.DONE))
        .select_related("service")
        .annotate(closed=Case(When(status=RequestStatus.DONE, then=1), default=0, output_field=IntegerField()))
        .order_by("closed", "due_on", "id")
    )


def lookup_by_phone(actor: User, phone: str) -> QuerySet[ServiceRequest]:
    """Requests whose phone contains the digits typed (the phone is stored as entered; the digits beside it)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 3:
        return ServiceRequest.objects.none()
    return visible_requests(actor).filter(phone_digits__contains=digits).select_related("service")


def most_missing(service_ids: list[int], *, limit: int = 5) -> dict[int, list[tuple[str, int]]]:
    """The most often missing items per service (one query), which the materials list's wording should answer."""
    rows = (
        MissingItem.objects.filter(service_id__in=service_ids)
        .values("service_id", "name")
        .annotate(n=Count("id"))
        .order_by("service_id", "-n", "name")
    )
    found: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        items = found.setdefault(row["service_id"], [])
        if len(items) < limit:
            items.append((row["name"], row["n"]))
    return found


@dataclass(frozen=True)
class Moment:
    at: datetime
    what: str
    who: str = ""
    note: str = ""


def timeline_of(request: ServiceRequest) -> list[Moment]:
    """One timeline for the requester: registration, each department's result, each return and its supply, the
    closure and the rating (a handful of queries whatever the departments)."""
    moments = [
        Moment(
            request.created_at,
            _("受理（%(channel)s）") % {"channel": request.get_channel_display()},
            request.registered_by.display_name,
            request.summary,
        )
    ]
    for part in request.parts.select_related("department", "done_by"):
        if part.done_at:
            moments.append(
                Moment(
                    part.done_at,
                    _("%(dept)s办结") % {"dept": part.department.name},
                    part.done_by.display_name if part.done_by else "",
                    part.reply,
                )
            )
    returns = MaterialReturn.objects.filter(request=request).select_related("department", "created_by", "supplied_by")
    items: dict[int, list[str]] = {}
    for item in MissingItem.objects.filter(material_return__request=request).order_by("id"):
        items.setdefault(item.material_return_id, []).append(item.name)
    for r in returns:
        moments.append(
            Moment(
                r.created_at,
                _("%(dept)s退回补正") % {"dept": r.department.name},
                r.created_by.display_name,
                (_("缺少：%(items)s。%(note)s") if r.note else _("缺少：%(items)s"))
                % {"items": _("、").join(items.get(r.pk, [])), "note": r.note},
            )
        )
        if r.supplied_at:
            moments.append(Moment(r.supplied_at, _("补齐材料"), r.supplied_by.display_name if r.supplied_by else ""))
    moments += _clock_moments(request)
    if request.closed_at:
        moments.append(Moment(request.closed_at, _("办结")))
    rating = Rating.objects.filter(request=request).select_related("rated_by", "reviewed_by").first()
    if rating is not None:
        moments.append(Moment(rating.created_at, _("评价 %(score)d 分") % {"score": rating.score}, "", rating.comment))
        if rating.reviewed_at:
            moments.append(
                Moment(
                    rating.reviewed_at,
                    _("差评核查答复"),
                    rating.reviewed_by.display_name if rating.reviewed_by else "",
                    rating.review_answer,
                )
            )
    return sorted(moments, key=lambda m: m.at)


def _clock_moments(request: ServiceRequest) -> list[Moment]:
    """挂起计时 / 恢复计时 of each department's clock, as the flow recorded them (once per department and moment:
    a department with several heads has a task each)."""
    if request.instance_id is None:
        return []
    names = {p.node: p.department.name for p in request.parts.select_related("department")}
    events = (
        InstanceEvent.objects.filter(instance_id=request.instance_id, type__in=["deadline_held", "deadline_resumed"])
        .select_related("actor")
        .order_by("seq")
    )
    moments: dict[tuple[str, str, datetime], Moment] = {}
    for e in events:
        key = (e.type, e.node, e.at)
        if key in moments:
            continue
        department = names.get(e.node, "")
        who = e.actor.display_name if e.actor else ""
        if e.type == "deadline_held":
            moments[key] = Moment(
                e.at, _("%(dept)s暂停计时") % {"dept": department}, who, _("补正期间不计入办理时限。")
            )
            continue
        days = int((e.changes or {}).get("paused_days") or 0)
        note = (
            ngettext(
                "暂停 %(n)d 个工作日，办理期限相应顺延。",
                "暂停 %(n)d 个工作日，办理期限相应顺延。",
                days,
            )
            % {"n": days}
            if days
            else _("暂停不足一个工作日，办理期限不变。")
        )
        moments[key] = Moment(e.at, _("%(dept)s恢复计时") % {"dept": department}, who, note)
    return list(moments.values())


def returns_of(request: ServiceRequest) -> list[dict[str, Any]]:
    items: dict[int, list[str]] = {}
    for item in MissingItem.objects.filter(material_return__request=request).order_by("id"):
        items.setdefault(item.material_return_id, []).append(item.name)
    return [
        {"ret": r, "items": items.get(r.pk, [])}
        for r in MaterialReturn.objects.filter(request=request).select_related("department")
    ]


def files_of(request: ServiceRequest, materials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The request's files grouped per material, in the order of the materials list (then any other)."""
    order = {str(m["code"]): i for i, m in enumerate(materials)}
    groups: dict[str, dict[str, Any]] = {}
    for f in RequestFile.objects.filter(request=request).select_related("uploaded_by").order_by("id"):
        group = groups.setdefault(f.material_code, {"code": f.material_code, "name": f.material_name, "files": []})
        group["files"].append(f)
    return sorted(groups.values(), key=lambda g: order.get(g["code"], len(order)))


def access_request_file(*, actor: User, request_id: int, file_id: int) -> RequestFile:
    """A file of a request the actor may see (anyone else: ``NotFoundError``, as for the request)."""
    request = access_request(actor=actor, request_id=request_id)
    found = RequestFile.objects.filter(request=request, pk=file_id).first()
    if found is None:
        raise NotFoundError(_("文件不存在。"))
    return found


def figures_services(actor: User) -> list[int] | None:
    """The services whose figures ``actor`` reads: None for the whole unit (the window clerks and the unit's
    leaders), else those handled by a department they head; nobody else reads figures (``NotFoundError``)."""
    refused = NotFoundError(_("只有服务窗口、单位领导和承办部门负责人可以查看服务统计。"))
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise refused
    if rights.is_clerk(actor) or rights.is_leader(actor):
        return None
    headed = rights.headed_departments(actor)
    ids = list(
        Service.objects.filter(unit_id=unit_id, departments__in=headed).distinct().values_list("pk", flat=True)
        if headed
        else []
    )
    if not ids:
        raise refused
    return ids

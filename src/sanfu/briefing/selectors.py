"""Every read of 服务领导决策, permission-scoped by construction.

A request is visible to (the one rule of ``org.clearance``, 密级 × 数据范围 × 知悉范围):

- need-to-know, at any level: the requesting leader, the owner (承办人), who filed it, the people the brief was issued
  to, and the members of the departments asked for material;
- the office and the leaders of its unit, for 公开 and 内部 requests;
- 秘密 / 机密 requests beyond need-to-know: only holders of the clearance (``archive.restricted``) in its scope.

Drafts, opinions and every department's material are shown to the insiders (``insider``): the leader, the owner,
the office and the leaders of the unit. A department member sees the needs and their own department's material;
a reader of an issued brief sees the brief."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.briefing import rights
from sanfu.briefing.models import Material, MaterialState, Request, Revision, State
from sanfu.core.audit import audit_denied
from sanfu.core.errors import NotFoundError
from sanfu.org import clearance, roles
from sanfu.org.calendar import WorkingCalendar
from sanfu.org.models import Department, Post, PostRole
from sanfu.org.selectors import working_calendar

RULE_FIELDS = clearance.Fields(level="confidentiality", unit="unit", department="department", owner="owner")


def _my_departments(actor: Any) -> list[int]:
    return list(Post.objects.filter(staff__user_id=actor.pk).values_list("department_id", flat=True))


def visible_q(actor: Any) -> Q | None:
    """The rule (see the module) as one ``Q`` on ``Request``; None = nothing visible."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    asked = Material.objects.filter(department_id__in=_my_departments(actor)).values("request_id")
    readers = Request.readers.through.objects.filter(user_id=actor.pk).values("request_id")
    known = Q(requested_by=actor.pk) | Q(created_by=actor.pk) | Q(pk__in=asked) | Q(pk__in=readers)
    unit = roles.unit_of(actor)
    if unit is not None and (rights.is_office(actor) or rights.is_leader(actor)):
        known |= Q(unit_id=unit, confidentiality__in=clearance.OPEN_LEVELS)
    return clearance.readable_q(actor, RULE_FIELDS, known=known, by_level=False)


def visible_requests(actor: Any) -> QuerySet[Request]:
    rule = visible_q(actor)
    if rule is None:
        return Request.objects.none()
    return Request.objects.filter(rule)


def access_request(*, actor: Any, request_id: int) -> Request:
    """The request if ``actor`` may see it, else NotFoundError (404); a refusal of one that exists is audited."""
    found = (
        visible_requests(actor).select_related("requested_by", "owner", "unit", "department").filter(pk=request_id)
    ).first()
    if found is None:
        if Request.objects.filter(pk=request_id).exists():
            audit_denied(actor=actor, target=f"briefing:{request_id}")
        raise NotFoundError(_("该事项不存在。"))
    return found


def insider(actor: Any, request: Request) -> bool:
    """Sees the whole request: drafts, opinions, every department's material."""
    return actor.pk in (request.requested_by_id, request.owner_id, request.created_by_id) or rights.oversees(
        actor, request
    )


def materials_for(actor: Any, request: Request) -> list[Material]:
    """The materials ``actor`` may see on the request's page: all for an insider, else their departments' own."""
    rows = Material.objects.filter(request=request).select_related("department", "answered_by")
    if not insider(actor, request):
        rows = rows.filter(department_id__in=_my_departments(actor))
    return list(rows.prefetch_related("files").order_by("deadline", "department__path", "id"))


def access_material_file(*, actor: Any, request_id: int, file_id: int) -> Any:
    request = access_request(actor=actor, request_id=request_id)
    for material in materials_for(actor, request):
        for f in material.files.all():
            if f.pk == file_id:
                return f
    raise NotFoundError(_("文件不存在。"))


def revisions(request: Request) -> list[Revision]:
    return list(Revision.objects.filter(request=request).select_related("author").order_by("no"))


def latest_revision(request: Request) -> Revision | None:
    return Revision.objects.filter(request=request).order_by("-no").first()


def revision_of(*, actor: Any, request_id: int, no: int) -> Revision:
    request = access_request(actor=actor, request_id=request_id)
    if not insider(actor, request):
        raise NotFoundError(_("该版本不存在。"))
    found = Revision.objects.filter(request=request, no=no).select_related("author").first()
    if found is None:
        raise NotFoundError(_("该版本不存在。"))
    return found


# --- deadlines on the working calendar ------------------------------------------------------------------------


def effective_deadline(calendar: WorkingCalendar, deadline: date) -> date:
    """A deadline on a rest day runs to the next working day."""
    return calendar.next_workday(deadline, include_today=True)


def workday_before(calendar: WorkingCalendar, day: date) -> date:
    current = day - timedelta(days=1)
    while not calendar.is_workday(current):
        current -= timedelta(days=1)
    return current


def is_overdue(material: Material, *, calendar: WorkingCalendar | None = None, today: date | None = None) -> bool:
    if material.state != MaterialState.PENDING:
        return False
    calendar = calendar or working_calendar()
    return (today or timezone.localdate()) > effective_deadline(calendar, material.deadline)


# --- lists -----------------------------------------------------------------------------------------------------


def work_list(actor: Any, *, state: str = "") -> QuerySet[Request]:
    """决策服务: the visible requests still in hand (not yet issued), the nearest due first."""
    rows = visible_requests(actor).exclude(state=State.ISSUED)
    if state in State.values:
        rows = rows.filter(state=state)
    return rows.select_related("requested_by", "owner").order_by("due_on", "id")


@dataclass(frozen=True)
class LibraryFilters:
    query: str = ""
    kind: str = ""
    year: int | None = None
    department_id: int | None = None


def library(actor: Any, filters: LibraryFilters) -> QuerySet[Request]:
    """简报库: the issued briefs ``actor`` may read, by words in the title, the needs or the text, kind, year of issue
    and department (the owner's, or one that gave material); newest first."""
    rows = visible_requests(actor).filter(state=State.ISSUED)
    if filters.kind in {"info_report", "research"}:
        rows = rows.filter(kind=filters.kind)
    if filters.year is not None:
        rows = rows.filter(issued_at__year=filters.year)
    if filters.department_id is not None:
        gave = Material.objects.filter(department_id=filters.department_id).values("request_id")
        rows = rows.filter(Q(department_id=filters.department_id) | Q(pk__in=gave))
    for word in filters.query.split()[:5]:
        rows = rows.filter(Q(title__icontains=word) | Q(needs__icontains=word) | Q(result_text__icontains=word))
    return rows.select_related("requested_by", "owner", "department").order_by("-issued_at", "-id")


def library_years(actor: Any) -> list[int]:
    rows = visible_requests(actor).filter(state=State.ISSUED, issued_at__isnull=False)
    return sorted({d.year for d in rows.dates("issued_at", "year")}, reverse=True)


def departments_of_unit(unit_id: int | None) -> list[Department]:
    rows = Department.objects.filter(is_active=True)
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    return list(rows.order_by("path"))


# --- 我的待办 --------------------------------------------------------------------------------------------------


def pending_materials_for(actor: Any) -> QuerySet[Material]:
    """Materials still owed by departments ``actor`` heads (负责人 or deputy), of requests collecting material."""
    heads_of = Post.objects.filter(staff__user_id=actor.pk, role__in=[PostRole.HEAD, PostRole.DEPUTY]).values(
        "department_id"
    )
    return Material.objects.filter(
        department_id__in=heads_of, state=MaterialState.PENDING, request__state=State.COLLECTING
    )


def requests_waiting_on(actor: Any) -> QuerySet[Request]:
    """Requests waiting for ``actor``: to confirm (owner, 需求对接) or to decide (the leader, 待领导审定)."""
    return Request.objects.filter(
        Q(owner_id=actor.pk, state=State.INTAKE) | Q(requested_by_id=actor.pk, state=State.REVIEW)
    )


def heads_and_members(department_ids: Sequence[int]) -> dict[int, list[int]]:
    """Who to tell about a department's material: its heads and deputies, or everyone in it when it has none."""
    found: dict[int, list[int]] = {d: [] for d in department_ids}
    everyone: dict[int, list[int]] = {d: [] for d in department_ids}
    posts = Post.objects.filter(department_id__in=department_ids, staff__user__is_active=True).values_list(
        "department_id", "staff__user_id", "role"
    )
    for dept, user, role in posts:
        everyone[dept].append(user)
        if role in (PostRole.HEAD, PostRole.DEPUTY):
            found[dept].append(user)
    return {d: found[d] or everyone[d] for d in department_ids}

"""一站式服务 pages: the catalogue (and its public face for visitors), a service with its one-time notice and the
online form, the clerk's desk (today's queue, registration, lookup by phone), a request with its departments,
timeline and the step the viewer may take, complaints, and the figures (page with charts, Excel)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.models import User
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import notices, xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id, parse_int, parse_text
from sanfu.org.models import Department, Unit
from sanfu.servicedesk import figures, flows, rights, selectors, services
from sanfu.servicedesk.models import Channel, Complaint, ComplaintStatus, Rating, RequestStatus, ServiceRequest
from sanfu.servicedesk.services.files import OTHER
from sanfu.servicedesk.services.requests import materials_of, may_handle


def _unit(request: AuthedHttpRequest) -> int:
    unit_id = rights.unit_of(request.user)
    if unit_id is None:
        raise Http404(_("您不属于任何单位。"))
    return unit_id


def _clerk(request: AuthedHttpRequest) -> int:
    unit_id = _unit(request)
    if not rights.is_clerk(request.user):
        raise Http404(_("只有服务窗口（办公室）可以打开此页面。"))
    return unit_id


def _reads_figures(user: User) -> bool:
    try:
        selectors.figures_services(user)
    except NotFoundError:
        return False
    return True


def catalogue(request: AuthedHttpRequest) -> HttpResponse:
    """服务目录."""
    _unit(request)
    rows = list(selectors.visible_services(request.user).prefetch_related("departments"))
    context = {
        "services": rows,
        "clerk": rights.is_clerk(request.user),
        "figures": _reads_figures(request.user),
        "repeat": selectors.REPEAT_COMPLAINTS,
        "unit_id": rights.unit_of(request.user),
    }
    return render(request, "servicedesk/catalogue.html", context)


@login_not_required
def public_catalogue(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The services a unit shows to visitors without an account (only those it marks public)."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404(_("单位不存在。"))
    rows = [(s, materials_of(s)) for s in selectors.public_services(unit_id)]
    return render(request, "servicedesk/public.html", {"unit": unit, "rows": rows})


def _files(request: AuthedHttpRequest, prefix: str, codes: list[str]) -> dict[str, list[Any]]:
    """The uploads of a form by material code (inputs named ``<prefix><code>``)."""
    return {
        code: request.FILES.getlist(f"{prefix}{code}") for code in codes if request.FILES.getlist(f"{prefix}{code}")
    }


def _service_page(request: AuthedHttpRequest, pk: int, *, error: str = "", status: int = 200) -> HttpResponse:
    try:
        service = selectors.access_service(actor=request.user, service_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    notice = notices.notice(service.matter_code) if service.matter_code else None
    mine = selectors.my_requests(request.user).filter(service=service)[:20]
    about = _complained_request(request, service.pk)
    context = {
        "service": service,
        "notice": notice,
        "materials": materials_of(service),
        "missing": selectors.most_missing([service.pk]).get(service.pk, []),
        "flagged": service.recent_complaints >= selectors.REPEAT_COMPLAINTS,  # type: ignore[attr-defined]
        "online": Channel.ONLINE in service.channels and service.is_active,
        "mine": mine,
        "clerk": rights.is_clerk(request.user),
        "about": about,
        "complaint_days": flows.COMPLAINT_DAYS,
        "error": error,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "servicedesk/service.html", context, status=status)


def _complained_request(request: AuthedHttpRequest, service_id: int) -> ServiceRequest | None:
    """The request of this service a complaint is about (``?request=`` from the request's page, or the posted
    form's field), when the viewer may see it; None otherwise."""
    pk = parse_id(request.POST.get("request") if request.method == "POST" else request.GET.get("request"))
    if pk is None:
        return None
    try:
        found = selectors.access_request(actor=request.user, request_id=pk)
    except NotFoundError:
        return None
    return found if found.service_id == service_id else None


def _material_codes(request: AuthedHttpRequest, service_id: int) -> list[str]:
    try:
        service = selectors.access_service(actor=request.user, service_id=service_id)
    except NotFoundError:
        return []
    return [str(m["code"]) for m in materials_of(service)]


def service_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A service: its one-time notice, its online form, and complaining about it."""
    _unit(request)
    if request.method != "POST":
        return _service_page(request, pk)
    action = request.POST.get("action")
    try:
        if action == "complain":
            complaint = services.complaint_file(
                actor=request.user,
                service_id=pk,
                content=parse_text(request.POST.get("content"), max_length=4000),
                request_id=parse_id(request.POST.get("request")),
            )
            messages.success(request, _("投诉已提交，服务窗口将在期限内答复。"))
            return redirect("servicedesk:complaint", complaint.pk)
        created = services.request_register(
            actor=request.user,
            data=services.RequestIn(
                service_id=pk,
                summary=parse_text(request.POST.get("summary"), max_length=1000),
                phone=parse_text(request.POST.get("phone"), max_length=40),
                materials=request.POST.getlist("materials"),
                files=_files(request, "file-", _material_codes(request, pk)),
            ),
        )
    except ApplicationError as exc:
        return _service_page(request, pk, error=exc.message, status=400)
    messages.success(request, _("已受理，受理编号 %(number)s。") % {"number": created.number})
    return redirect("servicedesk:request", created.pk)


def _material_name(material: dict[str, Any]) -> str:
    """A material's name as the editing box writes it: a trailing ``*`` for a required one."""
    return f"{material['name']}*" if material.get("required") else str(material["name"])


def service_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    """登记或修改服务事项 (the window clerk)."""
    unit_id = _clerk(request)
    service = None
    if pk is not None:
        try:
            service = selectors.access_service(actor=request.user, service_id=pk)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
    error = ""
    if request.method == "POST":
        data = services.ServiceIn(
            code=parse_text(request.POST.get("code"), max_length=80),
            name=parse_text(request.POST.get("name"), max_length=200),
            description=parse_text(request.POST.get("description"), max_length=4000),
            matter_code=parse_text(request.POST.get("matter_code"), max_length=80),
            materials=parse_text(request.POST.get("materials"), max_length=4000).splitlines(),
            promised_days=parse_int(request.POST.get("promised_days"), minimum=0, maximum=999, default=0),
            channels=request.POST.getlist("channels"),
            department_ids=[i for i in (parse_id(v) for v in request.POST.getlist("departments")) if i],
            public=request.POST.get("public") == "on",
            is_active=request.POST.get("is_active") == "on",
            sort=parse_int(request.POST.get("sort"), minimum=-9999, maximum=9999, default=0),
        )
        try:
            saved = services.service_save(actor=request.user, data=data, service_id=pk)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("服务事项已保存。"))
            return redirect("servicedesk:service", saved.pk)
    context = {
        "service": service,
        "error": error,
        "form": request.POST if request.method == "POST" else None,
        "departments": Department.objects.filter(unit_id=unit_id, is_active=True).order_by("depth", "sort", "pk"),
        "chosen": set(service.departments.values_list("pk", flat=True)) if service else set(),
        "own_lines": "\n".join(
            _("%(name)s：%(standard)s") % {"name": _material_name(m), "standard": m["standard"]}
            if m.get("standard")
            else _material_name(m)
            for m in (service.materials if service else [])
        ),
        "channels": Channel.choices,
    }
    return render(request, "servicedesk/service_edit.html", context, status=400 if error else 200)


def my_requests(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    rows = selectors.my_requests(request.user)[:200]
    return render(request, "servicedesk/mine.html", {"rows": rows})


def desk(request: AuthedHttpRequest) -> HttpResponse:
    """柜台: today's queue, the registration form for a walk-in or a call, and lookup by phone number."""
    _clerk(request)
    error = ""
    if request.method == "POST":
        service_id = parse_id(request.POST.get("service")) or 0
        prefix = f"{service_id}:"  # the desk lists every service's materials; keep the chosen one's
        presented = [v.removeprefix(prefix) for v in request.POST.getlist("materials") if v.startswith(prefix)]
        try:
            created = services.request_register(
                actor=request.user,
                data=services.RequestIn(
                    service_id=service_id,
                    summary=parse_text(request.POST.get("summary"), max_length=1000),
                    channel=parse_text(request.POST.get("channel"), max_length=16),
                    caller_name=parse_text(request.POST.get("caller_name"), max_length=100),
                    phone=parse_text(request.POST.get("phone"), max_length=40),
                    requester_id=parse_id(request.POST.get("requester")),
                    materials=presented,
                    files=_files(request, f"file-{service_id}:", _material_codes(request, service_id)),
                ),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("已受理，受理编号 %(number)s。") % {"number": created.number})
            return redirect("servicedesk:desk")
    phone = parse_text(request.GET.get("phone"), max_length=40)
    catalogue = list(selectors.visible_services(request.user).filter(is_active=True))
    context = {
        "queue": selectors.desk_queue(request.user)[:200],
        "phone": phone,
        "found": selectors.lookup_by_phone(request.user, phone)[:50] if phone else None,
        "services": [(s, materials_of(s)) for s in catalogue],
        "channels": [(Channel.WINDOW, Channel.WINDOW.label), (Channel.HOTLINE, Channel.HOTLINE.label)],
        "error": error,
        "form": request.POST if request.method == "POST" else {},
        "today": timezone.localdate(),
    }
    return render(request, "servicedesk/desk.html", context, status=400 if error else 200)


def _request_page(request: AuthedHttpRequest, pk: int, *, error: str = "", status: int = 200) -> HttpResponse:
    try:
        found = selectors.access_request(actor=request.user, request_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    rating = Rating.objects.filter(request=found).first()
    user = request.user
    for_caller = found.requester_id is None and rights.is_clerk(user)
    review_open = (
        rating is not None
        and rating.review_instance_id is not None
        and rating.reviewed_at is None
        and user.pk
        in set(
            rating.review_instance.tasks.filter(status="open").values_list("assignee_id", flat=True)  # type: ignore[union-attr]
        )
    )
    context: dict[str, Any] = {
        "r": found,
        "parts": list(found.parts.select_related("department", "done_by")),
        "timeline": selectors.timeline_of(found),
        "returns": selectors.returns_of(found),
        "mine": may_handle(user, found),
        "materials": materials_of(found.service),
        "files": selectors.files_of(found, materials_of(found.service)),
        "rating": rating,
        "may_rate": found.status == RequestStatus.DONE
        and rating is None
        and (user.pk == found.requester_id or for_caller),
        "may_supply": found.status == RequestStatus.AWAITING
        and (user.pk == found.requester_id or rights.is_clerk(user)),
        "may_review": review_open,
        "review_pending": rating is not None and rating.review_instance_id is not None and rating.reviewed_at is None,
        "bad_score": Rating.BAD_SCORE,
        "error": error,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "servicedesk/request.html", context, status=status)


def request_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _unit(request)
    return _request_page(request, pk)


@require_POST
def request_act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One step on a request: handle a department's part, return it for missing material, supply, rate, review."""
    _unit(request)
    action = request.POST.get("action", "")
    post = request.POST
    department = parse_id(post.get("department"))
    try:
        if action == "handle":
            services.request_handle(
                actor=request.user,
                request_id=pk,
                reply=parse_text(post.get("reply"), max_length=2000),
                department_id=department,
            )
            done = _("已办结本部门事项。")
        elif action == "return":
            items = [parse_text(i, max_length=200) for i in post.getlist("items")]
            items += parse_text(post.get("other"), max_length=2000).splitlines()
            services.request_return_material(
                actor=request.user,
                request_id=pk,
                items=items,
                note=parse_text(post.get("note"), max_length=1000),
                department_id=department,
            )
            done = _("已退回补正，并一次告知所缺材料。")
        elif action == "supply":
            found = selectors.access_request(actor=request.user, request_id=pk)
            codes = [str(m["code"]) for m in materials_of(found.service)] + [OTHER]
            services.request_supply(actor=request.user, request_id=pk, files=_files(request, "file-", codes))
            done = _("材料已补齐，各部门继续办理。")
        elif action == "rate":
            rating = services.request_rate(
                actor=request.user,
                request_id=pk,
                score=parse_int(post.get("score"), minimum=0, maximum=9, default=0),
                comment=parse_text(post.get("comment"), max_length=1000),
            )
            done = (
                _("感谢您的评价。承办部门负责人将核查整改，答复会显示在本页。")
                if rating.is_bad
                else _("感谢您的评价。")
            )
        elif action == "review":
            services.rating_review_answer(
                actor=request.user, request_id=pk, answer=parse_text(post.get("answer"), max_length=4000)
            )
            done = _("已答复差评核查。")
        else:
            return _request_page(request, pk, error=_("未知的操作。"), status=400)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return _request_page(request, pk, error=exc.message, status=400)
    messages.success(request, done)
    return redirect("servicedesk:request", pk)


def request_file(request: AuthedHttpRequest, pk: int, file_id: int) -> FileResponse:
    """A material file, for whoever may see the request (anyone else: 404)."""
    _unit(request)
    try:
        found = selectors.access_request_file(actor=request.user, request_id=pk, file_id=file_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


def complaints(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    rows = selectors.complaints_list(request.user)[:200]
    return render(request, "servicedesk/complaints.html", {"rows": rows, "clerk": rights.is_clerk(request.user)})


def complaint_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _unit(request)
    try:
        complaint: Complaint = selectors.access_complaint(actor=request.user, complaint_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    error = ""
    if request.method == "POST":
        try:
            services.complaint_answer(
                actor=request.user,
                complaint_id=pk,
                investigation=parse_text(request.POST.get("investigation"), max_length=4000),
                reply=parse_text(request.POST.get("reply"), max_length=4000),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("已答复投诉人。"))
            return redirect("servicedesk:complaint", pk)
    clerk = rights.is_clerk(request.user)
    context = {
        "c": complaint,
        "clerk": clerk,
        "may_answer": clerk and complaint.status == ComplaintStatus.OPEN,
        "error": error,
    }
    return render(request, "servicedesk/complaint.html", context, status=400 if error else 200)


def _figures_of(request: AuthedHttpRequest) -> figures.MonthFigures:
    """The month asked for, over the services the viewer reads (the whole unit or their departments')."""
    unit_id = _unit(request)
    try:
        service_ids = selectors.figures_services(request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    text = parse_text(request.GET.get("month"), max_length=10)
    today = timezone.localdate()
    year, month = today.year, today.month
    if text:
        parts = text.split("-")
        y = parse_int(parts[0], minimum=2000, maximum=2100) if len(parts) == 2 else None
        m = parse_int(parts[1], minimum=1, maximum=12) if len(parts) == 2 else None
        if y is None or m is None:
            raise ApplicationError(_("请按“年-月”选择统计月份，例如 2026-11。"))
        year, month = y, m
    return figures.month_figures(unit_id=unit_id, year=year, month=month, service_ids=service_ids)


def figures_page(request: AuthedHttpRequest) -> HttpResponse:
    """服务统计 per service and month, with charts."""
    error, found = "", None
    try:
        found = _figures_of(request)
    except ApplicationError as exc:
        error = exc.message
    context = {
        "f": found,
        "scoped": selectors.figures_services(request.user) is not None,
        "error": error,
        "month": found.month_text if found else parse_text(request.GET.get("month"), max_length=10),
        "chart": found.chart_data() if found else None,
        "missing": selectors.most_missing([s.service_id for s in found.services], limit=3) if found else {},
    }
    return render(request, "servicedesk/figures.html", context, status=400 if error else 200)


def figures_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    try:
        found = _figures_of(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("servicedesk:figures")
    name = _("%(y)d年%(m)d月服务统计.xlsx") % {"y": found.year, "m": found.month}
    return xlsx.attachment(figures.figures_workbook(found), name)

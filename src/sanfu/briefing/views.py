"""服务领导决策 pages: the requests in hand (信息报送与调研), filing a request, a request's page (the four steps
with the forms of whoever may act), a revision, a material file, and the 简报库. Every POST goes to a service;
every read goes through the access selectors (others get 404, audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanfu.accounts.models import User
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.briefing import forms, rights, selectors, services
from sanfu.briefing.models import Kind, OpinionKind, State
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_date, parse_id, parse_ids, parse_int, parse_text
from sanfu.org import roles

PAGE_SIZE = 30
STEPS = [State.INTAKE, State.COLLECTING, State.ANALYSING, State.ISSUED]


def _found(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def request_list(request: AuthedHttpRequest) -> HttpResponse:
    """信息报送与调研: the requests in hand the person may see, the nearest due first."""
    state = parse_text(request.GET.get("state"), max_length=16)
    rows = selectors.work_list(request.user, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "briefing/list.html",
        {
            "page": page,
            "states": [s for s in State.choices if s[0] != State.ISSUED],
            "state": state,
            "may_file": rights.may_file(request.user),
        },
    )


def _choices(actor: Any) -> tuple[Any, Any, Any]:
    unit = roles.unit_of(actor)
    people = User.objects.filter(is_active=True, staff__unit_id=unit or 0).order_by("staff__employee_no", "pk")
    leaders = [u.pk for u in people if rights.is_leader(u)]
    office = [u.pk for u in people if rights.is_office(u)]
    return (
        User.objects.filter(pk__in=leaders).order_by("staff__employee_no"),
        User.objects.filter(pk__in=office).order_by("staff__employee_no"),
        selectors.departments_of_unit(unit),
    )


def request_new(request: AuthedHttpRequest) -> HttpResponse:
    """提出需求: a leader, or the office on a leader's behalf."""
    if not rights.may_file(request.user):
        raise Http404
    leaders, office, departments = _choices(request.user)
    initial = {"requested_by": request.user.pk} if rights.is_leader(request.user) else {}
    form = forms.RequestForm(request.POST or None, leaders=leaders, office=office, initial=initial)
    chosen = set(parse_ids(request.POST.getlist("ask"))) if request.method == "POST" else set()
    rows = [
        {"department": d, "asked": d.pk in chosen, "deadline": request.POST.get(f"deadline_{d.pk}", "")}
        for d in departments
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_id = {d.pk: d for d in departments}
        asks = [
            services.AskIn(department=by_id[pk], deadline=parse_date(request.POST.get(f"deadline_{pk}")))
            for pk in sorted(chosen)
            if pk in by_id
        ]
        try:
            created = services.request_file(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                needs=data["needs"],
                due_on=data["due_on"],
                requested_by=data["requested_by"],
                owner=data["owner"],
                confidentiality=data["confidentiality"],
                asks=asks,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("需求已提出，等待承办人对接。"))
            return redirect("briefing:request", created.pk)
    return render(request, "briefing/request_form.html", {"form": form, "rows": rows})


def request_detail(request: AuthedHttpRequest, request_id: int) -> HttpResponse:
    """The request's page: the needs, the steps, the materials the person may see, drafts and opinions (insiders),
    the result once issued, and the forms of whoever may act now."""
    user = request.user
    found = _found(lambda: selectors.access_request(actor=user, request_id=request_id))
    insider = selectors.insider(user, found)
    materials = selectors.materials_for(user, found)
    answerable = {m.department_id for m in materials if rights.may_answer(user, m.department_id)}
    done = {State.INTAKE: 0, State.COLLECTING: 1, State.ANALYSING: 2, State.REVIEW: 2, State.APPROVED: 3}
    reached = done.get(found.state, 4)
    return render(
        request,
        "briefing/request_detail.html",
        {
            "item": found,
            "insider": insider,
            "steps": [
                {"label": _("需求对接"), "done": reached > 0, "now": reached == 0},
                {"label": _("素材收集"), "done": reached > 1, "now": reached == 1},
                {"label": _("分析研判"), "done": reached > 2, "now": reached == 2},
                {"label": _("成果输出"), "done": reached > 3, "now": reached == 3},
            ],
            "materials": [
                {"m": m, "overdue": selectors.is_overdue(m), "mine": m.department_id in answerable} for m in materials
            ],
            "answered": sum(1 for m in materials if m.answered_at),
            "revisions": selectors.revisions(found) if insider else [],
            "latest": selectors.latest_revision(found) if insider else None,
            "opinions": list(found.opinions.select_related("author").order_by("at", "id")) if insider else [],
            "readers": list(found.readers.order_by("username")) if found.state == State.ISSUED else [],
            "may_run": rights.may_run(user, found),
            "may_decide": rights.may_decide(user, found),
            "may_comment": rights.may_comment(user, found),
            "return_kind": OpinionKind.RETURN,
        },
    )


def revision_detail(request: AuthedHttpRequest, request_id: int, no: int) -> HttpResponse:
    """One revision as it was saved (the insiders)."""
    revision = _found(lambda: selectors.revision_of(actor=request.user, request_id=request_id, no=no))
    return render(request, "briefing/revision.html", {"revision": revision, "item": revision.request})


def material_file(request: AuthedHttpRequest, request_id: int, file_id: int) -> FileResponse:
    stored = _found(lambda: selectors.access_material_file(actor=request.user, request_id=request_id, file_id=file_id))
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name)


# --- the actions on a request's page --------------------------------------------------------------------------------


def _department(data: dict[str, Any]) -> int:
    return int(data["department"])


ACTIONS: dict[str, tuple[Any, Callable[[AuthedHttpRequest, int, dict[str, Any]], Any], Any]] = {
    "confirm": (
        None,
        lambda r, pk, d: services.request_confirm(actor=r.user, request_id=pk),
        gettext_lazy("需求已确认，已通知各部门报送材料。"),
    ),
    "material": (
        forms.MaterialForm,
        lambda r, pk, d: services.material_submit(
            actor=r.user,
            request_id=pk,
            department_id=_department(d),
            text=d.get("text", ""),
            files=r.FILES.getlist("files"),
        ),
        gettext_lazy("材料已报送。"),
    ),
    "decline": (
        forms.DeclineForm,
        lambda r, pk, d: services.material_decline(
            actor=r.user, request_id=pk, department_id=_department(d), reason=d["reason"]
        ),
        gettext_lazy("已报无相关材料。"),
    ),
    "urge": (
        forms.UrgeForm,
        lambda r, pk, d: services.material_urge(actor=r.user, request_id=pk, department_id=_department(d)),
        gettext_lazy("已催办。"),
    ),
    "close-collection": (
        None,
        lambda r, pk, d: services.collection_close(actor=r.user, request_id=pk),
        gettext_lazy("素材收集已结束，进入分析研判。"),
    ),
    "draft": (
        forms.DraftForm,
        lambda r, pk, d: services.draft_save(actor=r.user, request_id=pk, text=d["text"], note=d.get("note", "")),
        gettext_lazy("稿件已保存为新版本。"),
    ),
    "submit": (
        None,
        lambda r, pk, d: services.review_submit(actor=r.user, request_id=pk),
        gettext_lazy("已提交领导审定。"),
    ),
    "comment": (
        forms.OpinionForm,
        lambda r, pk, d: services.opinion_add(actor=r.user, request_id=pk, text=d.get("text", "")),
        gettext_lazy("批示已记录。"),
    ),
    "return": (
        forms.OpinionForm,
        lambda r, pk, d: services.review_return(actor=r.user, request_id=pk, text=d.get("text", "")),
        gettext_lazy("已退回修改。"),
    ),
    "approve": (
        forms.OpinionForm,
        lambda r, pk, d: services.review_approve(actor=r.user, request_id=pk, text=d.get("text", "")),
        gettext_lazy("已审定同意。"),
    ),
    "issue": (
        forms.IssueForm,
        lambda r, pk, d: services.result_issue(
            actor=r.user,
            request_id=pk,
            output=d["output"],
            readers=list(User.objects.filter(pk__in=parse_ids(r.POST.getlist("readers"))[:1000])),
            recipients=d.get("recipients", ""),
        ),
        gettext_lazy("成果已发布并归档。"),
    ),
}


@require_POST
def request_act(request: AuthedHttpRequest, request_id: int, action: str) -> HttpResponse:
    """One action on the request's page (see ``ACTIONS``); a refusal is shown and changes nothing."""
    if action not in ACTIONS:
        raise Http404
    _found(lambda: selectors.access_request(actor=request.user, request_id=request_id))
    form_class, act, done = ACTIONS[action]
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect("briefing:request", request_id)
        data = form.cleaned_data
    try:
        act(request, request_id, data)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("briefing:request", request_id)


def library(request: AuthedHttpRequest) -> HttpResponse:
    """简报库: past briefs the person may read, searched by words, kind, year and department."""
    year = parse_int(request.GET.get("year"), minimum=1900, maximum=3000, default=0)
    filters = selectors.LibraryFilters(
        query=parse_text(request.GET.get("q")),
        kind=parse_text(request.GET.get("kind"), max_length=16),
        year=year or None,
        department_id=parse_id(request.GET.get("department")),
    )
    page = Paginator(selectors.library(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "briefing/library.html",
        {
            "page": page,
            "filters": filters,
            "kinds": Kind.choices,
            "years": selectors.library_years(request.user),
            "departments": selectors.departments_of_unit(roles.unit_of(request.user)),
        },
    )


urlpatterns: list[URLPattern] = [
    path("", request_list, name="list"),
    path("new/", request_new, name="new"),
    path("library/", library, name="library"),
    path("<int:request_id>/", request_detail, name="request"),
    path("<int:request_id>/revisions/<int:no>/", revision_detail, name="revision"),
    path("<int:request_id>/files/<int:file_id>/", material_file, name="file"),
    path("<int:request_id>/<slug:action>/", request_act, name="act"),
]

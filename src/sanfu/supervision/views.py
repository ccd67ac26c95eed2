"""督办 pages: the ledger (督办台账) with its filters and counts, the item's page (一事一档: content, indicators,
milestones, sub-items, the whole history, and the forms of whoever may act), manual entry and decomposition.
Every POST goes to a service; every read goes through the access selectors (others get 404, audited)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id, parse_text
from sanfu.supervision import forms, rights, selectors, services
from sanfu.supervision.models import EvidenceFile, Item, ItemState, Source
from sanfu.supervision.status import Status

STATUS_CLASSES = {
    Status.ON_TRACK: "text-bg-success",
    Status.AT_RISK: "text-bg-warning",
    Status.OVERDUE: "text-bg-danger",
    Status.DONE: "text-bg-secondary",
}
PAGE_SIZE = 30


def _labels() -> dict[str, str]:
    """The statuses' words in the active language (the module's dict is built at import time)."""
    return {
        Status.ON_TRACK: _("正常推进"),
        Status.AT_RISK: _("有风险"),
        Status.OVERDUE: _("已逾期"),
        Status.DONE: _("已完成"),
    }


def _found(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _month(value: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return (year, month) if 1 <= month <= 12 and 1900 < year < 3000 else None


def ledger(request: AuthedHttpRequest) -> HttpResponse:
    """督办台账: the visible items, filtered by computed status, department, source, owner and deadline month,
    with the counts per status; paged."""
    status = parse_text(request.GET.get("status"), max_length=16)
    month_text = parse_text(request.GET.get("month"), max_length=7)
    filters = selectors.LedgerFilters(
        status=status if status in {s.value for s in Status} else "",
        department_id=parse_id(request.GET.get("department")),
        source=parse_text(request.GET.get("source"), max_length=16),
        owner_id=parse_id(request.GET.get("owner")),
        month=_month(month_text),
        query=parse_text(request.GET.get("q")),
    )
    found = selectors.ledger(request.user, filters)
    # Work in hand first, the nearest deadline on top; items already closed (销号) after them.
    closed_last = Case(When(state=ItemState.CLOSED, then=Value(1)), default=Value(0))
    ordered = found.rows.order_by(closed_last, "deadline", "id")
    page = Paginator(selectors.PagedRows(ordered, found.matching), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = _labels()
    rows = []
    for item in page:
        state = selectors.row_status(item)
        rows.append({"item": item, "status": state, "label": labels[state], "css": STATUS_CLASSES[state]})
    counts = [
        {"key": s.value, "label": labels[s], "count": found.counts.get(s.value, 0), "css": STATUS_CLASSES[s]}
        for s in Status
    ]
    return render(
        request,
        "supervision/ledger.html",
        {
            "rows": rows,
            "page": page,
            "counts": counts,
            "total": found.total,
            "filters": filters,
            "month": month_text if filters.month else "",
            "sources": Source.choices,
            "departments": selectors.filter_departments(request.user),
            "may_create": rights.may_create(request.user),
        },
    )


def item_new(request: AuthedHttpRequest) -> HttpResponse:
    """新建督办事项 (manual entry): the office and the leaders."""
    if not rights.may_create(request.user):
        raise Http404
    form = forms.ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        indicators = []
        if data.get("indicator_name"):
            indicators.append(
                services.IndicatorIn(
                    name=data["indicator_name"], target=data["indicator_target"], unit=data.get("indicator_unit", "")
                )
            )
        try:
            item = services.item_create(
                actor=request.user,
                title=data["title"],
                content=data.get("content", ""),
                source=data["source"],
                source_label=data.get("source_label", ""),
                owner=data["owner"],
                lead_department=data.get("lead_department"),
                co_departments=list(data.get("co_departments") or []),
                deadline=data["deadline"],
                cadence_days=data["cadence_days"],
                quality_requirements=data.get("quality_requirements", ""),
                confidentiality=data["confidentiality"],
                indicators=indicators,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("督办事项已立项。"))
            return redirect("supervision:item", item.pk)
    return render(request, "supervision/item_form.html", {"form": form, "parent": None})


def item_decompose(request: AuthedHttpRequest, item_id: int) -> HttpResponse:
    """分解: a sub-item down to a person."""
    parent: Item = _found(lambda: selectors.access_item(actor=request.user, item_id=item_id))
    if not rights.may_decompose(request.user, parent):
        raise Http404
    form = forms.DecomposeForm(request.POST or None, initial={"deadline": parent.deadline})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_decompose(
                actor=request.user,
                item_id=parent.pk,
                title=data["title"],
                content=data.get("content", ""),
                owner=data["owner"],
                deadline=data["deadline"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已分解到责任人。"))
            return redirect("supervision:item", parent.pk)
    return render(request, "supervision/item_form.html", {"form": form, "parent": parent})


def item_detail(request: AuthedHttpRequest, item_id: int) -> HttpResponse:
    """一事一档: the item, its measures, its sub-items, its whole history, and the forms of whoever may act."""
    item: Item = _found(lambda: selectors.access_item(actor=request.user, item_id=item_id))
    days = selectors.workdays()
    state = selectors.item_status(item, days=days)
    pending = selectors.pending_closeout(item)
    user = request.user
    is_open = item.state == ItemState.OPEN
    children = selectors.sub_items(item)
    labels = _labels()
    return render(
        request,
        "supervision/item_detail.html",
        {
            "item": item,
            "status": state,
            "status_label": labels[state],
            "status_css": STATUS_CLASSES[state],
            "report_due": selectors.next_report_due(item, days=days),
            "indicators": list(item.indicators.all()),
            "milestones": list(item.milestones.all()),
            "co_departments": list(item.co_departments.all()),
            "children": [
                {
                    "item": c,
                    "label": labels[selectors.item_status(c, days=days)],
                    "css": STATUS_CLASSES[selectors.item_status(c, days=days)],
                }
                for c in children
            ],
            "history": selectors.history(item),
            "parent_visible": item.parent_id is not None
            and selectors.visible_items(user).filter(pk=item.parent_id).exists(),
            "pending": pending,
            "may_report": is_open and rights.may_report(user, item),
            "may_apply": is_open and rights.may_report(user, item),
            "may_decompose": is_open and rights.may_decompose(user, item),
            "may_check": item.state != ItemState.CLOSED and rights.may_check(user, item),
            "may_comment": item.state != ItemState.CLOSED and rights.may_comment(user, item),
            "may_decide": selectors.may_decide(user, pending),
            "report_form": forms.ReportForm(initial={"percent": item.last_percent}),
            "check_form": forms.CheckForm(),
            "comment_form": forms.CommentForm(),
            "closeout_form": forms.CloseoutForm(),
            "decide_form": forms.DecideForm(initial={"score": 4}),
        },
    )


def _errors(request: AuthedHttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


def _report(request: AuthedHttpRequest, item_id: int, data: dict[str, Any]) -> None:
    values = {k.removeprefix("indicator_"): v for k, v in request.POST.items() if k.startswith("indicator_")}
    services.progress_report(
        actor=request.user,
        item_id=item_id,
        text=data["text"],
        percent=data["percent"],
        indicator_values=values,
        files=request.FILES.getlist("files"),
    )


def _approve(request: AuthedHttpRequest, item_id: int, data: dict[str, Any]) -> None:
    if not data.get("score"):
        raise ApplicationError(_("请给出质量评分（1 到 5 分）。"))
    services.closeout_approve(actor=request.user, item_id=item_id, score=data["score"], comment=data.get("comment", ""))


Act = Callable[[AuthedHttpRequest, int, dict[str, Any]], Any]
ACTIONS: dict[str, tuple[Any, Act]] = {
    "report": (forms.ReportForm, _report),
    "check": (
        forms.CheckForm,
        lambda r, pk, d: services.check_record(actor=r.user, item_id=pk, kind=d["kind"], findings=d["findings"]),
    ),
    "comment": (forms.CommentForm, lambda r, pk, d: services.comment_add(actor=r.user, item_id=pk, text=d["text"])),
    "milestone": (
        None,
        lambda r, pk, d: services.milestone_done(
            actor=r.user, item_id=pk, milestone_id=parse_id(r.POST.get("milestone")) or 0
        ),
    ),
    "apply": (
        forms.CloseoutForm,
        lambda r, pk, d: services.closeout_apply(
            actor=r.user, item_id=pk, summary=d["summary"], files=r.FILES.getlist("files")
        ),
    ),
    "approve": (forms.DecideForm, _approve),
    "reject": (
        forms.DecideForm,
        lambda r, pk, d: services.closeout_reject(actor=r.user, item_id=pk, comment=d.get("comment", "")),
    ),
}


def _done(action: str) -> str:
    return {
        "report": _("进展已报送。"),
        "check": _("督查情况已记录。"),
        "comment": _("批示已保存。"),
        "milestone": _("节点已标记完成。"),
        "apply": _("销号申请已提交，等待审核。"),
        "approve": _("已同意销号，事项已归档。"),
        "reject": _("已退回销号申请，事项重新办理。"),
    }[action]


@require_POST
def item_act(request: AuthedHttpRequest, item_id: int, action: str) -> HttpResponse:
    """One action on the item's page: report, check, comment, milestone, apply, approve, reject."""
    if action not in ACTIONS:
        raise Http404
    _found(lambda: selectors.access_item(actor=request.user, item_id=item_id))
    form_class, act = ACTIONS[action]
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            _errors(request, form)
            return redirect("supervision:item", item_id)
        data = form.cleaned_data
    try:
        act(request, item_id, data)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _done(action))
    return redirect("supervision:item", item_id)


def evidence_file(request: AuthedHttpRequest, item_id: int, file_id: int) -> FileResponse:
    """A file of evidence, to those who may read the item."""
    item: Item = _found(lambda: selectors.access_item(actor=request.user, item_id=item_id))
    stored = EvidenceFile.objects.filter(pk=file_id, item=item).first()
    if stored is None:
        raise Http404
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name)


urlpatterns: list[URLPattern] = [
    path("", ledger, name="ledger"),
    path("new/", item_new, name="item_new"),
    path("<int:item_id>/", item_detail, name="item"),
    path("<int:item_id>/decompose/", item_decompose, name="item_decompose"),
    path("<int:item_id>/files/<int:file_id>/", evidence_file, name="file"),
    path("<int:item_id>/<slug:action>/", item_act, name="item_act"),
]

"""流程效能评估 pages: the month's review, its Excel workbook, and the instances behind a figure. Views parse the
request and call one selector; the figures come from ``measures`` through ``services``."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id, parse_text
from sanfu.insights import exporting, report, selectors
from sanfu.insights.facts import Month
from sanfu.org.selectors import unit_name_of

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FIGURE_LABELS = {
    "ended": gettext_lazy("办结的流程"),
    "backlog": gettext_lazy("月末在办的流程"),
    "sent_back": gettext_lazy("被退回过的办结流程"),
    "handoffs": gettext_lazy("跨部门流转的办结流程"),
    "acted": gettext_lazy("本月办理的待办"),
    "sla_due": gettext_lazy("有时限的待办"),
    "sla_missed": gettext_lazy("未按时办理的待办"),
    "open_tasks": gettext_lazy("月末未办的待办"),
    "returns": gettext_lazy("本月的退回"),
    "unseen": gettext_lazy("未经打开即办理的待办"),
}
PEOPLE_PAGE = 50  # people per page of the review's people page


def _month(request: AuthedHttpRequest) -> Month:
    return selectors.parse_month(parse_text(request.GET.get("month"), max_length=10))


def _chart(figures: dict[str, Any]) -> dict[str, Any]:
    """The chart's data: each matter type's median turnaround split into its three parts."""
    rows = figures["matters"]
    return {
        "matters": [r["matter_name"] for r in rows if r.get("ended")],
        "handling": [r.get("handling_p50") for r in rows if r.get("ended")],
        "with_initiator": [r.get("with_initiator_p50") for r in rows if r.get("ended")],
        "off_hours": [r.get("off_hours_p50") for r in rows if r.get("ended")],
        "labels": {
            "handling": _("在办时间"),
            "with_initiator": _("退回待改时间"),
            "off_hours": _("非工作时间"),
            "hours": _("小时"),
        },
    }


def review_page(request: AuthedHttpRequest) -> HttpResponse:
    """流程效能评估: turnaround (P50/P90 split), SLA, throughput and backlog, rework, hand-offs for one month."""
    try:
        selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    figures, error, month, sort = None, "", None, "load"
    people: list[dict[str, Any]] = []
    beside: list[dict[str, Any]] = []
    try:
        month = _month(request)
        sort = selectors.parse_people_sort(parse_text(request.GET.get("people"), max_length=8))
        figures = selectors.review_for(actor=request.user, month=month)
        people = selectors.people_ranked(figures, sort)
        beside = selectors.beside_for(actor=request.user, month=month)
    except ApplicationError as exc:
        error = exc.message
    context = {
        "f": figures,
        "error": error,
        "month": month.text if month else parse_text(request.GET.get("month"), max_length=10),
        "chart": _chart(figures) if figures else None,
        "people": people[: selectors.PEOPLE_SHOWN],  # the rest on the people page: the page stays light
        "people_count": len(people),
        "people_sort": sort,
        "beside": beside,
    }
    return render(request, "insights/review.html", context, status=400 if error else 200)


def review_people(request: AuthedHttpRequest) -> HttpResponse:
    """The review's people, all of them, a page at a time, by load or by time."""
    try:
        selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    try:
        month = _month(request)
        sort = selectors.parse_people_sort(parse_text(request.GET.get("sort"), max_length=8))
        figures = selectors.review_for(actor=request.user, month=month)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    page = Paginator(selectors.people_ranked(figures, sort), PEOPLE_PAGE).get_page(request.GET.get("page"))
    return render(request, "insights/review_people.html", {"f": figures, "page": page, "sort": sort})


def review_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    try:
        month = _month(request)
        figures = selectors.review_for(actor=request.user, month=month)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    beside = selectors.beside_for(actor=request.user, month=month)
    response = HttpResponse(exporting.review_workbook(figures, beside), content_type=xlsx.CONTENT_TYPE)
    name = _("%(y)d年%(m)d月流程效能评估.xlsx") % {"y": month.year, "m": month.month}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response


def review_docx(request: AuthedHttpRequest) -> HttpResponse:
    """The month's review as a 报告 in the national layout (.docx), for the monthly process review meeting."""
    try:
        month = _month(request)
        figures = selectors.review_for(actor=request.user, month=month)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    beside = selectors.beside_for(actor=request.user, month=month)
    content = report.review_docx(figures, issuer=unit_name_of(request.user), as_of=timezone.localdate(), beside=beside)
    response = HttpResponse(content, content_type=DOCX)
    name = _("%(y)d年%(m)d月流程效能评估报告.docx") % {"y": month.year, "m": month.month}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response


def drill_down(request: AuthedHttpRequest) -> HttpResponse:
    """The instances behind one figure (those the reader may open)."""
    filters: dict[str, Any] = {}
    for key in ("matter", "node"):
        value = parse_text(request.GET.get(key), max_length=64)
        if value:
            filters[key] = value
    for key in ("department", "person"):
        number = parse_id(request.GET.get(key))
        if number is not None:
            filters[key] = number
    try:
        month = _month(request)
        found = selectors.drill_down(
            actor=request.user,
            month=month,
            figure=parse_text(request.GET.get("figure"), max_length=32),
            filters=filters,
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return render(
        request, "insights/drill_down.html", {"d": found, "month": month, "label": FIGURE_LABELS.get(found.figure, "")}
    )

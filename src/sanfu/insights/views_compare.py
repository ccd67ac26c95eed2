"""前后对比 pages and the event-log downloads: the comparison of two versions or two periods (page and Excel),
and the unit's event log as XES or OCEL 2.0, streamed. Readers as the review's (``rights``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_int, parse_text
from sanfu.insights import compare, eventlog, selectors
from sanfu.insights.facts import Month
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition


def _query(request: AuthedHttpRequest) -> compare.CompareQuery:
    get = request.GET
    return compare.CompareQuery(
        mode=parse_text(get.get("mode"), max_length=10) or "version",
        matter=parse_text(get.get("matter"), max_length=64),
        version_a=parse_int(get.get("a"), minimum=1, maximum=100_000),
        version_b=parse_int(get.get("b"), minimum=1, maximum=100_000),
        a_from=parse_text(get.get("a_from"), max_length=10),
        a_to=parse_text(get.get("a_to"), max_length=10),
        b_from=parse_text(get.get("b_from"), max_length=10),
        b_to=parse_text(get.get("b_to"), max_length=10),
    )


def _matters() -> list[dict[str, Any]]:
    """Each process with its versions (the form's choices), by name of its latest version."""
    found: dict[str, dict[str, Any]] = {}
    rows = (
        ProcessDefinition.objects.exclude(status=DefinitionStatus.DRAFT)
        .order_by("key", "version")
        .values_list("key", "name", "version")
    )
    for key, name, version in rows:
        entry = found.setdefault(key, {"key": key, "versions": []})
        entry["name"] = name
        entry["versions"].append(version)
    return sorted(found.values(), key=lambda m: m["name"])


def _asked(request: AuthedHttpRequest) -> bool:
    return any(request.GET.get(k) for k in ("matter", "a", "b", "a_from", "b_from"))


def compare_page(request: AuthedHttpRequest) -> HttpResponse:
    """前后对比: the form, and once asked, each measure on both sides with its change and interval."""
    try:
        selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    query = _query(request)
    result, error = None, ""
    if _asked(request):
        try:
            result = compare.compare_for(actor=request.user, query=query)
        except ApplicationError as exc:
            error = exc.message
    today = selectors.parse_month("")
    context = {
        "q": query,
        "c": result,
        "error": error,
        "matters": _matters(),
        "export_from": Month(today.year - (today.month <= 5), (today.month - 6) % 12 + 1).text,
        "export_to": today.text,
        "query_string": request.GET.urlencode(),
    }
    return render(request, "insights/compare.html", context, status=400 if error else 200)


def _workbook(result: dict[str, Any]) -> bytes:
    header = [
        _("指标"),
        _("单位"),
        result["a"]["label"],
        _("件数"),
        result["b"]["label"],
        _("件数"),
        _("变化"),
        _("95% 置信区间下限"),
        _("95% 置信区间上限"),
        _("结论"),
    ]
    rows = [
        [r["label"], r["unit"], r["a"], r["n_a"], r["b"], r["n_b"], r["change"], r["low"], r["high"], r["verdict"]]
        for r in result["rows"]
    ]
    return xlsx.workbook(xlsx.Sheet(_("前后对比"), header, rows, [22, 8, 14, 8, 14, 8, 10, 12, 12, 40]))


def compare_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    try:
        result = compare.compare_for(actor=request.user, query=_query(request))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    name = _("前后对比_%(matter)s.xlsx") % {"matter": result["matter_name"] or _("全部事项")}
    return xlsx.attachment(_workbook(result), name)


def eventlog_download(request: AuthedHttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """流程事件日志 (XES or OCEL 2.0) of the reader's unit, submitted in ``from``…``to``."""
    try:
        return eventlog.download(
            request.user,
            fmt,
            parse_text(request.GET.get("from"), max_length=10),
            parse_text(request.GET.get("to"), max_length=10),
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")

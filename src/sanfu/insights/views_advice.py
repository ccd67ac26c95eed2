"""精简建议 pages: the period's advice (necessity test and suggestions, 秒批, 压件, conformance), its Excel
workbook, the instances behind a finding, and applying a suggestion as a draft (process administrators only).
Views parse the request and call one selector or service; the advice comes from ``advice`` and ``conformance``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.params import parse_text
from sanfu.insights import exporting, selectors, services
from sanfu.insights.advice import Options
from sanfu.insights.period import Period, parse_period

FINDING_LABELS = {
    "nodes": gettext_lazy("节点必要性"),
    "suggestions": gettext_lazy("精简建议"),
    "quick": gettext_lazy("秒批"),
    "quick_tasks": gettext_lazy("秒批"),
    "held": gettext_lazy("压件"),
    "self_approvals": gettext_lazy("自批"),
    "splits": gettext_lazy("拆单"),
    "green": gettext_lazy("绿色通道用于非紧急事项"),
    "outside": gettext_lazy("规则外审批"),
}


def _query(request: AuthedHttpRequest) -> tuple[Period, Options]:
    """The period (``from``, ``to``: YYYY-MM) and the 秒批 window (``seconds``) of a GET or POST."""
    data = request.POST if request.method == "POST" else request.GET
    span = parse_period(parse_text(data.get("from"), max_length=10), parse_text(data.get("to"), max_length=10))
    seconds = selectors.parse_seconds(parse_text(data.get("seconds"), max_length=10))
    return span, Options(quick_seconds=seconds)


def _params(span: Period, options: Options) -> str:
    return urlencode({"from": span.first.text, "to": span.last.text, "seconds": str(options.quick_seconds)})


def advice_page(request: AuthedHttpRequest) -> HttpResponse:
    """精简建议 of the reader's unit over a period (by default the last three closed months)."""
    try:
        selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    result, error, params = None, "", ""
    try:
        span, options = _query(request)
        result = selectors.advice_for(actor=request.user, span=span, options=options)
        params = _params(span, options)
    except ApplicationError as exc:
        error = exc.message
    context = {
        "a": result,
        "error": error,
        "params": params,
        "form": {k: parse_text(request.GET.get(k), max_length=10) for k in ("from", "to", "seconds")},
    }
    return render(request, "insights/advice.html", context, status=400 if error else 200)


def advice_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    try:
        span, options = _query(request)
        result = selectors.advice_for(actor=request.user, span=span, options=options)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(exporting.advice_workbook(result), content_type=xlsx.CONTENT_TYPE)
    name = _("%(period)s精简建议.xlsx") % {"period": span.text}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response


def advice_drill_down(request: AuthedHttpRequest) -> HttpResponse:
    """The instances behind one finding (those the reader may open)."""
    try:
        span, options = _query(request)
        found = selectors.advice_drill_down(
            actor=request.user,
            span=span,
            options=options,
            finding=parse_text(request.GET.get("finding"), max_length=32),
            ref=parse_text(request.GET.get("ref"), max_length=200),
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    context = {"d": found, "label": FINDING_LABELS.get(found.figure, ""), "period": span.text}
    context["back"] = reverse("insights:advice") + "?" + _params(span, options)
    return render(request, "insights/advice_drill_down.html", context)


@require_POST
def advice_apply(request: AuthedHttpRequest) -> HttpResponse:
    """按建议生成草稿: the suggestion applied as a draft of the next version (nothing is published)."""
    try:
        selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    try:
        span, options = _query(request)
        back = reverse("insights:advice") + "?" + _params(span, options)
        draft = services.advice_apply(
            actor=request.user,
            unit_id=selectors.access_review(actor=request.user),
            span=span,
            options=options,
            kind=parse_text(request.POST.get("kind"), max_length=16),
            ref=parse_text(request.POST.get("ref"), max_length=200),
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except PermissionDeniedError as exc:
        raise Http404(exc.message) from exc
    except ConflictError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    messages.success(
        request,
        _("已生成“%(name)s”第 %(v)d 版草稿，未发布；现行版本不变。") % {"name": draft.name, "v": draft.version},
    )
    return redirect(back)

"""预计办结时间 (an htmx fragment the 审批中心's start and instance pages fetch) and the process map (流程图).
Views parse the request and call one selector; the figures come from ``eta`` and ``processmap``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id, parse_text
from sanfu.insights import eta, processmap, selectors


def _bad(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def eta_fragment(request: AuthedHttpRequest) -> HttpResponse:
    """``?matter=<definition key>`` (any signed-in person of the unit) or ``?instance=<id>`` (who may open it)."""
    key = parse_text(request.GET.get("matter"), max_length=64)
    raw_instance = request.GET.get("instance")
    try:
        if raw_instance is not None:
            instance_id = parse_id(raw_instance)
            if instance_id is None:
                raise ApplicationError(_("流程编号应为正整数。"))
            estimate = eta.for_instance(actor=request.user, instance_id=instance_id)
        elif key:
            estimate = eta.for_matter(actor=request.user, key=key)
        else:
            raise ApplicationError(_("请指明事项（matter）或流程（instance）。"))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return _bad(exc.message)
    return render(request, "insights/eta.html", {"e": estimate})


def map_page(request: AuthedHttpRequest) -> HttpResponse:
    """流程图: ``?key=<definition key>&from=YYYY-MM&to=YYYY-MM`` (the review's readers)."""
    try:
        selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    key = parse_text(request.GET.get("key"), max_length=64)
    first = parse_text(request.GET.get("from"), max_length=10)
    last = parse_text(request.GET.get("to"), max_length=10)
    found, error = None, ""
    try:
        found = processmap.process_map_for(actor=request.user, key=key, first=first, last=last)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        error = exc.message
    context: dict[str, Any] = {"m": found, "error": error, "key": key, "first": first, "last": last}
    if found is not None:
        context["graph"] = {
            "nodes": found.nodes,
            "edges": found.edges,
            "labels": {"p50": _("P50 办理用时（小时）"), "tasks": _("待办"), "instances": _("件")},
        }
    return render(request, "insights/map.html", context, status=400 if error else 200)

"""推演 pages: a draft of a process replayed over the unit's past instances (``whatif``), the stored predictions
and, after the draft is published, what happened beside them. Readers as the review's (``rights``); views parse
the request and call ``whatif``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_text
from sanfu.insights import selectors, whatif

KIND_LABELS = {
    "approval": gettext_lazy("审批"),
    "handle": gettext_lazy("办理"),
    "filing": gettext_lazy("备案"),
    "cc": gettext_lazy("抄送"),
    "": gettext_lazy("已删除"),
}


def _rows(view: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The prediction's node and person rows with the kinds named and what happened after publication beside."""
    if view is None or view["prediction"] is None:
        return [], []
    figures, actual = view["prediction"]["figures"], view["actual"] or {}
    after_nodes, after_people = actual.get("nodes", {}), actual.get("people", {})
    nodes = [
        {
            **r,
            "current_label": KIND_LABELS.get(r["kind_current"], r["kind_current"]),
            "draft_label": KIND_LABELS.get(r["kind_draft"], r["kind_draft"]),
            "after": after_nodes.get(r["node"], 0.0),
        }
        for r in figures["nodes"]
    ]
    people = [{**r, "after": after_people.get(str(r["person"]), 0.0)} for r in figures["people"]]
    return nodes, people


def _unit(request: AuthedHttpRequest) -> int:
    try:
        return selectors.access_review(actor=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _form(data: Any) -> dict[str, str]:
    return {
        "key": parse_text(data.get("key"), max_length=64),
        "draft": parse_text(data.get("draft"), max_length=10),
        "months": parse_text(data.get("months"), max_length=10),
    }


def _page(request: AuthedHttpRequest, unit_id: int, form: dict[str, str], error: str = "") -> HttpResponse:
    keys = whatif.keys_with_drafts()
    key = form["key"] or (keys[0][0] if keys else "")
    view = None
    if key and not error:
        try:
            view = whatif.overview(unit_id=unit_id, key=key, draft=whatif.parse_draft(form["draft"]))
        except ApplicationError as exc:
            error = exc.message
    nodes, people = _rows(view)
    context = {
        "nodes": nodes,
        "people": people,
        "keys": keys,
        "key": key,
        "v": view,
        "error": error,
        "form": form,
        "may_design": has_perm(request.user, Perm.MANAGE_PROCESSES),  # 流程设计 opens the draft for editing
        "default_months": whatif.DEFAULT_MONTHS,
        "max_months": whatif.MAX_MONTHS,
    }
    return render(request, "insights/whatif.html", context, status=400 if error else 200)


def whatif_page(request: AuthedHttpRequest) -> HttpResponse:
    """推演: choose a matter's draft, see its latest prediction and, once published, what happened."""
    unit_id = _unit(request)
    return _page(request, unit_id, _form(request.GET))


@require_POST
def whatif_run(request: AuthedHttpRequest) -> HttpResponse:
    """Replay the draft over the last N months and store the prediction; a bad request changes nothing."""
    unit_id = _unit(request)
    form = _form(request.POST)
    try:
        prediction = whatif.prediction_run(
            actor=request.user,
            unit_id=unit_id,
            key=form["key"],
            draft=whatif.parse_draft(form["draft"]),
            months=whatif.parse_months(form["months"]),
        )
    except ApplicationError as exc:
        return _page(request, unit_id, form, error=exc.message)
    messages.success(
        request,
        _("已按近 %(n)d 个月的 %(count)d 件办结流程推演第 %(v)d 版草稿。")
        % {"n": prediction.months, "count": prediction.figures.get("instances", 0), "v": prediction.draft_version},
    )
    query = urlencode({"key": prediction.key, "draft": str(prediction.draft_version)})
    return redirect(reverse("insights:whatif") + "?" + query)

"""What the 公文 pages share: reading the request's values, the step strip, the one-time form token, the
answer to a read receipt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import NotFoundError
from sanfu.core.params import parse_date, parse_id, parse_ids
from sanfu.documents import selectors
from sanfu.documents.templatetags.documents_forms import TOKEN_FIELD
from sanfu.workflow.timeline import duration_text

URGENCY_CLASS = {"特急": "text-bg-danger", "加急": "text-bg-warning", "平急": "text-bg-light"}


def not_found(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def int_of(value: str | None) -> int | None:
    """An id from the request (``core.params``: ASCII digits within a column's range), else None."""
    return parse_id(value)


def date_of(value: str | None) -> date | None:
    return parse_date(value)


def loop(instance: Any) -> list[selectors.StepView]:
    steps = selectors.loop_of(instance)
    for step in steps:
        step.spent_text = duration_text(step.spent) if step.spent is not None else ""  # type: ignore[attr-defined]
    return steps


def token(request: AuthedHttpRequest) -> str:
    """The form's one-time token (see the ``submit_token`` tag): a repeated submit is applied once."""
    return request.POST.get(TOKEN_FIELD, "")


def ids(values: list[str]) -> list[int]:
    return parse_ids(values)


def quoted(name: str) -> str:
    return quote(name)


def read_receipt_reply(request: AuthedHttpRequest, marked: int, page: str, pk: int) -> HttpResponse:
    """The answer to a 已阅 POST: JSON to the page's background post (``data-autopost`` in sanfu.js), else
    back to the document's page, as the 审批中心 answers its own."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"marked": marked})
    if marked:
        messages.success(request, _("已标记为已阅。"))
    return redirect(page, pk)

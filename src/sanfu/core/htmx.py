"""The one HTMX decision: a full page, or just the partial the page is built around."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, partial: str | None = None, status: int = 200
) -> HttpResponse:
    """Render ``partial`` for an HTMX request that targets part of the page, else the whole ``template``."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, partial, context, status=status)
    return render(request, template, context, status=status)

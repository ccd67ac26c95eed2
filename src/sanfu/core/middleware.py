"""Chinese first (the interface is in Chinese unless the person chose another language), and a clear
page for an uploaded file that is no longer in storage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)


class ChineseFirstMiddleware:
    """Ignore the browser's Accept-Language (often English on office PCs) so that everyone starts in
    Chinese; a choice made with the language switcher (a cookie) still wins. ``SANFU_BROWSER_LANGUAGE=1``
    restores Django's usual negotiation."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SANFU_BROWSER_LANGUAGE:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class MissingFileMiddleware:
    """A row names an uploaded file that is not under ``MEDIA_ROOT`` (a restore without the files, a disk
    gone): tell the person the file is missing instead of a bare server error, and log it loudly for the
    operators. Only files under ``MEDIA_ROOT`` are meant: any other missing file stays a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, FileNotFoundError) or not exception.filename:
            return None
        media_root = Path(settings.MEDIA_ROOT).resolve()
        missing = Path(str(exception.filename)).resolve()
        if not missing.is_relative_to(media_root):
            return None
        log.error("uploaded file missing from storage: %s (requested by %s)", missing, request.path, exc_info=exception)
        return render(request, "core/file_missing.html", {"name": missing.name}, status=404)


class NoStoreMiddleware:
    """Pages and files served to a signed-in person are never kept by the browser or a proxy
    (``Cache-Control: no-store``): a 机密 document must not remain in a shared office PC's cache after
    sign-out, nor be shown again by the back button. Static files (other paths) keep their caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"  # for HTTP/1.0 proxies
        return response

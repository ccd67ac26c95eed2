"""A database that is busy or down answers 503 with ``Retry-After``, not a server error (security issue 12, R9).

SQLite says "database is locked" when another writer keeps the lock past the busy timeout; PostgreSQL
refuses a statement when ``lock_timeout`` or ``statement_timeout`` expires, and cannot connect when the
server is down or unreachable. Django raises these as ``OperationalError`` (``InterfaceError`` for a
connection that was lost). A write of Sanfu is one transaction, rolled back whole when it fails, so the
person is told that the action did not go through and to try again in a moment; the operators get a log
line with the database's own words.

The failure can come from the view (a service's write) or from a middleware (the first query of a request
is usually the session's): ``process_exception`` answers the first; the second reaches this middleware as
the 500 of Django's own handler, which ``got_request_exception`` tells us was a database failure.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
DATABASE_ERRORS = (OperationalError, InterfaceError)
_FAILURE = "_sanfu_database_failure"  # the request attribute where a middleware's database failure is kept


def _remember_database_failure(sender: Any, *, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django's handler is turning an exception into a 500: keep it on the request when it is the database's."""
    exception = sys.exc_info()[1]  # the signal is sent while Django handles the exception
    if request is not None and isinstance(exception, DATABASE_ERRORS):
        setattr(request, _FAILURE, exception)


class DatabaseUnavailableMiddleware:
    """Placed high (just below the security headers), so that every middleware under it is covered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        got_request_exception.connect(_remember_database_failure, dispatch_uid="sanfu.core.dbdown")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        failure = getattr(request, _FAILURE, None)
        if failure is not None and response.status_code == 500:
            return unavailable(request, failure)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return unavailable(request, exception)
        return None


def unavailable(request: HttpRequest, failure: BaseException) -> HttpResponse:
    """The 503: a page (rendered without the request, whose context processors would query the database)
    or, for a client that asked for JSON, the API's error envelope."""
    log.error(
        "database unavailable during %s %s: %s",
        request.method,
        request.path,
        failure,
        exc_info=(type(failure), failure, failure.__traceback__),
    )
    message = _("数据库暂时无法访问（可能正忙或正在维护），刚才的操作没有完成。请稍后再试。")
    response: HttpResponse
    if _wants_json(request):
        error: dict[str, object] = {"code": "unavailable", "message": message, "details": [], "current_version": None}
        response = JsonResponse({"error": error}, status=503)
    else:
        page = render_to_string("core/database_unavailable.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or not request.accepts("text/html")

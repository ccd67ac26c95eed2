"""Refuse a request whose query or form carries a NUL character, before any view sees it.

No browser sends a NUL from a form field, and PostgreSQL refuses it in text (a comment, a title or a search
word with one was a 500 at whatever query first met it). One check here, instead of one in every view that
reads ``request.POST`` itself: the request is a 400 and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in str(v) for v in values) for key, values in data.lists())


class RefuseNulMiddleware:
    """Placed before the CSRF middleware (which reads the form too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or any(_has_nul(form) for form in self._forms(request)):
            message = _("请求中含有空字符（NUL），已拒绝，未做任何更改。")
            if request.path.startswith("/api/"):  # the REST API answers in its JSON envelope
                error: dict[str, object] = {"code": "bad_request", "message": message, "details": []}
                error["current_version"] = None
                return JsonResponse({"error": error}, status=400, json_dumps_params={"ensure_ascii": False})
            raise BadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _forms(request: HttpRequest) -> Iterable[QueryDict]:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.content_type not in FORM_TYPES:
            return  # a JSON body is the view's to parse
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.content_type == FORM_TYPES[1] and (limit is None or length <= limit):
            # Read the raw body first: parsing a multipart form from the stream would leave a view that reads
            # ``request.body`` itself nothing to read (a file upload larger than this is parsed from the stream).
            request.body  # noqa: B018
        yield request.POST

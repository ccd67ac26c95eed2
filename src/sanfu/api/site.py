"""The API site: one NinjaAPI assembled from the routers the domains registered, its error envelope, and the
URL patterns (each view wrapped for idempotency keys, no session sign-in, no caching).

Domains register in ``AppConfig.ready()``: ``site.include("/requests", router)``; ``config.urls`` then asks
``site.urls()`` once every app is ready."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, RawPostDataException
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from sanfu.api.idempotency import idempotent
from sanfu.api.kit import STATUS_OF, VersionConflictError, envelope
from sanfu.core.errors import ApplicationError

log = logging.getLogger(__name__)

VERSION = "1"
_ROUTERS: list[tuple[str, Router]] = []
_api: NinjaAPI | None = None


def include(prefix: str, router: Router) -> None:
    """Add a domain's router under ``/api/v1<prefix>`` (idempotent per prefix)."""
    if all(p != prefix for p, _r in _ROUTERS):
        _ROUTERS.append((prefix, router))


def _docs_on() -> bool:
    return bool(getattr(settings, "SANFU_API_DOCS", settings.DEBUG))


class _ReadableJSON(JSONRenderer):
    """UTF-8 JSON as it is written: Chinese text stays legible to whoever reads a response, not \\u escapes."""

    media_type = "application/json; charset=utf-8"
    json_dumps_params = {"ensure_ascii": False}


def build() -> NinjaAPI:
    docs = _docs_on()
    api = NinjaAPI(
        renderer=_ReadableJSON(),
        title="Sanfu API",
        version=VERSION,
        description=_("三服办公平台的数据接口。令牌在“我的账户 → 接口令牌”中创建；说明见 docs/api.md。"),
        urls_namespace="api",
        openapi_url="/openapi.json" if docs else "",
        docs_url="/docs" if docs else "",
    )

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="sanfu"'
        return response

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        version = exc.current_version if isinstance(exc, VersionConflictError) else None
        status = STATUS_OF.get(exc.code, 422)
        return respond(request, status, envelope(str(exc.code), exc.message, details=exc.errors, version=version))

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [
            {
                "loc": [str(part) for part in e.get("loc", ())],
                "message": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors
        ]
        return respond(request, 422, envelope("validation_failed", _("请求数据不符合要求。"), details=details))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, envelope("unauthorized", _("缺少有效的接口令牌（Authorization: Bearer …）。")))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}
        return respond(request, exc.status_code, envelope(code.get(exc.status_code, "error"), str(exc)))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, envelope("not_found", _("对象不存在或无权查看。")))

    @api.exception_handler(DatabaseError)
    def database_down(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        if not isinstance(exc, OperationalError):
            raise exc
        log.warning("API request refused, database unavailable: %s", exc)
        response = respond(request, 503, envelope("unavailable", _("数据库暂时不可用，请稍后重试。")))
        response["Retry-After"] = "5"
        return response

    for prefix, router in _ROUTERS:
        api.add_router(f"/v{VERSION}{prefix}", router)
    return api


def api() -> NinjaAPI:
    global _api  # noqa: PLW0603  # built once, after every app registered its router
    if _api is None:
        _api = build()
    return _api


def _nul_in_body(request: HttpRequest) -> bool:
    try:
        body = request.body
    except RawPostDataException:  # a multipart form too big to hold, already parsed from the stream (core.badinput)
        return False
    return b"\\u0000" in body.lower()


def _plain(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """No session sign-in, no CSRF (bearer tokens are not sent by browsers on their own), never cached."""

    def no_store(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _nul_in_body(request):  # a NUL inside a JSON string: no text column takes it
            message = _("请求中含有空字符（NUL），已拒绝，未做任何更改。")
            return JsonResponse(envelope("bad_request", message), status=400, json_dumps_params={"ensure_ascii": False})
        response = view(request, *args, **kwargs)
        response.setdefault("Cache-Control", "no-store")
        return response

    return login_not_required(csrf_exempt(idempotent(no_store)))


def _wrap(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _wrap(pattern.url_patterns)
        else:
            pattern.callback = _plain(pattern.callback)
    return patterns


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api().urls
    return _wrap(list(patterns)), app_name, namespace

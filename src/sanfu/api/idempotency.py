"""Idempotency keys (the ``Idempotency-Key`` header) on every write of the API.

The key is claimed (a row committed) before the action runs, so a second request with the same key while
the first runs is told so (409) and one after it gets the first one's answer; a key reused for a different
request is refused. Only successful answers are remembered — a refusal applied nothing, so the client may
fix and retry with the same key. The actions cannot share one transaction with the claim (the services
commit durably on their own); should the process die between the action and remembering its answer, the
key stays "in progress" and the services' own guards still hold: a submission carries the key as its form
token (applied once), and an action on a task already acted on is a conflict."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, RawPostDataException
from django.utils.translation import gettext as _

from sanfu.api.kit import envelope
from sanfu.api.models import IdempotentResponse
from sanfu.api.tokens import token_authenticate

HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY = 200


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RawPostDataException:  # a multipart form too big to hold, parsed from the stream (core.badinput)
        digest = hashlib.sha256()
        for name, values in sorted(request.POST.lists()):
            digest.update(orjson.dumps([name, values]))
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(orjson.dumps([name, upload.name, upload.size]))
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.digest()


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, _body(request)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER, "")
        if request.method not in WRITES or not key:
            return view(request, *args, **kwargs)
        if len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
            return _json(
                422, envelope("invalid_idempotency_key", _("Idempotency-Key 须为不超过 200 个可打印 ASCII 字符。"))
            )
        token = token_authenticate(_bearer(request))
        if token is None:  # the operation itself answers 401
            return view(request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotentResponse.objects.create(user=token.user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            return _replay(token.user.pk, key, fingerprint)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if 200 <= response.status_code < 300:
            record.status = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = response.content
            record.save(update_fields=["status", "content_type", "body"])
        else:
            record.delete()
        return response

    return wrapped


def _replay(user_id: int, key: str, fingerprint: str) -> HttpResponse:
    record = IdempotentResponse.objects.filter(user_id=user_id, key=key).first()
    if record is None or record.status == 0:
        return _json(409, envelope("idempotency_in_progress", _("同一 Idempotency-Key 的请求正在处理，请稍后重试。")))
    if record.fingerprint != fingerprint:
        return _json(
            422, envelope("idempotency_key_reused", _("该 Idempotency-Key 已用于另一个请求，请换一个新的键。"))
        )
    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response

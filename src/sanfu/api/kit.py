"""What every domain router uses: token authentication with a scope, the error envelope and the responses
every operation documents, the acting person, and cursor pagination.

The API adds no rules of its own: operations call the domain's services and selectors, whose errors
(``core.errors``) become the envelope here — ``NotFoundError`` 404, ``PermissionDeniedError`` 403,
``ConflictError`` 409, any other ``ApplicationError`` 422."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import orjson
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.security import HttpBearer

from sanfu.accounts.models import User
from sanfu.api.models import ApiToken
from sanfu.api.tokens import token_authenticate
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError

T = TypeVar("T")

MAX_LIMIT = 200
MAX_ID = 2**53  # ids beyond what JSON numbers carry exactly (and beyond the database's bigint) are refused

# An id in a request body: a positive integer the database can hold (a larger one is a 422, not a 500).
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorBody(Schema):
    code: str
    message: str
    details: list[dict[str, Any]] = []
    current_version: int | None = None


class ErrorEnvelope(Schema):
    error: ErrorBody


def answers(ok: Any, *, status: int = 200) -> dict[int, Any]:
    """The responses of one operation: its success and the envelope for 400 (a body that is not JSON, a NUL),
    401, 403, 404, 409 and 422."""
    return {status: ok, **dict.fromkeys((400, 401, 403, 404, 409, 422), ErrorEnvelope)}


class ScopeMissingError(PermissionDeniedError):
    pass


class VersionConflictError(ConflictError):
    """Someone else changed the object first: the client is told its current version."""

    def __init__(self, message: str, *, current_version: int | None):
        super().__init__(message)
        self.current_version = current_version


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sf_…`` with ``scope`` among the token's scopes. An unknown, revoked or expired
    token is a 401; a good token without the scope is a 403 naming the scope."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_authenticate(token)
        if found is None:
            return None
        if self.scope and self.scope not in found.scopes:
            raise ScopeMissingError(_("令牌没有“%(s)s”权限范围。") % {"s": self.scope})
        if found.user.must_change_password:
            raise PermissionDeniedError(_("该账户须先在网页上修改密码，才能使用接口。"))
        holder: User = found.user
        request.user = holder
        request.api_token = found  # type: ignore[attr-defined]
        return holder


def auth(scope: str) -> TokenAuth:
    return TokenAuth(scope)


def actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def token_of(request: HttpRequest) -> ApiToken | None:
    return getattr(request, "api_token", None)


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=200, description="上一页返回的 next_cursor")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _cursor_text(last: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"before": last})).decode().rstrip("=")


def _cursor_value(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))["before"]
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise ApplicationError(_("分页游标无效。"), errors=[{"field": "cursor"}])
    return value


def page_of(rows: QuerySet[Any], *, cursor: str | None, limit: int, key: str = "pk") -> tuple[list[Any], str | None]:
    """A page of ``rows`` newest first by the integer ``key``, after ``cursor``; stable under inserts (a new row
    never shifts a later page, unlike offsets)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ApplicationError(_("每页条数须在 1 到 %(n)d 之间。") % {"n": MAX_LIMIT}, errors=[{"field": "limit"}])
    if cursor:
        rows = rows.filter(**{f"{key}__lt": _cursor_value(cursor)})
    found = list(rows.order_by(f"-{key}")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    last = getattr(found[-1], key) if found else None
    return found, (_cursor_text(last) if more and last is not None else None)


def envelope(
    code: str, message: str, *, details: list[dict[str, Any]] | None = None, version: int | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or [], "current_version": version}}


STATUS_OF = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.SEPARATION_OF_DUTIES: 403,
    ErrorCode.CONFLICT: 409,
}

"""Issue, revoke and authenticate API tokens. A token is shown once, at issue; only its SHA-256 is stored.

Who may hold one: an active person, for themselves (``personal``); an integration account, by the system
administrator (``integration``). Accounts that must sign in with a second factor (the three administrators,
process administrators) may not: a bearer token would let their password alone act without TOTP."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.middleware import second_factor_required
from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.api import scopes as scope_registry
from sanfu.api.models import ApiToken, TokenKind
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError

TOKEN_START = "sf_"  # noqa: S105  # the tokens' visible start (secret scanners look for it), not a secret
_PREFIX_LENGTH = len(TOKEN_START) + 8
_LAST_USED_EVERY = timedelta(minutes=1)  # write last_used_at at most this often per token


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def max_days() -> int:
    return int(getattr(settings, "SANFU_API_TOKEN_MAX_DAYS", 365))


def _check(*, holder: User, name: str, scopes: list[str], days: int) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise ApplicationError(_("令牌名称必填，且不超过 100 个字。"), errors=[{"field": "name"}])
    if not scopes:
        raise ApplicationError(_("请至少选择一项权限范围。"), errors=[{"field": "scopes"}])
    wrong = scope_registry.unknown(scopes)
    if wrong:
        raise ApplicationError(
            _("没有这些权限范围：%(s)s。") % {"s": "、".join(wrong)}, errors=[{"field": "scopes", "values": wrong}]
        )
    if not 1 <= days <= max_days():
        raise ApplicationError(_("有效期须在 1 到 %(n)d 天之间。") % {"n": max_days()}, errors=[{"field": "days"}])
    if not holder.is_active:
        raise ApplicationError(_("该账户已停用，不能持有令牌。"))
    if second_factor_required(holder):
        raise PermissionDeniedError(_("管理员和流程管理员须用第二因素登录，不能使用接口令牌。"))
    return name


def token_issue(
    *,
    actor: User,
    name: str,
    scopes: list[str],
    days: int,
    holder: User | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token and return it with its secret (the only time the secret exists outside the caller).
    Without ``holder`` the token is the actor's own; with another holder it is an integration token, which
    only a holder of ``accounts.manage`` (the system administrator) may issue."""
    holder = holder or actor
    kind = TokenKind.PERSONAL if holder.pk == actor.pk else TokenKind.INTEGRATION
    if kind == TokenKind.INTEGRATION and not has_perm(actor, Perm.MANAGE_ACCOUNTS):
        raise PermissionDeniedError(_("只有系统管理员可以为集成账户签发令牌。"))
    name = _check(holder=holder, name=name, scopes=scopes, days=days)
    now = now or timezone.now()
    for _attempt in range(3):
        raw = TOKEN_START + secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=holder,
                    kind=kind,
                    name=name,
                    prefix=raw[:_PREFIX_LENGTH],
                    digest=digest_of(raw),
                    scopes=sorted(set(scopes)),
                    created_at=now,
                    created_by=actor,
                    expires_at=now + timedelta(days=days),
                )
                audit_record(
                    action="api.token.issue",
                    actor=actor,
                    target=f"user:{holder.username}",
                    detail={"token": token.prefix, "kind": kind, "scopes": token.scopes, "days": days},
                )
        except IntegrityError:  # two secrets with the same first 8 characters: draw again
            continue
        return token, raw
    raise ApplicationError(_("令牌生成失败，请重试。"))


def token_revoke(*, actor: User, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke a token: its holder may, and the system administrator may revoke integration tokens."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).select_related("user").first()
        may = token is not None and (
            token.user_id == actor.pk or (token.kind == TokenKind.INTEGRATION and has_perm(actor, Perm.MANAGE_ACCOUNTS))
        )
        if token is None or not may:
            raise NotFoundError(_("令牌不存在。"))
        if token.revoked_at is None:
            token.revoked_at = now or timezone.now()
            token.revoked_by = actor
            token.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                action="api.token.revoke",
                actor=actor,
                target=f"user:{token.user.username}",
                detail={"token": token.prefix},
            )
        return token


def token_authenticate(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret, or None (unknown, revoked, expired, holder disabled)."""
    if not raw.startswith(TOKEN_START) or len(raw) > 200:
        return None
    token = ApiToken.objects.filter(digest=digest_of(raw)).select_related("user").first()
    now = now or timezone.now()
    if token is None or not token.active_at(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def tokens_held_by(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def integration_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(kind=TokenKind.INTEGRATION).select_related("user").order_by("-created_at")

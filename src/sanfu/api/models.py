"""API tokens (hashed at rest, shown once) and the responses remembered for idempotency keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("个人令牌")
    INTEGRATION = "integration", _("系统集成令牌")


class ApiToken(models.Model):
    """A bearer token acting as ``user`` within ``scopes`` until ``expires_at``. Only the SHA-256 of the
    secret is kept (the secret has 256 random bits, so a slow hash adds nothing); ``prefix`` names it in lists."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    kind = models.CharField(_("类别"), max_length=16, choices=TokenKind.choices, default=TokenKind.PERSONAL)
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("创建人")
    )
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def active_at(self, moment: object) -> bool:
        return self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]


class IdempotentResponse(models.Model):
    """The answer given to one (person, Idempotency-Key): a retried create or action gets it again instead of
    applying twice. ``status`` 0 marks a request still running; ``fingerprint`` is the request's method, path
    and body, so the same key with another request is refused rather than answered wrongly."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_response_per_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

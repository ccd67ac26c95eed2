"""API tokens (hashed at rest, shown once), the responses remembered for idempotency keys, and webhook
subscriptions with their delivery log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfu.core.crypto import EncryptedTextField


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


class WebhookSubscription(models.Model):
    """An endpoint that receives the flow's events of ``event_types`` as signed POSTs (Standard Webhooks 1.0),
    for as long as it is active. Events reach it only about what its ``owner`` may read: the subscription
    acts as its owner, like a token. ``secret`` signs every delivery; after a rotation ``previous_secret``
    signs beside it until ``previous_secret_until``, so a receiver can switch without losing a message.
    Both are encrypted at rest: unlike a token's secret they must be read back to sign."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        verbose_name=_("所属账户"),
    )
    url = models.URLField(_("接收地址"), max_length=500)
    event_types = models.JSONField(_("事件类型"), default=list)
    secret = EncryptedTextField(_("签名密钥"))
    previous_secret = EncryptedTextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    allow_private = models.BooleanField(_("允许内网地址"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("事件推送订阅")
        verbose_name_plural = _("事件推送订阅")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner_id})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")  # gave up after the last attempt, or the subscription was disabled


class WebhookDelivery(models.Model):
    """One event for one subscription, and its attempts (the delivery log). ``event_id`` is the event's
    ``webhook-id``: the same in every attempt and replay, so that the receiver can drop a repeat. ``body`` is
    kept as sent, so a replay sends exactly the same bytes (under a fresh timestamp and signature)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=120)
    event_type = models.CharField(_("事件类型"), max_length=40)
    body = models.TextField()
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("最近应答"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件推送记录")
        verbose_name_plural = _("事件推送记录")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="one_delivery_per_event_and_subscription")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"

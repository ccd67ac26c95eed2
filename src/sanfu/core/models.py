"""The append-only, hash-chained audit trail (等保 2.0: tamper-evident security audit)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanfu.core.crypto import EncryptedTextField


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    """Bulk ``update()`` and ``delete()`` would bypass the model's guards; refuse them too."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("audit records are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit records are append-only")


class AuditRecord(models.Model):
    """One audited event. ``digest`` = HMAC(key, previous digest + this record's canonical content).

    Rows are never updated or deleted through the ORM; ``sanfu audit verify`` recomputes the chain and
    names the first record whose content or link does not match.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("事件"), max_length=64, db_index=True)
    outcome = models.CharField(_("结果"), max_length=16, default="success")
    target = models.CharField(_("对象"), max_length=200, blank=True)
    ip_address = models.CharField(_("地址"), max_length=64, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit records are append-only")


class Notification(models.Model):
    """An in-app notice to one person. ``key`` makes delivery idempotent (the outbox may deliver twice)."""

    key = models.CharField(max_length=160, unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.CharField(_("内容"), max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # sent by mail, at once or in the daily digest
    # About a 秘密/机密 item: its title stays in the app, never in a mail (which leaves the system).
    classified = models.BooleanField(_("涉密"), default=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class NotificationSetting(models.Model):
    """How a person wants to hear of new notices: always in the app; by mail at once, or in a daily digest."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="notification_setting")
    email_each = models.BooleanField(_("每条通知发邮件"), default=False)
    email_digest = models.BooleanField(_("每日汇总邮件"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user_id}: each={self.email_each} digest={self.email_digest}"


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")


class RobotChannel(models.Model):
    """A group robot a person chose to hear of some kinds of notices through (``notice_groups``, see
    ``core.robots.NOTICE_GROUPS``). The webhook address carries the robot's key and ``secret`` signs the
    messages, so both are encrypted at rest (DI-3).

    ``allow_private`` lets the address be inside the company network (an on-premises robot gateway); only the
    system administrator sets it (the person's page never does), since otherwise anyone could make the server
    call its own network. The last delivery's outcome is kept on the row for the person to see."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="robot_channels"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RobotKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    webhook_url = EncryptedTextField(_("Webhook 地址"), max_length=500)
    secret = EncryptedTextField(_("加签密钥"), max_length=200, blank=True)
    notice_groups = models.JSONField(_("通知类别"), default=list)
    enabled = models.BooleanField(_("启用"), default=True)
    allow_private = models.BooleanField(_("允许内网地址"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("上次发送成功"), null=True, blank=True)
    last_error = models.CharField(_("上次失败原因"), max_length=300, blank=True)
    last_error_at = models.DateTimeField(_("上次失败时间"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.name}"

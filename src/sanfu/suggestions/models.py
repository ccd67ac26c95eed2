"""意见箱: one suggestion, named or anonymous.

An anonymous suggestion holds nothing that leads back to its author: no user, no address, no browser, no time
of day (only the date: a precise time could be matched against the web server's access log), and no audit row
or notification is written for its submission. The author keeps a follow-up code; the row stores only the
code's SHA-256 (``code_hash``), so the code cannot be recovered from the database. Database constraints hold the
rule: an anonymous row has no author and no time; a named one has both. The key is random, so the order of the
rows says nothing of when each was made."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    MANAGEMENT = "management", _("管理改进")
    SERVICE = "service", _("服务提升")
    PRODUCTION = "production", _("生产经营")
    SAFETY = "safety", _("安全环保")
    WELFARE = "welfare", _("职工生活")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    PENDING = "pending", _("待处理")
    ADOPTED = "adopted", _("已采纳")
    PARTIAL = "partial", _("部分采纳")
    DECLINED = "declined", _("暂不采纳")
    DONE = "done", _("已落实")


ADOPTED_STATUSES = (Status.ADOPTED, Status.PARTIAL, Status.DONE)


def random_id() -> int:
    """A random key: a sequential one would place an anonymous suggestion between the named ones submitted (and
    audited, to the second) just before and after it."""
    return secrets.randbelow(2**53 - 1) + 1


class Suggestion(models.Model):
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("建议内容"))
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices, default=Category.OTHER)
    concerns = models.ForeignKey(
        "org.Department",
        verbose_name=_("涉及部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_on = models.DateField(_("提出日期"))
    submitted_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    code_hash = models.CharField(max_length=64, blank=True, default="")
    campaign_id = models.PositiveIntegerField(_("征集活动"), null=True, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("答复部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reply = models.TextField(_("答复"), blank=True)
    reply_public = models.BooleanField(_("公开答复"), default=False)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    status = models.CharField(_("采纳情况"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decline_reason = models.TextField(_("不采纳理由"), blank=True)
    adopting_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("采纳部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_on = models.DateField(_("采纳日期"), null=True, blank=True)
    done_on = models.DateField(_("落实日期"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_on", "-pk"]
        verbose_name = _("建议")
        verbose_name_plural = _("建议")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["unit", "decided_on"]),
            models.Index(fields=["author"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=True, author__isnull=True, submitted_at__isnull=True)
                | Q(anonymous=False, author__isnull=False, submitted_at__isnull=False, code_hash=""),
                name="suggestion_anonymous_holds_no_author",
            ),
            models.UniqueConstraint(fields=["code_hash"], condition=~Q(code_hash=""), name="suggestion_code_once"),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in ADOPTED_STATUSES]) | Q(adopting_department__isnull=False),
                name="suggestion_adopted_has_department",
            ),
        ]

    def __str__(self) -> str:
        return self.title

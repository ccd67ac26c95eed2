"""通知公告: the announcement, its stored recipients (one row each: the read receipt), its attachments and, for a
文体活动, its sign-ups.

Recipients are resolved from the scope (the whole unit, chosen departments with their sub-departments, or chosen
people) when the announcement is published and stored, so "who has read" and "who has not" are one query each
whatever the number of people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NOTICE = "notice", _("通知")
    BULLETIN = "bulletin", _("公告")
    ACTIVITY = "activity", _("文体活动")
    CAMPAIGN = "campaign", _("征集")


class Scope(models.TextChoices):
    UNIT = "unit", _("全单位")
    DEPARTMENTS = "departments", _("指定部门")
    PEOPLE = "people", _("指定人员")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("审批中")
    RETURNED = "returned", _("已退回")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Announcement(models.Model):
    """One announcement of a unit (``department``: the publishing department, empty for the office of the unit).

    ``pinned_until``: 置顶 until then; ``expires_at``: after it the announcement leaves the readers' list (its
    publisher still finds it). ``capacity`` and ``signup_until`` are a 文体活动's; ``enrolled`` counts its
    enrolled sign-ups and is the guard of the conditional write that keeps them within capacity.
    ``suggestion_box``: for a 征集, the link to its 献一策 suggestion box once that exists (kept empty until then).
    ``filed_at``: when it was filed into the archive (once: withdrawn, expired, or 归档 by the office)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("发布部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), max_length=20000)
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    scope = models.CharField(_("范围"), max_length=16, choices=Scope.choices, default=Scope.UNIT)
    scope_departments = models.ManyToManyField("org.Department", verbose_name=_("部门"), blank=True, related_name="+")
    scope_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), blank=True, related_name="+"
    )
    pinned_until = models.DateTimeField(_("置顶至"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    signup_until = models.DateTimeField(_("报名截止"), null=True, blank=True)
    enrolled = models.PositiveIntegerField(_("已报名"), default=0)
    suggestion_box = models.CharField(_("献一策链接"), max_length=300, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    instance = models.OneToOneField(
        "workflow.Instance",
        verbose_name=_("流程"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcement",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("上次提醒"), null=True, blank=True)
    filed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        indexes = [models.Index(fields=["unit", "status"], name="announcement_unit_status")]

    def __str__(self) -> str:
        return self.title


class Recipient(models.Model):
    """One person an announcement reached; ``read_at`` is the read receipt (set once, when they first open it)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接收人")
        verbose_name_plural = _("接收人")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_recipient_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="announcement_recipient_inbox"),
            models.Index(fields=["announcement", "read_at"], name="announcement_recipient_read"),
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id}:{self.user_id}"


class Attachment(models.Model):
    """附件: a file of the announcement (checked as every upload is: ``core.uploads``)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="announcements/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class SignUpStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class SignUp(models.Model):
    """文体活动报名: enrolled within the capacity, else waiting (in order of ``signed_at``); cancelling an enrolled
    place promotes the first waiting person."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=SignUpStatus.choices)
    signed_at = models.DateTimeField(_("报名时间"), default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="announcement_signup_unique")]

    def __str__(self) -> str:
        return f"{self.announcement_id}:{self.user_id}:{self.status}"

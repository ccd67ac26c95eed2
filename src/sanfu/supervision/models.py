"""督办: the supervision ledger. An item (督办事项) comes from a meeting's decision, a leader's 批示, the year's key
work plan or manual entry; it is decomposed into sub-items down to a person (责任清单), measured by indicators
and milestones, reported on at a cadence, checked (督查), commented on by leaders, and closed out (销号) through
the flow engine with evidence and a quality score.

The only state kept by people's actions is the lifecycle (``Item.state``: open → closing → closed, back to open
when a close-out is rejected). Whether an item is on track, at risk, overdue or done is computed
(``supervision.status``) from the dates and the latest report on the working calendar, never typed.
``last_percent`` and ``last_report_at`` repeat the latest report on the item, so status is computed from one row.

The computed status is also kept on the row as a **snapshot** (``status``, ``on_time``) valid for the day
``status_on`` and for the row's ``version`` it was computed from (``status_version``), so that the ledger and the
bulletin filter, count and page in SQL: ``supervision.snapshots`` writes it (every service that changes an item,
the worker each night, and any read that finds stale rows first); no form, import or API field sets it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfu.org.clearance import Level

DEFAULT_CADENCE_DAYS = 7


class Source(models.TextChoices):
    MEETING = "meeting", _("会议议定事项")
    INSTRUCTION = "instruction", _("领导批示")
    WORK_PLAN = "work_plan", _("年度重点工作")
    MANUAL = "manual", _("手工录入")


class ItemState(models.TextChoices):
    """The lifecycle, the only state kept: 办理中 → 销号审核中 → 已销号 (a rejected close-out reopens)."""

    OPEN = "open", _("办理中")
    CLOSING = "closing", _("销号审核中")
    CLOSED = "closed", _("已销号")


class ComputedStatus(models.TextChoices):
    """The values of ``supervision.status.Status``, as the snapshot column stores them."""

    ON_TRACK = "on_track", _("正常推进")
    AT_RISK = "at_risk", _("有风险")
    OVERDUE = "overdue", _("已逾期")
    DONE = "done", _("已完成")


class Item(models.Model):
    """督办事项. ``source_ref`` names the item in its source (a meeting's decision, an incoming document's
    批示): one item per (source, source_ref), so a message delivered twice creates nothing."""

    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("来源标识"), max_length=120, blank=True)
    source_label = models.CharField(_("来源说明"), max_length=200, blank=True)
    source_url = models.CharField(_("来源链接"), max_length=300, blank=True)
    title = models.CharField(_("事项名称"), max_length=200)
    content = models.TextField(_("督办内容"), blank=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lead_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("牵头部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    co_departments = models.ManyToManyField("org.Department", verbose_name=_("协办部门"), blank=True, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办领导"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("完成时限"))
    cadence_days = models.PositiveSmallIntegerField(_("报送周期（天）"), default=DEFAULT_CADENCE_DAYS)
    quality_requirements = models.TextField(_("质量要求"), blank=True)
    confidentiality = models.CharField(_("密级"), max_length=16, choices=Level.choices, default=Level.INTERNAL)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级事项"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    state = models.CharField(_("状态"), max_length=16, choices=ItemState.choices, default=ItemState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    last_percent = models.PositiveSmallIntegerField(_("完成进度"), default=0)
    last_report_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)  # the pending close-out's application
    closed_at = models.DateTimeField(null=True, blank=True)
    archive_ref = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)  # guards the lifecycle: conditional updates
    # the status snapshot (``supervision.snapshots``): computed, never typed; valid while status_on is the day
    # asked about (closed items: any day) and status_version is the row's version
    status = models.CharField(
        _("计算状态"), max_length=16, choices=ComputedStatus.choices, blank=True, default="", editable=False
    )
    status_on = models.DateField(null=True, blank=True, editable=False)
    status_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    on_time = models.BooleanField(null=True, editable=False)  # closed: completed by the effective deadline

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], condition=~Q(source_ref=""), name="supervision_item_source_unique"
            ),
            models.CheckConstraint(condition=Q(last_percent__lte=100), name="supervision_item_percent_range"),
            models.CheckConstraint(condition=Q(cadence_days__gte=1), name="supervision_item_cadence_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="supervision_item_state"),
            models.Index(fields=["owner", "state"], name="supervision_item_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_link(self) -> str:
        """The source's page when it is one of this site's (a path), else "" (never another site's link)."""
        url = self.source_url
        return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else ""


class Indicator(models.Model):
    """A quantified indicator (量化指标): target and current value in a unit of measure."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标"), max_length=100)
    target = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    current = models.DecimalField(_("当前值"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> int:
        """How far the current value is towards the target, 0–100."""
        if self.target <= 0:
            return 100 if self.current > 0 else 0
        return max(0, min(100, int(self.current * 100 / self.target)))


class Milestone(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["item_id", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressReport(models.Model):
    """进展报送: what the owner reports, the percent done and each indicator's value at that moment."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度"))
    indicator_values = models.JSONField(default=dict, blank=True)  # {indicator id (str): value (str)}
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="supervision_report_percent")]
        indexes = [models.Index(fields=["item", "-created_at"], name="supervision_report_item")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.percent}%"


class CheckKind(models.TextChoices):
    ON_SITE = "on_site", _("实地督查")
    WRITTEN = "written", _("书面督查")


class Check(models.Model):
    """督查: an on-site or written check of an item, with its findings."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("方式"), max_length=16, choices=CheckKind.choices, default=CheckKind.WRITTEN)
    findings = models.TextField(_("督查情况"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind}"


class LeaderComment(models.Model):
    """领导批示 on an item's progress."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="comments")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("批示"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.leader_id}"


class CloseoutStatus(models.TextChoices):
    PENDING = "pending", _("审核中")
    APPROVED = "approved", _("已同意销号")
    REJECTED = "rejected", _("已退回")


class Closeout(models.Model):
    """销号申请: the owner's summary and evidence, decided through the flow ``supervision-closeout``; the
    approver gives the quality score (1–5) when approving."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="closeouts")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("完成情况"))
    applied_at = models.DateTimeField(default=timezone.now)
    instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="supervision_closeout"
    )
    status = models.CharField(max_length=16, choices=CloseoutStatus.choices, default=CloseoutStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("质量评分"), null=True, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["item_id", "applied_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="supervision_closeout_score"
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="pending"), name="supervision_one_pending_closeout"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.status}"


class EvidenceFile(models.Model):
    """A file of evidence: with a progress report or a close-out application (checked and hashed as 公文's
    uploads are: ``core.uploads``)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="files")
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    closeout = models.ForeignKey(Closeout, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    file = models.FileField(upload_to="supervision/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ReminderKind(models.TextChoices):
    REPORT_DUE = "report_due", _("报送提醒")
    REPORT_OVERDUE = "report_overdue", _("报送逾期")
    ITEM_OVERDUE = "item_overdue", _("事项逾期")


class ReminderSent(models.Model):
    """A reminder or escalation sent: at most one per item, kind and due date (the row is the claim)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "kind", "due_on"], name="supervision_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} {self.due_on}"

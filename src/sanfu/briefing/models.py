"""服务领导决策: information reports (信息报送) and research tasks (调研) in the four steps the office names:
需求对接 (a leader's request, confirmed by the office owner) → 素材收集 (material from the departments asked, each
with its deadline on the working calendar) → 分析研判 (drafts, each save a numbered revision; the leader comments
or returns) → 成果输出 (approved, issued as an internal brief or handed to 公文 as a 报告 draft, and filed into the
archive). Issued requests form the 简报库.

The lifecycle (``Request.state``) moves only by conditional updates on ``state`` and ``version``: of two actions on
one request at once, one wins and the other is a conflict. A department's answer is claimed the same way on
``Material.state``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfu.org.clearance import Level


class Kind(models.TextChoices):
    INFO_REPORT = "info_report", _("信息报送")
    RESEARCH = "research", _("调研")


class State(models.TextChoices):
    """需求对接 → 素材收集 → 分析研判 ⇄ 待领导审定 → 已审定 → 已发布."""

    INTAKE = "intake", _("需求对接")
    COLLECTING = "collecting", _("素材收集")
    ANALYSING = "analysing", _("分析研判")
    REVIEW = "review", _("待领导审定")
    APPROVED = "approved", _("已审定")
    ISSUED = "issued", _("已发布")


class Output(models.TextChoices):
    """成果输出: how the result leaves the office."""

    BRIEF = "brief", _("内部简报")
    DOCUMENT = "document", _("公文（报告）")


class Request(models.Model):
    """A leader's request (需求): what they want to know, by when, from which departments, run by an office owner."""

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    needs = models.TextField(_("需求说明"))
    due_on = models.DateField(_("完成时限"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出领导"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承办人"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(  # the owner's department: where the request belongs (密级 × 数据范围)
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confidentiality = models.CharField(_("密级"), max_length=16, choices=Level.choices, default=Level.INTERNAL)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.INTAKE)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    output = models.CharField(_("成果形式"), max_length=16, choices=Output.choices, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_text = models.TextField(_("成果正文"), blank=True)  # the approved revision's text, as issued
    readers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("阅读范围"), blank=True, related_name="+")
    archive_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("决策服务事项")
        verbose_name_plural = _("决策服务事项")
        indexes = [
            models.Index(fields=["state", "due_on"], name="briefing_request_state"),
            models.Index(fields=["owner", "state"], name="briefing_request_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class MaterialState(models.TextChoices):
    PENDING = "pending", _("待报送")
    SUBMITTED = "submitted", _("已报送")
    NONE = "none", _("无相关材料")


class Material(models.Model):
    """素材: one asked department's answer, due by its own deadline (a rest day runs to the next working day)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="materials")
    department = models.ForeignKey("org.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("报送时限"))
    state = models.CharField(max_length=16, choices=MaterialState.choices, default=MaterialState.PENDING)
    text = models.TextField(_("材料说明"), blank=True)
    reason = models.TextField(_("无材料理由"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    urged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "deadline", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "department"], name="briefing_material_once")]
        indexes = [models.Index(fields=["department", "state"], name="briefing_material_dept")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.department_id}"


class MaterialFile(models.Model):
    """A file with a department's material (checked and hashed as every upload is: ``core.uploads``)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="briefing/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Revision(models.Model):
    """A draft as saved: numbered 1, 2, … per request (the number is unique: two saves at once cannot share it)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="revisions")
    no = models.PositiveIntegerField(_("版本"))
    text = models.TextField(_("正文"))
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request_id", "no"]
        constraints = [models.UniqueConstraint(fields=["request", "no"], name="briefing_revision_no")]

    def __str__(self) -> str:
        return f"{self.request_id} v{self.no}"


class OpinionKind(models.TextChoices):
    COMMENT = "comment", _("批示")
    RETURN = "return", _("退回修改")
    APPROVE = "approve", _("审定同意")


class Opinion(models.Model):
    """A leader's word on the drafts: a comment, a return for revision, or the approval of ``revision_no``."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="opinions")
    kind = models.CharField(max_length=16, choices=OpinionKind.choices)
    text = models.TextField(_("意见"), blank=True)
    revision_no = models.PositiveIntegerField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("即将到期")
    DUE = "due", _("今日到期")
    OVERDUE = "overdue", _("已逾期")


class ReminderSent(models.Model):
    """A reminder sent for a material: at most one per material and kind (the row is the claim)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["material", "kind"], name="briefing_reminder_once")]

    def __str__(self) -> str:
        return f"{self.material_id} {self.kind}"

"""审批中心: the matter catalogue (事项目录) with its materials list (一次性告知), requests, drafts and
attachments. The process itself runs in ``sanfu.workflow``; a request is the office's view of one instance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ServiceArea(models.TextChoices):
    """The three services (三服务) the catalogue is organised under."""

    LEADERSHIP = "leadership", _("服务领导")
    OPERATIONS = "operations", _("服务运转")
    PUBLIC = "public", _("服务群众")


class MatterType(models.Model):
    """A kind of matter staff can start (用印申请, 费用报销…): its form, required materials, time limit and
    the process that runs it.

    ``materials`` is a list of ``{"code", "name", "required", "formats": ["pdf", …], "copies", "signer",
    "standard", "max_mb", "sample"}``; ``form_schema`` is the smart-form schema (see ``formschema``).
    """

    code = models.SlugField(_("事项代码"), max_length=64, unique=True)
    name = models.CharField(_("事项名称"), max_length=100)
    area = models.CharField(_("服务类别"), max_length=16, choices=ServiceArea.choices, default=ServiceArea.OPERATIONS)
    group = models.CharField(_("分组"), max_length=32, blank=True)
    description = models.TextField(_("办理说明"), blank=True)
    promised_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=3)
    definition_key = models.SlugField(_("流程代码"), max_length=64)
    form_schema = models.JSONField(_("表单"), default=dict, blank=True)
    materials = models.JSONField(_("材料清单"), default=list, blank=True)
    start_roles = models.JSONField(_("可发起角色"), default=list, blank=True)  # empty = everyone
    number_prefix = models.CharField(_("编号前缀"), max_length=16, default="SP")
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["area", "sort", "code"]
        verbose_name = _("审批事项")
        verbose_name_plural = _("审批事项")

    def __str__(self) -> str:
        return self.name


class Request(models.Model):
    """One submitted matter: its number, the workflow instance that runs it, and its form data."""

    matter = models.ForeignKey(MatterType, on_delete=models.PROTECT, related_name="requests")
    instance = models.OneToOneField("workflow.Instance", on_delete=models.PROTECT, related_name="request")
    number = models.CharField(_("编号"), max_length=40, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        indexes = [models.Index(fields=["matter", "-id"], name="request_by_matter")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class SubmissionToken(models.Model):
    """The token of a start or resubmit form, claimed by the one submission it carried: a doubled or retried
    post of the same form finds the claim and shows that request instead of making another. The unique
    constraint, not a check in Python, decides between two posts at the same moment."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="submission_once_per_form")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.token}"


class NumberSequence(models.Model):
    """The next number for a prefix on a day; claimed with a conditional update so numbers never repeat."""

    prefix = models.CharField(max_length=16)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="sequence_per_prefix_day")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d}-{self.last}"


class Draft(models.Model):
    """A form saved before submission, resumable by its owner."""

    matter = models.ForeignKey(MatterType, on_delete=models.CASCADE, related_name="drafts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_drafts")
    title = models.CharField(_("标题"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    urgency = models.CharField(max_length=8, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    form_token = models.CharField(max_length=64, blank=True, default="")  # the form that first saved it

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # a doubled 保存草稿 of a new form makes one draft
            models.UniqueConstraint(
                fields=["owner", "form_token"], condition=~models.Q(form_token=""), name="draft_once_per_form"
            )
        ]
        verbose_name = _("草稿")
        verbose_name_plural = _("草稿")

    def __str__(self) -> str:
        return self.title or str(self.matter)


class Attachment(models.Model):
    """An uploaded file: a required material or a form attachment, on a draft or a request."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    draft = models.ForeignKey(Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    material = models.CharField(_("材料"), max_length=64, blank=True)
    file = models.FileField(upload_to="approvals/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A file kept from a submission that failed its checks, bound to its uploader and the form's token until
    # the form is submitted or saved as a draft (then it moves to the request or the draft); empty otherwise.
    upload_set = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["uploaded_by", "upload_set"], name="attachment_upload_set")]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class MaterialReturn(models.Model):
    """A request sent back for missing or wrong materials — the figure the office watches per matter."""

    matter = models.ForeignKey(MatterType, on_delete=models.CASCADE, related_name="material_returns")
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="material_returns")
    materials = models.JSONField(default=list)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.materials}"


class ExternalTodoStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已办")
    CANCELLED = "cancelled", _("已取消")


class ExternalTodo(models.Model):
    """统一待办: a to-do another system keeps for one person, pushed here so that the person's 我的待办 lists
    it beside Sanfu's own; it is done in that system (``url`` leads back) and closed from there.

    ``(source, external_id)`` names it once: a second push of the same pair updates it. ``pushed_by`` is the
    account whose token pushed it (an integration account, or the person themselves); only that account
    updates, closes or lists it."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_todos", verbose_name=_("办理人")
    )
    source = models.CharField(_("来源系统代码"), max_length=32)
    source_name = models.CharField(_("来源系统"), max_length=64)
    external_id = models.CharField(_("外部编号"), max_length=128)
    title = models.CharField(_("标题"), max_length=200)
    url = models.CharField(_("办理地址"), max_length=500)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ExternalTodoStatus.choices, default=ExternalTodoStatus.OPEN
    )
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="external_todo_once_per_source"),
        ]
        indexes = [models.Index(fields=["person", "status", "due_at"], name="external_todo_inbox")]
        verbose_name = _("外部待办")
        verbose_name_plural = _("外部待办")

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.title}"

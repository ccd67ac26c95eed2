"""公文: incoming documents (收文) and outgoing documents (发文). Each runs on a workflow instance; the step
data (拟办意见, 批示, 分办, 承办回复, draft revisions, numbers, issuance) lives here, keyed to the document."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    NORMAL = "平急", _("平急")
    RUSH = "加急", _("加急")
    URGENT = "特急", _("特急")


URGENCY_BADGES = {"特急": "text-bg-danger", "加急": "text-bg-warning"}
CLASSIFIED = ("secret", "confidential")  # 秘密, 机密: carry 份号 and 保密期限
# The longest term a level may have, and the term of a level marked without one (国家秘密保密期限的规定)
SECRECY_MAX_YEARS = {"secret": 10, "confidential": 20}
SECRECY_WORDS = {"secret": "秘密", "confidential": "机密"}  # printed in the document, whatever the page's language


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("秘密")
    CONFIDENTIAL = "confidential", _("机密")


class DocKind(models.TextChoices):
    """发文文种."""

    NOTICE = "notice", _("通知")
    REQUEST = "request", _("请示")
    REPORT = "report", _("报告")
    LETTER = "letter", _("函")
    MINUTES = "minutes", _("纪要")
    DECISION = "decision", _("决定")
    CIRCULAR = "circular", _("通报")
    REPLY = "reply", _("批复")


class IncomingDocument(models.Model):
    """收文: a document received from another unit, registered by the office."""

    instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_document"
    )
    title = models.CharField(_("标题"), max_length=200)
    source_unit = models.CharField(_("来文单位"), max_length=100)
    source_number = models.CharField(_("来文字号"), max_length=64, blank=True)
    received_on = models.DateField(_("收文日期"), default=timezone.localdate)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    confidentiality = models.CharField(
        _("密级"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("页数"), default=1)
    summary = models.TextField(_("内容摘要"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates", verbose_name=_("疑似重复")
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("收文")
        verbose_name_plural = _("收文")
        indexes = [models.Index(fields=["source_unit", "source_number"], name="incoming_source")]

    def __str__(self) -> str:
        return self.title

    @property
    def urgency_class(self) -> str:
        """The badge colour of a 特急 / 加急 document ("" for 平急, which gets no badge)."""
        return URGENCY_BADGES.get(self.urgency, "")


class StepKind(models.TextChoices):
    PROPOSAL = "proposal", _("拟办意见")
    INSTRUCTION = "instruction", _("领导批示")
    DISTRIBUTION = "distribution", _("分办")
    REPLY = "reply", _("承办答复")
    CLOSING = "closing", _("办结")
    RETURN = "return", _("退回")  # data: {"from": node, "to": node or "registrar"}
    RESUBMIT = "resubmit", _("重新提交")  # the registrar's, after a return to them


class IncomingStep(models.Model):
    """What a person wrote at one step of an incoming document, kept as written."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id} {self.kind}"


class OutgoingDocument(models.Model):
    """发文: drafted in a department, reviewed, countersigned, signed off, numbered and issued."""

    instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="outgoing_document"
    )
    kind = models.CharField(_("文种"), max_length=16, choices=DocKind.choices, default=DocKind.NOTICE)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    recipients = models.CharField(_("主送"), max_length=300, blank=True)
    copy_to = models.CharField(_("抄送"), max_length=300, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=100)
    issuer_mark = models.CharField(_("发文机关标志"), max_length=100)
    prefix = models.CharField(_("发文字号前缀"), max_length=32)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    confidentiality = models.CharField(
        _("密级"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    copy_no = models.CharField(_("份号"), max_length=6, blank=True)
    secrecy_years = models.PositiveSmallIntegerField(_("保密期限（年）"), null=True, blank=True)
    drafter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    frozen_revision = models.ForeignKey(
        "OutgoingRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(_("定稿摘要值"), max_length=64, blank=True)
    number = models.CharField(_("文号"), max_length=64, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("发文")
        verbose_name_plural = _("发文")

    def __str__(self) -> str:
        return self.title

    @property
    def urgency_class(self) -> str:
        """The badge colour of a 特急 / 加急 document ("" for 平急, which gets no badge)."""
        return URGENCY_BADGES.get(self.urgency, "")

    @property
    def classified(self) -> bool:
        return self.confidentiality in CLASSIFIED

    @property
    def secrecy_mark(self) -> str:
        """密级和保密期限 as the 版头 prints them, e.g. 机密★5年 ("" for a document that is not classified)."""
        if not self.classified:
            return ""
        level = SECRECY_WORDS[self.confidentiality]
        return f"{level}★{self.secrecy_years}年" if self.secrecy_years else level


class OutgoingRevision(models.Model):
    """One saved version of a draft: every revision is kept (who, when, why)."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="revisions")
    no = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    recipients = models.CharField(max_length=300, blank=True)
    copy_to = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=300, blank=True)
    stage = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["document_id", "no"]
        constraints = [models.UniqueConstraint(fields=["document", "no"], name="outgoing_revision_no_unique")]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.no}"


class OutgoingSignOff(models.Model):
    """One 签发: the revision it froze and its SHA-256 digest. Kept when a return after 签发 withdraws it (who,
    when, why), so the record shows every 签发 a document had, each with the text it covered."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="signoffs")
    revision = models.ForeignKey(OutgoingRevision, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["document_id", "signed_at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.revision_id} {self.digest[:8]}"


class NumberCounter(models.Model):
    """The last sequence handed out per 发文字号 prefix and year; claimed by a conditional update."""

    prefix = models.CharField(max_length=32)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="doc_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.last}"


class NumberStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已使用")
    VOID = "void", _("已作废")


class DocumentNumber(models.Model):
    """A 文号 handed out: used by one document, or voided with a reason. Never deleted, never reused."""

    prefix = models.CharField(max_length=32)
    year = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="numbers"
    )
    status = models.CharField(max_length=16, choices=NumberStatus.choices, default=NumberStatus.ASSIGNED)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    void_reason = models.CharField(max_length=300, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["prefix", "year", "seq"]
        constraints = [models.UniqueConstraint(fields=["prefix", "year", "seq"], name="doc_number_unique")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.seq}号"


class Issuance(models.Model):
    """印发: one recipient of an issued document, with its receipt (签收) and read status."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="issuances")
    recipient = models.CharField(_("接收单位/部门"), max_length=100)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.recipient


class FileRole(models.TextChoices):
    ORIGINAL = "original", _("原件扫描件")
    ATTACHMENT = "attachment", _("附件")


class DocumentFile(models.Model):
    """A scanned original or an attachment of an incoming or outgoing document."""

    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    role = models.CharField(max_length=16, choices=FileRole.choices, default=FileRole.ATTACHMENT)
    file = models.FileField(upload_to="documents/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class IncomingSource(models.Model):
    """One row per (来文单位, 来文字号) ever registered: 收文登记 locks it while it checks for an earlier
    registration, so that two registrations of one document at the same moment see each other."""

    source_unit = models.CharField(max_length=100)
    source_number = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_unit", "source_number"], name="incoming_source_unique")]

    def __str__(self) -> str:
        return f"{self.source_unit} {self.source_number}"


class SubmissionToken(models.Model):
    """The one-time token of a rendered 公文 form. The first submit records it with the document it acted on;
    a repeat of the same form (a double click, a retried POST) finds it and shows that result again instead
    of applying twice."""

    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    action = models.CharField(max_length=32)
    incoming = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["creator", "token"], name="doc_submission_token_unique")]

    def __str__(self) -> str:
        return f"{self.action} {self.token}"

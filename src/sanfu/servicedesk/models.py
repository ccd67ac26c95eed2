"""一站式服务 (the one-stop service window): the service catalogue, requests registered once and handled by every
department behind the service in parallel, returns for missing material (per item), ratings with the review of a
bad one, and complaints.

A service may name a matter of the 审批中心 (``matter_code``): its materials list and one-time notification then
come from there (``core.notices``), not from the service's own short list (``materials``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("网上办理")
    WINDOW = "window", _("窗口办理")
    HOTLINE = "hotline", _("热线电话")


class Service(models.Model):
    """One service of the catalogue (服务目录): what it is, what to bring, how long it takes, where to ask for it
    and which departments do the work."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("服务代码"), max_length=64)
    name = models.CharField(_("服务名称"), max_length=100)
    description = models.TextField(_("服务说明"), blank=True)
    matter_code = models.SlugField(_("关联审批事项"), max_length=64, blank=True)
    # Its own short list when no matter is named: [{"code", "name", "required", "standard"}]
    materials = models.JSONField(_("材料清单"), default=list, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=3)
    channels = models.JSONField(_("办理渠道"), default=list, blank=True)
    departments = models.ManyToManyField("org.Department", verbose_name=_("承办部门"), related_name="+")
    public = models.BooleanField(_("对访客公开"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="servicedesk_service_unique_code"),
            models.CheckConstraint(condition=Q(promised_days__gte=1), name="servicedesk_service_days_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class RequestStatus(models.TextChoices):
    HANDLING = "handling", _("办理中")
    AWAITING = "awaiting", _("待补材料")
    DONE = "done", _("已办结")


class ServiceRequest(models.Model):
    """A request registered once (一窗受理): by the requester online, or by the window clerk for a walk-in or a
    call. ``second_trip``: the requester had to come back or be called back for missing material at least once
    (最多跑一次 counts the requests without). ``turnaround_days``: working days from registration to closure, the
    time waiting for missing material included (``paused_days`` says how much of it)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, verbose_name=_("服务事项"), on_delete=models.PROTECT, related_name="requests")
    number = models.CharField(_("受理编号"), max_length=32, unique=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    caller_name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)  # as entered
    phone_digits = models.CharField(max_length=30, blank=True, db_index=True)  # the digits only, for lookup
    summary = models.CharField(_("诉求摘要"), max_length=500)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    materials_received = models.JSONField(_("已收材料"), default=list, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="service_request"
    )
    status = models.CharField(_("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.HANDLING)
    due_on = models.DateField(_("承诺办结日期"))
    second_trip = models.BooleanField(_("曾补材料"), default=False)
    result = models.TextField(_("办理结果"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    turnaround_days = models.PositiveIntegerField(null=True, blank=True)
    # 补正期间不计时: working days the departments' clocks were held waiting for missing material; ``due_on`` has
    # moved on by as many (the turnaround above still counts them).
    paused_days = models.PositiveIntegerField(_("补正暂停（工作日）"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("服务申请")
        verbose_name_plural = _("服务申请")
        indexes = [models.Index(fields=["service", "created_at"], name="servicedesk_request_month")]

    def __str__(self) -> str:
        return self.number


class PartStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    RETURNED = "returned", _("待补材料")
    DONE = "done", _("已办结")


class RequestPart(models.Model):
    """One department's share of a request (集成服务): its flow task is node ``dept-<department id>``."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="parts")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("承办部门"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=PartStatus.choices, default=PartStatus.OPEN)
    reply = models.TextField(_("办理意见"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "department"], name="servicedesk_part_unique_department")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.department_id}"

    @property
    def node(self) -> str:
        return f"dept-{self.department_id}"


class MaterialReturn(models.Model):
    """A department's return for missing material (一次性告知 what is missing); ``supplied_at`` when brought."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="returns")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    supplied_at = models.DateTimeField(null=True, blank=True)
    supplied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Working days the department's clock was held for it (set when supplied; None: not held, or not yet supplied)
    paused_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.note}"


class MissingItem(models.Model):
    """One missing item of a return, recorded per item so the most often missing ones can be counted."""

    material_return = models.ForeignKey(MaterialReturn, on_delete=models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="missing_items")
    name = models.CharField(_("缺少的材料"), max_length=100)

    class Meta:
        indexes = [models.Index(fields=["service", "name"], name="servicedesk_missing_by_service")]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    """好差评 after closure; a bad one (≤ ``BAD_SCORE``) opens a review for the departments' heads."""

    BAD_SCORE = 2

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    review_instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="service_rating"
    )
    review_answer = models.TextField(_("整改说明"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="servicedesk_rating_score_range")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score}"

    @property
    def is_bad(self) -> bool:
        return self.score <= self.BAD_SCORE


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("调查处理中")
    ANSWERED = "answered", _("已答复")


class Complaint(models.Model):
    """投诉: its own matter with a deadline, handled by the window's office (an investigation and a reply that the
    complainant sees)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        Service, verbose_name=_("服务事项"), on_delete=models.PROTECT, related_name="complaints"
    )
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.TextField(_("投诉内容"))
    status = models.CharField(_("状态"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="service_complaint"
    )
    due_on = models.DateField(_("答复期限"))
    investigation = models.TextField(_("调查情况"), blank=True)
    reply = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.content[:20]}"


class RequestFile(models.Model):
    """A file for one material of a request (材料文件): uploaded with the online request, scanned at the desk, or
    brought in answer to a return (``material_return``). Checked as every upload is (``core.uploads``) and, for a
    service naming a matter, against the matter's formats and sizes; read only through the request's access."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="files")
    material_code = models.CharField(_("材料代码"), max_length=64)
    material_name = models.CharField(_("材料名称"), max_length=100)
    material_return = models.ForeignKey(
        MaterialReturn, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    file = models.FileField(upload_to="servicedesk/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "id"]
        verbose_name = _("材料文件")
        verbose_name_plural = _("材料文件")

    def __str__(self) -> str:
        return self.name

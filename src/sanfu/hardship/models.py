"""爱心基金: a hardship application, its supporting files and the payments made on it.

An application is read by its applicant and the fund's committee of the applicant's unit only (roles
``hardship_committee`` and ``hardship_chair``); everyone else, administrators included, is told it does not exist.
It carries a 密级 (内部 or 秘密, ``org.clearance.Level``) that its flow instance carries too, so the 审批中心's
read rule hides the instance from process administrators without the clearance."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanfu.org.clearance import Level

COMMITTEE_ROLE = "hardship_committee"
CHAIR_ROLE = "hardship_chair"
LEVELS = [(Level.INTERNAL.value, Level.INTERNAL.label), (Level.SECRET.value, Level.SECRET.label)]


class Status(models.TextChoices):
    REVIEW = "review", _("委员会审议")
    CHAIR = "chair", _("主任审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Application(models.Model):
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confidentiality = models.CharField(_("密级"), max_length=16, choices=LEVELS, default=Level.SECRET)
    reason = models.TextField(_("申请事由"))
    family_situation = models.TextField(_("家庭情况"))
    amount_requested = models.DecimalField(_("申请金额"), max_digits=10, decimal_places=2)
    amount_approved = models.DecimalField(_("批准金额"), max_digits=10, decimal_places=2, null=True, blank=True)
    paid_total = models.DecimalField(
        pgettext_lazy("hardship paid", "已发放"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REVIEW)
    instance = models.OneToOneField(
        "workflow.Instance", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The committee's and the chair's opinions stay here, not on the flow: its instance page opens to anyone
    # cleared for 秘密 (a company leader), who must not read them either.
    review_note = models.TextField(_("委员会意见"), blank=True)
    chair_note = models.TextField(_("主任意见"), blank=True)
    submitted_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("爱心基金申请")
        verbose_name_plural = _("爱心基金申请")
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["applicant"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="hardship_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_total=0) | Q(paid_total__lte=F("amount_approved")),
                name="hardship_paid_within_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"爱心基金申请 {self.number}"

    @property
    def number(self) -> str:
        """申请编号, as people read and quote it: ``AX`` and the day of submission and the id (``AX2026120800003``),
        like the window's 受理编号."""
        return f"AX{timezone.localtime(self.submitted_at):%Y%m%d}{self.pk:05d}"


class Attachment(models.Model):
    """证明材料: a supporting file, checked as every upload is (``core.uploads``)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="hardship/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    TRANSFER = "transfer", _("银行转账")
    CASH = "cash", _("现金")
    CARD = "card", _("工资卡代发")


class Payment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("发放日期"))
    method = models.CharField(_("发放方式"), max_length=16, choices=Method.choices)
    voucher_no = models.CharField(_("凭证号"), max_length=40, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("发放记录")
        verbose_name_plural = _("发放记录")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="hardship_payment_positive")]

    def __str__(self) -> str:
        return self.voucher_no

"""值班安排: rotas (值班轮值表), the roster's shifts generated from them on the working calendar, swaps (换班) with
approval, the duty log (值班记录) with incidents (突发事件), and the handover (交接班) between shifts."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RotaKind(models.TextChoices):
    """节假日值班: day shifts on the working calendar's rest days (a 调休 working Saturday has none); 夜间值班: a night
    shift every day; both: the two together; 全天值班: a day and a night shift every day (the round-the-clock
    行政值班 of a plant)."""

    HOLIDAY = "holiday", _("节假日值班")
    NIGHT = "night", _("夜间值班")
    BOTH = "both", _("节假日及夜间值班")
    DAILY = "daily", _("全天值班")


REST_DAY = "休息日"
"""What :attr:`Shift.holiday` stores for a rest day the calendar gives no name (data, kept in Chinese whatever the
language of who generated the roster); pages show :attr:`Shift.holiday_label`."""


class ShiftKind(models.TextChoices):
    DAY = "day", _("白班")
    NIGHT = "night", _("夜班")


class Rota(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("值班类型"), max_length=16, choices=RotaKind.choices, default=RotaKind.BOTH)
    day_start = models.TimeField(_("白班开始"), default=time(8, 30))
    day_end = models.TimeField(_("白班结束"), default=time(17, 30))
    night_start = models.TimeField(_("夜班开始"), default=time(17, 30))
    night_end = models.TimeField(_("夜班结束（次日）"), default=time(8, 30))
    phone = models.CharField(_("值班电话"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("值班轮值表")
        verbose_name_plural = _("值班轮值表")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="duty_rota_name_once")]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    OFFICER = "officer", _("值班人员")
    LEADER = "leader", _("带班领导")


class RotaMember(models.Model):
    """One person in a rota's order: the officers' round and, separately, the leaders' on call."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=MemberRole.choices)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["rota", "role", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rota", "role", "user"], name="duty_member_once"),
            models.UniqueConstraint(fields=["rota", "role", "position"], name="duty_member_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rota_id}:{self.role}:{self.user_id}"


class Shift(models.Model):
    """One shift of the roster. One shift per (unit, day, kind); a person holds at most one shift starting at a
    given moment (overlaps of differently timed shifts are refused by the services)."""

    rota = models.ForeignKey(Rota, on_delete=models.PROTECT, related_name="shifts")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    kind = models.CharField(_("班次"), max_length=8, choices=ShiftKind.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("值班人员"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("带班领导"),
        on_delete=models.PROTECT,
        related_name="duty_led_shifts",
        null=True,
        blank=True,
    )
    holiday = models.CharField(_("节日"), max_length=40, blank=True)
    reminded_eve_at = models.DateTimeField(null=True, blank=True)
    reminded_start_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班班次")
        indexes = [models.Index(fields=["officer", "starts_at"]), models.Index(fields=["leader", "starts_at"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "kind"], name="duty_shift_once_per_unit_day_kind"),
            models.UniqueConstraint(fields=["officer", "starts_at"], name="duty_officer_one_shift_at_a_time"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="duty_shift_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"

    @property
    def holiday_label(self) -> str:
        """The holiday as shown: a holiday's name as the calendar gave it, a plain rest day in the reader's language."""
        return str(_("休息日")) if self.holiday == REST_DAY else self.holiday


class Severity(models.TextChoices):
    ORDINARY = "ordinary", pgettext_lazy("duty severity", "一般")
    MAJOR = "major", _("较大")
    SEVERE = "severe", _("重大")


class LogEntry(models.Model):
    """A line of the 值班记录: what happened, how it was handled, the call received. An incident (突发事件) is
    escalated to the leader on call at once, and to the unit's top leader and the office when unacknowledged."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("发生时间"))
    content = models.TextField(_("情况"))
    handling = models.TextField(_("处理情况"), blank=True)
    caller = models.CharField(_("来电"), max_length=100, blank=True)
    is_incident = models.BooleanField(_("突发事件"), default=False)
    severity = models.CharField(_("等级"), max_length=16, choices=Severity.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    instruction = models.TextField(_("领导批示"), blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("值班记录")
        verbose_name_plural = _("值班记录")
        indexes = [models.Index(fields=["is_incident", "acknowledged_at", "escalated_at"])]

    def __str__(self) -> str:
        return self.content[:40]


class Handover(models.Model):
    """交接班: the outgoing officer's note for the next shift; the incoming officer confirms (接班确认). Rewritable
    until confirmed, immutable after."""

    shift = models.OneToOneField(Shift, on_delete=models.PROTECT, related_name="handover")
    next_shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    note = models.TextField(_("交班记录"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("交接班")
        verbose_name_plural = _("交接班")

    def __str__(self) -> str:
        return f"handover {self.shift_id}"


class SwapStatus(models.TextChoices):
    ASKED = "asked", _("待对方同意")
    AGREED = "agreed", _("待办公室审批")
    APPROVED = "approved", _("已批准")
    DECLINED = "declined", _("对方不同意")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已撤回")


OPEN_SWAP = (SwapStatus.ASKED, SwapStatus.AGREED)


class Swap(models.Model):
    """换班: ``requester`` gives ``shift`` to ``counterpart``, taking ``counter_shift`` in exchange when given (else a
    plain 替班). The counterpart agrees, then the office approves through the flow ``duty-swap``."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    counter_shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    counterpart = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("换班原因"), max_length=200)
    status = models.CharField(max_length=16, choices=SwapStatus.choices, default=SwapStatus.ASKED)
    instance = models.ForeignKey("workflow.Instance", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status__in=["asked", "agreed"]), name="duty_one_open_swap_per_shift"
            )
        ]

    def __str__(self) -> str:
        return f"swap {self.shift_id}"

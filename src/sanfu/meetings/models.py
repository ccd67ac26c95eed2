"""办会: meeting rooms, their bookings (single and recurring), and meetings from plan to sign-in.

Two bookings of one room never overlap while both are booked: on PostgreSQL an exclusion constraint
(``meetings_booking_no_overlap``, migration 0002) refuses the second; on SQLite every write of a booking is one
guarded statement (``INSERT … SELECT … WHERE NOT EXISTS (overlap)``, see ``services.rooms``), which SQLite runs
under its single write lock."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sanfu.org.models import Department, Unit


class Room(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="meeting_rooms")
    name = models.CharField(_("名称"), max_length=100)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"), default=10)
    equipment = models.JSONField(_("设备"), default=list, blank=True)
    open_to_all = models.BooleanField(_("本单位人员均可预订"), default=True)
    departments = models.ManyToManyField(
        Department, verbose_name=_("可预订的部门"), blank=True, related_name="bookable_rooms"
    )
    active = models.BooleanField(_("启用"), default=True)
    sort = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("会议室")
        verbose_name_plural = _("会议室")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="meetings_room_unique_name")]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预订")
    CANCELLED = "cancelled", _("已取消")


class Repeat(models.TextChoices):
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")
    WORKDAYS = "workdays", _("每个工作日")


class BookingSeries(models.Model):
    """A recurring booking: its rule and its occurrences (``bookings``); an occurrence cancelled or moved on
    its own keeps the mark (``Booking.exception``), so the series remembers its exceptions."""

    room = models.ForeignKey(Room, verbose_name=_("会议室"), on_delete=models.PROTECT, related_name="series")
    title = models.CharField(_("会议名称"), max_length=200)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预订人"), on_delete=models.PROTECT, related_name="+"
    )
    repeat = models.CharField(_("重复"), max_length=16, choices=Repeat.choices)
    weekdays = models.JSONField(_("星期"), default=list, blank=True)  # 0 = Monday … 6 = Sunday
    first_day = models.DateField(_("开始日期"))
    last_day = models.DateField(_("结束日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("周期预订")
        verbose_name_plural = _("周期预订")

    def __str__(self) -> str:
        return self.title


class BookingException(models.TextChoices):
    NONE = "", _("无")
    CANCELLED = "cancelled", _("单次取消")
    MOVED = "moved", _("单次改期")


class Booking(models.Model):
    room = models.ForeignKey(Room, verbose_name=_("会议室"), on_delete=models.PROTECT, related_name="bookings")
    title = models.CharField(_("会议名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预订人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("周期预订"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    occurrence = models.DateField(_("原定日期"), null=True, blank=True)
    exception = models.CharField(_("例外"), max_length=16, choices=BookingException.choices, default="", blank=True)
    created_at = models.DateTimeField(_("预订时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取消人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("会议室预订")
        verbose_name_plural = _("会议室预订")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meetings_booking_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["room", "starts_at"], name="meetings_booking_room_start"),
            models.Index(fields=["booked_by", "starts_at"], name="meetings_booking_by_start"),
        ]

    def __str__(self) -> str:
        return self.title

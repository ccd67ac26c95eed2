"""办会: meeting rooms, their bookings (single and recurring), and meetings from plan to sign-in.

Two bookings of one room never overlap while both are booked: on PostgreSQL an exclusion constraint
(``meetings_booking_no_overlap``, migration 0002) refuses the second; on SQLite every write of a booking is one
guarded statement (``INSERT … SELECT … WHERE NOT EXISTS (overlap)``, see ``services.rooms``), which SQLite runs
under its single write lock."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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


# --- meetings --------------------------------------------------------------------------------------------------


class MeetingKind(models.Model):
    """A kind of meeting and its checklist (全流程清单), as data: the steps the organiser ticks off."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    checklist = models.JSONField(_("全流程清单"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("会议类型")
        verbose_name_plural = _("会议类型")

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    SUBMITTED = "submitted", _("方案审批中")
    RETURNED = "returned", _("方案已退回")
    NOTIFIED = "notified", _("已通知")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    kind = models.ForeignKey(MeetingKind, verbose_name=_("会议类型"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("会议名称"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承办人"), on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批领导"), on_delete=models.PROTECT, related_name="+"
    )
    booking = models.OneToOneField(
        Booking, verbose_name=_("会议室预订"), on_delete=models.PROTECT, related_name="meeting"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    notes = models.TextField(_("会议说明"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    instance = models.OneToOneField(
        "workflow.Instance",
        verbose_name=_("流程"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting",
    )
    checklist_done = models.JSONField(_("已完成的清单项"), default=list, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("纪要整理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    minutes_at = models.DateTimeField(_("纪要时间"), null=True, blank=True)
    minutes_sent_at = models.DateTimeField(_("纪要送发文时间"), null=True, blank=True)
    minutes_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("纪要送发文人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    materials_due = models.DateTimeField(_("材料提交截止时间"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("通知版本"), default=0)  # the .ics SEQUENCE: +1 on each update
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meetings_meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """议题: what is discussed, the department that brings it, and its materials."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="agenda")
    no = models.PositiveSmallIntegerField(_("序号"))
    topic = models.CharField(_("议题"), max_length=200)
    department = models.ForeignKey(
        Department, verbose_name=_("汇报部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    materials = models.CharField(_("材料"), max_length=500, blank=True)

    class Meta:
        ordering = ["no"]
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        constraints = [models.UniqueConstraint(fields=["meeting", "no"], name="meetings_agenda_unique_no")]

    def __str__(self) -> str:
        return self.topic


class Reply(models.TextChoices):
    PENDING = "pending", _("未回复")
    ATTEND = "attend", _("参加")
    DEPUTY = "deputy", _("委派他人参加")
    DECLINE = "decline", _("请假")


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("参会人"), on_delete=models.PROTECT, related_name="+"
    )
    reply = models.CharField(_("回复"), max_length=16, choices=Reply.choices, default=Reply.PENDING)
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代参会人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代为签到人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("参会人")
        verbose_name_plural = _("参会人")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meetings_attendee_unique")]

    def __str__(self) -> str:
        return str(self.user_id)


class Decision(models.Model):
    """议定事项: a decision of the minutes, with its owner, lead department and deadline; 转督办 hands it to the
    supervision ledger through the outbox (once: ``sent_at``)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="decisions")
    no = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("议定事项"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+"
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("牵头部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("完成时限"))
    sent_at = models.DateTimeField(_("转督办时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转督办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["no"]
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        constraints = [models.UniqueConstraint(fields=["meeting", "no"], name="meetings_decision_unique_no")]

    def __str__(self) -> str:
        return self.text[:50]


class Material(models.Model):
    """会前材料: a file for an agenda item, uploaded by its presenting department (or the organiser / office);
    ``late`` when uploaded after the meeting's ``materials_due`` (checked as every upload is: ``core.uploads``)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="materials")
    agenda_item = models.ForeignKey(AgendaItem, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="meetings/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    late = models.BooleanField(_("逾期提交"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("会前材料")
        verbose_name_plural = _("会前材料")

    def __str__(self) -> str:
        return self.name


class ServiceTask(models.Model):
    """会务: a piece of the meeting's logistics (座次, 桌签, 茶水, 大屏, 录音 …) assigned to one person, who ticks it
    off (``done_at``)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="service_tasks")
    name = models.CharField(_("会务事项"), max_length=100)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("会务事项")
        verbose_name_plural = _("会务事项")

    def __str__(self) -> str:
        return self.name

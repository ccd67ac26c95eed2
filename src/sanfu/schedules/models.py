"""领导日程: one entry of a leader's schedule, kept by the leader, their secretaries or the office."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    """Who sees the entry's details. 公开: all staff of the leader's unit (and the posted week sheet); 内部: the
    unit's leaders, the office and the leader's secretaries; 仅本人与秘书: the leader and their secretaries.
    Whoever may see the week page but not the details sees the slot as 「有安排」 (the leader is busy)."""

    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    PRIVATE = "private", _("仅本人与秘书")


class ScheduleEntry(models.Model):
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("领导"), on_delete=models.CASCADE, related_name="schedule_entries"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    all_day = models.BooleanField(_("全天"), default=False)
    title = models.CharField(_("事项"), max_length=200)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)
    visibility = models.CharField(_("可见范围"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("领导日程")
        verbose_name_plural = _("领导日程")
        indexes = [models.Index(fields=["unit", "starts_at"]), models.Index(fields=["leader", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="schedule_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class FeedKey(models.Model):
    """The .ics feed of ``leader``'s schedule for ``user`` (the leader, a secretary, the office): its URL carries a
    signature over (user, leader, generation); revoking bumps the generation, so every URL given before dies."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("日程订阅")
        verbose_name_plural = _("日程订阅")
        constraints = [models.UniqueConstraint(fields=["user", "leader"], name="schedule_feed_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.leader_id}"


class PersonalFeed(models.Model):
    """The .ics feed of a person's own calendar (我的日程): its secret URL carries a signature over (user,
    generation); revoking bumps the generation, so every URL given before dies. One row per person, made when
    they first ask for the address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("我的日程订阅")
        verbose_name_plural = _("我的日程订阅")

    def __str__(self) -> str:
        return f"{self.user_id} #{self.generation}"

"""The cache of the monthly review: each closed month's figures of a unit, computed once (by the worker after
the month's end, or on the first read) and kept with what they were computed under — the measures' version and
the working calendar's fingerprint. A month computed under another version or calendar is recomputed; the
month still open is never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthReview(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))  # the month's first day
    version = models.PositiveIntegerField(_("算法版本"))
    calendar = models.CharField(_("工作日历版本"), max_length=32)
    figures = models.JSONField(_("指标"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["unit_id", "-month"]
        verbose_name = _("月度效能评估")
        verbose_name_plural = _("月度效能评估")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="insights_month_review_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class WhatIfPrediction(models.Model):
    """推演: a draft of a process replayed over a window of a unit's past instances, as it was run (who, when,
    the window, the figures). What happened once the draft was published is computed on reading, beside it."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("流程代码"), max_length=64)
    definition = models.ForeignKey(
        "workflow.ProcessDefinition", verbose_name=_("草稿"), on_delete=models.CASCADE, related_name="+"
    )
    draft_version = models.PositiveIntegerField(_("草稿版本"))
    based_on_version = models.PositiveIntegerField(_("现行版本"))
    first_month = models.DateField(_("起始月份"))
    last_month = models.DateField(_("结束月份"))
    months = models.PositiveSmallIntegerField(_("月数"))
    figures = models.JSONField(_("推演结果"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推演人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("推演时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("推演")
        verbose_name_plural = _("推演")
        indexes = [models.Index(fields=["unit", "key", "-created_at"], name="insights_whatif_unit_key")]

    def __str__(self) -> str:
        return f"{self.key} v{self.draft_version} {self.created_at:%Y-%m-%d}"

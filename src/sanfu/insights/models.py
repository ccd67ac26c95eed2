"""The cache of the monthly review: each closed month's figures of a unit, computed once (by the worker after
the month's end, or on the first read) and kept with what they were computed under — the measures' version and
the working calendar's fingerprint. A month computed under another version or calendar is recomputed; the
month still open is never stored."""

from __future__ import annotations

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

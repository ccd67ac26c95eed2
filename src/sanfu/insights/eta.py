"""预计办结时间: how long a matter of a definition key usually takes in a unit, from the instances of that key the
unit ended (办结 or 驳回) in the last 90 days — their working time from the first submission to the end, on the
working calendar, as the review measures turnaround. Shown when a person starts a matter and, while an
instance runs, on its page (with what is left, judged from the past instances that took longer than this one
has taken so far).

One statement reads the history (the instances and their first submission, as epoch ms); Polars computes the
working times and the quantiles. The history's figures are cached per (unit, key, day)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

import polars as pl
from django.core.cache import cache
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.insights.facts import calendar_rows, office_ms, with_working, working_calendar_of
from sanfu.insights.reader import fetch, ms
from sanfu.org.calendar import WorkingCalendar
from sanfu.org.roles import unit_of
from sanfu.workflow.models import DefinitionStatus, Instance, InstanceEvent, InstanceStatus, ProcessDefinition
from sanfu.workflow.selectors import visible_instance

WINDOW_DAYS = 90
MIN_HISTORY = 5  # fewer past instances say nothing reliable
ENDED = (InstanceStatus.APPROVED, InstanceStatus.REJECTED)
CACHE_SECONDS = 26 * 3600  # the key holds the day; a day and a bit is enough


@dataclass(frozen=True)
class History:
    """A key's ended instances of the window: their working turnaround in ms, sorted."""

    count: int
    p50_ms: float | None
    p90_ms: float | None
    day_ms: int  # the working milliseconds of one working day (office hours)
    turnarounds: tuple[int, ...]

    @property
    def enough(self) -> bool:
        return self.count >= MIN_HISTORY


@dataclass(frozen=True)
class Estimate:
    """What the page says."""

    history: History
    days: int | None  # 预计 N 个工作日内办结 (the median, rounded up to whole working days)
    half: str  # 一半在 X 内
    most: str  # 九成在 Y 内
    spent: str = ""  # a running instance: the working time it has taken so far
    remaining_days: int | None = None  # … and the working days still ahead (median of those that took longer)


def duration_text(ms: float, day_ms: int) -> str:
    """A working duration as people say it: hours under one working day, working days from there."""
    if ms < day_ms:
        return _("%(h)s 小时") % {"h": _number(ms / 3_600_000)}
    return _("%(d)s 个工作日") % {"d": _number(ms / day_ms)}


def _number(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded.is_integer() else str(rounded)


def _turnarounds(unit_id: int, key: str, calendar: WorkingCalendar) -> pl.DataFrame:
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    first_submission = (
        InstanceEvent.objects.filter(instance_id=OuterRef("pk"), type="submitted")
        .order_by()
        .values("instance_id")
        .annotate(first=Min("at"))
        .values("first")
    )
    ended = (
        Instance.objects.filter(unit_id=unit_id, definition__key=key, status__in=ENDED, ended_at__gte=since)
        .annotate(first=Subquery(first_submission))
        .order_by()
    )
    frame = fetch(
        ended.values_list("pk", ms("created_at"), ms("first"), ms("ended_at")),
        [("instance", pl.Int64), ("created", pl.Int64), ("first", pl.Int64), ("end", pl.Int64)],
    ).with_columns(start=pl.coalesce("first", "created"))
    frame = with_working(frame, ["start", "end"], calendar)
    return frame.select(turnaround=(pl.col("w_end") - pl.col("w_start")).clip(lower_bound=0)).sort("turnaround")


def history_of(*, unit_id: int, key: str) -> History:
    """The key's history in ``unit_id`` (cached per unit, key and day)."""
    today = timezone.localdate()
    cache_key = f"insights:eta:{unit_id}:{key}:{today.isoformat()}"
    cached = cache.get(cache_key)
    if isinstance(cached, History):
        return cached
    calendar = working_calendar_of(calendar_rows())
    frame = _turnarounds(unit_id, key, calendar)
    stats = frame.select(
        pl.len().alias("n"),
        pl.col("turnaround").quantile(0.5, interpolation="linear").alias("p50"),
        pl.col("turnaround").quantile(0.9, interpolation="linear").alias("p90"),
    ).row(0, named=True)
    history = History(
        count=int(stats["n"]),
        p50_ms=stats["p50"],
        p90_ms=stats["p90"],
        day_ms=office_ms(calendar),
        turnarounds=tuple(int(t) for t in frame["turnaround"].to_list()),
    )
    cache.set(cache_key, history, CACHE_SECONDS)
    return history


def _whole_days(ms: float, day_ms: int) -> int:
    return max(1, math.ceil(round(ms / day_ms, 6)))


def estimate(*, unit_id: int, key: str) -> Estimate:
    """The estimate for starting a matter of ``key`` now."""
    history = history_of(unit_id=unit_id, key=key)
    if not history.enough or history.p50_ms is None or history.p90_ms is None:
        return Estimate(history=history, days=None, half="", most="")
    return Estimate(
        history=history,
        days=_whole_days(history.p50_ms, history.day_ms),
        half=duration_text(history.p50_ms, history.day_ms),
        most=duration_text(history.p90_ms, history.day_ms),
    )


def estimate_running(*, instance: Instance) -> Estimate:
    """The estimate for a running instance: the key's figures, the working time spent since its first
    submission and, from the past instances that took longer than that, the median of what they took beyond
    it (too few such instances: no remaining figure)."""
    if instance.unit_id is None:  # no unit, no peers to learn from
        return Estimate(history=History(0, None, None, 1, ()), days=None, half="", most="")
    found = estimate(unit_id=instance.unit_id, key=instance.definition.key)
    if found.days is None or instance.status != InstanceStatus.RUNNING:
        return found
    history = found.history
    submitted = instance.events.filter(type="submitted").order_by("seq").values_list("at", flat=True).first()
    moments = pl.DataFrame(
        {
            "s": [int((submitted or instance.created_at).timestamp() * 1000)],
            "e": [int(timezone.now().timestamp() * 1000)],
        }
    )
    calendar = working_calendar_of(calendar_rows())
    spent_ms = with_working(moments, ["s", "e"], calendar).select(pl.col("w_e") - pl.col("w_s")).item()
    longer = pl.Series("t", history.turnarounds, dtype=pl.Int64).filter(pl.Series(history.turnarounds) > spent_ms)
    remaining = None
    if len(longer) >= MIN_HISTORY:
        ahead = (longer - spent_ms).quantile(0.5, interpolation="linear")
        remaining = _whole_days(float(ahead or 0), history.day_ms)
    return Estimate(
        history=history,
        days=found.days,
        half=found.half,
        most=found.most,
        spent=duration_text(max(spent_ms, 0), history.day_ms),
        remaining_days=remaining,
    )


# --- who may read it ---------------------------------------------------------------------------------------------


def for_matter(*, actor: User, key: str) -> Estimate:
    """The estimate for starting ``key``: any signed-in person of a unit, for a published definition.
    A malformed key is an ``ApplicationError``; an unknown one (or a reader without a unit) ``NotFoundError``."""
    if not re.fullmatch(r"[-\w]{1,64}", key, flags=re.ASCII):
        raise ApplicationError(_("事项代码只能由字母、数字、连字符和下划线组成。"))
    unit_id = unit_of(actor)
    if unit_id is None or not ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED).exists():
        raise NotFoundError(_("页面不存在。"))
    return estimate(unit_id=unit_id, key=key)


def for_instance(*, actor: User, instance_id: int) -> Estimate:
    """The estimate for an instance the reader may open (``visible_instances``), NotFoundError otherwise."""
    instance = visible_instance(actor, instance_id).select_related("definition").first()
    if instance is None:
        raise NotFoundError(_("页面不存在。"))
    return estimate_running(instance=instance)

"""Before/after (前后对比): two versions of a definition, or two periods, on the same measures, each change with
its 95% confidence interval, so "−30%" is a measured statement with its uncertainty.

A side is the set of instances that **ended** (approved or rejected) — on one version of a matter (the
instances started on it, whenever they ended), or within a range of months (optionally of one matter). Its
per-instance values come from the monthly spine (``facts.load`` → ``measures.spine_of``) of each month the
side touches, taking the instances that ended in that month, so every value here is the value the monthly
review counts.

Methods (``docs/insights-compare.md`` says why):

- durations and per-instance counts (turnaround P50 and mean, elapsed/working/handling; returns and
  hand-offs per instance): the relative change B ÷ A − 1 with a percentile bootstrap interval — each side
  resampled with replacement, ``RESAMPLES`` times, with a fixed seed (the same figures on every read);
- proportions (first-pass yield, SLA on-time rate): the difference B − A in percentage points with
  Newcombe's hybrid score interval built from the two sides' Wilson intervals (closed form, no resampling,
  sensible at 0% and 100%).

A change is significant when its interval leaves out zero. Everything is columnar: resampling draws all the
resamples of a chunk at once and aggregates them by resample number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.core.errors import ApplicationError
from sanfu.insights import facts, measures, selectors
from sanfu.insights.facts import Month
from sanfu.workflow.models import DefinitionStatus, Instance, InstanceStatus, ProcessDefinition

RESAMPLES = 2000
SEED = 1849
Z95 = 1.959963984540054  # the standard normal's 97.5% quantile
MIN_SIDE = 5  # fewer ended instances on a side than this: too few to judge
MAX_MONTHS = 24  # the longest span one comparison reads
_CHUNK_VALUES = 2_000_000  # resampled values drawn at once (memory stays ~16 MB per side)

INSTANCE_COLUMNS = ("instance", "definition", "matter", "elapsed", "working", "handling", "sent_back", "handoffs")


@dataclass
class Side:
    """One side of a comparison: its label, its ended instances' values, and the due-dated tasks of those
    instances acted on (``on_time``: acted by the due time)."""

    label: str
    instances: pl.DataFrame
    tasks: pl.DataFrame

    @property
    def n(self) -> int:
        return self.instances.height


@dataclass(frozen=True)
class Measure:
    code: str
    label: Any
    unit: Any  # what the values are in: hours, times per instance, %
    kind: str  # "relative" (bootstrap of B ÷ A − 1) or "points" (Newcombe, B − A)
    statistic: str = "mean"  # relative measures: "mean" or "median" of ``column``
    column: str = ""


HOURS = gettext_lazy("小时")
PER_INSTANCE = gettext_lazy("次/件")
PERCENT = "%"

MEASURES = (
    Measure("elapsed_p50", gettext_lazy("总用时 P50"), HOURS, "relative", "median", "elapsed"),
    Measure("elapsed_mean", gettext_lazy("总用时 平均"), HOURS, "relative", "mean", "elapsed"),
    Measure("working_p50", gettext_lazy("工作时间内用时 P50"), HOURS, "relative", "median", "working"),
    Measure("working_mean", gettext_lazy("工作时间内用时 平均"), HOURS, "relative", "mean", "working"),
    Measure("handling_p50", gettext_lazy("在办时间 P50"), HOURS, "relative", "median", "handling"),
    Measure("handling_mean", gettext_lazy("在办时间 平均"), HOURS, "relative", "mean", "handling"),
    Measure("first_pass_rate", gettext_lazy("一次通过率"), PERCENT, "points"),
    Measure("returns_mean", gettext_lazy("每件被退回次数"), PER_INSTANCE, "relative", "mean", "sent_back"),
    Measure("handoffs_mean", gettext_lazy("每件跨部门流转次数"), PER_INSTANCE, "relative", "mean", "handoffs"),
    Measure("sla_rate", gettext_lazy("待办按时率"), PERCENT, "points"),
)


# --- the statistics (pure: frames in, numbers out) -------------------------------------------------------------


def _statistic(expression: pl.Expr, statistic: str) -> pl.Expr:
    if statistic == "median":
        return expression.quantile(0.5, interpolation="linear")
    return expression.mean()


def _resampled(values: pl.Series, statistic: str, resamples: int, seed: int) -> pl.Series:
    """The statistic of each of ``resamples`` resamples of ``values`` (drawn with replacement), in resample
    order; the same seed gives the same resamples."""
    n = values.len()
    per_chunk = max(1, _CHUNK_VALUES // max(n, 1))
    parts: list[pl.Series] = []
    done = 0
    while done < resamples:
        count = min(per_chunk, resamples - done)
        drawn = values.sample(n * count, with_replacement=True, seed=seed + done)
        frame = pl.DataFrame({"v": drawn}).with_columns(rep=pl.int_range(pl.len()) // n + done)
        stats = frame.group_by("rep").agg(_statistic(pl.col("v"), statistic).alias("s")).sort("rep")
        parts.append(stats["s"])
        done += count
    return pl.concat(parts)


def relative_change(
    a: pl.Series, b: pl.Series, statistic: str, *, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float | None, float | None, float | None]:
    """(change, low, high) in %: B's statistic over A's, minus one, with its 95% percentile-bootstrap interval.
    None where A's statistic is zero (no rate of change from nothing)."""
    a, b = a.drop_nulls().cast(pl.Float64), b.drop_nulls().cast(pl.Float64)
    stat_a = pl.DataFrame({"v": a}).select(_statistic(pl.col("v"), statistic)).item()
    stat_b = pl.DataFrame({"v": b}).select(_statistic(pl.col("v"), statistic)).item()
    if stat_a is None or stat_b is None or stat_a == 0:
        return None, None, None
    change = (stat_b / stat_a - 1) * 100
    boot = pl.DataFrame(
        {"a": _resampled(a, statistic, resamples, seed), "b": _resampled(b, statistic, resamples, seed + 7919)}
    )
    bounds = boot.filter(pl.col("a") != 0).select(
        ((pl.col("b") / pl.col("a") - 1) * 100).quantile(0.025, interpolation="linear").alias("low"),
        ((pl.col("b") / pl.col("a") - 1) * 100).quantile(0.975, interpolation="linear").alias("high"),
    )
    low, high = bounds.row(0)
    return change, low, high


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval of a proportion (as fractions)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_of_proportions(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float, float]:
    """(difference, low, high) in percentage points: p_B − p_A with Newcombe's hybrid score interval
    (his method 10, from the two Wilson intervals)."""
    p_a, p_b = x_a / n_a, x_b / n_b
    low_a, high_a = wilson(x_a, n_a)
    low_b, high_b = wilson(x_b, n_b)
    difference = p_b - p_a
    low = difference - math.sqrt((p_b - low_b) ** 2 + (high_a - p_a) ** 2)
    high = difference + math.sqrt((high_b - p_b) ** 2 + (p_a - low_a) ** 2)
    return difference * 100, low * 100, high * 100


# --- the comparison --------------------------------------------------------------------------------------


def _signed(value: float, digits: int) -> str:
    text = f"{abs(value):.{digits}f}"
    if round(value, digits) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


def verdict(kind: str, change: float | None, low: float | None, high: float | None, *, n_a: int, n_b: int) -> str:
    """The plain verdict: "下降 31%（95% 置信区间 −38%…−24%）", or that the difference is not significant."""
    if min(n_a, n_b) < MIN_SIDE:
        return _("样本太少（每边至少 %(n)d 件），无法判断") % {"n": MIN_SIDE}
    if change is None or low is None or high is None:
        return _("对比基准为零，无法计算变化率")
    digits = 0 if kind == "relative" else 1
    unit = "%" if kind == "relative" else _("个百分点")
    interval = {"low": _signed(low, digits) + unit, "high": _signed(high, digits) + unit}
    if low > 0 or high < 0:
        text = _("上升 %(change)s（95%% 置信区间 %(low)s…%(high)s）") if change > 0 else None
        text = text or _("下降 %(change)s（95%% 置信区间 %(low)s…%(high)s）")
        return text % {"change": f"{abs(change):.{digits}f}{unit}", **interval}
    return _("差异不显著（95%% 置信区间 %(low)s…%(high)s）") % interval


def _value(side: Side, measure: Measure) -> tuple[float | None, int]:
    """A side's figure for ``measure`` and the number of values behind it."""
    if measure.code == "first_pass_rate":
        n = side.n
        passed = side.instances.filter(pl.col("sent_back") == 0).height
        return (passed * 100 / n if n else None), n
    if measure.code == "sla_rate":
        n = side.tasks.height
        return (int(side.tasks["on_time"].sum()) * 100 / n if n else None), n
    values = side.instances[measure.column].drop_nulls()
    if values.is_empty():
        return None, 0
    figure = pl.DataFrame({"v": values}).select(_statistic(pl.col("v"), measure.statistic)).item()
    return float(figure), values.len()


def _proportion_counts(side: Side, measure: Measure) -> tuple[int, int]:
    if measure.code == "first_pass_rate":
        return side.instances.filter(pl.col("sent_back") == 0).height, side.n
    return int(side.tasks["on_time"].sum()), side.tasks.height


def compare_sides(a: Side, b: Side, *, resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, Any]:
    """Every measure of ``MEASURES`` on both sides, with the change, its 95% interval and the verdict."""
    rows = []
    for measure in MEASURES:
        value_a, n_a = _value(a, measure)
        value_b, n_b = _value(b, measure)
        change: float | None = None
        low: float | None = None
        high: float | None = None
        if n_a and n_b:
            if measure.kind == "points":
                x_a, count_a = _proportion_counts(a, measure)
                x_b, count_b = _proportion_counts(b, measure)
                change, low, high = difference_of_proportions(x_a, count_a, x_b, count_b)
            else:
                change, low, high = relative_change(
                    a.instances[measure.column],
                    b.instances[measure.column],
                    measure.statistic,
                    resamples=resamples,
                    seed=seed,
                )
        significant = min(n_a, n_b) >= MIN_SIDE and low is not None and high is not None and (low > 0 or high < 0)
        rows.append(
            {
                "measure": measure.code,
                "label": str(measure.label),
                "unit": str(measure.unit),
                "kind": measure.kind,
                "a": None if value_a is None else round(value_a, 2),
                "b": None if value_b is None else round(value_b, 2),
                "n_a": n_a,
                "n_b": n_b,
                "change": None if change is None else round(change, 1),
                "low": None if low is None else round(low, 1),
                "high": None if high is None else round(high, 1),
                "significant": significant,
                "verdict": verdict(measure.kind, change, low, high, n_a=n_a, n_b=n_b) if n_a and n_b else _("无数据"),
            }
        )
    return {"a": {"label": a.label, "n": a.n}, "b": {"label": b.label, "n": b.n}, "rows": rows}


# --- the sides, read from the database -----------------------------------------------------------------


@dataclass
class _Months:
    """Each month's ended instances and acted due-dated tasks of one unit, loaded once per comparison."""

    unit_id: int
    calendar: Any = None
    loaded: dict[Month, tuple[pl.DataFrame, pl.DataFrame]] = field(default_factory=dict)

    def of(self, month: Month) -> tuple[pl.DataFrame, pl.DataFrame]:
        if month not in self.loaded:
            if self.calendar is None:
                self.calendar = facts.working_calendar_of(facts.calendar_rows())
            spine = measures.spine_of(facts.load(unit_id=self.unit_id, month=month, calendar=self.calendar))
            instances = spine.instances.filter(pl.col("ended_in_month")).select(INSTANCE_COLUMNS)
            tasks = spine.tasks.filter(pl.col("acted_in_month") & pl.col("due").is_not_null()).select(
                "instance", "on_time"
            )
            self.loaded[month] = (
                instances,
                tasks.join(instances.select("instance", "definition", "matter"), on="instance"),
            )
        return self.loaded[month]

    def side(self, label: str, months: list[Month], wanted: pl.Expr) -> Side:
        instances = [self.of(m)[0].filter(wanted) for m in months]
        tasks = [self.of(m)[1].filter(wanted).select("instance", "on_time") for m in months]
        return Side(
            label=label,
            instances=pl.concat(instances) if instances else _empty_instances(),
            tasks=pl.concat(tasks) if tasks else pl.DataFrame(schema={"instance": pl.Int64, "on_time": pl.Boolean}),
        )


def _empty_instances() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "instance": pl.Int64,
            "definition": pl.Int64,
            "matter": pl.String,
            "elapsed": pl.Float64,
            "working": pl.Float64,
            "handling": pl.Float64,
            "sent_back": pl.UInt32,
            "handoffs": pl.UInt32,
        }
    )


def months_between(first: Month, last: Month) -> list[Month]:
    """The months from ``first`` to ``last``, both included; a reversed or too long range is refused."""
    if (first.year, first.month) > (last.year, last.month):
        raise ApplicationError(_("起始月份 %(a)s 晚于结束月份 %(b)s。") % {"a": first.text, "b": last.text})
    months = [first]
    while months[-1] != last:
        months.append(months[-1].next)
        if len(months) > MAX_MONTHS:
            raise ApplicationError(_("一次最多对比 %(n)d 个月。") % {"n": MAX_MONTHS})
    return months


def _month_of(moment: datetime) -> Month:
    local = timezone.localtime(moment)
    return Month(local.year, local.month)


def _version(key: str, version: int) -> ProcessDefinition:
    found = ProcessDefinition.objects.filter(key=key, version=version).exclude(status=DefinitionStatus.DRAFT).first()
    if found is None:
        raise ApplicationError(_("流程“%(key)s”没有已发布的第 %(v)d 版。") % {"key": key, "v": version})
    return found


def compare_versions(*, unit_id: int, key: str, version_a: int, version_b: int, **options: Any) -> dict[str, Any]:
    """The unit's instances started on version A of ``key`` against those started on version B."""
    if version_a == version_b:
        raise ApplicationError(_("请选择两个不同的版本。"))
    definitions = [_version(key, version_a), _version(key, version_b)]
    span = Instance.objects.filter(
        unit_id=unit_id, definition__in=definitions, status__in=(InstanceStatus.APPROVED, InstanceStatus.REJECTED)
    ).aggregate(first=Min("ended_at"), last=Max("ended_at"))
    months: list[Month] = []
    if span["first"] is not None and span["last"] is not None:
        months = months_between(_month_of(span["first"]), _month_of(span["last"]))
    loader = _Months(unit_id)
    sides = [
        loader.side(_("第 %(v)d 版") % {"v": d.version}, months, pl.col("definition") == d.pk) for d in definitions
    ]
    result = compare_sides(*sides, **options)
    result.update(mode="version", matter=key, matter_name=definitions[1].name)
    return result


def compare_periods(
    *, unit_id: int, a: tuple[Month, Month], b: tuple[Month, Month], key: str = "", **options: Any
) -> dict[str, Any]:
    """The unit's instances ended in period A (first and last month) against those ended in period B, of
    matter ``key`` or of every matter."""
    months_a, months_b = months_between(*a), months_between(*b)
    if key and not ProcessDefinition.objects.filter(key=key).exists():
        raise ApplicationError(_("流程“%(key)s”不存在。") % {"key": key})
    loader = _Months(unit_id)

    wanted = pl.col("matter") == key if key else pl.lit(True)
    sides = [
        loader.side(_("%(a)s 至 %(b)s") % {"a": first.text, "b": last.text}, months, wanted)
        for (first, last), months in ((a, months_a), (b, months_b))
    ]
    result = compare_sides(*sides, **options)
    name = ProcessDefinition.objects.filter(key=key).order_by("-version").values_list("name", flat=True).first()
    result.update(mode="period", matter=key, matter_name=name or "")
    return result


# --- for a reader -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareQuery:
    """What a reader asks: ``mode`` "version" (``matter`` with ``version_a`` and ``version_b``) or "period"
    (``a_from``…``a_to`` against ``b_from``…``b_to``, months as YYYY-MM; ``matter`` optional)."""

    mode: str = "version"
    matter: str = ""
    version_a: int | None = None
    version_b: int | None = None
    a_from: str = ""
    a_to: str = ""
    b_from: str = ""
    b_to: str = ""


def compare_for(*, actor: Any, query: CompareQuery) -> dict[str, Any]:
    """The comparison ``query`` asks for, over the reader's own unit (anyone who may not read the review gets
    ``NotFoundError``); a question that cannot be answered is an ``ApplicationError`` saying why."""
    unit_id = selectors.access_review(actor=actor)
    if query.mode == "version":
        if not query.matter:
            raise ApplicationError(_("请选择事项（流程）。"))
        if query.version_a is None or query.version_b is None:
            raise ApplicationError(_("请选择要对比的两个版本。"))
        return compare_versions(unit_id=unit_id, key=query.matter, version_a=query.version_a, version_b=query.version_b)
    if query.mode == "period":
        texts = (query.a_from, query.a_to, query.b_from, query.b_to)
        if not all(texts):
            raise ApplicationError(_("请填写两个时段的起止月份。"))
        a_from, a_to, b_from, b_to = (selectors.parse_month(t) for t in texts)
        return compare_periods(unit_id=unit_id, a=(a_from, a_to), b=(b_from, b_to), key=query.matter)
    raise ApplicationError(_("对比方式应为“版本”或“时段”。"))


def versions_of(key: str) -> list[int]:
    """The published (or retired) version numbers of ``key``, oldest first: the page's choices."""
    return list(
        ProcessDefinition.objects.filter(key=key)
        .exclude(status=DefinitionStatus.DRAFT)
        .order_by("version")
        .values_list("version", flat=True)
    )

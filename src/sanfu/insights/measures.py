"""The measures of the monthly efficiency review (流程效能评估): one function per measure, each a columnar
computation over the month's spine (``Spine``: one frame of instance facts, one of task facts), grouped by any
of the review's dimensions. The page, the Excel workbook, the drill-downs and the API all read them from here;
nothing is computed in a view. docs/insights.md defines each measure.

Dimensions: ``matter`` (the definition's key: the matter type), ``node``, ``department`` (the task holder's
primary department), ``person`` (the holder). Instance measures (turnaround, throughput, first-pass yield,
hand-offs, open instances) group by ``matter`` only; task measures by any of them.

Durations are hours. ``handling`` is working time on the calendar (office hours of working days, statutory
holidays and 调休 included); ``off_hours`` the rest of the elapsed time. P50/P90 interpolate linearly.

Where the holder's first opening of a task is recorded (``Task.seen_at``), its working time splits into ``queue``
(reached the holder → first opened) and ``work`` (opened → acted); an instance's ``handling`` splits the same way
when every one of its tasks was opened. Tasks and instances without it (older data) are counted apart: they have
no split, and ``seen_rate`` says what share of the acted tasks has one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from sanfu.insights.facts import MS_PER_HOUR, Facts, with_working
from sanfu.org.calendar import WorkingCalendar

ENDED = ("approved", "rejected")  # an outcome: withdrawn and cancelled matters are no one's throughput
LIVE = ("open", "waiting")
QUANTILES = (("p50", 0.5), ("p90", 0.9))
TASK_DIMENSIONS = ("matter", "node", "department", "person")


@dataclass
class Spine:
    """The month's facts with their working times: what every measure reads."""

    facts: Facts
    instances: pl.DataFrame  # one row per instance alive in the month
    tasks: pl.DataFrame  # one row per approval/handling task of those instances, auto-passed ones left out
    returns: pl.DataFrame  # the month's 退回, with the matter and the returner's department


def spine_of(facts: Facts) -> Spine:
    month_start, month_end = facts.bounds
    calendar = facts.calendar
    matter_of = facts.instances.select("instance", "matter")
    tasks = facts.tasks if "seen" in facts.tasks.columns else facts.tasks.with_columns(seen=pl.lit(None, pl.Int64))
    tasks = (
        tasks.filter(~pl.col("auto").fill_null(False))
        .join(matter_of, on="instance", how="inner")
        .with_columns(
            acted_in_month=pl.col("acted").is_between(month_start, month_end, closed="left").fill_null(False),
            open_at_end=(pl.col("start") < month_end)
            & (pl.col("end").is_null() | (pl.col("end") >= month_end))
            & (pl.col("end").is_not_null() | pl.col("status").is_in(LIVE)),
        )
    )
    tasks = _working(tasks, calendar).with_columns(
        elapsed=(pl.col("end") - pl.col("start")) / MS_PER_HOUR,
        handling=(pl.col("w_end") - pl.col("w_start")) / MS_PER_HOUR,
        # first opened, kept inside [reached, ended] (W is monotonic: clipping W clips the moment)
        w_seen_in=pl.when(pl.col("w_seen").is_not_null()).then(
            pl.min_horizontal(pl.max_horizontal("w_seen", "w_start"), "w_end")
        ),
    )
    tasks = tasks.with_columns(
        queue=(pl.col("w_seen_in") - pl.col("w_start")) / MS_PER_HOUR,
        work=(pl.col("w_end") - pl.col("w_seen_in")) / MS_PER_HOUR,
    )
    tasks = tasks.with_columns(off_hours=pl.col("elapsed") - pl.col("handling"))
    tasks = tasks.with_columns(
        sla_counted=pl.col("due").is_not_null()
        & (pl.col("acted_in_month") | (pl.col("open_at_end") & (pl.col("due") < month_end))),
        on_time=pl.col("acted_in_month") & (pl.col("acted") <= pl.col("due")).fill_null(False),
    )
    instances = facts.instances.with_columns(
        ended_in_month=pl.col("status").is_in(ENDED)
        & pl.col("end").is_between(month_start, month_end, closed="left").fill_null(False),
        open_at_end=(pl.col("start") < month_end) & (pl.col("end").is_null() | (pl.col("end") >= month_end)),
    )
    instances = _working(instances, calendar)
    sent_back = facts.sent_back.group_by("instance").agg(pl.len().alias("sent_back"))
    instances = (
        instances.join(_in_tasks(tasks, instances, calendar), on="instance", how="left")
        .join(_in_seen(tasks, instances, calendar), on="instance", how="left")
        .join(sent_back, on="instance", how="left")
        .join(_handoffs(tasks), on="instance", how="left")
        .with_columns(
            pl.col("sent_back").fill_null(0),
            pl.col("handoffs").fill_null(0),
            elapsed=(pl.col("end") - pl.col("start")) / MS_PER_HOUR,
            working=(pl.col("w_end") - pl.col("w_start")) / MS_PER_HOUR,
        )
        .with_columns(
            off_hours=pl.col("elapsed") - pl.col("working"),
            handling=pl.col("in_tasks").fill_null(0.0),
        )
        .with_columns(
            with_initiator=(pl.col("working") - pl.col("handling")).clip(lower_bound=0.0),
            # the split of ``handling``, for instances all of whose tasks were opened (``split``)
            split=pl.col("split").fill_null(True),
        )
        .with_columns(
            work=pl.when(pl.col("split")).then(pl.col("in_seen").fill_null(0.0)),
        )
        .with_columns(queue=pl.when(pl.col("split")).then((pl.col("handling") - pl.col("work")).clip(lower_bound=0.0)))
    )
    departments = facts.tasks.select("person", "department").unique("person")
    returns = facts.returns.join(matter_of, on="instance", how="inner").join(
        departments.rename({"person": "actor"}), on="actor", how="left"
    )
    return Spine(facts=facts, instances=instances, tasks=tasks, returns=returns)


def _working(frame: pl.DataFrame, calendar: WorkingCalendar) -> pl.DataFrame:
    """``w_start`` and ``w_end`` (and a task's ``w_seen``), unless the facts came with them (``facts.load_span``
    computes them once). Computed together: W counts from the first day of the moments it is given."""
    columns = ["start", "end"] + (["seen"] if "seen" in frame.columns else [])
    if {f"w_{c}" for c in columns} <= set(frame.columns):
        return frame
    return with_working(frame.drop([f"w_{c}" for c in columns], strict=False), columns, calendar)


def _task_spans(tasks: pl.DataFrame, instances: pl.DataFrame, start: pl.Expr) -> pl.DataFrame:
    """The intervals of the tasks of the instances ended in the month, from ``start`` to the task's end (cut at
    the instance's end), with whether the task was opened by its holder."""
    ends = instances.select("instance", pl.col("end").alias("instance_end"), "ended_in_month")
    return (
        tasks.join(ends.filter(pl.col("ended_in_month")), on="instance", how="inner")
        .select(
            "instance",
            start.alias("s"),
            pl.min_horizontal(pl.col("end").fill_null(pl.col("instance_end")), pl.col("instance_end")).alias("e"),
            pl.col("start").alias("reached"),
            pl.col("seen").is_not_null().alias("opened") if "seen" in tasks.columns else pl.lit(False).alias("opened"),
        )
        .filter(pl.col("e") > pl.col("reached"))
    )


def _in_tasks(tasks: pl.DataFrame, instances: pl.DataFrame, calendar: WorkingCalendar) -> pl.DataFrame:
    """Per instance: the working hours during which at least one of its tasks was in someone's hands (the
    union of the tasks' intervals, so a 会签's parallel signers count once), up to the instance's end."""
    spans = _task_spans(tasks, instances, pl.col("start"))
    return _union_hours(spans, calendar, "in_tasks")


def _in_seen(tasks: pl.DataFrame, instances: pl.DataFrame, calendar: WorkingCalendar) -> pl.DataFrame:
    """Per instance: the working hours during which at least one of its tasks had been opened by its holder and
    was not yet done (``in_seen``: the handling proper; the rest of ``in_tasks`` waited in a queue), and whether
    every task was opened (``split``: otherwise the instance has no split)."""
    if "seen" not in tasks.columns:
        return instances.select("instance", pl.lit(None, pl.Float64).alias("in_seen"), pl.lit(False).alias("split"))
    spans = _task_spans(tasks, instances, pl.max_horizontal("seen", "start"))
    split = spans.group_by("instance").agg(pl.col("opened").all().alias("split"))
    seen = _union_hours(spans.filter(pl.col("opened") & (pl.col("e") > pl.col("s"))), calendar, "in_seen")
    return split.join(seen, on="instance", how="left")


def _union_hours(spans: pl.DataFrame, calendar: WorkingCalendar, name: str) -> pl.DataFrame:
    """Per instance: the working hours covered by the union of its spans, swept without windows: each span's
    start counts +1 and its end −1, so, in the order of (instance, moment), the running sum is the number of the
    instance's spans open (it returns to 0 at each instance's last end) and every stretch to the next moment
    with a span open is covered; its working time is W(next) − W(this)."""
    spans = spans.select("instance", "s", "e").filter(pl.col("e") > pl.col("s"))
    points = pl.concat(
        [
            spans.select("instance", pl.col("s").alias("t"), pl.lit(1, pl.Int64).alias("step")),
            spans.select("instance", pl.col("e").alias("t"), pl.lit(-1, pl.Int64).alias("step")),
        ]
    ).sort("instance", "t")
    points = with_working(points, ["t"], calendar).with_columns(
        open=pl.col("step").cum_sum() > 0, w_next=pl.col("w_t").shift(-1)
    )
    return (
        points.filter(pl.col("open"))
        .group_by("instance")
        .agg(((pl.col("w_next") - pl.col("w_t")).sum() / MS_PER_HOUR).alias(name))
    )


def _handoffs(tasks: pl.DataFrame) -> pl.DataFrame:
    """Per instance: consecutive tasks (by the time they reached their holders) whose holders' departments
    differ — the seeds' cross-department communication cost."""
    return (
        tasks.filter(pl.col("department").is_not_null())
        .sort("instance", "start", "task_no")
        .with_columns(  # the previous row's, when of the same instance (sorted: no window needed)
            previous=pl.when(pl.col("instance") == pl.col("instance").shift(1)).then(pl.col("department").shift(1))
        )
        .group_by("instance")
        .agg((pl.col("previous").is_not_null() & (pl.col("previous") != pl.col("department"))).sum().alias("handoffs"))
    )


# --- the measures -----------------------------------------------------------------------------------------------
#
# Each measure is a lazy plan over the spine's frames (``_Lazy``); the public function collects it. The review
# builds every measure of a month (or of several months) as plans and collects them together (``pl.collect_all``):
# Polars then runs them as one query, sharing the filtered frames, instead of some 25 eager group-bys a month.


@dataclass
class _Lazy:
    """The spine's frames as lazy plans; ``months``: the frames of that many months stacked, each row with its
    month's index (``_m``), every measure grouped by it too (``reviews``)."""

    instances: pl.LazyFrame
    tasks: pl.LazyFrame
    returns: pl.LazyFrame
    months: int | None = None


_M = "_m"  # the month's index in stacked frames


def _lazy(spine: Spine) -> _Lazy:
    return _Lazy(spine.instances.lazy(), spine.tasks.lazy(), spine.returns.lazy())


def _stacked(spines: Sequence[Spine]) -> _Lazy:
    def stack(frames: list[pl.DataFrame]) -> pl.LazyFrame:
        return pl.concat([f.lazy().with_columns(pl.lit(i, pl.Int64).alias(_M)) for i, f in enumerate(frames)])

    return _Lazy(
        stack([s.instances for s in spines]),
        stack([s.tasks for s in spines]),
        stack([s.returns for s in spines]),
        months=len(spines),
    )


def _quantiles(column: str, prefix: str | None = None) -> list[pl.Expr]:
    name = prefix or column
    return [
        pl.col(column).quantile(q, interpolation="linear").round(2).alias(f"{name}_{label}") for label, q in QUANTILES
    ]


def _by(by: Sequence[str]) -> list[str]:
    unknown = set(by) - set(TASK_DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown dimensions {sorted(unknown)}")
    return list(by)


def _grouped(spine: _Lazy, frame: pl.LazyFrame, by: Sequence[str], *aggregations: pl.Expr) -> pl.LazyFrame:
    if spine.months is not None:  # stacked months: by month too, and a month with no rows has its one row of totals
        if by:
            keys = [_M, *by]
            return frame.group_by(keys, maintain_order=True).agg(*aggregations).sort(keys, nulls_last=True)
        every = pl.LazyFrame({_M: list(range(spine.months))}, schema={_M: pl.Int64})
        grouped = every.join(frame.group_by(_M).agg(*aggregations), on=_M, how="left", maintain_order="left")
        names = grouped.collect_schema().names()
        return grouped.with_columns(pl.col([c for c in (*_COUNTS, "_acted", "fp_ended") if c in names]).fill_null(0))
    if by:
        return frame.group_by(list(by), maintain_order=True).agg(*aggregations).sort(list(by), nulls_last=True)
    return frame.select(*aggregations)


def _turnaround(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    ended = spine.instances.filter(pl.col("ended_in_month"))
    return _grouped(
        spine,
        ended,
        _instance_by(by),
        pl.len().alias("ended"),
        *_quantiles("elapsed"),
        *_quantiles("handling"),
        *_quantiles("with_initiator"),
        *_quantiles("off_hours"),
        pl.col("split").sum().alias("split_ended"),
        *_quantiles("queue"),
        *_quantiles("work"),
    )


def turnaround(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Instances ended in the month (approved or rejected): ``ended``, and P50/P90 of the elapsed time from
    submission to end, split into ``handling`` (working hours with a task in someone's hands),
    ``with_initiator`` (working hours with no task open: back with the initiator after a return) and
    ``off_hours`` (outside working time). Of the instances all of whose tasks were opened by their holders
    (``split_ended``), ``handling`` splits further into ``queue`` (no task in hand opened yet: waiting in the
    holders' queues) and ``work`` (at least one opened and not yet done)."""
    return _turnaround(_lazy(spine), by).collect()


def _instance_by(by: Sequence[str]) -> list[str]:
    if set(by) - {"matter"}:
        raise ValueError("instance measures group by matter only")
    return list(by)


def _task_times(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    acted = spine.tasks.filter(pl.col("acted_in_month"))
    return _grouped(
        spine,
        acted,
        _by(by),
        pl.len().alias("acted"),
        *_quantiles("elapsed"),
        *_quantiles("handling"),
        *_quantiles("off_hours"),
        *_quantiles("queue"),
        *_quantiles("work"),
    )


def task_times(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Tasks acted in the month: ``acted``, P50/P90 of ``elapsed`` (reached the holder → acted), its working
    part ``handling`` and its ``off_hours``; of those opened by their holder first, ``handling`` split into
    ``queue`` (reached → opened) and ``work`` (opened → acted)."""
    return _task_times(_lazy(spine), by).collect()


def _seen_share(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    acted = spine.tasks.filter(pl.col("acted_in_month"))
    frame = _grouped(
        spine, acted, _by(by), pl.len().alias("_acted"), pl.col("queue").is_not_null().sum().alias("seen_acted")
    )
    return frame.with_columns(seen_rate=_rate("seen_acted", "_acted")).drop("_acted")


def seen_share(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Tasks acted in the month that their holder had opened first (``seen_acted``: those with the queue /
    handling split) and their share of the acted tasks (``seen_rate``, %); the rest predate the record or were
    acted without opening the request (from a list, or by another system)."""
    return _seen_share(_lazy(spine), by).collect()


def _sla(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    counted = spine.tasks.filter(pl.col("sla_counted"))
    frame = _grouped(spine, counted, _by(by), pl.len().alias("sla_due"), pl.col("on_time").sum().alias("sla_on_time"))
    return frame.with_columns(sla_rate=_rate("sla_on_time", "sla_due"))


def sla(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Tasks with a due time that were acted in the month or were still open and past due at its end:
    ``sla_due`` of them, ``sla_on_time`` acted by the due time, ``sla_rate`` (%)."""
    return _sla(_lazy(spine), by).collect()


def _rate(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then((pl.col(part) * 100 / pl.col(whole)).round(1)).otherwise(None)


def _throughput(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    ended = spine.instances.filter(pl.col("ended_in_month"))
    return _grouped(
        spine,
        ended,
        _instance_by(by),
        pl.len().alias("throughput"),
        (pl.col("status") == "approved").sum().alias("approved"),
    )


def throughput(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Instances ended in the month (approved or rejected), and how many of them were approved."""
    return _throughput(_lazy(spine), by).collect()


def _backlog(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    return _grouped(spine, spine.instances.filter(pl.col("open_at_end")), _instance_by(by), pl.len().alias("backlog"))


def backlog(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Instances open at the month's end (submitted before it, not ended by it; now, for the open month)."""
    return _backlog(_lazy(spine), by).collect()


def _task_backlog(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    return _grouped(spine, spine.tasks.filter(pl.col("open_at_end")), _by(by), pl.len().alias("open_tasks"))


def task_backlog(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Tasks in someone's hands at the month's end."""
    return _task_backlog(_lazy(spine), by).collect()


def _returns(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    frame = spine.returns.rename({"actor": "person"})
    return _grouped(spine, frame, _by(by), pl.len().alias("returns"))


def returns(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """退回 made in the month (each with its reason), by where and by whom they were made."""
    return _returns(_lazy(spine), by).collect()


def return_reasons(spine: Spine) -> pl.DataFrame:
    """The month's 退回 with their reasons, latest first."""
    return spine.returns.sort("at", "instance", "seq", descending=True)


def _first_pass(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    ended = spine.instances.filter(pl.col("ended_in_month"))
    frame = _grouped(
        spine,
        ended,
        _instance_by(by),
        pl.len().alias("fp_ended"),
        (pl.col("sent_back") == 0).sum().alias("first_pass"),
    )
    return frame.with_columns(first_pass_rate=_rate("first_pass", "fp_ended")).drop("fp_ended")


def first_pass(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Instances ended in the month: ``first_pass`` of them were never sent back (no return to the initiator or
    to an earlier node, by 退回, 驳回 or a timeout), ``first_pass_rate`` (%) — the first-pass yield."""
    return _first_pass(_lazy(spine), by).collect()


def _handoffs_measure(spine: _Lazy, by: Sequence[str] = ()) -> pl.LazyFrame:
    ended = spine.instances.filter(pl.col("ended_in_month"))
    return _grouped(
        spine,
        ended,
        _instance_by(by),
        pl.col("handoffs").sum().alias("handoffs"),
        pl.col("handoffs").mean().round(2).alias("handoffs_mean"),
        (pl.col("handoffs") > 0).sum().alias("handed_off"),
    )


def handoffs(spine: Spine, by: Sequence[str] = ()) -> pl.DataFrame:
    """Instances ended in the month: hand-offs between departments (consecutive tasks whose holders'
    departments differ), in all, per instance on average, and the instances with at least one."""
    return _handoffs_measure(_lazy(spine), by).collect()


# --- the review: every measure by every dimension, as plain data (cached per closed month) -----------------------

# Raised whenever a measure's definition changes: cached months computed by an older one are recomputed.
COMPUTATION_VERSION = 2  # 2: the queue / handling split (Task.seen_at)

INSTANCE_MEASURES = (_turnaround, _throughput, _backlog, _first_pass, _handoffs_measure)
TASK_MEASURES = (_task_times, _seen_share, _sla, _task_backlog, _returns)
# A matter type's row (and the whole unit's) times instances, not tasks: its task measures are the counts.
MATTER_TASK_MEASURES = (_seen_share, _sla, _task_backlog, _returns)
_COUNTS = (
    "ended",
    "throughput",
    "approved",
    "backlog",
    "first_pass",
    "handoffs",
    "handed_off",
    "split_ended",
    "seen_acted",
    "acted",
    "sla_due",
    "sla_on_time",
    "open_tasks",
    "returns",
)


def _merge(spine: _Lazy, frames: list[pl.LazyFrame], on: list[str]) -> pl.LazyFrame:
    if spine.months is not None:  # stacked months: each frame has its month's index, and the total a row a month
        keys = [_M, *on]
        merged = frames[0]
        for frame in frames[1:]:
            merged = merged.join(frame, on=keys, how="full", coalesce=True, nulls_equal=True)
        if not on:
            return merged
        names = merged.collect_schema().names()
        counts = [c for c in _COUNTS if c in names]
        return merged.with_columns(pl.col(counts).fill_null(0)).sort(keys, nulls_last=True)
    if not on:
        return pl.concat(frames, how="horizontal")
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.join(frame, on=on, how="full", coalesce=True, nulls_equal=True)
    names = merged.collect_schema().names()
    counts = [c for c in _COUNTS if c in names]
    return merged.with_columns(pl.col(counts).fill_null(0)).sort(on, nulls_last=True)


_PARTS = ("total", "matters", "nodes", "departments", "people", "reasons")


def _review_plans(lazy: _Lazy) -> list[pl.LazyFrame]:
    """The review's tables as lazy plans, in the order of ``_PARTS`` (stacked months: each row with ``_m``)."""
    month = [_M] if lazy.months is not None else []
    total = _merge(lazy, [m(lazy) for m in INSTANCE_MEASURES] + [m(lazy) for m in MATTER_TASK_MEASURES], [])
    matters = _merge(
        lazy,
        [m(lazy, ["matter"]) for m in INSTANCE_MEASURES] + [m(lazy, ["matter"]) for m in MATTER_TASK_MEASURES],
        ["matter"],
    )
    names = lazy.tasks.group_by(*month, "matter", "node").agg(pl.col("node_name").last())
    nodes = _merge(lazy, [m(lazy, ["matter", "node"]) for m in TASK_MEASURES], ["matter", "node"]).join(
        names, on=[*month, "matter", "node"], how="left", maintain_order="left"
    )
    departments = _merge(lazy, [m(lazy, ["department"]) for m in TASK_MEASURES], ["department"])
    people = _merge(lazy, [m(lazy, ["person"]) for m in TASK_MEASURES], ["person"])
    order = ["at", "instance", "seq"]
    reasons = lazy.returns.sort([*month, *order], descending=[False] * len(month) + [True] * len(order)).select(
        *month, "instance", "matter", "node", pl.col("actor").alias("person"), "department", "comment", "at"
    )
    return [total, matters, nodes, departments, people, reasons]


# What the review's measures read of a month's spine (``for_review``).
_INSTANCE_COLUMNS = (
    "matter",
    "status",
    "ended_in_month",
    "open_at_end",
    "elapsed",
    "handling",
    "with_initiator",
    "off_hours",
    "split",
    "queue",
    "work",
    "sent_back",
    "handoffs",
)
_TASK_COLUMNS = (
    "matter",
    "node",
    "node_name",
    "department",
    "person",
    "acted_in_month",
    "open_at_end",
    "sla_counted",
    "on_time",
    "elapsed",
    "handling",
    "off_hours",
    "queue",
    "work",
)


def for_review(spine: Spine) -> Spine:
    """The spine with only what ``review`` reads: the columns its measures group and aggregate, and the facts'
    month and names without their frames — so that twelve months' spines held at once for ``reviews`` take a
    few tens of MiB, not the hundreds of their whole frames."""
    facts = spine.facts
    bare = replace(
        facts,
        instances=facts.instances.clear(),
        tasks=facts.tasks.clear(),
        returns=facts.returns.clear(),
        sent_back=facts.sent_back.clear(),
    )
    return Spine(
        facts=bare,
        instances=spine.instances.select(_INSTANCE_COLUMNS),
        tasks=spine.tasks.select(_TASK_COLUMNS),
        returns=spine.returns,
    )


def _review_data(spine: Spine, frames: Sequence[pl.DataFrame]) -> dict[str, Any]:
    facts = spine.facts
    tables = dict(zip(_PARTS, frames, strict=True))
    return {
        "version": COMPUTATION_VERSION,
        "month": facts.month.text,
        "unit": facts.unit_id,
        "total": tables["total"].to_dicts()[0],
        "matters": tables["matters"].to_dicts(),
        "nodes": tables["nodes"].to_dicts(),
        "departments": tables["departments"].to_dicts(),
        "people": tables["people"].to_dicts(),
        "reasons": tables["reasons"].to_dicts(),
        "names": {
            "matters": facts.matters,
            "departments": {str(k): v for k, v in facts.departments.items()},
            "people": {str(k): v for k, v in facts.people.items()},
        },
    }


def review(spine: Spine) -> dict[str, Any]:
    """The month's review as plain data: totals, per matter type, per node, per department, per person, and
    the returns with their reasons (every table a lazy plan, collected together)."""
    return _review_data(spine, pl.collect_all(_review_plans(_lazy(spine))))


# Months stacked at once: at a million events four months' stacked frames and their group-bys peak some 20 MiB
# lower than twelve months' (the review's memory target is half of pm4py's), in the same time.
STACKED_MONTHS = 4


def reviews(spines: Sequence[Spine]) -> list[dict[str, Any]]:
    """The reviews of several months, each equal to ``review`` of its spine: the months' frames stacked
    (``STACKED_MONTHS`` at a time, each row with its month's index) and every measure grouped by the month too,
    so that each of the review's group-bys runs once for those months instead of once a month (at a million
    events, twelve months' reviews were about 1,700 separate Polars operations)."""
    if len(spines) <= 1:
        return [review(spine) for spine in spines]
    if len(spines) > STACKED_MONTHS:
        return [r for i in range(0, len(spines), STACKED_MONTHS) for r in reviews(spines[i : i + STACKED_MONTHS])]
    tables = pl.collect_all(_review_plans(_stacked(spines)))
    parts = [table.partition_by(_M, as_dict=True, include_key=False) for table in tables]
    empty = [table.clear().drop(_M) for table in tables]
    return [
        _review_data(spine, [part.get((i,), blank) for part, blank in zip(parts, empty, strict=True)])
        for i, spine in enumerate(spines)
    ]


# --- drill-downs: the instances behind a figure --------------------------------------------------------------

INSTANCE_FIGURES = {
    "ended": pl.col("ended_in_month"),
    "backlog": pl.col("open_at_end"),
    "sent_back": pl.col("ended_in_month") & (pl.col("sent_back") > 0),
    "handoffs": pl.col("ended_in_month") & (pl.col("handoffs") > 0),
}
TASK_FIGURES = {
    "acted": pl.col("acted_in_month"),
    "unseen": pl.col("acted_in_month") & pl.col("queue").is_null(),
    "sla_due": pl.col("sla_counted"),
    "sla_missed": pl.col("sla_counted") & ~pl.col("on_time"),
    "open_tasks": pl.col("open_at_end"),
}
FIGURES = (*INSTANCE_FIGURES, *TASK_FIGURES, "returns")


def instances_behind(spine: Spine, figure: str, filters: dict[str, Any]) -> list[int]:
    """The ids of the instances behind ``figure`` (one of ``FIGURES``) under ``filters`` (dimension → value),
    in the order the figure's rows were made (latest first)."""
    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure}")
    wanted = [pl.col(k) == v for k, v in filters.items() if k in TASK_DIMENSIONS]
    if figure in INSTANCE_FIGURES:
        if set(filters) - {"matter"}:
            return []
        frame = spine.instances.filter(INSTANCE_FIGURES[figure], *wanted).sort("start", descending=True)
    elif figure == "returns":
        frame = spine.returns.rename({"actor": "person"}).filter(*wanted).sort("at", descending=True)
    else:
        frame = spine.tasks.filter(TASK_FIGURES[figure], *wanted).sort("start", descending=True)
    return [int(i) for i in frame["instance"].unique(maintain_order=True).to_list()]

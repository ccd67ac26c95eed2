"""The spine of every measure: one month's facts of one unit as columnar frames (Polars).

Each table is read with one statement (counted by ``CaptureQueriesContext``): only the narrow columns the
measures need, times as epoch milliseconds computed by the database, moved in columnar form by ``reader.fetch``
(PostgreSQL's ``COPY``, SQLite's file through the ADBC driver into Arrow) from the database the router reads
from (a read replica where one is configured, outside a transaction). Nothing below
loops over rows in Python; the working calendar becomes a small per-day table (one row per calendar day of the
span) that the frames index.

Why Polars (not DuckDB): it takes the database's columns with no further dependency (no pyarrow: Arrow's
C stream interface; DuckDB's sqlite/postgres extensions are downloaded at run time).

The frames (all times in epoch ms, UTC):

- ``instances``: the unit's submitted instances alive during the month (created before its end, not ended
  before its start): ``instance, definition, matter, status, initiator, start`` (the first submission),
  ``end``;
- ``tasks``: their approval and handling tasks (抄送/备案 notices never block and are left out), with
  ``start`` (when the task reached its holder: created, or opened later for a 依次 signer), ``end`` (acted,
  or cancelled: the event that cancelled it), the holder's ``department`` and ``auto`` (passed by the engine's
  same-approver rules, no person's work);
- ``returns``: the month's 退回 (``task_returned``) with their reasons, and ``sent_back``: every ``returned``
  event of those instances (any return: 退回, 驳回 sent back, a timeout).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import polars as pl
from django.conf import settings
from django.db.models import BooleanField, Case, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from sanfu.insights.reader import cancels_tasks, fetch, is_postgresql, ms, task_times
from sanfu.org.calendar import WorkingCalendar
from sanfu.org.models import CalendarDay, DayKind, Post
from sanfu.workflow.models import TODO_KINDS, Instance, InstanceEvent, InstanceStatus, ProcessDefinition, Task

MS_PER_HOUR = 3_600_000


@dataclass(frozen=True)
class Month:
    """A calendar month in the office's time zone, with its bounds in epoch ms."""

    year: int
    month: int

    @property
    def text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def starts(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))

    def ends(self) -> datetime:
        return self.next.starts()

    @property
    def bounds_ms(self) -> tuple[int, int]:
        return int(self.starts().timestamp() * 1000), int(self.ends().timestamp() * 1000)


def calendar_version(calendar_rows: list[tuple[date, str]]) -> str:
    """A fingerprint of the working calendar: the administrator's table and the statutory package's version.
    A cached month computed under another calendar is stale."""
    text = f"{chinese_calendar.__version__}|" + ";".join(f"{d.isoformat()}={k}" for d, k in sorted(calendar_rows))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def calendar_rows() -> list[tuple[date, str]]:
    return list(CalendarDay.objects.values_list("date", "kind"))


def working_calendar_of(rows: list[tuple[date, str]]) -> WorkingCalendar:
    """``org.selectors.working_calendar`` from rows already read (one query serves the fingerprint too)."""
    return WorkingCalendar(overrides={d: kind == DayKind.WORKDAY for d, kind in rows})


@dataclass
class Facts:
    unit_id: int
    month: Month
    instances: pl.DataFrame
    tasks: pl.DataFrame
    returns: pl.DataFrame
    sent_back: pl.DataFrame
    matters: dict[str, str]  # definition key → name (of its latest version)
    people: dict[int, str]
    departments: dict[int, str]
    calendar: WorkingCalendar

    @property
    def bounds(self) -> tuple[int, int]:
        return self.month.bounds_ms


def load(*, unit_id: int, month: Month, calendar: WorkingCalendar) -> Facts:
    """Read the month's facts of ``unit_id`` (six statements, however many rows)."""
    return load_span(unit_id=unit_id, first=month, last=month, calendar=calendar).month(month)


@dataclass
class SpanFacts:
    """The facts of every instance alive during a span of months, read once; ``month`` slices one month out of
    them exactly as ``load`` would read it (an instance's tasks and events do not depend on the month)."""

    unit_id: int
    instances: pl.DataFrame  # with ``created`` (ms) kept for the slicing
    tasks: pl.DataFrame
    events: pl.DataFrame  # task_returned and returned events only
    definitions: pl.DataFrame  # definition, key, version, name
    people: dict[int, str]
    departments: dict[int, str]
    calendar: WorkingCalendar

    def month(self, month: Month) -> Facts:
        month_start, month_end = month.bounds_ms
        alive = self.instances.filter(
            (pl.col("created") < month_end) & (pl.col("end").is_null() | (pl.col("end") >= month_start))
        )
        ids = alive.select("instance")
        mine = self.events.join(ids, on="instance", how="semi", maintain_order="left")
        matters: dict[str, str] = {}
        used = self.definitions.join(alive.select("definition").unique(), on="definition", how="semi")
        for key, name in used.sort("key", "version").select("key", "name").iter_rows():  # the latest version wins
            matters[key] = name
        return Facts(
            unit_id=self.unit_id,
            month=month,
            instances=alive.drop("created"),
            tasks=self.tasks.join(ids, on="instance", how="semi", maintain_order="left"),
            returns=mine.filter(
                (pl.col("type") == "task_returned") & pl.col("at").is_between(month_start, month_end, closed="left")
            ).select("instance", "seq", "actor", "node", "comment", "at"),
            sent_back=mine.filter(pl.col("type") == "returned").select("instance", "at"),
            matters=matters,
            people=self.people,
            departments=self.departments,
            calendar=self.calendar,
        )


def load_span(*, unit_id: int, first: Month, last: Month, calendar: WorkingCalendar) -> SpanFacts:
    """Read the facts of ``unit_id`` for every month from ``first`` to ``last`` at once (six statements): what
    computes several months reads each instance once instead of once per month it is alive in."""
    span_start, span_end = first.starts(), last.ends()
    alive = (
        Instance.objects.filter(unit_id=unit_id, created_at__lt=span_end)
        .exclude(status=InstanceStatus.DRAFT)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=span_start))
    )
    log = read_log(
        alive,
        unit_id=unit_id,
        task_extra=[(ms("seen_at"), "seen", pl.Int64)],  # first opened by its holder (empty: not recorded)
        event_types=("submitted", "task_returned", "returned"),
        event_columns=["node", "comment"],
    )
    posts = log.posts
    definitions = fetch(
        ProcessDefinition.objects.filter(pk__in=log.instances["definition"].unique().to_list())  # a handful
        .order_by()
        .values_list("pk", "key", "version", "name"),
        [("definition", pl.Int64), ("key", pl.String), ("version", pl.Int64), ("name", pl.String)],
    )
    tasks = log.tasks.join(posts.select("person", "department"), on="person", how="left")
    # Working times once for the span (a month's spine takes differences of them, whatever day they count from).
    return SpanFacts(
        unit_id=unit_id,
        instances=with_working(log.instances, ["start", "end"], calendar),
        tasks=with_working(tasks, ["start", "end", "seen"], calendar),
        events=log.events.filter(pl.col("type").is_in(("task_returned", "returned"))).drop("text"),
        definitions=definitions,
        people=dict(zip(posts["person"].to_list(), posts["person_name"].to_list(), strict=True)),
        departments=dict(zip(posts["department"].to_list(), posts["department_name"].to_list(), strict=True)),
        calendar=calendar,
    )


Column = tuple[Any, str, Any]  # what to read (a field name or an expression), its name in the frame, its type


@dataclass
class Log:
    """What ``read_log`` reads: the chosen instances, their tasks, their events, the unit's people."""

    instances: pl.DataFrame
    tasks: pl.DataFrame
    events: pl.DataFrame
    posts: pl.DataFrame


def read_log(
    chosen: QuerySet[Instance],
    *,
    unit_id: int,
    instance_extra: Sequence[Column] = (),
    task_extra: Sequence[Column] = (),
    event_types: tuple[str, ...],
    event_columns: list[str],
    new_tasks_of: tuple[str, ...] = (),
) -> Log:
    """The loader of the review (``load_span``: the instances alive in a span) and of the advice
    (``period.load``: those submitted in a period); four statements:

    - ``instances``: ``instance, definition, matter, status, initiator``, the ``instance_extra`` columns,
      ``start`` (the first submission: a resubmission after a return moves ``submitted_at``), ``end`` and
      ``created``;
    - ``tasks``: their approval and handling tasks (抄送/备案 notices never block and are left out) —
      ``instance, task_no, node, node_name, person, status, created, due, acted``, the ``task_extra`` columns —
      with ``start``, ``end`` and ``auto`` (``reader.task_times``);
    - ``events``: ``read_events`` of ``event_types`` with ``event_columns`` (and ``new_tasks``, the JSON of the
      tasks made by the events of ``new_tasks_of``);
    - ``posts``: the unit's people in their primary posts (``person, person_name, department,
      department_name``)."""
    instances = fetch(
        chosen.order_by().values_list(
            "pk",
            "definition_id",
            "definition__key",
            "status",
            "initiator_id",
            *(c[0] for c in instance_extra),
            ms("created_at"),
            ms("ended_at"),
        ),
        [
            ("instance", pl.Int64),
            ("definition", pl.Int64),
            ("matter", pl.String),
            ("status", pl.String),
            ("initiator", pl.Int64),
            *((name, kind) for _, name, kind in instance_extra),
            ("start", pl.Int64),
            ("end", pl.Int64),
        ],
    )
    ids = chosen.values("pk")
    tasks = fetch(
        Task.objects.filter(_among(ids, instances, "workflow_task"), kind__in=TODO_KINDS)
        .order_by()
        .values_list(
            "instance_id",
            "task_no",
            "node",
            "node_name",
            "assignee_id",
            "status",
            ms("created_at"),
            ms("due_at"),
            ms("acted_at"),
            *(c[0] for c in task_extra),
        ),
        [
            ("instance", pl.Int64),
            ("task_no", pl.Int64),
            ("node", pl.String),
            ("node_name", pl.String),
            ("person", pl.Int64),
            ("status", pl.String),
            ("created", pl.Int64),
            ("due", pl.Int64),
            ("acted", pl.Int64),
            *((name, kind) for _, name, kind in task_extra),
        ],
    )
    events = read_events(ids, instances, event_types, event_columns, tasks=tasks, new_tasks_of=new_tasks_of)
    posts = fetch(
        Post.objects.filter(is_primary=True, staff__unit_id=unit_id)
        .order_by()
        .values_list("staff__user_id", "staff__user__full_name", "department_id", "department__name"),
        [("person", pl.Int64), ("person_name", pl.String), ("department", pl.Int64), ("department_name", pl.String)],
    )
    submitted = events.filter(pl.col("type") == "submitted").group_by("instance").agg(pl.col("at").min())
    instances = (
        instances.join(submitted, on="instance", how="left", maintain_order="left")
        .with_columns(created=pl.col("start"), start=pl.coalesce("at", "start"))
        .drop("at")
    )
    return Log(instances=instances, tasks=task_times(tasks, events), events=events, posts=posts)


# Up to this many instances PostgreSQL is sent their ids (a month has about 11,000, a year about 134,000 at a
# million events: a literal array of ~1 MB, parsed in ~0.1 s, where each statement's own condition on the instances
# re-read the 170 MB instance table by a sequential scan, 0.15-0.4 s a statement).
ID_ARRAY_MAX = 400_000


def _among(ids: QuerySet[Any], instances: pl.DataFrame, table: str) -> Q:
    """A row of ``table`` (tasks, events) of the chosen instances. PostgreSQL, for up to ``ID_ARRAY_MAX`` of
    them, is sent the ids already read (``instance_id = ANY(%s::bigint[])``), so that no statement evaluates the
    instances' condition again: for a month, the event key's index (the planner, misjudging how many instances
    the month's condition keeps, hash-joined a scan of every event); for a year, one scan of the table tested
    against the hashed array (the condition re-read the whole instance table by a sequential scan for every
    statement); otherwise, and on SQLite (which reads the instances from the covering index), the instances'
    condition as a subquery."""
    if not is_postgresql() or instances.height > ID_ARRAY_MAX:
        return Q(instance_id__in=ids)
    column = {
        "workflow_task": '"workflow_task"."instance_id"',
        "workflow_instanceevent": '"workflow_instanceevent"."instance_id"',
    }[table]
    return Q(RawSQL(column + _any_of(instances.height), (_id_array(instances),), output_field=BooleanField()))  # noqa: S611  # nosec B611


INDEX_IDS_MAX = 30_000  # up to this many ids PostgreSQL is steered to the instance key's index (a month's 11,000)


def _any_of(count: int) -> str:
    """``= ANY(…)`` of an array literal of ``count`` ids, in the form that gives PostgreSQL's planner the plan that
    measured faster: for a month's few thousand, the literal behind a subquery (``ARRAY(SELECT unnest(…))``, a
    value the planner does not see), so that it reads the rows through the instance key's index (events: 138 ms;
    seeing the constant, it chose a scan of all the events against the hashed array, 250–380 ms); for a year's
    hundred thousand, the constant itself, tested by hashing in one scan of the table (the index: 1.4 s, the
    scan: 0.9 s)."""
    return " = ANY(ARRAY(SELECT unnest(%s::bigint[])))" if count <= INDEX_IDS_MAX else " = ANY(%s::bigint[])"


def _id_array(instances: pl.DataFrame) -> str:
    """The instances' ids as one array literal (``{1,2,…}``): one constant for the parser and the planner (which
    tests it by hashing), where a list sent as a parameter was bound as an ``ARRAY[…]`` of as many constants
    (a year's 134,000 ids took seconds to parse under ``COPY``)."""
    return "{" + ",".join(map(str, instances["instance"].to_list())) + "}"


def read_events(
    ids: QuerySet[Any],
    instances: pl.DataFrame,
    types: tuple[str, ...],
    columns: list[str],
    *,
    tasks: pl.DataFrame,
    new_tasks_of: tuple[str, ...] = (),
) -> pl.DataFrame:
    """The events of the instances ``ids`` (read as the frame ``instances``) of ``types`` and ``tasks_opened``, and
    every event of those instances that cancels a task: ``instance, seq, type, actor``, the event's ``columns``,
    ``at`` and ``text``, the JSON of its ``set_tasks`` where it opens or cancels tasks (what ``reader.task_times``
    reads), empty for the rest — the JSON of a few thousand events, not of every one. One statement of two parts:
    the events by type, and those that cancel tasks (with their type left empty: they are there for
    ``reader.task_times``, and may repeat an event of the first). A task is cancelled only while live and stays
    cancelled, so an event cancels one only in an instance that has a cancelled task: the JSON is searched in
    those instances alone (those with a cancelled task among ``tasks``, the instances' approval and handling
    tasks already read: an event that cancels only 抄送/备案 notices changes none of their times), through the
    event key's index."""
    schema = [
        ("instance", pl.Int64),
        ("seq", pl.Int64),
        ("type", pl.String),
        ("actor", pl.Int64),
        *((c, pl.Int64 if c == "task_no" else pl.String) for c in columns),
        ("at", pl.Int64),
        ("text", pl.String),
        *([("new_tasks", pl.String)] if new_tasks_of else []),
    ]
    set_tasks = _json_text("set_tasks")
    cancelled = tasks.filter(pl.col("status") == "cancelled")["instance"].unique().sort().to_list()
    new_tasks = (
        [Case(When(type__in=new_tasks_of, then=_json_text("new_tasks")), default=Value(""), output_field=TextField())]
        if new_tasks_of
        else []
    )
    typed = (
        InstanceEvent.objects.filter(
            _among(ids, instances, "workflow_instanceevent"), type__in=(*types, "tasks_opened")
        )
        .order_by()
        .values_list(
            "instance_id",
            "seq",
            "type",
            "actor_id",
            *columns,
            ms("at"),
            Case(When(type="tasks_opened", then=set_tasks), default=Value(""), output_field=TextField()),
            *new_tasks,
        )
    )
    cancelling = (
        InstanceEvent.objects.filter(_in_instances(cancelled))
        .annotate(text=Cast("changes", TextField()))  # what SQLite's ``_cancels_tasks`` searches
        .filter(cancels_tasks())
        .order_by()
        .values_list(
            "instance_id", "seq", Value(""), "actor_id", *columns, ms("at"), set_tasks, *(Value("") for _ in new_tasks)
        )
    )
    events = fetch(typed.union(cancelling, all=True), schema)
    kept = pl.col("type") != ""
    return events.filter(kept | pl.col("instance").is_in(instances["instance"].implode()))


def _in_instances(instances: list[int]) -> Q:
    """An event of one of ``instances`` (those with a cancelled task: a few hundred a month, a few thousand a
    year), found through the event key's index; the ids are sent as one value, a PostgreSQL array literal or a
    JSON list SQLite unpacks (``json_each``)."""
    if is_postgresql():
        ids = "{" + ",".join(map(str, instances)) + "}"
        sql = '"workflow_instanceevent"."instance_id" = ANY(ARRAY(SELECT unnest(%s::bigint[])))'  # by the index
    else:
        ids = "[" + ",".join(map(str, instances)) + "]"
        sql = '"workflow_instanceevent"."instance_id" IN (SELECT "value" FROM json_each(%s))'
    return Q(RawSQL(sql, (ids,), output_field=BooleanField()))  # noqa: S611  # nosec B611 - one of two constant texts


def _json_text(key: str) -> RawSQL:
    """An event's ``changes[key]`` (``set_tasks`` or ``new_tasks``) as JSON text, never NULL: the ADBC driver
    types a column from its first rows."""
    postgresql = is_postgresql()
    if key == "set_tasks" and postgresql:
        sql = """COALESCE(("workflow_instanceevent"."changes" -> 'set_tasks')::text, '')"""
    elif key == "set_tasks":
        sql = """COALESCE("workflow_instanceevent"."changes" ->> '$.set_tasks', '')"""
    elif key == "new_tasks" and postgresql:
        sql = """COALESCE(("workflow_instanceevent"."changes" -> 'new_tasks')::text, '')"""
    elif key == "new_tasks":
        sql = """COALESCE("workflow_instanceevent"."changes" ->> '$.new_tasks', '')"""
    else:
        raise ValueError(key)
    return RawSQL(sql, (), output_field=TextField())  # noqa: S611  # nosec B611 - one of the four constant texts above


# --- working time on the calendar ---------------------------------------------------------------------------


def day_table(calendar: WorkingCalendar, first: date, last: date) -> pl.DataFrame:
    """One row per calendar day in [first, last]: whether it is a working day and the working milliseconds of
    the days before it in the span (a loop over days, not over rows)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    per_day = office_ms(calendar)
    working = [calendar.is_workday(d) for d in days]
    cumulative = [0]
    for w in working[:-1]:
        cumulative.append(cumulative[-1] + (per_day if w else 0))
    return pl.DataFrame(
        {"day": days, "workday": working, "before": cumulative},
        schema={"day": pl.Date, "workday": pl.Boolean, "before": pl.Int64},
    )


def office_ms(calendar: WorkingCalendar) -> int:
    return sum(_clock_ms(end) - _clock_ms(start) for start, end in calendar.periods)


def _clock_ms(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1000


def with_working(frame: pl.DataFrame, columns: list[str], calendar: WorkingCalendar) -> pl.DataFrame:
    """Add ``w_<column>`` for each epoch-ms column: the working milliseconds from the start of the span to that
    moment (W(t)), so the working time between two moments is W(b) − W(a) and the rest of the elapsed time is
    off-hours. A missing moment stays missing."""
    lo, hi = frame.select(
        pl.min_horizontal(*(pl.col(c).min() for c in columns)).alias("lo"),
        pl.max_horizontal(*(pl.col(c).max() for c in columns)).alias("hi"),
    ).row(0)
    if lo is None:
        return frame.with_columns(*(pl.lit(None, pl.Int64).alias(f"w_{c}") for c in columns))
    zone = ZoneInfo(settings.TIME_ZONE)
    first = datetime.fromtimestamp(int(lo) / 1000, tz=zone).date()
    last = datetime.fromtimestamp(int(hi) / 1000, tz=zone).date()
    days = day_table(calendar, first, last)
    offset = _fixed_offset_ms(settings.TIME_ZONE, first, last)
    if offset is None:  # the zone changes its offset in the span (daylight saving): by the zone's rules
        return _with_working_zoned(frame, columns, calendar, days)
    # One offset all along: local time is plain arithmetic, and the day's row is found by its position.
    first_day = (first - date(1970, 1, 1)).days
    before, workday = days["before"], days["workday"]
    added = []
    for column in columns:
        local = pl.col(column) + offset
        day = local // MS_PER_DAY - first_day
        clock = local - (local // MS_PER_DAY) * MS_PER_DAY
        inside = pl.sum_horizontal(
            *((clock - _clock_ms(start)).clip(0, _clock_ms(end) - _clock_ms(start)) for start, end in calendar.periods)
        )
        added.append(
            pl.when(pl.col(column).is_null())
            .then(None)
            .otherwise(pl.lit(before).gather(day) + pl.when(pl.lit(workday).gather(day)).then(inside).otherwise(0))
            .alias(f"w_{column}")
        )
    return frame.with_columns(added)


MS_PER_DAY = 86_400_000


@lru_cache(maxsize=64)
def _fixed_offset_ms(zone_name: str, first: date, last: date) -> int | None:
    """The zone's UTC offset (ms) when it is the same at every midnight and noon from the day before ``first``
    to the day after ``last``; None when it changes (the zone's rules then convert each moment)."""
    zone = ZoneInfo(zone_name)
    offsets = {
        datetime.combine(first + timedelta(days=i), moment, tzinfo=zone).utcoffset()
        for i in range(-1, (last - first).days + 2)
        for moment in (time(0), time(12))
    }
    if len(offsets) != 1:
        return None
    (only,) = offsets
    return None if only is None else int(only.total_seconds() * 1000)


def _with_working_zoned(
    frame: pl.DataFrame, columns: list[str], calendar: WorkingCalendar, days: pl.DataFrame
) -> pl.DataFrame:
    for column in columns:
        local = pl.from_epoch(pl.col(column), time_unit="ms").dt.replace_time_zone("UTC")
        local = local.dt.convert_time_zone(settings.TIME_ZONE)
        clock = (
            local.dt.hour().cast(pl.Int64) * 3_600_000
            + local.dt.minute().cast(pl.Int64) * 60_000
            + local.dt.second().cast(pl.Int64) * 1000
            + local.dt.millisecond().cast(pl.Int64)
        )
        inside = pl.sum_horizontal(
            *((clock - _clock_ms(start)).clip(0, _clock_ms(end) - _clock_ms(start)) for start, end in calendar.periods)
        )
        frame = (
            frame.with_columns(local.dt.date().alias("_day"), inside.alias("_in"))
            .join(days, left_on="_day", right_on="day", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col(column).is_null())
                .then(None)
                .otherwise(pl.col("before") + pl.when(pl.col("workday")).then(pl.col("_in")).otherwise(0))
                .alias(f"w_{column}")
            )
            .drop("_day", "_in", "before", "workday")
        )
    return frame

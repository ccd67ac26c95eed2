"""The facts streamlining advice reads: a unit's approval log over a span of months (by default the last three
closed ones), as Polars frames, read by the review's own loader (``facts.read_log``).

The frames (times in epoch ms, UTC):

- ``instances``: the unit's instances submitted in the span: ``instance, definition, matter, status,
  initiator, urgency, amount`` (the form's ``amount``, when it has one), ``start`` (first submission), ``end``;
- ``tasks``: their approval and handling tasks with ``kind``, ``person`` (the holder), ``on_behalf_of`` (set
  when the holder acts as someone's delegate, 委托代理), ``start``/``end`` as in ``facts``, ``auto`` and
  ``origin``: the event that made the task — ``node_entered`` (the node's rule), ``transferred`` (转交),
  ``signers_added`` (加签) or ``admin_reassigned`` (a process administrator's reassignment);
- ``acts``: each person's act on a task (同意, 不同意, 退回, 办理) with its comment;
- ``sent_back``: every return of an instance (``returned``), with its time;
- ``opened``: a task holder opening (viewing or downloading) a file of the instance (the audit log's
  ``approvals.file_open``), with the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.db.models import TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord
from sanfu.insights.facts import Month, read_log
from sanfu.insights.reader import fetch, ms
from sanfu.org.calendar import WorkingCalendar
from sanfu.workflow.models import DefinitionStatus, Instance, InstanceStatus, ProcessDefinition

DEFAULT_MONTHS = 3  # the last three closed months
MAX_MONTHS = 12
FILE_OPEN = "approvals.file_open"  # the audit action recording a holder opening a file of the instance
ORIGINS = ("node_entered", "transferred", "signers_added", "admin_reassigned")  # events that make a task
ACTS = ("approved", "completed", "rejected", "task_returned")  # a person's act on a task
# Task numbers among an event's ``new_tasks`` (each task a flat object with an "id").
_NEW_TASK_ID = r'"id":\s*(\d+)'


@dataclass(frozen=True)
class Period:
    """Whole months ``first`` … ``last`` in the office's time zone."""

    first: Month
    last: Month

    @property
    def text(self) -> str:
        return self.first.text if self.first == self.last else f"{self.first.text}—{self.last.text}"

    @property
    def bounds_ms(self) -> tuple[int, int]:
        return self.first.bounds_ms[0], self.last.bounds_ms[1]

    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1


def _month(text: str) -> Month:
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise ApplicationError(_("月份应写成“年-月”，例如 2026-11。"))
    return Month(int(found.group(1)), int(found.group(2)))


def parse_period(first: str | None, last: str | None, *, today: date | None = None) -> Period:
    """``YYYY-MM`` … ``YYYY-MM`` → the period; both empty: the last three closed months. A wrong text, a period
    ending after the current month, ending before it starts or longer than a year is an ``ApplicationError``."""
    today = today or timezone.localdate()
    current = Month(today.year, today.month)
    first, last = (first or "").strip(), (last or "").strip()
    if not first and not last:
        end = current.previous
        start = end
        for _step in range(DEFAULT_MONTHS - 1):
            start = start.previous
        return Period(start, end)
    end = _month(last) if last else current.previous
    start = _month(first) if first else end
    if (end.year, end.month) > (current.year, current.month):
        raise ApplicationError(_("%(y)d年%(m)d月尚未开始，没有可评估的流程。") % {"y": end.year, "m": end.month})
    period = Period(start, end)
    if (start.year, start.month) > (end.year, end.month):
        raise ApplicationError(_("起始月份晚于结束月份。"))
    if period.months() > MAX_MONTHS:
        raise ApplicationError(_("评估期间最长 %(n)d 个月。") % {"n": MAX_MONTHS})
    return period


@dataclass
class Log:
    unit_id: int
    period: Period
    instances: pl.DataFrame
    tasks: pl.DataFrame
    acts: pl.DataFrame
    sent_back: pl.DataFrame
    opened: pl.DataFrame
    specs: dict[int, dict[str, Any]]  # definition id → its spec (the versions the instances ran on)
    latest: dict[str, ProcessDefinition]  # matter → its latest published version (what advice would change)
    matters: dict[str, str]
    people: dict[int, str]
    calendar: WorkingCalendar


def load(*, unit_id: int, period: Period, calendar: WorkingCalendar) -> Log:
    """Read the period's log of ``unit_id`` (``facts.read_log``'s four statements, the file openings, the
    definitions)."""
    start, end = period.first.starts(), period.last.ends()
    submitted = Instance.objects.filter(unit_id=unit_id, created_at__gte=start, created_at__lt=end).exclude(
        status=InstanceStatus.DRAFT
    )
    log = read_log(
        submitted,
        unit_id=unit_id,
        instance_extra=[
            ("urgency", "urgency", pl.String),
            (Cast(KT("state__form__amount"), TextField()), "amount_text", pl.String),
        ],
        task_extra=[("kind", "kind", pl.String), ("on_behalf_of_id", "on_behalf_of", pl.Int64)],
        event_types=("submitted", "returned", *ORIGINS, *ACTS),
        event_columns=["task_no", "comment"],
        new_tasks_of=ORIGINS,
    )
    events = log.events
    opened = fetch(
        AuditRecord.objects.filter(action=FILE_OPEN, at__gte=start)
        .order_by()
        .values_list("actor_id", "target", ms("at")),
        [("person", pl.Int64), ("target", pl.String), ("at", pl.Int64)],
    )
    specs = dict(ProcessDefinition.objects.filter(pk__in=submitted.values("definition_id")).values_list("pk", "spec"))
    latest: dict[str, ProcessDefinition] = {}
    keys = set(log.instances["matter"].unique().to_list())
    for definition in ProcessDefinition.objects.filter(key__in=keys, status=DefinitionStatus.PUBLISHED).order_by(
        "key", "version"
    ):
        latest[definition.key] = definition  # the latest version wins
    return Log(
        unit_id=unit_id,
        period=period,
        instances=log.instances.with_columns(
            amount=pl.col("amount_text").cast(pl.Float64, strict=False), urgency=pl.col("urgency").fill_null("")
        ).drop("amount_text", "created"),
        tasks=log.tasks.join(_origins(events), on=["instance", "task_no"], how="left"),
        acts=events.filter(pl.col("type").is_in(ACTS) & pl.col("actor").is_not_null()).select(
            "instance", "task_no", "type", "actor", "comment", "at"
        ),
        sent_back=events.filter(pl.col("type") == "returned").select("instance", "at"),
        opened=opened.filter(pl.col("target").str.starts_with("instance:")).select(
            "person",
            pl.col("target").str.strip_prefix("instance:").cast(pl.Int64, strict=False).alias("instance"),
            "at",
        ),
        specs=specs,
        latest=latest,
        matters={key: d.name for key, d in latest.items()},
        people=dict(zip(log.posts["person"].to_list(), log.posts["person_name"].to_list(), strict=True)),
        calendar=calendar,
    )


def _origins(events: pl.DataFrame) -> pl.DataFrame:
    """The event that made each task (its ``new_tasks``): the first one, by the event's order."""
    return (
        events.filter(pl.col("type").is_in(ORIGINS))
        .select("instance", "seq", "type", pl.col("new_tasks").str.extract_all(_NEW_TASK_ID).alias("found"))
        .explode("found")
        .drop_nulls("found")
        .select(
            "instance",
            "seq",
            pl.col("found").str.extract(r"(\d+)").cast(pl.Int64).alias("task_no"),
            pl.col("type").alias("origin"),
        )
        .sort("seq")
        .group_by("instance", "task_no")
        .agg(pl.col("origin").first())
    )

"""预警: telling people before a task's time limit is likely missed, not after.

Every open approval or handling task with a due time still ahead is given a predicted finish: the moment it
reached its holder plus the holder's observed handling time on that node (the P50 of the working hours their
acted tasks of the same unit, definition key and node took over the last 90 days; without any, the node's
P50 over everybody). Working time is on the working calendar, as the review measures it. When the predicted
finish is after the due time:

- the holder is told once ("预计将超期");
- when less than a quarter of the task's working time to its due time remains, the holder's department head
  (``org.selectors.head_of``) is told once as well.

Each notice's key names the task, so a task is warned about once however often the worker runs. Three
statements read the open tasks, the history and the tasks' openings; Polars computes the rest."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core.notify import notify_people
from sanfu.insights.facts import calendar_rows, with_working, working_calendar_of
from sanfu.insights.reader import fetch, ms, task_times
from sanfu.org.clearance import RESTRICTED_LEVELS
from sanfu.org.selectors import head_of
from sanfu.workflow.models import TODO_KINDS, InstanceEvent, Task, TaskStatus

WINDOW_DAYS = 90
HEAD_SHARE = 0.25  # the head hears of it when less than this share of the task's time remains
_TASK_SCHEMA = [
    ("task", pl.Int64),
    ("instance", pl.Int64),
    ("task_no", pl.Int64),
    ("unit", pl.Int64),
    ("matter", pl.String),
    ("node", pl.String),
    ("person", pl.Int64),
    ("status", pl.String),
    ("created", pl.Int64),
    ("due", pl.Int64),
    ("acted", pl.Int64),
]


def _tasks(queryset: object) -> pl.DataFrame:
    return fetch(
        queryset.order_by().values_list(  # type: ignore[attr-defined]
            "pk",
            "instance_id",
            "task_no",
            "instance__unit_id",
            "instance__definition__key",
            "node",
            "assignee_id",
            "status",
            ms("created_at"),
            ms("due_at"),
            ms("acted_at"),
        ),
        _TASK_SCHEMA,
    )


def _openings(instance_ids: list[int]) -> pl.DataFrame:
    """The ``tasks_opened`` events of those instances (a 依次 signer's task reaches them when opened)."""
    return fetch(
        InstanceEvent.objects.filter(instance_id__in=instance_ids, type="tasks_opened")
        .annotate(text=Cast("changes", TextField()))
        .order_by()
        .values_list("instance_id", ms("at"), "text"),
        [("instance", pl.Int64), ("at", pl.Int64), ("text", pl.String)],
    )


def predictions(*, now: datetime | None = None) -> pl.DataFrame:
    """One row per open task with a due time ahead and a prediction: ``task, instance, person, late`` (the
    predicted finish is after the due time) and ``head_due`` (late, and under a quarter of its time left)."""
    now = now or timezone.now()
    now_ms = int(now.timestamp() * 1000)
    open_tasks = _tasks(
        Task.objects.filter(
            status=TaskStatus.OPEN, kind__in=TODO_KINDS, due_at__gt=now, assignee__isnull=False
        ).exclude(instance__unit__isnull=True)
    )
    if open_tasks.is_empty():
        return pl.DataFrame(schema={"task": pl.Int64, "instance": pl.Int64, "person": pl.Int64, "late": pl.Boolean})
    past = _tasks(
        Task.objects.filter(
            kind__in=TODO_KINDS,
            acted_at__gte=now - timedelta(days=WINDOW_DAYS),
            acted_at__lte=now,
            node__in=open_tasks["node"].unique().to_list(),
            instance__unit_id__in=open_tasks["unit"].unique().to_list(),
        )
    )
    events = _openings(pl.concat([open_tasks["instance"], past["instance"]]).unique().to_list())
    calendar = working_calendar_of(calendar_rows())
    keys = ["unit", "matter", "node"]
    past = with_working(
        task_times(past, events).filter(pl.col("acted") != pl.col("created")), ["start", "end"], calendar
    )
    past = past.with_columns(handling=pl.col("w_end") - pl.col("w_start"))
    by_person = past.group_by(*keys, "person").agg(pl.col("handling").median().alias("person_p50"))
    by_node = past.group_by(*keys).agg(pl.col("handling").median().alias("node_p50"))
    timed = with_working(
        task_times(open_tasks, events).with_columns(now=pl.lit(now_ms, pl.Int64)), ["start", "due", "now"], calendar
    )
    return (
        timed.join(by_person, on=[*keys, "person"], how="left")
        .join(by_node, on=keys, how="left")
        .with_columns(expected=pl.coalesce("person_p50", "node_p50"))
        .filter(pl.col("expected").is_not_null())
        .with_columns(late=(pl.col("w_start") + pl.col("expected")) > pl.col("w_due"))
        .with_columns(
            head_due=pl.col("late")
            & ((pl.col("w_due") - pl.col("w_now")) < (pl.col("w_due") - pl.col("w_start")) * HEAD_SHARE)
        )
        .select("task", "instance", "person", "late", "head_due")
    )


def warn_late_tasks(*, now: datetime | None = None) -> int:
    """Send the notices the predictions call for (each once); returns how many notices were new."""
    found = predictions(now=now).filter(pl.col("late"))
    if found.is_empty():
        return 0
    tasks = {
        t.pk: t for t in Task.objects.filter(pk__in=found["task"].to_list()).select_related("instance", "assignee")
    }
    sent = 0
    for row in found.iter_rows(named=True):  # one notice per late task: the computation is done above
        task = tasks[row["task"]]
        instance = task.instance
        classified = instance.confidentiality in RESTRICTED_LEVELS
        url = f"/workflow/instances/{instance.pk}/"
        due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else ""
        sent += notify_people(
            key=f"insights.late:task:{task.pk}",
            people=[row["person"]],
            kind="remind",
            title=_("预计将超期：%(t)s") % {"t": instance.title},
            body=_("按您以往在“%(n)s”的办理用时，这件待办预计在时限 %(d)s 之后才能办完。")
            % {"n": task.node_name, "d": due},
            url=url,
            classified=classified,
        )
        if row["head_due"]:
            head = head_of(row["person"])
            if head is not None:
                holder = task.assignee.display_name if task.assignee else ""
                sent += notify_people(
                    key=f"insights.late_head:task:{task.pk}",
                    people=[head.pk],
                    kind="escalate",
                    title=_("预计将超期：%(p)s 的待办“%(t)s”") % {"p": holder, "t": instance.title},
                    body=_("时限 %(d)s 已不足四分之一，按以往用时预计将超期。") % {"d": due},
                    url=url,
                    classified=classified,
                )
    return sent

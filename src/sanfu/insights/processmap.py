"""流程图: a definition's nodes and edges (from its latest published spec) with what happened on them in a period.

- each task node carries the P50 and P90 of its tasks' handling time (working hours on the calendar, from
  reaching the holder to acting; auto-passed tasks left out) and how many tasks it had;
- each edge carries how many instances passed it: per instance, the nodes its tasks reached, in the order they
  reached them (a 会签's parallel signers count once), with 开始 before the first and 结束 after the last when
  the instance was approved. A spec edge through nodes without tasks (a condition, a 抄送) is counted when the
  instance went from the task node before it to the task node after it; a transition the spec does not draw
  (a return to an earlier node, say) is shown as an extra dashed edge.

The instances are the unit's instances of the key (any version) submitted in the period. Three statements read
them, their tasks and the events that time the tasks; Polars computes the figures. The layout (left to right,
by distance from the start) is a walk over the spec's nodes, not over rows."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.insights.facts import MS_PER_HOUR, calendar_rows, with_working, working_calendar_of
from sanfu.insights.period import Period, parse_period
from sanfu.insights.reader import fetch, ms, task_times
from sanfu.insights.selectors import access_review
from sanfu.org.calendar import WorkingCalendar
from sanfu.workflow.models import (
    TODO_KINDS,
    DefinitionStatus,
    Instance,
    InstanceEvent,
    InstanceStatus,
    ProcessDefinition,
    Task,
)

TASK_NODE_KINDS = ("approval", "handle")
# green (quick) → amber → red (slow), by the node's P50 against the slowest node's
PALETTE = ("#198754", "#8fbf3f", "#ffc107", "#fd7e14", "#dc3545")
QUIET = "#adb5bd"  # a node without tasks in the period


@dataclass
class ProcessMap:
    key: str
    name: str
    version: int
    period: Period
    instances: int
    nodes: list[dict[str, Any]]  # id, name, kind, tasks, p50, p90, colour, x, y
    edges: list[dict[str, Any]]  # source, target (ids and names), count, width, in_spec


def _successors(node: dict[str, Any]) -> list[str]:
    """The spec's edges out of a node: ``next``, and each branch (a condition's ``{"next": id}``, a parallel's id)."""
    found: list[str] = []
    if isinstance(node.get("next"), str):
        found.append(node["next"])
    for branch in node.get("branches") or []:
        target = branch.get("next") if isinstance(branch, dict) else branch
        if isinstance(target, str):
            found.append(target)
    return list(dict.fromkeys(found))


def _layout(nodes: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """(column, row) of each node: the column is its distance from the start (breadth first)."""
    by_id = {n["id"]: n for n in nodes}
    starts = [n["id"] for n in nodes if n.get("kind") == "start"] or [nodes[0]["id"]]
    column: dict[str, int] = dict.fromkeys(starts, 0)
    queue = deque(starts)
    while queue:
        current = queue.popleft()
        for following in _successors(by_id[current]):
            if following in by_id and following not in column:
                column[following] = column[current] + 1
                queue.append(following)
    last = max(column.values(), default=0)
    rows: dict[int, int] = {}
    placed: dict[str, tuple[int, int]] = {}
    for n in nodes:
        x = column.get(n["id"], last + 1)
        placed[n["id"]] = (x, rows.get(x, 0))
        rows[x] = rows.get(x, 0) + 1
    return placed


def _colour(p50: float | None, slowest: float) -> str:
    if p50 is None:
        return QUIET
    if slowest <= 0:
        return PALETTE[0]
    return PALETTE[min(len(PALETTE) - 1, int(p50 / slowest * (len(PALETTE) - 1) + 0.5))]


def _read(unit_id: int, key: str, span: Period) -> tuple[pl.DataFrame, pl.DataFrame]:
    start, end = span.first.starts(), span.last.ends()
    submitted = (
        Instance.objects.filter(unit_id=unit_id, definition__key=key, created_at__gte=start, created_at__lt=end)
        .exclude(status=InstanceStatus.DRAFT)
        .order_by()
    )
    instances = fetch(submitted.values_list("pk", "status"), [("instance", pl.Int64), ("status", pl.String)])
    ids = submitted.values("pk")
    tasks = fetch(
        Task.objects.filter(instance_id__in=ids, kind__in=TODO_KINDS)
        .order_by()
        .values_list("instance_id", "task_no", "node", "status", ms("created_at"), ms("acted_at")),
        [
            ("instance", pl.Int64),
            ("task_no", pl.Int64),
            ("node", pl.String),
            ("status", pl.String),
            ("created", pl.Int64),
            ("acted", pl.Int64),
        ],
    )
    events = fetch(
        InstanceEvent.objects.filter(instance_id__in=ids)
        .annotate(text=Cast("changes", TextField()))
        .filter(Q(type="tasks_opened") | Q(text__contains='"cancelled"'))
        .order_by()
        .values_list("instance_id", ms("at"), "text"),
        [("instance", pl.Int64), ("at", pl.Int64), ("text", pl.String)],
    )
    return instances, task_times(tasks, events)


def process_map(*, unit_id: int, key: str, span: Period, calendar: WorkingCalendar) -> ProcessMap:
    """The map of ``key`` in ``unit_id`` over ``span``; NotFoundError when no published version exists."""
    definition = (
        ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED).order_by("-version").first()
    )
    if definition is None:
        raise NotFoundError(_("没有这个事项的已发布流程。"))
    spec_nodes = [n for n in definition.spec.get("nodes", []) if isinstance(n, dict) and isinstance(n.get("id"), str)]
    instances, tasks = _read(unit_id, key, span)

    worked = with_working(
        tasks.filter((pl.col("acted") != pl.col("created")) | pl.col("acted").is_null()).filter(
            pl.col("end").is_not_null()
        ),
        ["start", "end"],
        calendar,
    ).with_columns(handling=(pl.col("w_end") - pl.col("w_start")) / MS_PER_HOUR)
    per_node = worked.group_by("node").agg(
        pl.len().alias("tasks"),
        pl.col("handling").quantile(0.5, interpolation="linear").round(2).alias("p50"),
        pl.col("handling").quantile(0.9, interpolation="linear").round(2).alias("p90"),
    )
    figures = {r["node"]: r for r in per_node.iter_rows(named=True)}

    observed = _transitions(instances, tasks)
    start_ids = [n["id"] for n in spec_nodes if n.get("kind") == "start"]
    end_ids = [n["id"] for n in spec_nodes if n.get("kind") == "end"]
    start_id = start_ids[0] if start_ids else "start"
    end_id = end_ids[0] if end_ids else "end"
    counts = {
        (r["source"], r["target"]): r["count"]
        for r in observed.with_columns(
            pl.col("source").replace("^start", start_id), pl.col("target").replace("^end", end_id)
        ).iter_rows(named=True)
    }

    edges = _spec_edges(spec_nodes, counts)
    drawn = {(e["source"], e["target"]) for e in edges}
    known = {n["id"] for n in spec_nodes}
    passed_through = {pair for e in edges for pair in e.pop("pairs")}
    for (source, target), count in sorted(counts.items()):
        if (source, target) not in passed_through and (source, target) not in drawn and {source, target} <= known:
            edges.append({"source": source, "target": target, "count": count, "in_spec": False})
    widest = max((e["count"] for e in edges), default=0)
    for e in edges:
        e["width"] = 1 + round(7 * e["count"] / widest, 1) if widest else 1

    slowest = max((r["p50"] for r in figures.values() if r["p50"] is not None), default=0.0)
    places = _layout(spec_nodes)
    nodes = []
    for n in spec_nodes:
        row = figures.get(n["id"], {})
        nodes.append(
            {
                "id": n["id"],
                "name": n.get("name") or _kind_name(n.get("kind", "")),
                "kind": n.get("kind", ""),
                "tasks": row.get("tasks", 0),
                "p50": row.get("p50"),
                "p90": row.get("p90"),
                "colour": _colour(row.get("p50"), slowest) if n.get("kind") in TASK_NODE_KINDS else QUIET,
                "x": places[n["id"]][0],
                "y": places[n["id"]][1],
            }
        )
    names = {n["id"]: n["name"] for n in nodes}
    for e in edges:
        e["source_name"], e["target_name"] = names.get(e["source"], e["source"]), names.get(e["target"], e["target"])
    return ProcessMap(
        key=key,
        name=definition.name,
        version=definition.version,
        period=span,
        instances=instances.height,
        nodes=nodes,
        edges=edges,
    )


def _kind_name(kind: str) -> str:
    return {"start": _("开始"), "end": _("结束")}.get(kind, kind)


def _transitions(instances: pl.DataFrame, tasks: pl.DataFrame) -> pl.DataFrame:
    """``source, target, count``: the instances that went from one node to the next (``^start``/``^end`` stand
    for the spec's start and end)."""
    steps = (
        tasks.filter(pl.col("start").is_not_null())
        .sort("instance", "start", "task_no")
        .select("instance", "start", "node")
        .with_columns(previous=pl.col("node").shift(1).over("instance"))
        .filter(pl.col("previous").is_null() | (pl.col("previous") != pl.col("node")))
        .select("instance", "start", "node")
    )
    first = steps.group_by("instance").agg(pl.col("start").min() - 1, pl.lit("^start").alias("node"))
    ended = instances.filter(pl.col("status") == InstanceStatus.APPROVED).select("instance")
    last_start = steps.group_by("instance").agg(pl.col("start").max() + 1)
    last = ended.join(last_start, on="instance", how="left").with_columns(
        pl.col("start").fill_null(0), node=pl.lit("^end")
    )
    path = pl.concat([first.select("instance", "start", "node"), steps, last.select("instance", "start", "node")]).sort(
        "instance", "start"
    )
    return (
        path.with_columns(source=pl.col("node").shift(1).over("instance"))
        .filter(pl.col("source").is_not_null())
        .group_by("source", pl.col("node").alias("target"))
        .agg(pl.col("instance").n_unique().alias("count"))
    )


def _spec_edges(spec_nodes: list[dict[str, Any]], counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """The spec's edges, each with the instances that passed it: directly between two observed nodes, or, for an
    edge into or out of a node without tasks (a condition, a 抄送), through it to the next observed node."""
    by_id = {n["id"]: n for n in spec_nodes}

    def observed_after(node_id: str, seen: frozenset[str]) -> set[str]:
        node = by_id.get(node_id)
        if node is None:
            return set()
        if node.get("kind") in (*TASK_NODE_KINDS, "end"):
            return {node_id}
        found: set[str] = set()
        for following in _successors(node):
            if following not in seen:
                found |= observed_after(following, seen | {following})
        return found

    def observed_before(node_id: str, seen: frozenset[str]) -> set[str]:
        node = by_id.get(node_id)
        if node is None:
            return set()
        if node.get("kind") in (*TASK_NODE_KINDS, "start"):
            return {node_id}
        found: set[str] = set()
        for other in spec_nodes:
            if node_id in _successors(other) and other["id"] not in seen:
                found |= observed_before(other["id"], seen | {other["id"]})
        return found

    edges = []
    for node in spec_nodes:
        for target in _successors(node):
            sources = observed_before(node["id"], frozenset({node["id"]}))
            targets = observed_after(target, frozenset({target}))
            pairs = {(s, t) for s in sources for t in targets if (s, t) in counts}
            edges.append(
                {
                    "source": node["id"],
                    "target": target,
                    "count": sum(counts[p] for p in pairs),
                    "in_spec": True,
                    "pairs": pairs,
                }
            )
    return edges


def process_map_for(*, actor: User, key: str, first: str, last: str) -> ProcessMap:
    """The map for a reader of the review (``selectors.access_review``: NotFoundError for anyone else) of their
    own unit. No key, a malformed one or a wrong period is an ``ApplicationError``."""
    unit_id = access_review(actor=actor)
    if not key:
        raise ApplicationError(_("请指明事项（key）。"))
    if not re.fullmatch(r"[-\w]{1,64}", key, flags=re.ASCII):
        raise ApplicationError(_("事项代码只能由字母、数字、连字符和下划线组成。"))
    span = parse_period(first, last)
    return process_map(unit_id=unit_id, key=key, span=span, calendar=working_calendar_of(calendar_rows()))

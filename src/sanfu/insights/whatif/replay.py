"""推演 (what-if replay): before a draft of a process is published, replay the unit's instances of the last N
closed months (the ones that ended on the version in use) through the draft, and predict turnaround and
workload (what ``whatif.prediction`` stores, and later sets what happened beside).

The model, step by step:

1. **Routing** is the engine's (``workflow.engine.path_ahead``, pure): each past instance, with its own form,
   urgency, initiator and 自选 choices, is routed through the draft (and, for the baseline, through the version in
   use) — which task nodes it reaches and who holds them (today's organisation answers the approver rules). A
   node turned into filing (备案) or removed costs no waiting; a moved graded threshold sends an instance down
   the other branch. A task node the instance reached in the past whose rule names nobody now takes the holders
   it had.
2. **Handling time** of each task is drawn from the observed working hours (reached the holder → acted, on the
   working calendar, auto-passed tasks left out) of that holder at that node in the window; with fewer than
   ``MIN_OWN`` of their own, of the node; with none at the node, of the whole matter. Draws are keyed by
   (instance, node, person, replication) through a fixed seed, so the draft and the baseline share their
   random numbers: a node turned into filing removes exactly its own time, everything else stays equal.
3. **Turnaround** of an instance is the sum of its nodes' times; a node's people combine by its mode (会签 and
   比例会签: the slowest, 或签: the fastest, 依次: one after another); parallel branches: the slowest branch.
4. **Replications**: ``REPLICATIONS`` draws of every task and, with them, a bootstrap of the instances (the mix of
   matters varies too). P50/P90 are the medians over replications of each replication's quantile; the interval
   is the replications' central ``LEVEL``. The observed figures get the same bootstrap interval.

What it leaves out, and the page says so: contention and queueing (a person with more work is not slower in the
model), returns and resubmissions (every task is approved first time: the time an instance spent back with its
initiator is not replayed), timers and subprocesses, the same-approver rules' auto-passes, and changes in the
volume of submissions. That is why the baseline — the version in use replayed by the same model — stands beside
the observed figures: the difference between draft and baseline is the model's prediction of the change.

Everything is columnar (Polars) except the routing, which the engine does per instance; the window's log is read
by ``reader.fetch``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.insights.facts import MS_PER_HOUR, Month, calendar_rows, with_working, working_calendar_of
from sanfu.insights.reader import cancels_tasks, fetch, ms, task_times
from sanfu.org.calendar import WorkingCalendar
from sanfu.workflow.engine import Definition, FlowError, InvalidDefinitionError, State, parse_definition, path_ahead
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import (
    TODO_KINDS,
    DefinitionStatus,
    Instance,
    InstanceEvent,
    InstanceStatus,
    ProcessDefinition,
    Task,
)

DEFAULT_MONTHS = 3
MAX_MONTHS = 12
REPLICATIONS = 200
SEED = 17
LEVEL = 0.95
MIN_OWN = 3  # a holder's own observations at a node needed to draw from them (else the node's)
ENDED = (InstanceStatus.APPROVED, InstanceStatus.REJECTED)
_WHOLE = re.compile(r"[0-9]{1,7}")  # ASCII digits only ("²".isdigit() is true)
_TWO_64 = float(2**64)


# --- input ------------------------------------------------------------------------------------------------------


def parse_months(text: str | int | None) -> int:
    """The window in months (empty: ``DEFAULT_MONTHS``); anything but 1 … ``MAX_MONTHS`` is refused."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        return DEFAULT_MONTHS
    if not _WHOLE.fullmatch(raw) or not 1 <= int(raw) <= MAX_MONTHS:
        raise ApplicationError(_("推演月数应为 1 到 %(n)d 之间的整数。") % {"n": MAX_MONTHS})
    return int(raw)


def parse_draft(text: str | int | None) -> int | None:
    """The draft's version (empty: the newest draft); anything but a positive whole number is refused."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        return None
    if not _WHOLE.fullmatch(raw) or not 1 <= int(raw) <= 1_000_000:
        raise ApplicationError(_("草稿版本应为正整数。"))
    return int(raw)


def window(months: int, *, today: date | None = None) -> tuple[Month, Month]:
    """The last ``months`` closed months before ``today``'s month."""
    today = today or timezone.localdate()
    last = Month(today.year, today.month).previous
    first = last
    for _step in range(months - 1):
        first = first.previous
    return first, last


def drafts_of(key: str) -> list[ProcessDefinition]:
    """The drafts (草稿) of ``key``, newest first."""
    return list(
        ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.DRAFT)
        .order_by("-version")
        .only("pk", "key", "version", "name", "created_at")
    )


def keys_with_drafts() -> list[tuple[str, str]]:
    """Every definition key that has a draft after a published version, with its name: what may be replayed."""
    keys = (
        ProcessDefinition.objects.filter(status=DefinitionStatus.DRAFT)
        .values_list("key", flat=True)
        .distinct()
        .order_by("key")
    )
    names = dict(
        ProcessDefinition.objects.filter(key__in=list(keys), status=DefinitionStatus.PUBLISHED)
        .order_by("key", "version")
        .values_list("key", "name")
    )
    return sorted(names.items())


@dataclass(frozen=True)
class Target:
    """The draft to replay and the published version it was drafted from (the one in use before it)."""

    draft: ProcessDefinition
    current: ProcessDefinition


def target_of(key: str, draft: int | None) -> Target:
    """``key``'s draft ``draft`` (None: the newest) and the latest version published before it; a key without a
    published version, no such draft or a draft with nothing published before it is an ``ApplicationError``."""
    key = (key or "").strip()
    if not key:
        raise ApplicationError(_("请选择要推演的事项。"))
    published = ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED)
    if not published.exists():
        raise ApplicationError(_("没有这个事项的流程定义。"))
    drafts = ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.DRAFT)
    found = (drafts.filter(version=draft) if draft is not None else drafts.order_by("-version")).first()
    if found is None:
        if draft is None:
            raise ApplicationError(_("这个事项没有草稿：先按精简建议生成草稿，或在流程设计中修改。"))
        raise ApplicationError(_("这个事项没有第 %(v)d 版草稿。") % {"v": draft})
    current = published.filter(version__lt=found.version).order_by("-version").first()
    if current is None:
        raise ApplicationError(_("这版草稿之前没有已发布的版本，无从推演。"))
    return Target(draft=found, current=current)


# --- the window's log ---------------------------------------------------------------------------------------------


@dataclass
class History:
    """The instances of one version that ended in a span, and the working hours of their tasks."""

    instances: pl.DataFrame  # instance, initiator, turnaround (working hours)
    states: dict[int, State]  # instance → what the engine routes (form, urgency, initiator, 自选)
    tasks: pl.DataFrame  # instance, node, person, hours (acted, not auto), acted (bool)
    months: float


def _ended(unit_id: int, definition: ProcessDefinition, start: datetime, end: datetime) -> Any:
    return Instance.objects.filter(
        unit_id=unit_id, definition=definition, status__in=ENDED, ended_at__gte=start, ended_at__lt=end
    ).order_by()


def load_history(
    *, unit_id: int, definition: ProcessDefinition, start: datetime, end: datetime, calendar: WorkingCalendar
) -> History:
    """Read the instances of ``definition`` in ``unit_id`` ended in [start, end) (four statements)."""
    ended = _ended(unit_id, definition, start, end)
    rows = list(ended.values_list("pk", "initiator_id", "urgency", "state", ms("created_at"), ms("ended_at")))
    states = {
        pk: State(
            initiator=initiator or 0,
            matter=str((state or {}).get("matter") or ""),
            form=dict((state or {}).get("form") or {}),
            urgency=urgency or "",
            chosen={str(k): tuple(v) for k, v in ((state or {}).get("chosen") or {}).items() if isinstance(v, list)},
        )
        for pk, initiator, urgency, state, _created, _end in rows
    }
    instances = pl.DataFrame(
        [(pk, initiator, created, ended_at) for pk, initiator, _u, _s, created, ended_at in rows],
        schema=[("instance", pl.Int64), ("initiator", pl.Int64), ("created", pl.Int64), ("end", pl.Int64)],
        orient="row",
    )
    ids = ended.values("pk")
    tasks = fetch(
        Task.objects.filter(instance_id__in=ids, kind__in=TODO_KINDS)
        .order_by()
        .values_list("instance_id", "task_no", "node", "assignee_id", "status", ms("created_at"), ms("acted_at")),
        [
            ("instance", pl.Int64),
            ("task_no", pl.Int64),
            ("node", pl.String),
            ("person", pl.Int64),
            ("status", pl.String),
            ("created", pl.Int64),
            ("acted", pl.Int64),
        ],
    )
    events = fetch(
        InstanceEvent.objects.filter(instance_id__in=ids)
        .annotate(text=Cast("changes", TextField()))
        .filter(Q(type__in=("submitted", "tasks_opened")) | cancels_tasks())
        .order_by()
        .values_list("instance_id", "type", ms("at"), "text"),
        [("instance", pl.Int64), ("type", pl.String), ("at", pl.Int64), ("text", pl.String)],
    )
    submitted = events.filter(pl.col("type") == "submitted").group_by("instance").agg(pl.col("at").min())
    instances = with_working(
        instances.join(submitted, on="instance", how="left").with_columns(start=pl.coalesce("at", "created")),
        ["start", "end"],
        calendar,
    ).select("instance", "initiator", turnaround=((pl.col("w_end") - pl.col("w_start")) / MS_PER_HOUR).clip(0))
    timed = with_working(task_times(tasks, events), ["start", "end"], calendar)
    tasks = timed.filter(~pl.col("auto").fill_null(False)).select(
        "instance",
        "node",
        "person",
        hours=pl.when(pl.col("acted").is_not_null()).then((pl.col("w_end") - pl.col("w_start")) / MS_PER_HOUR),
    )
    return History(instances=instances.sort("instance"), states=states, tasks=tasks, months=0.0)


# --- routing (the engine, per instance) -------------------------------------------------------------------------


class _Remembering:
    """``OrgFacts`` that remember who a rule names for an initiator when the answer does not depend on the form
    (a few hundred past instances share a handful of initiators)."""

    def __init__(self, facts: OrgFacts):
        self._facts = facts
        self.now = facts.now
        self._resolved: dict[tuple[str, int], list[int]] = {}

    def resolve(self, rule: Mapping[str, Any], *, initiator: int, form: Mapping[str, Any]) -> list[int]:
        reads_form = rule.get("type") == "field" or isinstance(rule.get("departments"), Mapping)
        reads_form = reads_form or isinstance(rule.get("department"), Mapping)
        if reads_form:
            return self._facts.resolve(rule, initiator=initiator, form=form)
        key = (json.dumps(rule, sort_keys=True, default=str), initiator)
        if key not in self._resolved:
            self._resolved[key] = self._facts.resolve(rule, initiator=initiator, form=form)
        return list(self._resolved[key])

    def head_of(self, person: int) -> int | None:
        return self._facts.head_of(person)

    def delegate_of(self, person: int, matter: str) -> int | None:
        return self._facts.delegate_of(person, matter)

    def attributes(self, person: int) -> Mapping[str, Any]:
        return self._facts.attributes(person)

    def add_working_days(self, moment: datetime, days: float) -> datetime:
        return self._facts.add_working_days(moment, days)

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        return self._facts.add_working_hours(moment, hours)


def _branches(definition: Definition) -> dict[str, tuple[str, str]]:
    """Task node → (its parallel node, the branch it is on); nodes outside any parallel region are absent."""
    found: dict[str, tuple[str, str]] = {}
    for node in definition.nodes.values():
        if node.kind != "parallel":
            continue
        for index, first in enumerate(node.parallel):
            todo, seen = [first], set()
            while todo:
                current = todo.pop()
                if current in seen or current == node.join or current not in definition.nodes:
                    continue
                seen.add(current)
                found.setdefault(current, (node.id, f"{node.id}#{index}"))
                step = definition.nodes[current]
                todo.extend(b.next for b in step.branches)
                todo.extend(step.parallel)
                if step.next:
                    todo.append(step.next)
    return found


def route(
    definition: Definition, history: History, facts: Any, *, observed_holders: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Each past instance through ``definition``: one row per (instance, task node, person) with the node's
    mode and its parallel group and branch, and one row per notice node (person null, kind cc/filing)."""
    regions = _branches(definition)
    holders: dict[tuple[int, str], list[int]] = {}
    if observed_holders is not None:
        for instance, node, people in observed_holders.iter_rows():
            holders[(instance, node)] = list(people)
    rows: list[tuple[int, str, str, str, int | None, str, str]] = []
    for instance, state in history.states.items():
        try:
            steps = path_ahead(definition, state, facts)
        except FlowError:  # a condition the instance's form cannot answer: it is replayed with no tasks
            continue
        for node, resolved in steps:
            group, branch = regions.get(node.id, ("", ""))
            if node.is_task_node:
                people = list(dict.fromkeys(resolved)) or holders.get((instance, node.id), [])
                rows.extend((instance, node.id, node.kind, node.mode, p, group, branch or node.id) for p in people)
            else:
                rows.append((instance, node.id, node.kind, "", None, group, branch or node.id))
    return pl.DataFrame(
        rows,
        schema=[
            ("instance", pl.Int64),
            ("node", pl.String),
            ("kind", pl.String),
            ("mode", pl.String),
            ("person", pl.Int64),
            ("group", pl.String),
            ("branch", pl.String),
        ],
        orient="row",
    )


# --- the replay (columnar) -------------------------------------------------------------------------------------


def _pools(tasks: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, list[float]]:
    acted = tasks.filter(pl.col("hours").is_not_null())
    own = (
        acted.group_by("node", "person")
        .agg(pl.col("hours").sort().alias("own"))
        .filter(pl.col("own").list.len() >= MIN_OWN)
    )
    node = acted.group_by("node").agg(pl.col("hours").sort().alias("at_node"))
    return own, node, sorted(acted["hours"].to_list())


def task_draws(routed: pl.DataFrame, tasks: pl.DataFrame, *, replications: int, seed: int) -> pl.DataFrame:
    """Every routed task in every replication with its drawn working hours and where the draw came from."""
    own, node, matter = _pools(tasks)
    people = routed.filter(pl.col("person").is_not_null())
    with_pool = (
        people.join(own, on=["node", "person"], how="left")
        .join(node, on="node", how="left")
        .with_columns(
            source=pl.when(pl.col("own").is_not_null())
            .then(pl.lit("own"))
            .when(pl.col("at_node").is_not_null())
            .then(pl.lit("node"))
            .otherwise(pl.lit("matter" if matter else "none")),
            pool=pl.coalesce("own", "at_node", pl.lit(pl.Series([matter], dtype=pl.List(pl.Float64)))),
        )
        .drop("own", "at_node")
    )
    reps = pl.DataFrame({"rep": pl.int_range(0, replications, eager=True).cast(pl.Int64)})
    uniform = pl.struct("instance", "node", "person", "rep").hash(seed).cast(pl.Float64) / _TWO_64
    return (
        with_pool.join(reps, how="cross")
        .with_columns(
            hours=pl.when(pl.col("pool").list.len() > 0)
            .then(
                pl.col("pool").list.get(
                    (uniform * pl.col("pool").list.len()).floor().cast(pl.Int64).clip(0, None), null_on_oob=True
                )
            )
            .otherwise(0.0)
        )
        .drop("pool")
    )


def turnarounds(draws: pl.DataFrame, instances: pl.DataFrame, replications: int) -> pl.DataFrame:
    """(instance, rep, hours): each instance's replayed turnaround in each replication."""
    by_node = draws.group_by("instance", "rep", "node", "group", "branch").agg(
        pl.when(pl.col("mode").first() == "any")
        .then(pl.col("hours").min())
        .when(pl.col("mode").first() == "sequential")
        .then(pl.col("hours").sum())
        .otherwise(pl.col("hours").max())
        .alias("hours")
    )
    by_branch = by_node.group_by("instance", "rep", "group", "branch").agg(pl.col("hours").sum())
    by_group = by_branch.group_by("instance", "rep", "group").agg(
        pl.when(pl.col("group").first() == "")
        .then(pl.col("hours").sum())
        .otherwise(pl.col("hours").max())
        .alias("hours")
    )
    total = by_group.group_by("instance", "rep").agg(pl.col("hours").sum())
    every = instances.select("instance").join(
        pl.DataFrame({"rep": pl.int_range(0, replications, eager=True).cast(pl.Int64)}), how="cross"
    )
    return every.join(total, on=["instance", "rep"], how="left").with_columns(pl.col("hours").fill_null(0.0))


def _picks(instances: pl.DataFrame, replications: int, seed: int) -> pl.DataFrame:
    """A bootstrap of the instances per replication: (rep, instance), drawn with replacement."""
    ids = instances["instance"].to_numpy()
    n = len(ids)
    if n == 0:
        return pl.DataFrame(schema={"rep": pl.Int64, "instance": pl.Int64})
    drawn = np.random.default_rng(seed).integers(0, n, size=(replications, n))
    return pl.DataFrame({"rep": np.repeat(np.arange(replications), n).astype(np.int64), "instance": ids[drawn.ravel()]})


def round_hours(value: float | None) -> float | None:
    """Hours to two decimals; a missing or undefined value stays None."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 2)


def summary(per_rep: pl.DataFrame) -> dict[str, float | None]:
    """P50/P90 (the medians over replications) and their central ``LEVEL`` interval, from (rep, hours)."""
    if per_rep.is_empty():
        return dict.fromkeys(("p50", "p50_low", "p50_high", "p90", "p90_low", "p90_high"))
    tail = (1 - LEVEL) / 2
    stats = per_rep.group_by("rep").agg(
        pl.col("hours").quantile(0.5, interpolation="linear").alias("p50"),
        pl.col("hours").quantile(0.9, interpolation="linear").alias("p90"),
    )
    out: dict[str, float | None] = {}
    for name in ("p50", "p90"):
        column = stats[name]
        out[name] = round_hours(column.quantile(0.5, interpolation="linear"))
        out[f"{name}_low"] = round_hours(column.quantile(tail, interpolation="linear"))
        out[f"{name}_high"] = round_hours(column.quantile(1 - tail, interpolation="linear"))
    return out


def _workload(routed: pl.DataFrame, months: float, column: str) -> pl.DataFrame:
    tasks = routed.filter(pl.col("person").is_not_null())
    return tasks.group_by(column).agg((pl.len() / months).round(2).alias("per_month"))


def replay(
    *,
    unit_id: int,
    target: Target,
    months: int,
    today: date | None = None,
    replications: int = REPLICATIONS,
    seed: int = SEED,
) -> dict[str, Any]:
    """The prediction for ``target``'s draft from the last ``months`` closed months of ``unit_id`` (plain data)."""
    first, last = window(months, today=today)
    calendar = working_calendar_of(calendar_rows())
    history = load_history(
        unit_id=unit_id, definition=target.current, start=first.starts(), end=last.ends(), calendar=calendar
    )
    try:
        draft_def = parse_definition(target.draft.spec)
        current_def = parse_definition(target.current.spec)
    except InvalidDefinitionError as exc:
        raise ApplicationError(_("草稿不是有效的流程定义：%(m)s") % {"m": exc.message}) from exc
    facts = _Remembering(OrgFacts(now=timezone.now(), calendar=calendar))
    observed_holders = history.tasks.group_by("instance", "node").agg(pl.col("person").unique(maintain_order=True))
    routed_draft = route(draft_def, history, facts, observed_holders=observed_holders)
    routed_current = route(current_def, history, facts, observed_holders=observed_holders)
    picks = _picks(history.instances, replications, seed)

    def predicted(routed: pl.DataFrame) -> tuple[dict[str, Any], pl.DataFrame]:
        draws = task_draws(routed, history.tasks, replications=replications, seed=seed)
        per_instance = turnarounds(draws, history.instances, replications)
        return summary(picks.join(per_instance, on=["instance", "rep"], how="left")), draws

    draft_figures, draft_draws = predicted(routed_draft)
    baseline_figures, _draws = predicted(routed_current)
    observed_rep = picks.join(history.instances.select("instance", hours="turnaround"), on="instance", how="left")
    observed = summary(observed_rep)
    observed.update(n=history.instances.height)

    # Workload: tasks a month per node and per person (the draft's routing against what was observed).
    acted_tasks = history.tasks
    names = {n.id: n.name for n in (*current_def.nodes.values(), *draft_def.nodes.values())}
    kinds_draft = {n.id: n.kind for n in draft_def.nodes.values()}
    kinds_current = {n.id: n.kind for n in current_def.nodes.values()}
    node_rows = _merge_workload(
        _workload(routed_draft, months, "node"), acted_tasks.group_by("node").agg((pl.len() / months).round(2)), "node"
    )
    people_rows = _merge_workload(
        _workload(routed_draft, months, "person"),
        acted_tasks.group_by("person").agg((pl.len() / months).round(2)),
        "person",
    )
    notices = (
        routed_draft.filter(pl.col("person").is_null()).group_by("node").agg((pl.len() / months).round(2).alias("n"))
    )
    notice_of = dict(notices.iter_rows())
    sources = draft_draws.filter(pl.col("rep") == 0).group_by("source").len()
    person_names = dict(User.objects.filter(pk__in=people_rows["person"].to_list()).values_list("pk", "full_name"))
    changed_routes = _changed_routes(routed_draft, routed_current)
    return {
        "key": target.draft.key,
        "name": target.current.name,
        "draft": target.draft.version,
        "based_on": target.current.version,
        "window": {"first": first.text, "last": last.text, "months": months},
        "instances": history.instances.height,
        "replications": replications,
        "seed": seed,
        "level": LEVEL,
        "predicted": draft_figures,
        "baseline": baseline_figures,
        "observed": observed,
        "changed_routes": changed_routes,
        "sources": {str(s): int(c) for s, c in sources.iter_rows()},
        "nodes": [
            {
                "node": node,
                "name": names.get(node, node),
                "kind_draft": kinds_draft.get(node, ""),
                "kind_current": kinds_current.get(node, ""),
                "predicted": predicted_n,
                "observed": observed_n,
                "notices": notice_of.get(node),
            }
            for node, predicted_n, observed_n in node_rows.iter_rows()
        ],
        "people": [
            {"person": person, "name": person_names.get(person) or str(person), "predicted": p, "observed": o}
            for person, p, o in people_rows.iter_rows()
        ],
    }


def _merge_workload(predicted: pl.DataFrame, observed: pl.DataFrame, column: str) -> pl.DataFrame:
    observed = observed.rename({observed.columns[1]: "observed"})
    return (
        predicted.rename({"per_month": "predicted"})
        .join(observed, on=column, how="full", coalesce=True)
        .with_columns(pl.col("predicted").fill_null(0.0), pl.col("observed").fill_null(0.0))
        .sort(["observed", column], descending=[True, False])
        .select(column, "predicted", "observed")
    )


def _changed_routes(draft: pl.DataFrame, current: pl.DataFrame) -> int:
    """How many instances would reach other task nodes (or other people) under the draft."""

    def paths(routed: pl.DataFrame) -> pl.DataFrame:
        tasks = routed.filter(pl.col("person").is_not_null())
        return tasks.group_by("instance").agg(
            pl.concat_str("node", pl.col("person").cast(pl.String), separator=":").sort().str.join(",").alias("p")
        )

    both = paths(draft).join(paths(current), on="instance", how="full", suffix="_c", coalesce=True)
    return int(both.filter(pl.col("p").fill_null("") != pl.col("p_c").fill_null("")).height)

"""Streamlining advice (精简建议) over a period's log (``period.Log``): the node necessity test (必要性测试) with
its suggestions, 秒批 and 压件, and conformance to the written process (``conformance``). Columnar
computations over the log's frames; Python touches only the few definitions and the few suggestion rows.
docs/insights.md defines every test and threshold.

Every finding is a row with a ``ref`` (what the drill-down names it by) and ``instances`` (the ids behind it)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from sanfu.insights import conformance, redesign
from sanfu.insights.facts import MS_PER_HOUR, with_working
from sanfu.insights.period import Log

# A comment that says nothing: empty, or one of these stock phrases (after dropping spaces and punctuation,
# ignoring case). The one list every test reads.
STOCK_PHRASES = (
    "同意",
    "同意。",
    "拟同意",
    "同意办理",
    "同意上报",
    "已阅",
    "阅",
    "已审",
    "已审核",
    "审核通过",
    "通过",
    "批准",
    "准予",
    "如拟",
    "可",
    "可以",
    "好",
    "收到",
    "无意见",
    "ok",
    "yes",
)
_PUNCTUATION = r"[\s。，,.!！、;；:：~～…·\-—]+"

MIN_SAMPLE = 5  # tasks (or instances) a node needs before any suggestion is made about it
ALWAYS_APPROVES = 95.0  # an approval rate (%) at or above this counts as "approves (almost) always"
ROUTED_MOST = 50.0  # a threshold sends "most amounts" above it when more than this share (%) goes there
THRESHOLD_KEEP_ABOVE = 0.8  # a moved threshold sits at this quantile of the amounts now routed above it
QUICK_SECONDS = 30  # 秒批: approved within this many seconds of reaching the holder (the default)
AMOUNT_FIELD = "amount"  # the form field graded thresholds are read on (``period.load`` reads it)
HELD_RATIO = 3.0  # 压件: held more than this many times the node's median (and beyond its P90)

ACTED = ("approved", "rejected", "returned", "done")
SAID_NO = ("rejected", "returned")


@dataclass(frozen=True)
class Options:
    quick_seconds: int = QUICK_SECONDS


def has_content(comment: pl.Expr) -> pl.Expr:
    """A comment with content: not empty and not a stock phrase."""
    plain = comment.fill_null("").str.to_lowercase().str.replace_all(_PUNCTUATION, "")
    stock = [p.lower().rstrip("。") for p in STOCK_PHRASES]
    return (plain != "") & ~plain.is_in(stock)


def _hours(log: Log, now_ms: int) -> pl.DataFrame:
    """Person tasks (not the engine's auto-passes) with their instance's facts, the act's comment, and the
    working hours each was in its holder's hands (to its end, or to now while open)."""
    instances = log.instances.select(
        "instance", "matter", "initiator", pl.col("status").alias("outcome"), "amount", "urgency"
    )
    acts = log.acts.group_by("instance", "task_no").agg(pl.col("comment").last(), pl.col("actor").last())
    tasks = (
        log.tasks.filter(~pl.col("auto").fill_null(False))
        .join(instances, on="instance", how="inner")
        .join(acts, on=["instance", "task_no"], how="left")
        .with_columns(
            until=pl.coalesce(
                "end",
                pl.when(pl.col("status").is_in(("open", "waiting"))).then(pl.lit(now_ms)),
            )
        )
    )
    tasks = with_working(tasks, ["start", "until"], log.calendar)
    return tasks.with_columns(
        held=((pl.col("w_until") - pl.col("w_start")) / MS_PER_HOUR).round(2),
        seconds=(pl.col("end") - pl.col("start")) / 1000,
    )


def _ids(column: str = "instance") -> pl.Expr:
    return pl.col(column).unique().sort().alias("instances")


def _rate(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then((pl.col(part) * 100 / pl.col(whole)).round(1)).otherwise(None)


def necessity(tasks: pl.DataFrame) -> pl.DataFrame:
    """Per approval node of each matter type: tasks acted, 同意 share, comments with content, the P50 working
    hours the node held an instance, and how often it changed an outcome (it said no — 不同意 or 退回 — or
    it said 同意 and the matter ended 不同意)."""
    acted = tasks.filter((pl.col("kind") == "approval") & pl.col("status").is_in(ACTED))
    frame = acted.group_by("matter", "node", maintain_order=True).agg(
        pl.col("node_name").last(),
        pl.len().alias("acted"),
        (pl.col("status") == "approved").sum().alias("approved"),
        pl.col("status").is_in(SAID_NO).sum().alias("said_no"),
        ((pl.col("status") == "approved") & (pl.col("outcome") == "rejected")).sum().alias("overruled"),
        has_content(pl.col("comment")).sum().alias("commented"),
        pl.col("held").quantile(0.5, interpolation="linear").round(2).alias("hours_p50"),
        _ids(),
    )
    return frame.with_columns(
        approval_rate=_rate("approved", "acted"),
        comment_rate=_rate("commented", "acted"),
        changed=pl.col("said_no") + pl.col("overruled"),
        ref=pl.col("matter") + "|" + pl.col("node"),
    ).sort("matter", "node")


def quick_approvals(tasks: pl.DataFrame, opened: pl.DataFrame, seconds: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """秒批: 同意 given within ``seconds`` of the task reaching its holder, who opened none of the instance's
    files in between. Returns the approvals and their summary per person and node (with how many 同意 the
    person gave there in all)."""
    approved = tasks.filter((pl.col("status") == "approved") & pl.col("end").is_not_null())
    fast = approved.filter(pl.col("seconds") <= seconds)
    looked = (
        fast.select("instance", "task_no", "person", "start", "end")
        .join(opened, on=["instance", "person"], how="inner")
        .filter(pl.col("at").is_between(pl.col("start"), pl.col("end")))
        .select("instance", "task_no")
        .unique()
    )
    quick = fast.join(looked, on=["instance", "task_no"], how="anti").with_columns(
        ref=pl.col("instance").cast(pl.String) + "|" + pl.col("task_no").cast(pl.String)
    )
    of_all = approved.group_by("person", "matter", "node").agg(pl.len().alias("approved"))
    summary = (
        quick.group_by("person", "matter", "node", maintain_order=True)
        .agg(
            pl.col("node_name").last(),
            pl.len().alias("quick"),
            pl.col("seconds").median().round(1).alias("seconds_p50"),
            _ids(),
        )
        .join(of_all, on=["person", "matter", "node"], how="left")
        .with_columns(
            quick_rate=_rate("quick", "approved"),
            ref=pl.col("person").cast(pl.String) + "|" + pl.col("matter") + "|" + pl.col("node"),
        )
        .sort("quick", "person", descending=[True, False])
    )
    return quick.sort("end", descending=True), summary


def held_tasks(tasks: pl.DataFrame) -> pl.DataFrame:
    """压件: tasks held (in working hours) beyond their node's P90 and more than ``HELD_RATIO`` times its median,
    at nodes with at least ``MIN_SAMPLE`` tasks; open tasks count up to now."""
    timed = tasks.filter(pl.col("held").is_not_null())
    peers = timed.group_by("matter", "node").agg(
        pl.len().alias("peers"),
        pl.col("held").quantile(0.5, interpolation="linear").round(2).alias("node_p50"),
        pl.col("held").quantile(0.9, interpolation="linear").round(2).alias("node_p90"),
    )
    return (
        timed.join(peers, on=["matter", "node"], how="inner")
        .filter(
            (pl.col("peers") >= MIN_SAMPLE)
            & (pl.col("held") > pl.col("node_p90"))
            & (pl.col("held") > HELD_RATIO * pl.col("node_p50"))
        )
        .with_columns(
            ratio=pl.when(pl.col("node_p50") > 0).then((pl.col("held") / pl.col("node_p50")).round(1)),
            instances=pl.concat_list("instance"),
            ref=pl.col("instance").cast(pl.String) + "|" + pl.col("task_no").cast(pl.String),
        )
        .sort("held", descending=True)
    )


def _nice_up(value: float) -> float:
    """``value`` rounded up to two significant figures (12,345 → 13,000): a threshold people can read."""
    if value <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(value)) - 1)
    return float(math.ceil(value / step) * step)


def suggestions(log: Log, tasks: pl.DataFrame, nodes: pl.DataFrame) -> list[dict[str, Any]]:
    """改为备案 for a node that approved (almost) always, took time, commented nothing and never changed an
    outcome; 调整分级阈值 for a graded threshold that sends most amounts to a node that never changes an
    outcome. Each with its evidence; only about matter types with a published version to change."""
    found: list[dict[str, Any]] = []
    quiet = nodes.filter(
        (pl.col("acted") >= MIN_SAMPLE)
        & (pl.col("approval_rate") >= ALWAYS_APPROVES)
        & (pl.col("commented") == 0)
        & (pl.col("changed") == 0)
    )
    for row in quiet.filter(pl.col("hours_p50") > 0).to_dicts():
        definition = log.latest.get(row["matter"])
        if definition is None or redesign.node_kind(definition.spec, row["node"]) != "approval":
            continue
        found.append({"kind": "filing", "version": definition.version, "evidence": _node_evidence(row), **_keys(row)})
    silent = {(r["matter"], r["node"]): r for r in quiet.to_dicts()}
    routes = tasks.group_by("instance").agg(pl.col("node").unique().alias("nodes"))
    for matter, definition in sorted(log.latest.items()):
        for threshold in redesign.thresholds(definition.spec):
            target = silent.get((matter, threshold.target))
            if target is None or threshold.field != AMOUNT_FIELD:  # the log reads the form's amount only
                continue
            amounts = (
                log.instances.filter((pl.col("matter") == matter) & pl.col("amount").is_not_null())
                .join(routes, on="instance", how="left")
                .with_columns(above=pl.col("nodes").list.contains(threshold.target).fill_null(False))
            )
            total, above = amounts.height, int(amounts["above"].sum())
            if total < MIN_SAMPLE or above * 100 <= ROUTED_MOST * total:
                continue
            routed = amounts.filter(pl.col("above"))["amount"]
            proposed = _nice_up(float(routed.quantile(THRESHOLD_KEEP_ABOVE, interpolation="linear") or 0))
            if proposed <= threshold.value:
                continue
            still_above = int((amounts["amount"] > proposed).sum())
            found.append(
                {
                    "kind": "threshold",
                    "version": definition.version,
                    **_keys(target),
                    "ref": f"{matter}|{threshold.condition}|{threshold.branch}",
                    "condition": threshold.condition,
                    "branch": threshold.branch,
                    "field": threshold.field,
                    "threshold": threshold.value,
                    "proposed": proposed,
                    "instances": amounts.filter(pl.col("above"))["instance"].sort().to_list(),
                    "evidence": {
                        **_node_evidence(target),
                        "with_amount": total,
                        "routed": above,
                        "routed_rate": round(above * 100 / total, 1),
                        "still_above": still_above,
                    },
                }
            )
    return found


def _keys(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "matter": row["matter"],
        "node": row["node"],
        "node_name": row["node_name"],
        "ref": row["ref"],
        "instances": row["instances"],
    }


def _node_evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("acted", "approval_rate", "commented", "comment_rate", "hours_p50", "changed")}


def advice(log: Log, *, now_ms: int, options: Options | None = None) -> dict[str, Any]:
    """Everything the advice page shows, as plain data (names beside the ids)."""
    options = options or Options()
    tasks = _hours(log, now_ms)
    nodes = necessity(tasks)
    quick, quick_summary = quick_approvals(tasks, log.opened, options.quick_seconds)
    held = held_tasks(tasks)
    result = {
        "period": log.period.text,
        "from": log.period.first.text,
        "to": log.period.last.text,
        "unit": log.unit_id,
        "quick_seconds": options.quick_seconds,
        "nodes": nodes.to_dicts(),
        "suggestions": suggestions(log, tasks, nodes),
        "quick": quick_summary.to_dicts(),
        "quick_tasks": _task_rows(quick),
        "held": _task_rows(held, "held", "node_p50", "node_p90", "ratio"),
        **conformance.findings(log, tasks),
    }
    return _named(result, log)


def _task_rows(frame: pl.DataFrame, *extra: str) -> list[dict[str, Any]]:
    columns = ["ref", "instance", "task_no", "matter", "node", "node_name", "person", "status", "start", "end"]
    columns += ["seconds", *extra]
    return frame.with_columns(instances=pl.concat_list("instance")).select(*columns, "instances").to_dicts()


def _named(result: dict[str, Any], log: Log) -> dict[str, Any]:
    """Names beside the ids: matter types, people (the unit's staff by their primary posts)."""
    for key in ("nodes", "suggestions", "quick", "quick_tasks", "held", "self_approvals", "splits", "green", "outside"):
        for row in result[key]:
            if "matter" in row:
                row["matter_name"] = log.matters.get(row["matter"], row["matter"])
            for who in ("person", "initiator"):
                if row.get(who) is not None:
                    row[f"{who}_name"] = log.people.get(row[who], "")
    return result


FINDINGS = ("nodes", "suggestions", "quick", "quick_tasks", "held", "self_approvals", "splits", "green", "outside")


def instances_behind(result: dict[str, Any], finding: str, ref: str) -> list[int]:
    """The instance ids behind the row ``ref`` of ``finding`` (empty when there is no such row)."""
    if finding not in FINDINGS:
        raise ValueError(f"unknown finding {finding}")
    for row in result[finding]:
        if row.get("ref") == ref:
            return [int(i) for i in row.get("instances") or []]
    return []

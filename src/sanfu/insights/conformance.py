"""Conformance to the written process (合规检查) over a period's log: where what happened departs from what the
definition says. Four tests, each a columnar computation (docs/insights.md):

* **self-approval** (自批): the initiator gave 同意 on a task of their own matter;
* **split requests** (拆单): one initiator submitted two requests of the same matter type within
  ``SPLIT_WINDOW_HOURS`` whose amounts each fall just under a graded threshold (at least ``JUST_UNDER`` of it)
  and together exceed it;
* **green channel on a matter that was not urgent** (绿色通道滥用): a 特急 matter of a definition with a green
  channel whose turnaround, in working hours, was no shorter than the median of the same matter type's
  ordinary (not 特急) matters ended in the period — the shortcut was taken and nothing urgent followed;
* **approval outside the rule** (规则外审批): a task acted by someone the node's rule did not name and who did
  not get it by 转交, 加签 or delegation (委托代理): the log records every task's origin, and the only other
  origin is a process administrator's reassignment (改派).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from sanfu.insights import redesign
from sanfu.insights.facts import MS_PER_HOUR, with_working
from sanfu.insights.period import Log

SPLIT_WINDOW_HOURS = 72  # two requests within three days (calendar time) count as one need
JUST_UNDER = 0.6  # "just under" a threshold: at least this share of it
GREEN_URGENCY = "特急"
ENDED = ("approved", "rejected")
PERSON_ACTED = ("approved", "rejected", "returned", "done")


def self_approvals(tasks: pl.DataFrame) -> pl.DataFrame:
    return (
        tasks.filter((pl.col("status") == "approved") & (pl.col("person") == pl.col("initiator")))
        .with_columns(
            ref=pl.col("instance").cast(pl.String) + "|" + pl.col("task_no").cast(pl.String),
            instances=pl.concat_list("instance"),
        )
        .select("ref", "instance", "task_no", "matter", "node", "node_name", "person", "end", "instances")
        .sort("end", descending=True)
    )


def _thresholds(log: Log) -> pl.DataFrame:
    """Each matter type's graded thresholds on ``amount`` (of its latest published version)."""
    rows = [
        {"matter": matter, "threshold": t.value, "inclusive": t.op == ">="}
        for matter, definition in log.latest.items()
        for t in redesign.thresholds(definition.spec)
        if t.field == "amount"
    ]
    return pl.DataFrame(rows, schema={"matter": pl.String, "threshold": pl.Float64, "inclusive": pl.Boolean})


def splits(log: Log) -> pl.DataFrame:
    """拆单: pairs of one initiator's requests of one matter type, submitted within the window, each just under
    a threshold and together above it."""
    under = (
        log.instances.filter(pl.col("amount").is_not_null())
        .join(_thresholds(log), on="matter", how="inner")
        .filter(
            (pl.col("amount") >= JUST_UNDER * pl.col("threshold"))
            & pl.when(pl.col("inclusive"))
            .then(pl.col("amount") < pl.col("threshold"))
            .otherwise(pl.col("amount") <= pl.col("threshold"))
        )
        .select("instance", "matter", "initiator", "amount", "start", "threshold")
    )
    pairs = (
        under.join(under, on=["matter", "initiator", "threshold"], suffix="_2")
        .filter(
            (pl.col("instance") < pl.col("instance_2"))
            & ((pl.col("start_2") - pl.col("start")).abs() <= SPLIT_WINDOW_HOURS * MS_PER_HOUR)
            & (pl.col("amount") + pl.col("amount_2") > pl.col("threshold"))
        )
        .with_columns(
            total=pl.col("amount") + pl.col("amount_2"),
            ref=pl.col("instance").cast(pl.String) + "|" + pl.col("instance_2").cast(pl.String),
            instances=pl.concat_list("instance", "instance_2"),
            hours_apart=((pl.col("start_2") - pl.col("start")).abs() / MS_PER_HOUR).round(1),
        )
    )
    return pairs.select(
        "ref", "matter", "initiator", "instance", "amount", "instance_2", "amount_2", "total", "threshold",
        "hours_apart", "instances",
    ).sort("instance")  # fmt: skip


def green_channel(log: Log) -> pl.DataFrame:
    """特急 matters on a green channel that ended no faster than the matter type's ordinary ones (median)."""
    with_channel = [d for d, spec in log.specs.items() if redesign.has_green_channel(spec)]
    ended = log.instances.filter(pl.col("status").is_in(ENDED) & pl.col("end").is_not_null())
    ended = with_working(ended, ["start", "end"], log.calendar).with_columns(
        hours=((pl.col("w_end") - pl.col("w_start")) / MS_PER_HOUR).round(2)
    )
    ordinary = (
        ended.filter(pl.col("urgency") != GREEN_URGENCY)
        .group_by("matter")
        .agg(
            pl.col("hours").quantile(0.5, interpolation="linear").round(2).alias("ordinary_p50"),
            pl.len().alias("ordinary"),
        )
    )
    return (
        ended.filter((pl.col("urgency") == GREEN_URGENCY) & pl.col("definition").is_in(with_channel))
        .join(ordinary, on="matter", how="inner")
        .filter(pl.col("hours") >= pl.col("ordinary_p50"))
        .with_columns(ref=pl.col("instance").cast(pl.String), instances=pl.concat_list("instance"))
        .select("ref", "instance", "matter", "initiator", "urgency", "hours", "ordinary_p50", "ordinary", "instances")
        .sort("instance")
    )


def outside_rule(tasks: pl.DataFrame) -> pl.DataFrame:
    """Tasks acted by a holder who got them from a process administrator's reassignment, not from the node's
    rule, a 转交, a 加签 or a delegation."""
    return (
        tasks.filter(
            pl.col("status").is_in(PERSON_ACTED)
            & (pl.col("origin") == "admin_reassigned")
            & pl.col("on_behalf_of").is_null()
        )
        .with_columns(
            ref=pl.col("instance").cast(pl.String) + "|" + pl.col("task_no").cast(pl.String),
            instances=pl.concat_list("instance"),
        )
        .select("ref", "instance", "task_no", "matter", "node", "node_name", "person", "status", "end", "instances")
        .sort("end", descending=True)
    )


def findings(log: Log, tasks: pl.DataFrame) -> dict[str, Any]:
    return {
        "self_approvals": self_approvals(tasks).to_dicts(),
        "splits": splits(log).to_dicts(),
        "green": green_channel(log).to_dicts(),
        "outside": outside_rule(tasks).to_dicts(),
    }

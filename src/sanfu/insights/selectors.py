"""The review's reads, scoped by construction: ``review_for`` answers the reader's own unit only (anyone else
gets ``NotFoundError`` → 404), and ``drill_down`` lists only the instances behind a figure that the reader may
open (``workflow.selectors.visible_instances``), saying how many others there are."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.insights import advice, beside, measures, period, rights, services
from sanfu.insights.facts import Month
from sanfu.workflow import subjects
from sanfu.workflow.models import DefinitionStatus, Instance, ProcessDefinition
from sanfu.workflow.selectors import visible_instances

DRILL_LIMIT = 500  # instances listed behind one figure
PEOPLE_SHOWN = 20  # people on the review page; the rest on its people page (and all of them in the Excel)
PEOPLE_SORTS = ("load", "time")


def parse_month(text: str | None, *, today: date | None = None) -> Month:
    """``YYYY-MM`` → the month; empty is the current month; a wrong text or a month not yet begun is an
    ``ApplicationError`` saying so."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        return Month(today.year, today.month)
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise ApplicationError(_("月份应写成“年-月”，例如 2026-11。"))
    month = Month(int(found.group(1)), int(found.group(2)))
    if (month.year, month.month) > (today.year, today.month):
        raise ApplicationError(_("%(y)d年%(m)d月尚未开始，没有可评估的流程。") % {"y": month.year, "m": month.month})
    return month


def access_review(*, actor: User) -> int:
    """The unit whose review ``actor`` reads; NotFoundError for anyone who may not read one."""
    unit_id = rights.reviewed_unit(actor)
    if unit_id is None:
        raise NotFoundError(_("页面不存在。"))
    return unit_id


def review_for(*, actor: User, month: Month) -> dict[str, Any]:
    """The month's figures of the reader's unit, with names put beside the ids."""
    unit_id = access_review(actor=actor)
    return named(services.month_review(unit_id=unit_id, month=month))


def named(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures with each row's names (matter type, department, person) beside its ids."""
    names = figures["names"]
    matters, departments, people = names["matters"], names["departments"], names["people"]

    def label(row: dict[str, Any]) -> dict[str, Any]:
        row = dict(row)
        keys = {k: row[k] for k in ("matter", "node", "department", "person") if row.get(k) is not None}
        row["q"] = urlencode(keys)  # the drill-down's filters of this row
        if "matter" in row:
            row["matter_name"] = matters.get(row["matter"], row["matter"])
        if "department" in row:
            row["department_name"] = departments.get(str(row["department"]), "") if row["department"] else ""
        if "person" in row:
            row["person_name"] = people.get(str(row["person"]), "") if row["person"] else ""
        return row

    result = dict(figures)
    for key in ("matters", "nodes", "departments", "people"):
        result[key] = [label(r) for r in figures[key]]
    reasons = [label(r) for r in figures["reasons"]]
    for r in reasons:  # a reason's drill-down: the returns of its matter, node and person
        r["q"] = urlencode({k: r[k] for k in ("matter", "node", "person") if r.get(k) is not None})
    result["reasons"] = reasons
    return result


def beside_for(*, actor: User, month: Month) -> list[dict[str, Any]]:
    """The other domains' figures for the reader's unit and month (``beside``: the window's complaint rate and
    ratings, 督办's on-time completion, meetings' no-show rate), each as its own domain counts it for the reader,
    with a link to that domain's page for the month."""
    unit_id = access_review(actor=actor)
    return beside.figures(actor=actor, unit_id=unit_id, year=month.year, month=month.month)


def parse_people_sort(text: str | None) -> str:
    """``load`` (the most tasks acted, then still open, first: the default) or ``time`` (the longest median
    working time first); anything else is an ``ApplicationError``."""
    text = (text or "").strip() or "load"
    if text not in PEOPLE_SORTS:
        raise ApplicationError(_("排序方式应为 load（按办理量）或 time（按用时）。"))
    return text


def people_ranked(figures: dict[str, Any], sort: str = "load") -> list[dict[str, Any]]:
    """The review's people (``named`` rows), by load — tasks acted, then open at the month's end — or by time —
    median working time per task — the heaviest first; ties by name."""

    def load(row: dict[str, Any]) -> tuple[Any, ...]:
        return (-(row.get("acted") or 0), -(row.get("open_tasks") or 0), row.get("person_name") or "")

    def time(row: dict[str, Any]) -> tuple[Any, ...]:
        p50 = row.get("handling_p50")
        return (p50 is None, -(p50 or 0.0), -(row.get("acted") or 0), row.get("person_name") or "")

    return sorted(figures["people"], key=time if sort == "time" else load)


@dataclass
class DrillDown:
    figure: str
    filters: dict[str, Any]
    rows: list[tuple[Instance, str]] = field(default_factory=list)  # (instance, its page)
    hidden: int = 0  # instances behind the figure the reader may not open
    more: int = 0  # instances past the first DRILL_LIMIT, not listed


def drill_down(*, actor: User, month: Month, figure: str, filters: dict[str, Any]) -> DrillDown:
    """The instances behind one figure of the reader's unit's review, those the reader may open."""
    unit_id = access_review(actor=actor)
    if figure not in measures.FIGURES:
        raise NotFoundError(_("页面不存在。"))
    ids = measures.instances_behind(services.spine_for(unit_id=unit_id, month=month), figure, filters)
    return _drill(actor, figure, filters, ids)


# --- streamlining advice (精简建议) ------------------------------------------------------------------------------


def parse_seconds(text: str | None) -> int:
    """The 秒批 window in seconds: empty is the default; otherwise a whole number from 1 to 3600."""
    text = (text or "").strip()
    if not text:
        return advice.QUICK_SECONDS
    if not text.isdigit() or not 1 <= int(text) <= 3600:
        raise ApplicationError(_("秒批时限应为 1 到 3600 之间的整数（秒）。"))
    return int(text)


def advice_for(*, actor: User, span: period.Period, options: advice.Options | None = None) -> dict[str, Any]:
    """The period's streamlining advice of the reader's unit; each suggestion says whether the reader may
    apply it as a draft (a process administrator of the definition)."""
    unit_id = access_review(actor=actor)
    result = services.advice_of(unit_id=unit_id, span=span, options=options)
    specs = dict(
        ProcessDefinition.objects.filter(
            key__in={s["matter"] for s in result["suggestions"]}, status=DefinitionStatus.PUBLISHED
        )
        .values_list("key", "spec")  # the latest version wins below, as in the log
        .order_by("key", "version")
    )
    for suggestion in result["suggestions"]:
        suggestion["may_apply"] = rights.may_redesign(actor, specs.get(suggestion["matter"]) or {})
    return result


def advice_drill_down(
    *, actor: User, span: period.Period, finding: str, ref: str, options: advice.Options | None = None
) -> DrillDown:
    """The instances behind one finding of the advice, those the reader may open."""
    unit_id = access_review(actor=actor)
    if finding not in advice.FINDINGS:
        raise NotFoundError(_("页面不存在。"))
    ids = advice.instances_behind(services.advice_of(unit_id=unit_id, span=span, options=options), finding, ref)
    return _drill(actor, finding, {"ref": ref}, ids)


def _drill(actor: User, figure: str, filters: dict[str, Any], ids: list[int]) -> DrillDown:
    shown = {
        i.pk: i
        for i in visible_instances(actor)
        .filter(pk__in=ids[:DRILL_LIMIT])
        .select_related("definition", "initiator")
        .order_by()
    }
    pages = subjects.pages_of((i.pk, i.definition.key) for i in shown.values())
    rows = [
        (shown[i], pages.get(i) or reverse("approvals:instance", args=[i])) for i in ids[:DRILL_LIMIT] if i in shown
    ]
    listed = min(len(ids), DRILL_LIMIT)
    return DrillDown(figure=figure, filters=filters, rows=rows, hidden=listed - len(rows), more=len(ids) - listed)

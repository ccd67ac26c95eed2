"""领导驾驶舱 (the leader dashboard): one page that gathers, for a unit's leaders and its office, what waits for
the reader, the month's key figures against the month before, the 督办 items that are overdue, and six months
of trends. Nothing is computed here: each figure is the owning domain's own (the efficiency review of
``sanfu.insights``, the window's figures of ``sanfu.servicedesk``, the ledger of ``sanfu.supervision``), read
with the reader's own rights, so a figure on this page is the figure on its domain's page, one click away."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import NotFoundError
from sanfu.insights import rights as insights_rights
from sanfu.insights import selectors as insights
from sanfu.insights.facts import Month
from sanfu.meetings import figures as meeting_figures
from sanfu.servicedesk import figures as window_figures
from sanfu.servicedesk import selectors as window
from sanfu.supervision import bulletin as supervision_bulletin
from sanfu.supervision import selectors as supervision
from sanfu.supervision.status import Status
from sanfu.workflow import subjects
from sanfu.workflow.selectors import tasks_of

TREND_MONTHS = 6
WAITING_SHOWN = 8
OVERDUE_SHOWN = 10


@dataclass(frozen=True)
class Figure:
    """One key figure: this month's value, last month's, and where it comes from."""

    key: str
    label: str
    value: float | int | None
    before: float | int | None
    unit: str = ""
    better: str = "up"  # which way is good: "up" or "down"; "" when the two are not comparable (a count so far)
    url: str = ""

    @property
    def change(self) -> float | None:
        """This month against the last, in % of the last (None when either is missing or the last is 0, and for a
        count of the month so far, which a whole month would always beat)."""
        if not self.better or self.value is None or self.before in (None, 0):
            return None
        return round((float(self.value) - float(self.before)) / float(self.before) * 100, 1)

    @property
    def good(self) -> bool | None:
        """Whether the change goes the good way (None when there is no change to judge)."""
        change = self.change
        if not change or not self.better:
            return None
        return (change > 0) == (self.better == "up")


@dataclass
class Cockpit:
    month: Month
    waiting: list[dict[str, Any]] = field(default_factory=list)
    waiting_count: int = 0
    figures: list[Figure] = field(default_factory=list)
    overdue: list[Any] = field(default_factory=list)
    overdue_count: int = 0
    supervision_counts: dict[str, int] = field(default_factory=dict)
    trend: dict[str, Any] = field(default_factory=dict)


def may_read(user: User) -> bool:
    """The menu offers the cockpit to whoever may read the unit's efficiency review: its leaders and office."""
    return insights_rights.may_review(user)


def _months_back(month: Month, count: int) -> list[Month]:
    months, year, number = [], month.year, month.month
    for _i in range(count):
        months.append(Month(year, number))
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return list(reversed(months))


def cockpit_for(*, actor: User, today: date | None = None) -> Cockpit:
    """The cockpit of ``actor``'s unit; ``NotFoundError`` for anyone who is not its leader or office."""
    insights.access_review(actor=actor)  # the same readers as the efficiency review, refused the same way
    today = today or timezone.localdate()
    months = _months_back(Month(today.year, today.month), TREND_MONTHS)
    reviews = [insights.review_for(actor=actor, month=m)["total"] for m in months]
    found = Cockpit(month=months[-1])
    _waiting(found, actor)
    _supervision(found, actor, today)
    now, before = reviews[-1], reviews[-2]
    review_url = reverse("insights:review")
    found.figures = [
        Figure("ended", _("本月至今办结"), now.get("throughput"), before.get("throughput"), _("件"), "", review_url),
        Figure(
            "p50", _("总用时中位数"), now.get("elapsed_p50"), before.get("elapsed_p50"), _("小时"), "down", review_url
        ),
        Figure("sla", _("按时率"), now.get("sla_rate"), before.get("sla_rate"), "%", "up", review_url),
        Figure(
            "fpy", _("一次通过率"), now.get("first_pass_rate"), before.get("first_pass_rate"), "%", "up", review_url
        ),
        Figure("backlog", _("在办件数"), now.get("backlog"), before.get("backlog"), _("件"), "down", review_url),
    ]
    found.figures += _window_figures(actor, today)
    found.figures += _office_figures(actor, today, unit_id=insights_rights.reviewed_unit(actor))
    found.trend = {
        "months": [m.text for m in months],
        "ended": [r.get("throughput") for r in reviews],
        "p50": [r.get("elapsed_p50") for r in reviews],
        "sla": [r.get("sla_rate") for r in reviews],
        "fpy": [r.get("first_pass_rate") for r in reviews],
        "labels": {
            "ended": _("办结件数"),
            "p50": _("总用时中位数（小时）"),
            "sla": _("按时率（%）"),
            "fpy": _("一次通过率（%）"),
        },
    }
    return found


def _waiting(found: Cockpit, actor: User) -> None:
    """What waits for the reader: their open approval and handling tasks, soonest deadline first."""
    tasks = tasks_of(actor, "todo").select_related("instance__definition")
    found.waiting_count = tasks.count()
    shown = list(tasks[:WAITING_SHOWN])
    pages = subjects.pages_of((t.instance_id, t.instance.definition.key) for t in shown)
    now = timezone.now()
    found.waiting = [
        {
            "task": t,
            "url": pages.get(t.instance_id) or reverse("approvals:instance", args=[t.instance_id]),
            "late": t.due_at is not None and t.due_at < now,
        }
        for t in shown
    ]


def _supervision(found: Cockpit, actor: User, today: date) -> None:
    """督办 as the reader sees it in the ledger: counts per status, and the overdue items first due first."""
    ledger = supervision.ledger(actor, supervision.LedgerFilters(), today=today)
    found.supervision_counts = ledger.counts
    overdue = supervision.ledger(actor, supervision.LedgerFilters(status=Status.OVERDUE), today=today)
    found.overdue_count = overdue.matching
    rows = overdue.rows.select_related("owner", "lead_department").order_by("deadline", "pk")
    found.overdue = list(rows[:OVERDUE_SHOWN])


def _office_figures(actor: User, today: date, *, unit_id: int | None) -> list[Figure]:
    """督办's on-time completion (the monthly bulletin's, as the reader sees the items) and meetings' no-show rate
    (the meeting figures'), this month so far against the last."""
    if unit_id is None:
        return []
    last = Month(today.year, today.month - 1) if today.month > 1 else Month(today.year - 1, 12)
    done = [
        supervision_bulletin.bulletin(actor, year=m.year, month=m.month, unit_id=unit_id, today=today).total
        for m in (Month(today.year, today.month), last)
    ]
    absent = [
        meeting_figures.month_figures(unit_id=unit_id, year=m.year, month=m.month).total
        for m in (Month(today.year, today.month), last)
    ]

    def number(value: Any) -> float | None:
        return float(value) if value is not None else None

    return [
        Figure(
            "supervision",
            _("督办按期完成率"),
            number(done[0].completion_rate),
            number(done[1].completion_rate),
            "%",
            "up",
            reverse("supervision:bulletin"),
        ),
        Figure(
            "no_show",
            _("会议缺席率"),
            absent[0].no_show_rate,
            absent[1].no_show_rate,
            "%",
            "down",
            reverse("meetings:figures"),
        ),
    ]


def _window_figures(actor: User, today: date) -> list[Figure]:
    """The service window's month, for readers who may read the whole window's figures (its leaders)."""
    try:
        services = window.figures_services(actor)
    except NotFoundError:
        return []
    if services is not None:  # a department head reads only their services: not the unit's figure
        return []
    unit_id = insights_rights.reviewed_unit(actor)
    if unit_id is None:
        return []
    last = Month(today.year, today.month - 1) if today.month > 1 else Month(today.year - 1, 12)
    now = window_figures.month_figures(unit_id=unit_id, year=today.year, month=today.month).total
    before = window_figures.month_figures(unit_id=unit_id, year=last.year, month=last.month).total
    url = reverse("servicedesk:figures")
    return [
        Figure("window", _("本月至今窗口受理"), now.volume, before.volume, _("件"), "", url),
        Figure("rating", _("平均评分"), now.rating, before.rating, _("分"), "up", url),
        Figure("complaints", _("投诉率"), now.complaint_rate, before.complaint_rate, "%", "down", url),
    ]

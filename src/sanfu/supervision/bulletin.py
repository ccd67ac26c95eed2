"""月度通报: the monthly supervision bulletin, one query layer whose result (:class:`Bulletin`) the page, the DOCX
and the Excel all show. No figure is computed anywhere else.

**Which items.** The top-level items (督办事项; sub-items of the responsibility list are parts of their item and
are not counted again) that the viewer may see (``selectors.visible_items``: an item the viewer may not see is
never counted), of the chosen unit when one is chosen. Each item counts for its lead department (牵头部门);
items without one are grouped as 未指定牵头部门.

**Dates.** All on the working calendar of ``supervision.status``: an item's *effective deadline* is its deadline,
or the next working day when the deadline falls on a rest day. An item is *completed* on the day its approved
close-out was applied for (the owner's application; the approval may come later, as ``status`` judges an item
under review on the day it applied). ``as_of`` is the day the bulletin is generated (today); a month that has
not begun is refused. The figures read the ledger as it stands on ``as_of``: a past month's bulletin generated
again later counts the close-outs approved since.

**Figures of a department (and of all of them, the total row), for the month M:**

- *due* (应完成) — items whose deadline falls in M;
- *on time* (按期完成) — due items that are closed (销号 approved) and were completed on or before their
  effective deadline;
- *overdue* (逾期) — due items not completed on or before their effective deadline, once that deadline has
  passed by ``as_of``: still open, under review after applying late, or closed late;
- *pending* (未到期) — the rest of the due items: not yet at their effective deadline, or applied for in time
  and still under review. due = on time + overdue + pending;
- *completion rate* (完成率) = on time / due, *overdue rate* (逾期率) = overdue / due, as percentages rounded
  half up to one decimal; no rate (shown "—") when nothing is due;
- *new* (新增) — items created in M; *closed* (办结) — items whose close-out was approved in M (whenever
  they were due);
- *at risk* (有风险) — items whose computed status on ``as_of`` is 有风险 (``status.status_of``), whenever due.

**Ranking** (排名): the departments with something due, by completion rate (higher first), then overdue rate
(lower first), then the number due (more first); departments equal on all three share a rank (1, 2, 2, 4).

**Lists:** the items at risk and the items overdue on ``as_of`` (whenever due), by deadline; the items closed
in M and the new items of M, in the order they were closed or created; each at most ``LIST_LIMIT`` long (the
figures count all of them).

**Cost.** The statuses are the items' snapshots (``snapshots``: the rules' result kept on the row for the day,
recomputed first for any row stale on ``as_of``), so the figures are one ``GROUP BY`` query of the items that
can count (due, created or closed in M, or not closed) per lead department, each list one query, plus the
visibility rule's own few: the same number of queries whatever the number of items, and no per-item Python.
``Judge`` (the rules applied in Python to each row) remains for the assessment, which judges a period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core import gbt9704
from sanfu.core.errors import ApplicationError
from sanfu.core.gbt9704 import BodyBlock, OfficialDocument, format_date
from sanfu.org.models import Unit
from sanfu.supervision import selectors, snapshots
from sanfu.supervision.models import Item, ItemState
from sanfu.supervision.snapshots import local_day, memo_workdays, moment_columns
from sanfu.supervision.status import Facts, Status, Workdays, effective_deadline, status_of

LIST_LIMIT = 50


def status_labels() -> dict[str, str]:
    """The computed statuses' words in the active language."""
    return {
        Status.ON_TRACK: _("正常推进"),
        Status.AT_RISK: _("有风险"),
        Status.OVERDUE: _("已逾期"),
        Status.DONE: _("已完成"),
    }


def no_department() -> str:
    return _("未指定牵头部门")


# --- months and periods --------------------------------------------------------------------------------------


def parse_month(text: str | None, *, today: date | None = None) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); a wrong text or a month not yet begun is an ApplicationError saying so. An
    empty text is the current month."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        return today.year, today.month
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise ApplicationError(_("月份应写成“年-月”，例如 2026-11。"))
    year, month = int(found.group(1)), int(found.group(2))
    if (year, month) > (today.year, today.month):
        raise ApplicationError(_("%(y)d年%(m)d月尚未开始，不能生成通报。") % {"y": year, "m": month})
    return year, month


def month_range(year: int, month: int) -> tuple[date, date]:
    """The first and last day of the month."""
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first, following - timedelta(days=1)


def day_start(day: date) -> datetime:
    """The start of ``day`` in the office's time zone (for the ``created_at``/``closed_at`` ranges)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage rounded half up to one decimal; None when whole is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- one item, as the figures read it ------------------------------------------------------------------------

FACT_COLUMNS = (
    "pk",
    "state",
    "created_at_text",
    "deadline",
    "last_percent",
    "last_report_at_text",
    "cadence_days",
    "applied_at_text",
    "closed_at_text",
    "lead_department_id",
    "lead_department__name",
    "owner_id",
)


@dataclass(slots=True)
class Outcome:
    """One item judged on ``as_of``: its effective deadline, when it was completed (its approved close-out's
    application), whether that was on time, and its status."""

    pk: int
    state: str
    created_on: date
    deadline: date
    effective_deadline: date
    completed_on: date | None
    closed_on: date | None
    status: Status
    department_id: int | None
    department_name: str
    owner_id: int

    @property
    def on_time(self) -> bool:
        return self.completed_on is not None and self.completed_on <= self.effective_deadline

    @property
    def overdue(self) -> bool:
        """Not completed by the effective deadline, which has passed by ``as_of`` (closed late, or the status
        says 已逾期)."""
        if self.state == ItemState.CLOSED:
            return not self.on_time
        return self.status == Status.OVERDUE


class Judge:
    """Turns rows of ``FACT_COLUMNS`` into :class:`Outcome` on one working calendar (each day's answer and each
    deadline's effective date computed once: many items share them)."""

    def __init__(self, as_of: date, days: Workdays | None = None):
        self.as_of = as_of
        self.days = days or memo_workdays()
        self._effective: dict[date, date] = {}

    def effective(self, deadline: date) -> date:
        found = self._effective.get(deadline)
        if found is None:
            found = self._effective[deadline] = effective_deadline(self.days, deadline)
        return found

    def outcomes(self, items: QuerySet[Item]) -> list[Outcome]:
        zone = timezone.get_current_timezone()

        def day(text: str | None) -> date | None:
            return local_day(text, zone)

        found = []
        rows = moment_columns(items).values_list(*FACT_COLUMNS)
        for pk, state, created, deadline, percent, reported, cadence, applied, closed, dept, name, owner in rows:
            applied_on, closed_on = day(applied), day(closed)
            facts = Facts(
                state=state,
                created_on=day(created) or deadline,
                deadline=deadline,
                last_percent=percent,
                last_report_on=day(reported),
                cadence_days=cadence,
                applied_on=applied_on,
            )
            found.append(
                Outcome(
                    pk=pk,
                    state=state,
                    created_on=facts.created_on,
                    deadline=deadline,
                    effective_deadline=self.effective(deadline),
                    completed_on=(applied_on or closed_on) if state == ItemState.CLOSED else None,
                    closed_on=closed_on if state == ItemState.CLOSED else None,
                    status=status_of(self.days, facts, self.as_of),
                    department_id=dept,
                    department_name=name or "",
                    owner_id=owner,
                )
            )
        return found


# --- the bulletin ----------------------------------------------------------------------------------------------


@dataclass
class DepartmentLine:
    """A department's figures for the month (the module's definitions); ``rank`` None when nothing was due."""

    department_id: int | None
    name: str
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    pending: int = 0
    new: int = 0
    closed: int = 0
    at_risk: int = 0
    rank: int | None = None

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.on_time, self.due)

    @property
    def overdue_rate(self) -> Decimal | None:
        return rate(self.overdue, self.due)

    def add(self, outcome: Outcome, *, first: date, last: date, as_of: date) -> None:
        if first <= outcome.deadline <= last:
            self.due += 1
            if outcome.on_time:
                self.on_time += 1
            elif outcome.overdue:
                self.overdue += 1
            else:
                self.pending += 1
        if first <= outcome.created_on <= last:
            self.new += 1
        if outcome.closed_on is not None and first <= outcome.closed_on <= last:
            self.closed += 1
        if outcome.status == Status.AT_RISK:
            self.at_risk += 1


@dataclass(frozen=True)
class ItemLine:
    """One listed item."""

    pk: int
    title: str
    department: str
    owner: str
    deadline: date
    percent: int
    status: Status
    status_label: str = ""
    closed_on: date | None = None
    created_on: date | None = None
    url: str = ""  # the item's page


@dataclass
class Bulletin:
    """The bulletin of one month (see the module for every definition)."""

    year: int
    month: int
    as_of: date
    first: date
    last: date
    unit_id: int | None
    unit_name: str
    departments: list[DepartmentLine]  # ranked first, then the departments with nothing due, by name
    total: DepartmentLine
    at_risk: list[ItemLine] = field(default_factory=list)
    overdue: list[ItemLine] = field(default_factory=list)
    closed: list[ItemLine] = field(default_factory=list)
    new: list[ItemLine] = field(default_factory=list)
    overdue_now: int = 0  # every item overdue on as_of, whenever due (the overdue list's length before the cut)

    @property
    def month_text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        return _("%(unit)s%(y)d年%(m)d月督办工作通报") % {"unit": self.unit_name, "y": self.year, "m": self.month}

    @property
    def ranked(self) -> list[DepartmentLine]:
        return [d for d in self.departments if d.rank is not None]

    def chart_data(self) -> dict[str, Any]:
        """The ranked departments' rates for the page's charts (numbers, not text)."""
        ranked = self.ranked
        return {
            "departments": [d.name for d in ranked],
            "completion": [float(d.completion_rate or 0) for d in ranked],
            "overdue": [float(d.overdue_rate or 0) for d in ranked],
            "due": [d.due for d in ranked],
            "labels": {"completion": _("完成率（%）"), "overdue": _("逾期率（%）")},
        }


def _rank(lines: list[DepartmentLine]) -> list[DepartmentLine]:
    def key(line: DepartmentLine) -> tuple[Decimal, Decimal, int]:
        return (-(line.completion_rate or Decimal(0)), line.overdue_rate or Decimal(0), -line.due)

    ranked = sorted((line for line in lines if line.due), key=lambda line: (key(line), line.name))
    previous: tuple[Decimal, Decimal, int] | None = None
    for position, line in enumerate(ranked, start=1):
        current = key(line)
        line.rank = position if current != previous else ranked[position - 2].rank
        previous = current
    rest = sorted((line for line in lines if not line.due), key=lambda line: line.name)
    return ranked + rest


def scope(actor: User, *, unit_id: int | None = None) -> QuerySet[Item]:
    """The top-level items ``actor`` may see (of one unit when given)."""
    items = selectors.visible_items(actor).filter(parent__isnull=True)
    return items.filter(unit_id=unit_id) if unit_id else items


LINE_COLUMNS = (
    "pk",
    "title",
    "deadline",
    "last_percent",
    "owner__full_name",
    "owner__username",
    "lead_department__name",
    "status",
    "state",
    "created_at",
    "closed_at",
)


_URL_PK = 987654321  # a stand-in key: one reverse() for every listed item (reverse costs ~0.1 ms a call)


def _lines(rows: Iterable[tuple[Any, ...]]) -> list[ItemLine]:
    labels = status_labels()
    url = reverse("supervision:item", args=[_URL_PK])
    lines = []
    for pk, title, deadline, percent, full_name, username, department, status, state, created, closed in rows:
        found = Status(status)
        lines.append(
            ItemLine(
                pk=pk,
                title=title,
                department=department or no_department(),
                owner=full_name or username,
                deadline=deadline,
                percent=percent,
                status=found,
                status_label=labels[found],
                closed_on=timezone.localdate(closed) if closed is not None and state == ItemState.CLOSED else None,
                created_on=timezone.localdate(created),
                url=url.replace(str(_URL_PK), str(pk)),
            )
        )
    return lines


def bulletin(actor: User, *, year: int, month: int, unit_id: int | None = None, today: date | None = None) -> Bulletin:
    """The bulletin of (year, month) as ``actor`` may see it, judged on ``today`` (the office's date): the
    stale status snapshots recomputed for that day first (``snapshots``), then the figures counted per lead
    department in one grouped query and each list read in one query."""
    as_of = today or timezone.localdate()
    first, last = month_range(year, month)
    if first > as_of:
        raise ApplicationError(_("%(y)d年%(m)d月尚未开始，不能生成通报。") % {"y": year, "m": month})
    unit_name = ""
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise ApplicationError(_("所选单位不存在。"))
        unit_name = unit.name
    snapshots.refresh(today=as_of)
    start, end = day_start(first), day_start(last + timedelta(days=1))
    closed = Q(state=ItemState.CLOSED)
    due = Q(deadline__range=(first, last))
    new = Q(created_at__gte=start, created_at__lt=end)
    closed_in = closed & Q(closed_at__gte=start, closed_at__lt=end)
    late_now = ~closed & Q(status=Status.OVERDUE)
    relevant = scope(actor, unit_id=unit_id).filter(due | new | closed_in | ~closed)
    conditions = {
        "due": due,
        "on_time": due & closed & Q(on_time=True),
        "overdue": due & ((closed & ~Q(on_time=True)) | late_now),
        "new": new,
        "closed": closed_in,
        "at_risk": Q(status=Status.AT_RISK),
        "overdue_now": late_now,
    }
    grouped = (
        relevant.order_by()
        .values("lead_department_id", "lead_department__name")
        .annotate(**{f"n_{name}": Count("pk", filter=q) for name, q in conditions.items()})
    )
    departments: list[DepartmentLine] = []
    total = DepartmentLine(department_id=None, name=_("合计"))
    overdue_now = 0
    for row in grouped:
        line = DepartmentLine(row["lead_department_id"], row["lead_department__name"] or no_department())
        for target in (line, total):
            target.due += row["n_due"]
            target.on_time += row["n_on_time"]
            target.overdue += row["n_overdue"]
            target.pending += row["n_due"] - row["n_on_time"] - row["n_overdue"]
            target.new += row["n_new"]
            target.closed += row["n_closed"]
            target.at_risk += row["n_at_risk"]
        overdue_now += row["n_overdue_now"]
        if line.due or line.new or line.closed or line.at_risk:
            departments.append(line)

    def listed(condition: Q, *order: Any) -> list[ItemLine]:
        rows = relevant.filter(condition).order_by(*order, "pk").values_list(*LINE_COLUMNS)
        return _lines(rows[:LIST_LIMIT])

    return Bulletin(
        year=year,
        month=month,
        as_of=as_of,
        first=first,
        last=last,
        unit_id=unit_id,
        unit_name=unit_name,
        departments=_rank(departments),
        total=total,
        at_risk=listed(Q(status=Status.AT_RISK), "deadline"),
        overdue=listed(late_now, "deadline"),
        closed=listed(closed_in, "closed_at"),
        new=listed(new, "created_at"),
        overdue_now=overdue_now,
    )


# --- the bulletin as an official paper (通报, GB/T 9704) ------------------------------------------------------


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _item_sentence(n: int, line: ItemLine, *, closed: bool = False) -> str:
    when = format_date(line.closed_on) if closed and line.closed_on else format_date(line.deadline)
    label = _("办结于%(d)s") % {"d": when} if closed else _("完成时限%(d)s") % {"d": when}
    return _("%(n)d. %(title)s（%(dept)s，责任人%(owner)s，%(when)s，进度%(p)d%%）。") % {
        "n": n,
        "title": line.title,
        "dept": line.department,
        "owner": line.owner,
        "when": label,
        "p": line.percent,
    }


def official_document(b: Bulletin, *, issuer: str) -> OfficialDocument:
    """The bulletin laid out as a 通报 (``core.gbt9704``): the issuer's mark, the title, 主送 各部门, the figures
    in numbered sections, and the date it was generated. ``issuer`` is the issuing office (the unit's name)."""
    t = b.total
    blocks = [
        BodyBlock(_("现将%(y)d年%(m)d月督办事项办理情况通报如下。") % {"y": b.year, "m": b.month}),
        BodyBlock(_("一、总体情况"), 1),
        BodyBlock(
            _(
                "本月应完成督办事项%(due)d项，按期完成%(on_time)d项，完成率%(rate)s；逾期%(overdue)d项，"
                "逾期率%(orate)s；未到期%(pending)d项。本月新增事项%(new)d项，办结%(closed)d项。"
                "截至%(as_of)s，有风险事项%(risk)d项，逾期未办结事项%(late)d项。"
            )
            % {
                "due": t.due,
                "on_time": t.on_time,
                "rate": _percent(t.completion_rate),
                "overdue": t.overdue,
                "orate": _percent(t.overdue_rate),
                "pending": t.pending,
                "new": t.new,
                "closed": t.closed,
                "as_of": format_date(b.as_of),
                "risk": t.at_risk,
                "late": b.overdue_now,
            }
        ),
        BodyBlock(_("二、各部门完成情况及排名"), 1),
    ]
    ranked = b.ranked
    if not ranked:
        blocks.append(BodyBlock(_("本月没有到期的督办事项。")))
    for n, d in enumerate(ranked, start=1):
        blocks.append(
            BodyBlock(
                _(
                    "%(n)d. %(name)s：应完成%(due)d项，按期完成%(on_time)d项，完成率%(rate)s；逾期%(overdue)d项，"
                    "逾期率%(orate)s；排名第%(rank)d。"
                )
                % {
                    "n": n,
                    "name": d.name,
                    "due": d.due,
                    "on_time": d.on_time,
                    "rate": _percent(d.completion_rate),
                    "overdue": d.overdue,
                    "orate": _percent(d.overdue_rate),
                    "rank": d.rank or 0,
                },
                3,
            )
        )
    sections = (
        (_("三、有风险事项"), b.at_risk, False, _("没有有风险的事项。")),
        (_("四、逾期未办结事项"), b.overdue, False, _("没有逾期未办结的事项。")),
        (_("五、本月办结事项"), b.closed, True, _("本月没有办结的事项。")),
        (_("六、本月新增事项"), b.new, False, _("本月没有新增事项。")),
    )
    for heading, lines, closed, empty in sections:
        blocks.append(BodyBlock(heading, 1))
        if not lines:
            blocks.append(BodyBlock(empty))
        for n, line in enumerate(lines, start=1):
            blocks.append(BodyBlock(_item_sentence(n, line, closed=closed), 3))
    blocks.append(BodyBlock(_("请各部门对照通报，抓紧推进有风险和逾期事项，按时报送进展。")))
    return OfficialDocument(
        issuer_mark=_("%(issuer)s督办通报") % {"issuer": issuer},
        doc_number="",
        title=_("关于%(y)d年%(m)d月督办工作情况的通报") % {"y": b.year, "m": b.month},
        main_recipients=_("各部门"),
        body=tuple(blocks),
        issuer_signature=issuer,
        date=b.as_of,
        seal=False,
    )


def render_docx(b: Bulletin, *, issuer: str) -> bytes:
    return gbt9704.render_docx(official_document(b, issuer=issuer))

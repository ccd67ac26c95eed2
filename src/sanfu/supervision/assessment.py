"""定期考核: each department's and each person's record over a chosen period, from the same judgement of items as
the bulletin (``bulletin.Judge``: effective deadlines on the working calendar, completion on the day the approved
close-out was applied for, status on ``as_of``).

**Which items.** Every item the viewer may see (``selectors.visible_items``: items the viewer may not see are
never counted) whose deadline falls in the period [start, end], sub-items included: each item of the
responsibility list (责任清单) is its owner's responsibility. A department is credited with the items it leads
(牵头部门), a person with the items they own (责任人).

**Figures** (of a department or a person):

- *due* (应完成) — those items;
- *on time* (按期完成) — due items closed and completed on or before their effective deadline;
- *on-time rate* (按期完成率) = on time / due, a percentage rounded half up to one decimal ("—" when none due);
- *average quality score* (平均质量评分) — the mean of the scores (1–5) given when the close-outs of the due
  items that are closed were approved, rounded half up to two decimals ("—" when none is closed);
- *overdue working days* (逾期工作日) — the sum, over the due items, of the working days after the effective
  deadline up to the day the item was completed (closed late) or applied for (under review after applying
  late), or up to ``as_of`` for one still open; 0 for an item completed in time or not yet due.

Who may see it: the office and the company leaders (``may_view``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.supervision import rights, selectors
from sanfu.supervision.bulletin import Judge, Outcome, no_department, rate
from sanfu.supervision.models import Closeout, CloseoutStatus, Item, ItemState
from sanfu.supervision.status import working_days_late

MAX_PERIOD_DAYS = 366 * 3


def may_view(user: User) -> bool:
    """The office (clerks, process administrators) and the company leaders."""
    return rights.is_office(user) or rights.is_leader(user)


def parse_period(start: str | None, end: str | None, *, today: date | None = None) -> tuple[date, date]:
    """The period from two ``YYYY-MM-DD`` texts; both empty = the current year up to its end. Wrong dates, an
    end before the start, or a period over three years are ApplicationErrors saying so."""
    today = today or timezone.localdate()
    if not (start or "").strip() and not (end or "").strip():
        return date(today.year, 1, 1), date(today.year, 12, 31)
    try:
        first = date.fromisoformat((start or "").strip())
        last = date.fromisoformat((end or "").strip())
    except ValueError as exc:
        raise ApplicationError(_("考核期间的日期应写成“年-月-日”，例如 2026-01-01。")) from exc
    if last < first:
        raise ApplicationError(_("考核期间的结束日期不能早于开始日期。"))
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ApplicationError(_("考核期间不能超过三年。"))
    return first, last


@dataclass
class Record:
    """One department's or one person's figures over the period (the module's definitions)."""

    key: int | None
    name: str
    due: int = 0
    on_time: int = 0
    overdue_days: int = 0
    scores: list[int] = field(default_factory=list)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.due)

    @property
    def average_score(self) -> Decimal | None:
        if not self.scores:
            return None
        return (Decimal(sum(self.scores)) / len(self.scores)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Assessment:
    start: date
    end: date
    as_of: date
    departments: list[Record]
    people: list[Record]
    total: Record


def _late_days(judge: Judge, outcome: Outcome, applied_on: date | None) -> int:
    """Working days after the effective deadline up to completion, application or ``as_of``."""
    if outcome.on_time:
        return 0
    if outcome.state == ItemState.CLOSED and outcome.completed_on is not None:
        until = outcome.completed_on
    elif outcome.state == ItemState.CLOSING and applied_on is not None:
        until = applied_on
    else:
        until = judge.as_of
    return working_days_late(judge.days, outcome.effective_deadline, until)


def _ordered(records: dict[int | None, Record]) -> list[Record]:
    return sorted(records.values(), key=lambda r: (-(r.on_time_rate or Decimal(-1)), r.overdue_days, -r.due, r.name))


def assessment(actor: User, *, start: date, end: date, today: date | None = None) -> Assessment:
    """定期考核 over [start, end] as ``actor`` may see it; the office and leaders only."""
    if not may_view(actor):
        raise PermissionDeniedError(_("只有办公室和公司领导可以查看督办考核。"))
    judge = Judge(today or timezone.localdate())
    items = selectors.visible_items(actor).filter(deadline__range=(start, end))
    outcomes = judge.outcomes(items)
    pks = [o.pk for o in outcomes]
    approved = Closeout.objects.filter(item_id__in=pks, status=CloseoutStatus.APPROVED, score__isnull=False)
    scores = {pk: score for pk, score in approved.values_list("item_id", "score") if score is not None}
    applied = {
        pk: selectors.local_date(at)
        for pk, at in Item.objects.filter(pk__in=pks, state=ItemState.CLOSING).values_list("pk", "applied_at")
    }
    owners = {
        pk: full_name or username
        for pk, full_name, username in User.objects.filter(pk__in={o.owner_id for o in outcomes}).values_list(
            "pk", "full_name", "username"
        )
    }
    departments: dict[int | None, Record] = {}
    people: dict[int | None, Record] = {}
    total = Record(None, _("合计"))
    for outcome in outcomes:
        department = departments.get(outcome.department_id)
        if department is None:
            name = outcome.department_name or no_department()
            department = departments[outcome.department_id] = Record(outcome.department_id, name)
        person = people.get(outcome.owner_id)
        if person is None:
            name = owners.get(outcome.owner_id, "")
            person = people[outcome.owner_id] = Record(outcome.owner_id, name)
        late = _late_days(judge, outcome, applied.get(outcome.pk))
        for record in (department, person, total):
            record.due += 1
            record.on_time += int(outcome.on_time)
            record.overdue_days += late
            if outcome.state == ItemState.CLOSED and outcome.pk in scores:
                record.scores.append(scores[outcome.pk])
    return Assessment(
        start=start,
        end=end,
        as_of=judge.as_of,
        departments=_ordered(departments),
        people=_ordered(people),
        total=total,
    )

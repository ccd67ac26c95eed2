"""Reads of 督办, scoped by construction through the read rule (``org.clearance``: 密级 × 数据范围 × 知悉范围).

An item is visible, at any 密级, to those who need to know it: its owner (责任人), its assigner (交办领导), whoever
entered it, the owner of the item it was decomposed from, the heads (负责人, 副职) of its lead and
co-departments and of the departments above them, the heads of the owner's departments and above (the
owner's chain), and whoever holds or held a task on one of its close-out flows. The office (clerks and process
administrators) and the company leaders read by level — 公开 everywhere, 内部 in their own unit, 秘密/机密 only
with the clearance within its data scope, as the archive does. To anyone else an item does not exist (404).

The ledger reads each item's status snapshot (``snapshots``); the one write a read makes is recomputing the
snapshots that are stale for the day, first."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, overload

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.core.agenda import AgendaItem
from sanfu.core.audit import audit_denied
from sanfu.core.errors import NotFoundError
from sanfu.org import clearance
from sanfu.org.models import Department, Post, PostRole
from sanfu.org.selectors import staff_of, working_calendar
from sanfu.supervision import rights, snapshots
from sanfu.supervision.models import Check, Closeout, Item, ItemState, LeaderComment, ProgressReport
from sanfu.supervision.status import Facts, Status, Workdays, effective_deadline, report_due_on, status_of
from sanfu.workflow.models import InstanceEvent, Task
from sanfu.workflow.timeline import EVENT_LABELS, PERSON_EVENTS

FIELDS = clearance.Fields(level="confidentiality", unit="unit", department="lead_department", owner="owner")
OVERSIGHT = (Perm.MANAGE_PROCESSES, clearance.CLEARANCE)


def _headed_paths(user: User) -> list[str]:
    return list(
        Post.objects.filter(staff__user_id=user.pk, role__in=[PostRole.HEAD, PostRole.DEPUTY]).values_list(
            "department__path", flat=True
        )
    )


def known_q(user: User) -> Q:
    """Need-to-know (知悉范围) of an item, as the module says."""
    known = Q(assigned_by_id=user.pk) | Q(created_by_id=user.pk) | Q(parent__owner_id=user.pk)
    paths = _headed_paths(user)
    if paths:
        under = Q()
        for path in paths:
            under |= Q(department__path__startswith=path)
        co = Item.co_departments.through.objects.filter(under).values("item_id")
        lead = Q()
        for path in paths:
            lead |= Q(lead_department__path__startswith=path)
        chain = Post.objects.filter(under).values("staff__user_id")
        known |= lead | Q(pk__in=co) | Q(owner_id__in=chain)
    involved = Task.objects.filter(Q(assignee_id=user.pk) | Q(on_behalf_of_id=user.pk)).values("instance_id")
    known |= Q(pk__in=Closeout.objects.filter(instance_id__in=involved).values("item_id"))
    return known


def visible_items(user: User) -> QuerySet[Item]:
    items = Item.objects.select_related("owner", "lead_department", "assigned_by")
    sees_by_level = rights.is_office(user) or rights.is_leader(user)
    rule = clearance.readable_q(user, FIELDS, known=known_q(user), by_level=sees_by_level, oversight=OVERSIGHT)
    return items.none() if rule is None else items.filter(rule)


def access_item(*, actor: User, item_id: int) -> Item:
    """The item if the read rule lets ``actor`` see it, else NotFoundError (404); a refusal of an item that
    exists is audited (AU-1)."""
    item = visible_items(actor).filter(pk=item_id).first()
    if item is None:
        if Item.objects.filter(pk=item_id).exists():
            audit_denied(actor=actor, target=f"supervision:{item_id}")
        raise NotFoundError("督办事项不存在。")
    return item


# --- status ---------------------------------------------------------------------------------------------


def local_date(moment: datetime | None) -> date | None:
    return None if moment is None else timezone.localdate(moment)


def facts_of(item: Item) -> Facts:
    return Facts(
        state=item.state,
        created_on=timezone.localdate(item.created_at),
        deadline=item.deadline,
        last_percent=item.last_percent,
        last_report_on=local_date(item.last_report_at),
        cadence_days=item.cadence_days,
        applied_on=local_date(item.applied_at),
    )


def workdays() -> Workdays:
    """The working calendar (with the administrator's table), counted for many items at once."""
    return Workdays(working_calendar())


def item_status(item: Item, *, today: date | None = None, days: Workdays | None = None) -> Status:
    return status_of(days or workdays(), facts_of(item), today or timezone.localdate())


def next_report_due(item: Item, *, days: Workdays | None = None) -> date | None:
    return report_due_on(days or workdays(), facts_of(item))


_FACT_COLUMNS = (
    "pk",
    "state",
    "created_at",
    "deadline",
    "last_percent",
    "last_report_at",
    "cadence_days",
    "applied_at",
)


def statuses_of(items: QuerySet[Item], *, today: date, days: Workdays) -> dict[int, Status]:
    """Each item's status, from one query of the columns the rules read."""
    found: dict[int, Status] = {}
    for pk, state, created, deadline, percent, reported, cadence, applied in items.values_list(*_FACT_COLUMNS):
        facts = Facts(
            state=state,
            created_on=timezone.localdate(created),
            deadline=deadline,
            last_percent=percent,
            last_report_on=local_date(reported),
            cadence_days=cadence,
            applied_on=local_date(applied),
        )
        found[pk] = status_of(days, facts, today)
    return found


# --- the ledger ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilters:
    status: str = ""
    department_id: int | None = None
    source: str = ""
    owner_id: int | None = None
    month: tuple[int, int] | None = None  # the deadline's (year, month)
    query: str = ""
    state: str = ""


@dataclass
class Ledger:
    """The ledger's rows (unordered queryset: the caller pages it) and the counts per status of the rows the
    other filters leave (the status filter itself not applied). Each row's status is its snapshot
    (``row_status``), fresh for the day the ledger was read on."""

    rows: QuerySet[Item]
    counts: dict[str, int] = field(default_factory=dict)
    status: str = ""  # the status filter applied to ``rows``, if any

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def matching(self) -> int:
        """How many rows ``rows`` holds (from the counts: no second COUNT)."""
        return self.counts.get(self.status, 0) if self.status else self.total


class PagedRows:
    """Ordered ledger rows for a ``Paginator``: the count given (``Ledger.matching``), and each page read as its
    primary keys in order first (a narrow sort of the visible rows), then those rows with their owner and
    departments — sorting the whole visible set with every column joined costs several times more."""

    def __init__(self, rows: QuerySet[Item], count: int):
        self.rows = rows
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        pks = list(self.rows.values_list("pk", flat=True)[index])
        loaded = Item.objects.select_related("owner", "lead_department", "assigned_by").in_bulk(pks)
        return [loaded[pk] for pk in pks if pk in loaded]

    def __iter__(self) -> Iterator[Item]:
        return iter(self[0 : self._count])


def row_status(item: Item) -> Status:
    """An item's status as its snapshot says (rows of ``ledger``: fresh for the day it was read on)."""
    return Status.DONE if item.state == ItemState.CLOSED else Status(item.status or Status.ON_TRACK)


def _filtered(items: QuerySet[Item], filters: LedgerFilters) -> QuerySet[Item]:
    if filters.department_id:  # the department leads the item or co-handles it (协办)
        co = Item.co_departments.through.objects.filter(department_id=filters.department_id).values("item_id")
        items = items.filter(Q(lead_department_id=filters.department_id) | Q(pk__in=co))
    if filters.source:
        items = items.filter(source=filters.source)
    if filters.owner_id:
        items = items.filter(owner_id=filters.owner_id)
    if filters.month:
        items = items.filter(deadline__year=filters.month[0], deadline__month=filters.month[1])
    if filters.query:
        items = items.filter(Q(title__icontains=filters.query) | Q(content__icontains=filters.query))
    if filters.state:
        items = items.filter(state=filters.state)
    return items


def ledger(actor: User, filters: LedgerFilters, *, today: date | None = None) -> Ledger:
    """督办台账: the visible items the filters leave, with the counts per computed status. The stale status
    snapshots are recomputed for ``today`` first (``snapshots.refresh``: none after the worker's nightly run
    or a service's write), then the counts are one ``GROUP BY`` and the status filter a ``WHERE``."""
    snapshots.refresh(today=today or timezone.localdate())
    base = _filtered(visible_items(actor), filters)
    found = dict(base.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    counts = {s.value: found.get(s.value, 0) for s in Status}
    if filters.status in {s.value for s in Status}:
        return Ledger(rows=base.filter(status=filters.status), counts=counts, status=filters.status)
    return Ledger(rows=base, counts=counts)


# --- the item page (一事一档) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of an item's history, in time order."""

    at: datetime
    kind: str  # open, report, check, comment, apply, decision, flow
    who: str
    what: str
    text: str
    percent: int | None = None
    files: tuple[Any, ...] = ()
    person: bool = True


def _name(user: Any) -> str:
    return user.display_name if user is not None else ""


def history(item: Item) -> list[Entry]:
    """The item's whole history: its opening (from which source, assigned by whom), reports (with their
    evidence), checks, leaders' comments, close-out applications and decisions, and the close-out flows'
    events, in time order."""
    origin = " ".join(part for part in (str(item.get_source_display()), item.source_label) if part)
    if item.assigned_by_id is not None and item.assigned_by_id != item.created_by_id:
        origin += _("；交办领导：%(name)s") % {"name": _name(item.assigned_by)}
    entries: list[Entry] = [Entry(item.created_at, "open", _name(item.created_by), _("立项"), origin)]
    reports = ProgressReport.objects.filter(item=item).select_related("author").prefetch_related("files")
    for r in reports:
        entries.append(
            Entry(r.created_at, "report", _name(r.author), _("进展报送"), r.text, r.percent, tuple(r.files.all()))
        )
    for c in Check.objects.filter(item=item).select_related("by"):
        entries.append(Entry(c.at, "check", _name(c.by), str(c.get_kind_display()), c.findings))
    for m in LeaderComment.objects.filter(item=item).select_related("leader"):
        entries.append(Entry(m.at, "comment", _name(m.leader), _("领导批示"), m.text))
    closeouts = list(
        Closeout.objects.filter(item=item).select_related("applicant", "decided_by").prefetch_related("files")
    )
    for co in closeouts:
        entries.append(
            Entry(co.applied_at, "apply", _name(co.applicant), _("申请销号"), co.summary, None, tuple(co.files.all()))
        )
        if co.decided_at is not None:
            what = _("同意销号") if co.status == "approved" else _("退回销号申请")
            text = co.comment + (_("（质量评分 %(score)d）") % {"score": co.score} if co.score else "")
            entries.append(Entry(co.decided_at, "decision", _name(co.decided_by), what, text))
    instance_ids = [co.instance_id for co in closeouts if co.instance_id]
    events = InstanceEvent.objects.filter(instance_id__in=instance_ids, type__in=PERSON_EVENTS).select_related("actor")
    for e in events.order_by("at", "seq"):
        entries.append(
            Entry(e.at, "flow", _name(e.actor), str(EVENT_LABELS.get(e.type, e.type)), e.comment, person=False)
        )
    return sorted(entries, key=lambda entry: entry.at)


def filter_departments(user: User) -> QuerySet[Department]:
    """The departments the ledger's filter offers: those of the person's own unit."""
    home = staff_of(user)
    found = Department.objects.filter(is_active=True).order_by("path")
    return found.filter(unit_id=home.unit_id) if home is not None else found.none()


def sub_items(item: Item) -> list[Item]:
    return list(Item.objects.filter(parent=item).select_related("owner", "lead_department").order_by("deadline", "id"))


def pending_closeout(item: Item) -> Closeout | None:
    return Closeout.objects.filter(item=item, status="pending").select_related("instance", "applicant").first()


def may_decide(actor: User, closeout: Closeout | None) -> bool:
    """Whether ``actor`` holds the open approval task of this close-out."""
    if closeout is None or closeout.instance_id is None:
        return False
    return Task.objects.filter(
        Q(assignee_id=actor.pk) | Q(on_behalf_of_id=actor.pk), instance_id=closeout.instance_id, status="open"
    ).exists()


_ATTENTION = {Status.OVERDUE: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2}


def my_open_items(user: User, *, limit: int = 5, today: date | None = None) -> list[tuple[Item, Status]]:
    """The person's own open items (责任人) for the home page: overdue first, then at risk, then on track, each
    by deadline; two queries (the items' columns for the status, then the chosen rows)."""
    mine = Item.objects.filter(owner_id=user.pk).exclude(state=ItemState.CLOSED)
    statuses = statuses_of(mine, today=today or timezone.localdate(), days=workdays())
    rows = {i.pk: i for i in mine.filter(pk__in=list(statuses)).only("pk", "title", "deadline", "last_percent")}
    ranked = sorted(rows.values(), key=lambda i: (_ATTENTION.get(statuses[i.pk], 3), i.deadline, i.pk))
    return [(item, statuses[item.pk]) for item in ranked[:limit]]


def agenda_items(user: User, start: datetime, end: datetime) -> list[AgendaItem]:
    """For ``core.agenda`` (我的日程): the progress reports due and the deadlines, within [start, end), of the open
    items the person owns (责任人) or whose lead department they head (主办). A report falls due as the
    reminders and 我的待办 count it (``report_due_on``: the last report's day plus the cadence, on a working day),
    and every cadence after it up to the deadline. Two queries (the items, the working calendar) whatever the
    span."""
    if not getattr(user, "is_authenticated", False):
        return []
    headed = Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).values("department_id")
    items = list(
        Item.objects.filter(Q(owner_id=user.pk) | Q(lead_department_id__in=headed), state=ItemState.OPEN)
        .only("pk", "title", "state", "created_at", "deadline", "last_percent", "last_report_at", "cadence_days")
        .order_by("deadline", "pk")
    )
    if not items:
        return []
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    days = workdays()
    found: list[AgendaItem] = []

    def at(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, datetime.min.time()))

    for item in items:
        url = reverse("supervision:item", args=[item.pk])
        deadline = effective_deadline(days, item.deadline)
        facts = facts_of(item)
        base = facts.last_report_on or facts.created_on
        due = report_due_on(days, facts)
        cadence = max(1, facts.cadence_days)
        while due is not None and due < deadline and due < last + timedelta(days=1):
            if due >= first and at(due) < end:
                found.append(
                    AgendaItem(
                        uid=f"supervision-{item.pk}-report-{due:%Y%m%d}@sanfu",
                        title=_("报送进展：%(title)s") % {"title": item.title},
                        starts_at=at(due),
                        ends_at=at(due + timedelta(days=1)),
                        all_day=True,
                        kind=_("督办"),
                        url=url,
                    )
                )
            base += timedelta(days=cadence)
            due = days.on_or_after(base + timedelta(days=cadence))
        if start <= at(deadline) < end:
            found.append(
                AgendaItem(
                    uid=f"supervision-{item.pk}-deadline@sanfu",
                    title=_("办结期限：%(title)s") % {"title": item.title},
                    starts_at=at(deadline),
                    ends_at=at(deadline + timedelta(days=1)),
                    all_day=True,
                    kind=_("督办"),
                    url=url,
                )
            )
    return found

"""Reads for the 审批中心 inbox: one person's to-dos, done items, started instances, notices and drafts,
joined with the approvals request (number, matter) where there is one.

Every list is one queryset with everything a row shows joined in (``select_related``), so a page costs a
fixed number of queries however many rows it has. The to-do list walks the ``(assignee, status, due_at)``
index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, overload

from django.db.models import Case, CharField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.approvals import labels
from sanfu.approvals.models import Draft, ExternalTodo, ExternalTodoStatus, MatterType
from sanfu.core import rawsql, todos
from sanfu.core.params import parse_date, parse_id, parse_text
from sanfu.workflow.models import (
    ACTED,
    ACTED_STATUSES,
    NOTICE,
    TODO_KINDS,
    Instance,
    InstanceStatus,
    Task,
    TaskKind,
    TaskStatus,
)

TABS = ("todo", "done", "started", "cc", "drafts")
URGENCIES = ("特急", "加急", "平急")
URGENCY_LABELS = labels.URGENCY_LABELS  # shared with the start page and the notice (sanfu.approvals.labels)
URGENCY_CLASS = {"特急": "urgent", "加急": "rush"}  # 平急 is the ordinary case: no badge

_TASK_RELATED = (
    "instance",
    "instance__definition",
    "instance__initiator",
    "instance__request",
    "instance__request__matter",
    "on_behalf_of",
)


@dataclass(frozen=True)
class InboxFilters:
    matter: int | None = None
    urgency: str = ""
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.matter or self.urgency or self.overdue or self.date_from or self.date_to or self.q)


def parse_filters(params: Any) -> InboxFilters:
    """Filters from a query dict; anything malformed is ignored rather than an error page."""
    urgency = (params.get("urgency") or "").strip()
    return InboxFilters(
        matter=parse_id(params.get("matter")),
        urgency=urgency if urgency in URGENCIES else "",
        overdue=params.get("overdue") in {"1", "on", "true"},
        date_from=parse_date(params.get("date_from")),
        date_to=parse_date(params.get("date_to")),
        q=parse_text(params.get("q"), max_length=100),
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def _instance_filters(f: InboxFilters, prefix: str, date_field: str) -> Q:
    """The same filters over an instance reached through ``prefix`` ("instance__" from a task, "" direct)."""
    q = Q()
    if f.matter:
        q &= Q(**{f"{prefix}request__matter_id": f.matter})
    if f.urgency:
        q &= Q(**{f"{prefix}urgency": f.urgency})
    if f.date_from:
        q &= Q(**{f"{date_field}__gte": _start_of(f.date_from)})
    if f.date_to:
        q &= Q(**{f"{date_field}__lte": _end_of(f.date_to)})
    if f.q:
        q &= (
            Q(**{f"{prefix}title__icontains": f.q})
            | Q(**{f"{prefix}request__number__icontains": f.q})
            | Q(**{f"{prefix}request__title__icontains": f.q})
        )
    return q


def todo_tasks(user: User, f: InboxFilters | None = None, *, now: datetime | None = None) -> QuerySet[Task]:
    """待办: open approval and handle tasks, soonest deadline first, no deadline last."""
    f = f or InboxFilters()
    qs = Task.objects.filter(assignee=user, status=TaskStatus.OPEN, kind__in=TODO_KINDS)
    qs = qs.filter(_instance_filters(f, "instance__", "created_at"))
    if f.overdue:
        qs = qs.filter(Q(overdue=True) | Q(due_at__lt=now or timezone.now()))
    return qs.select_related(*_TASK_RELATED).order_by(F("due_at").asc(nulls_last=True), "id")


def done_tasks(user: User, f: InboxFilters | None = None) -> QuerySet[Task]:
    """已办: tasks this person acted on (approved, rejected, done, returned, transferred), latest first."""
    f = f or InboxFilters()
    qs = Task.objects.filter(ACTED, assignee=user, status__in=ACTED_STATUSES)
    qs = qs.filter(_instance_filters(f, "instance__", "acted_at"))
    if f.overdue:
        qs = qs.filter(overdue=True)
    return qs.select_related(*_TASK_RELATED).order_by("-acted_at", "-id")


def notice_tasks(user: User, f: InboxFilters | None = None) -> QuerySet[Task]:
    """抄送我的: cc and filing notices, unread first, then newest."""
    f = f or InboxFilters()
    qs = Task.objects.filter(NOTICE, assignee=user)
    qs = qs.filter(_instance_filters(f, "instance__", "created_at"))
    return qs.select_related(*_TASK_RELATED).order_by(F("status").desc(), "-id")  # "unread" > "read"


def started_instances(user: User, f: InboxFilters | None = None, *, now: datetime | None = None) -> QuerySet[Instance]:
    """我发起的: instances this person started (drafts live in the 草稿 tab), newest first."""
    f = f or InboxFilters()
    qs = Instance.objects.filter(initiator=user).exclude(status=InstanceStatus.DRAFT)
    qs = qs.filter(_instance_filters(f, "", "created_at"))
    if f.overdue:
        late = Q(tasks__status=TaskStatus.OPEN) & (Q(tasks__overdue=True) | Q(tasks__due_at__lt=now or timezone.now()))
        qs = qs.filter(pk__in=Instance.objects.filter(late).values("pk"))
    return qs.select_related("definition", "initiator", "request", "request__matter").order_by("-id")


def drafts_of(user: User, f: InboxFilters | None = None) -> QuerySet[Draft]:
    """草稿: forms saved before submission, last edited first."""
    f = f or InboxFilters()
    qs = Draft.objects.filter(owner=user)
    if f.matter:
        qs = qs.filter(matter_id=f.matter)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.date_from:
        qs = qs.filter(updated_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(updated_at__lte=_end_of(f.date_to))
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(matter__name__icontains=f.q))
    return qs.select_related("matter").order_by("-updated_at", "-id")


def rows_for(user: User, tab: str, f: InboxFilters, *, now: datetime | None = None) -> QuerySet[Any]:
    if tab == "todo":
        return todo_tasks(user, f, now=now)
    if tab == "done":
        return done_tasks(user, f)
    if tab == "cc":
        return notice_tasks(user, f)
    if tab == "started":
        return started_instances(user, f, now=now)
    if tab == "drafts":
        return drafts_of(user, f)
    raise ValueError(f"unknown tab {tab}")


# Every number the inbox's tabs and the shell's badges need from Sanfu's own tables, in one statement of scalar
# subqueries, each on the index its count has (task_inbox, external_todo_inbox, instance_by_initiator, the
# drafts' owner, notification_inbox): open to-dos, done, unread notices, other systems' open and done to-dos,
# started instances, drafts and unread notifications. Written out rather than built by the ORM: building and
# compiling the eight querysets cost ~10 ms of Python a page, the statement itself a fraction of a millisecond.
# Its conditions are the tab lists' own (todo_tasks, done_tasks, notice_tasks, external_open / external_done,
# started_instances, drafts_of, notify.unread_count); tests/approvals compare the numbers with those lists.
def _marks(values: tuple[Any, ...]) -> str:
    """One placeholder per value: the statement follows the tuples if a status or kind is added to them."""
    return ", ".join(["%s"] * len(values))


_COUNTS_SQL = f"""
SELECT
    (SELECT COUNT(*) FROM workflow_task WHERE assignee_id = %s AND status = %s AND kind IN ({_marks(TODO_KINDS)})),
    (SELECT COUNT(*) FROM workflow_task WHERE assignee_id = %s AND status IN ({_marks(ACTED_STATUSES)})),
    (SELECT COUNT(*) FROM workflow_task WHERE assignee_id = %s AND status = %s AND kind IN (%s, %s)),
    (SELECT COUNT(*) FROM approvals_externaltodo WHERE person_id = %s AND status = %s),
    (SELECT COUNT(*) FROM approvals_externaltodo WHERE person_id = %s AND status = %s),
    (SELECT COUNT(*) FROM workflow_instance WHERE initiator_id = %s AND NOT (status = %s)),
    (SELECT COUNT(*) FROM approvals_draft WHERE owner_id = %s),
    (SELECT COUNT(*) FROM core_notification WHERE user_id = %s AND read_at IS NULL)
"""  # noqa: S608  # the f-string adds placeholders only, never a value
_COUNTS_SQL_SQLITE = _COUNTS_SQL.replace("%s", "?")
_COUNT_KEYS = ("todo", "done", "cc", "external_todo", "external_done", "started", "drafts", "unread")


def _counts_row(user: User) -> dict[str, int]:
    """The eight numbers of ``_COUNTS_SQL`` for ``user``, by name."""
    me = user.pk
    params = (
        *(me, TaskStatus.OPEN, *TODO_KINDS),
        *(me, *ACTED_STATUSES),
        *(me, TaskStatus.UNREAD, TaskKind.CC, TaskKind.FILING),
        *(me, ExternalTodoStatus.OPEN),
        *(me, ExternalTodoStatus.DONE),
        *(me, InstanceStatus.DRAFT),
        me,
        me,
    )
    wrapper = rawsql.db()
    sql = _COUNTS_SQL_SQLITE if wrapper.vendor == "sqlite" else _COUNTS_SQL
    row = rawsql.fetchone(sql, [str(p) if isinstance(p, str) else p for p in params], wrapper)
    return {key: int(value or 0) for key, value in zip(_COUNT_KEYS, row or (), strict=False)}


def _tabs(row: dict[str, int]) -> dict[str, int]:
    return {
        "todo": row.get("todo", 0) + row.get("external_todo", 0),
        "done": row.get("done", 0) + row.get("external_done", 0),
        "cc": row.get("cc", 0),
        "started": row.get("started", 0),
        "drafts": row.get("drafts", 0),
    }


def tab_counts(user: User) -> dict[str, int]:
    """The numbers on the tabs, in one query: open to-dos (Sanfu's and other systems'), done (both), unread
    notices, started instances, drafts."""
    return _tabs(_counts_row(user))


def todo_count(user: User) -> int:
    """Open to-dos, Sanfu's and other systems', for the nav badge."""
    return tab_counts(user)["todo"]


@dataclass(frozen=True)
class Counts:
    """What one request shows as numbers: the tabs (``tab_counts``), each ``core.todos`` source's open to-dos
    (by key) and the unread notifications. ``badge``: the navigation's to-do badge."""

    tabs: dict[str, int]
    sources: dict[str, int]
    unread: int

    @property
    def badge(self) -> int:
        return self.tabs["todo"] + sum(self.sources.values())


_MEMO = "_sanfu_inbox_counts"


def counts_for(request: Any) -> Counts:
    """The request's ``Counts``, read once per request (one statement, then one count per ``core.todos``
    source): the inbox's tabs and the shell's badges on the same page share it. Views that change what is
    counted redirect afterwards (POST, then GET), so a request never shows numbers from before its own
    change."""
    memo: Counts | None = request.__dict__.get(_MEMO)
    if memo is None:
        user = request.user
        row = _counts_row(user)
        memo = Counts(
            tabs=_tabs(row), sources={s.key: s.count(user) for s in todos.sources()}, unread=row.get("unread", 0)
        )
        request.__dict__[_MEMO] = memo
    return memo


# --- 统一待办: other systems' to-dos beside Sanfu's own --------------------------------------------------


def _external_filters(f: InboxFilters, date_field: str) -> Q | None:
    """The inbox filters over other systems' to-dos; None when a filter they cannot meet is on (a matter or
    an urgency: they have neither)."""
    if f.matter or f.urgency:
        return None
    q = Q()
    if f.date_from:
        q &= Q(**{f"{date_field}__gte": _start_of(f.date_from)})
    if f.date_to:
        q &= Q(**{f"{date_field}__lte": _end_of(f.date_to)})
    if f.q:
        q &= Q(title__icontains=f.q) | Q(source_name__icontains=f.q)
    return q


def external_open(user: User, f: InboxFilters | None = None, *, now: datetime | None = None) -> QuerySet[ExternalTodo]:
    """Other systems' open to-dos of the person, soonest deadline first."""
    f = f or InboxFilters()
    where = _external_filters(f, "created_at")
    if where is None:
        return ExternalTodo.objects.none()
    qs = ExternalTodo.objects.filter(where, person=user, status=ExternalTodoStatus.OPEN)
    if f.overdue:
        qs = qs.filter(due_at__lt=now or timezone.now())
    return qs.order_by(F("due_at").asc(nulls_last=True), "id")


def external_done(user: User, f: InboxFilters | None = None) -> QuerySet[ExternalTodo]:
    """Other systems' to-dos the person finished there (closed as done; cancelled ones are nobody's work)."""
    f = f or InboxFilters()
    where = _external_filters(f, "closed_at")
    if where is None:
        return ExternalTodo.objects.none()
    qs = ExternalTodo.objects.filter(where, person=user, status=ExternalTodoStatus.DONE)
    if f.overdue:
        qs = qs.filter(due_at__lt=F("closed_at"))
    return qs.order_by("-closed_at", "-id")


TASK, EXTERNAL = "t", "x"


def _tagged(source: str) -> Value:
    return Value(source, output_field=CharField())


@dataclass(frozen=True)
class _Side:
    """One side of the interleaved list: its rows in the list's own order restricted to them (which is the order
    of its index), and the annotations that make its keys."""

    rows: QuerySet[Any]
    keys: dict[str, Any]


class InboxEntries:
    """The keys (``{"id", "src", …}``) of two kinds of rows in one order, for a paginator: ``count()`` counts
    the UNION of both; a slice ``[a:b]`` takes each side's first ``b`` keys in the side's own index order
    (``id IN (… ORDER BY … LIMIT b)``) before the UNION orders and cuts them. So a page is read from the
    indexes' first rows and a short sort, not by sorting every open to-do a person has; the first ``b`` of
    the merged order are always among them, since each side's order is the merged order restricted to it."""

    ordered = True  # for the paginator: the order is fixed

    def __init__(self, sides: tuple[_Side, ...], fields: tuple[str, ...], order: tuple[Any, ...]) -> None:
        self.sides, self.fields, self.order = sides, fields, order

    def _union(self, first: int | None) -> QuerySet[Any]:
        parts: list[QuerySet[Any]] = []
        for side in self.sides:
            rows: QuerySet[Any] = side.rows
            if first is not None:
                rows = rows.model.objects.filter(pk__in=rows.values("pk")[:first])
            parts.append(rows.order_by().annotate(**side.keys).values(*self.fields))
        return parts[0].union(*parts[1:], all=True).order_by(*self.order)

    def count(self) -> int:
        return self._union(None).count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._union(None))

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.step is None else None
        if stop is not None and stop <= start:
            return []  # an empty inbox's first page
        return list(self._union(stop)[index])


def inbox_entries(
    user: User, tab: str, f: InboxFilters, *, now: datetime | None = None
) -> InboxEntries | QuerySet[Any]:
    """What a tab lists. 待办 and 已办 interleave Sanfu's tasks with other systems' to-dos in one order, as
    ``InboxEntries``: keys that a paginator counts and slices in the database; ``entries_loaded`` then fetches
    the page's rows. The other tabs are ``rows_for``'s querysets."""
    if tab == "todo":
        no_due = Case(When(due_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
        return InboxEntries(
            (
                _Side(todo_tasks(user, f, now=now), {"src": _tagged(TASK), "no_due": no_due}),
                _Side(external_open(user, f, now=now), {"src": _tagged(EXTERNAL), "no_due": no_due}),
            ),
            ("id", "due_at", "src", "no_due"),
            ("no_due", "due_at", "src", "id"),
        )
    if tab == "done":
        return InboxEntries(
            (
                _Side(done_tasks(user, f), {"src": _tagged(TASK), "at": F("acted_at")}),
                _Side(external_done(user, f), {"src": _tagged(EXTERNAL), "at": F("closed_at")}),
            ),
            ("id", "src", "at"),
            ("-at", "-src", "-id"),
        )
    return rows_for(user, tab, f, now=now)


def entries_loaded(entries: list[dict[str, Any]]) -> list[Task | ExternalTodo]:
    """The tasks and external to-dos a page of ``inbox_entries`` names, in its order (two queries at most)."""
    wanted = {TASK: [e["id"] for e in entries if e["src"] == TASK], EXTERNAL: []}
    wanted[EXTERNAL] = [e["id"] for e in entries if e["src"] == EXTERNAL]
    tasks = Task.objects.select_related(*_TASK_RELATED).in_bulk(wanted[TASK]) if wanted[TASK] else {}
    external = ExternalTodo.objects.in_bulk(wanted[EXTERNAL]) if wanted[EXTERNAL] else {}
    found: list[Task | ExternalTodo] = []
    for entry in entries:
        row = (tasks if entry["src"] == TASK else external).get(entry["id"])
        if row is not None:
            found.append(row)
    return found


def matter_choices() -> QuerySet[MatterType]:
    return MatterType.objects.filter(is_active=True).only("pk", "name").order_by("area", "sort", "code")

"""The records a state holds: a :class:`Task` (with its dict form, as events and stored states carry it) and a
:class:`Run` (a node being worked on)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sanfu.workflow.engine.moments import to_moment
from sanfu.workflow.engine.statuses import LIVE


class Task(NamedTuple):
    """One person's piece of work at one visit of a node.

    A named tuple rather than a frozen dataclass: tasks are built or copied a few times in every decision,
    and a tuple is made in one step where a frozen dataclass sets each of its twenty fields one by one
    (three to five times as long). Immutable either way."""

    id: int
    node: str
    visit: int
    kind: str  # approval | handle | cc | filing
    assignee: int
    status: str
    order: int = 0
    on_behalf_of: int | None = None  # 委托代理: the person the assignee acts for
    created_at: datetime | None = None
    due_at: datetime | None = None
    remind_at: datetime | None = None
    reminded: bool = False
    overdue: bool = False
    parent: int | None = None  # 加签: the task that added this one
    position: str | None = None  # before | after | alongside
    group_mode: str | None = None  # how the added signers vote among themselves
    group: int = 0  # 加签: the first task added with this one; each 加签 is a group that votes on its own
    acted_at: datetime | None = None
    comment: str = ""
    auto: str = ""  # why the system acted on this task, if it did
    # 挂起计时: while the office waits for the requester, the deadline is held: ``due_at`` and ``remind_at`` are
    # empty (nothing fires, inboxes show no due) and kept here until resumed, moved by the time held.
    held_at: datetime | None = None
    held_due_at: datetime | None = None
    held_remind_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def held(self) -> bool:
        """Whether its deadline is on hold (挂起计时)."""
        return self.held_at is not None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(zip(TASK_FIELDS, self, strict=True))
        for key in _TASK_MOMENTS:
            value = data[key]
            if value is not None:
                data[key] = value.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        if len(data) == len(TASK_FIELDS):  # the fast way when it holds every field, as events carry them
            try:
                values = list(_task_items(data))
            except KeyError:  # another key instead of a field: let the constructor say which
                pass
            else:
                for index in _MOMENT_INDEXES:
                    value = values[index]
                    if value is not None:
                        values[index] = _from_iso(value) if type(value) is str else to_moment(value)
                return _make_task(cls, values)
        values_by_name = dict(data)
        for key in _TASK_MOMENTS:
            values_by_name[key] = to_moment(values_by_name.get(key))
        return cls(**values_by_name)

    def updated(self, changes: Mapping[str, Any], *, moments: bool = False) -> Task:
        """This task with ``changes`` (field → value); with ``moments``, the moments among them may be
        ISO strings (as events carry them)."""
        values = list(self)
        for name, value in changes.items():
            index = _TASK_INDEX.get(name)
            if index is None:
                raise TypeError(f"Task has no field {name!r}")
            values[index] = to_moment(value) if moments and name in _SET_MOMENTS else value
        return _make_task(Task, values)


_make_task = tuple.__new__  # a Task from its values in field order, without the keyword machinery


TASK_FIELDS: tuple[str, ...] = Task._fields
# A new task's values in field order, the defaults filled in (what ``Task.to_dict`` gives for it).
TASK_DEFAULTS: dict[str, Any] = {name: Task._field_defaults.get(name) for name in TASK_FIELDS}
_TASK_INDEX = {name: index for index, name in enumerate(TASK_FIELDS)}
_TASK_MOMENTS = ("created_at", "due_at", "remind_at", "acted_at", "held_at", "held_due_at", "held_remind_at")
_MOMENT_INDEXES = tuple(_TASK_INDEX[name] for name in _TASK_MOMENTS)
# the moments an event may set on a task
_SET_MOMENTS = frozenset({"due_at", "remind_at", "acted_at", "held_at", "held_due_at", "held_remind_at"})
_task_items = itemgetter(*TASK_FIELDS)  # a task's values from its dict, in field order
_from_iso = datetime.fromisoformat


class Run(NamedTuple):
    """A node being worked on (one visit)."""

    node: str
    visit: int
    entered_at: datetime | None = None

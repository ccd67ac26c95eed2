"""The engine's data: instance state, tasks, events, commands, effects — and ``apply``, the only function
that changes a state. Every change is an event; replaying the events from an empty state rebuilds the
state exactly (``replay``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from types import MappingProxyType
from typing import Any, Generic, NamedTuple, TypeVar

A = TypeVar("A")
R = TypeVar("R")

# Instance status
DRAFT, RUNNING, RETURNED = "draft", "running", "returned"
APPROVED, REJECTED, WITHDRAWN, CANCELLED = "approved", "rejected", "withdrawn", "cancelled"
ENDED = frozenset({APPROVED, REJECTED, WITHDRAWN, CANCELLED})

# Task status
OPEN, WAITING = "open", "waiting"  # waiting: a later signer in 依次, or a holder waiting on 前加签
TASK_DONE = frozenset({"approved", "rejected", "done", "returned"})
UNREAD, READ = "unread", "read"  # 抄送 / 备案 notices
T_APPROVED, T_REJECTED, T_DONE, T_RETURNED = "approved", "rejected", "done", "returned"
T_CANCELLED, T_TRANSFERRED = "cancelled", "transferred"
LIVE = frozenset({OPEN, WAITING})


class LastOne(Generic[A, R]):
    """``func`` that remembers its last argument (by identity: equal is not enough, as moments equal
    across zones read differently) and its answer. A decision formats its one ``now`` and parses that text
    back for every task and run it touches; consecutive decisions usually share ``now`` too."""

    __slots__ = ("func", "last")

    def __init__(self, func: Callable[[A], R]) -> None:
        self.func = func
        self.last: tuple[A, R] | None = None

    def __call__(self, arg: A) -> R:
        last = self.last  # one read and one write: consistent across threads
        if last is not None and last[0] is arg:
            return last[1]
        answer = self.func(arg)
        self.last = (arg, answer)
        return answer


_parse_moment = LastOne(datetime.fromisoformat)


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return _parse_moment(value if type(value) is str else str(value))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


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

    @property
    def live(self) -> bool:
        return self.status in LIVE

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
                        values[index] = _from_iso(value) if type(value) is str else _dt(value)
                return _make_task(cls, values)
        values_by_name = dict(data)
        for key in _TASK_MOMENTS:
            values_by_name[key] = _dt(values_by_name.get(key))
        return cls(**values_by_name)

    def updated(self, changes: Mapping[str, Any], *, moments: bool = False) -> Task:
        """This task with ``changes`` (field → value); with ``moments``, the moments among them may be
        ISO strings (as events carry them)."""
        values = list(self)
        for name, value in changes.items():
            index = _TASK_INDEX.get(name)
            if index is None:
                raise TypeError(f"Task has no field {name!r}")
            values[index] = _dt(value) if moments and name in _SET_MOMENTS else value
        return _make_task(Task, values)


_make_task = tuple.__new__  # a Task from its values in field order, without the keyword machinery


TASK_FIELDS: tuple[str, ...] = Task._fields
# A new task's values in field order, the defaults filled in (what ``Task.to_dict`` gives for it).
TASK_DEFAULTS: dict[str, Any] = {name: Task._field_defaults.get(name) for name in TASK_FIELDS}
_TASK_INDEX = {name: index for index, name in enumerate(TASK_FIELDS)}
_TASK_MOMENTS = ("created_at", "due_at", "remind_at", "acted_at")
_MOMENT_INDEXES = tuple(_TASK_INDEX[name] for name in _TASK_MOMENTS)
_SET_MOMENTS = frozenset({"due_at", "remind_at", "acted_at"})  # the moments an event may set on a task
_task_items = itemgetter(*TASK_FIELDS)  # a task's values from its dict, in field order
_from_iso = datetime.fromisoformat


class Run(NamedTuple):
    """A node being worked on (one visit)."""

    node: str
    visit: int
    entered_at: datetime | None = None


class Undo(NamedTuple):
    """The state just before the latest person's action, so that they may take it back (撤回)."""

    actor: int
    kind: str
    task: int
    snapshot: State


@dataclass(slots=True)
class State:
    status: str = DRAFT
    initiator: int = 0
    matter: str = ""
    form: Mapping[str, Any] = field(default_factory=dict)
    urgency: str = ""
    chosen: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    round: int = 0
    tasks: dict[int, Task] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    joins: dict[str, int] = field(default_factory=dict)
    waits: dict[str, datetime | None] = field(default_factory=dict)
    trail: list[str] = field(default_factory=list)
    visits: dict[str, int] = field(default_factory=dict)
    approved_people: list[int] = field(default_factory=list)
    last_people: tuple[int, ...] = ()
    next_task: int = 1
    returned_from: str | None = None
    acted: bool = False
    undo: Undo | None = None
    last_urged_at: datetime | None = None
    seq: int = 0

    def clone(self) -> State:
        """A copy whose containers may be changed without touching this one (tasks are immutable).

        Written out rather than ``dataclasses.replace`` (five times slower): it runs twice per approval.
        A field added to State must be added here too (a missing one fails every test on first access)."""
        copy = State.__new__(State)
        copy.status = self.status
        copy.initiator = self.initiator
        copy.matter = self.matter
        copy.form = self.form
        copy.urgency = self.urgency
        copy.chosen = self.chosen
        copy.round = self.round
        copy.tasks = dict(self.tasks)
        copy.runs = dict(self.runs)
        copy.joins = dict(self.joins)
        copy.waits = dict(self.waits)
        copy.trail = list(self.trail)
        copy.visits = dict(self.visits)
        copy.approved_people = list(self.approved_people)
        copy.last_people = self.last_people
        copy.next_task = self.next_task
        copy.returned_from = self.returned_from
        copy.acted = self.acted
        copy.undo = self.undo
        copy.last_urged_at = self.last_urged_at
        copy.seq = self.seq
        return copy

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.status == OPEN]

    def waiting_on(self) -> set[int]:
        return {t.assignee for t in self.tasks.values() if t.status == OPEN}

    def to_dict(self, *, like: tuple[State, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """The state as JSON. ``like``: an earlier state and its JSON (as written or read): the tasks this
        state shares with it (the same objects: tasks never change) take their JSON from there instead of
        being encoded again. A step writes the whole state, and most of its tasks are unchanged."""
        data = self._plain(tasks=like is None)
        if like is not None:
            data["tasks"] = _tasks_json(self, *like)
        undo = self.undo
        if undo is not None:
            data["undo"] = {
                "actor": undo.actor,
                "kind": undo.kind,
                "task": undo.task,
                **_undo_snapshot(undo.snapshot, self),
            }
        return data

    def _plain(self, *, tasks: bool) -> dict[str, Any]:
        """Every field as JSON, ``undo`` as None (and ``tasks`` empty unless asked for)."""
        data = {
            name: getattr(self, name) if encode is None else encode(getattr(self, name))
            for name, encode in _FIELD_JSON.items()
        }
        data["tasks"] = [t.to_dict() for t in self.tasks.values()] if tasks else []
        data["undo"] = None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        state = cls._from_plain(data)
        undo = data.get("undo")
        if undo is not None:
            if "snapshot" in undo:  # the whole earlier state (how states were written before "changed")
                snapshot = State.from_dict(undo["snapshot"])
            else:
                snapshot = _undo_snapshot_from(state, undo["changed"])
            state.undo = Undo(undo["actor"], undo["kind"], undo["task"], snapshot)
        return state

    @classmethod
    def _from_plain(cls, data: Mapping[str, Any]) -> State:
        state = cls.__new__(cls)
        for name, decode in _FIELD_FROM_JSON.items():
            value = data.get(name) if name in _FIELDS_ADDED_LATER else data[name]
            setattr(state, name, value if decode is None else decode(value))
        state.tasks = {t["id"]: Task.from_dict(t) for t in data["tasks"]}
        state.undo = None
        return state


_FIELDS_ADDED_LATER = frozenset({"last_urged_at"})  # states written before it have no such key


# --- the 撤回 snapshot, stored as what differs from the state it belongs to ----------------------------
#
# The snapshot is the state just before the latest action; most of it (above all its tasks) is still the
# same as the current state. Written in full it doubled every stored state, so ``to_dict`` writes only the
# fields whose JSON differs ("changed"), the tasks that differ, and which tasks the snapshot holds (a
# count when they are the first of the current ones, in order, as they normally are). ``from_dict`` takes
# the rest from the current state. States written with the whole "snapshot" are still read.


def _tasks_json(state: State, earlier: State, earlier_data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The JSON of ``state``'s tasks, taken from ``earlier_data`` for the tasks ``earlier`` holds too."""
    known = earlier.tasks
    by_id = {t["id"]: t for t in earlier_data.get("tasks", ())}
    return [
        by_id[task_id] if known.get(task_id) is task and task_id in by_id else task.to_dict()
        for task_id, task in state.tasks.items()
    ]


def _same_object(a: Any, b: Any) -> bool:
    """Whether two values of a state field are written as the same JSON (the order of a dict's keys aside).
    May say no to equal values (then the snapshot just writes the field); never yes to different ones."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is str or kind is int or kind is bool:
        return bool(a == b)
    if kind is dict:
        return len(a) == len(b) and all(k in b and _same_object(v, b[k]) for k, v in a.items())
    if kind is list or kind is tuple or kind is Run:
        return len(a) == len(b) and all(map(_same_object, a, b))
    if kind is datetime:
        return bool(a.isoformat() == b.isoformat())
    return False  # floats and anything else: let the JSON decide (the field is written)


def _run_json(run: Run) -> dict[str, Any]:
    return {"node": run.node, "visit": run.visit, "entered_at": _iso(run.entered_at)}


# How each State field is written as JSON (None: as it is), ``tasks`` and ``undo`` aside.
_FIELD_JSON: dict[str, Callable[[Any], Any] | None] = {
    "status": None,
    "initiator": None,
    "matter": None,
    "form": dict,
    "urgency": None,
    "chosen": lambda chosen: {k: list(v) for k, v in chosen.items()},
    "round": None,
    "runs": lambda runs: [_run_json(r) for r in runs.values()],
    "joins": dict,
    "waits": lambda waits: {k: _iso(v) for k, v in waits.items()},
    "trail": list,
    "visits": dict,
    "approved_people": list,
    "last_people": list,
    "next_task": None,
    "returned_from": None,
    "acted": None,
    "last_urged_at": _iso,
    "seq": None,
}


# How each field written in a snapshot's "changed" is read back (None: as it is).
_FIELD_FROM_JSON: dict[str, Callable[[Any], Any] | None] = {
    **dict.fromkeys(_FIELD_JSON),
    "form": dict,
    "chosen": lambda chosen: {k: tuple(v) for k, v in chosen.items()},
    "runs": lambda runs: {r["node"]: Run(r["node"], r["visit"], _dt(r["entered_at"])) for r in runs},
    "joins": dict,
    "waits": lambda waits: {k: _dt(v) for k, v in waits.items()},
    "trail": list,
    "visits": dict,
    "approved_people": list,
    "last_people": tuple,
    "last_urged_at": _dt,
}


def _undo_snapshot(snapshot: State, state: State) -> dict[str, Any]:
    """``snapshot`` as the difference from ``state``."""
    if snapshot.undo is not None:  # never made by apply; kept whole to stay exact
        return {"snapshot": snapshot.to_dict()}
    # Field by field on the objects: the snapshot shares most of them with the state (a clone copies the
    # containers, not what they hold), so only what differs is turned into JSON.
    changed = {
        name: encode(value) if encode is not None else value
        for name, encode in _FIELD_JSON.items()
        if not _same_object(value := getattr(snapshot, name), getattr(state, name))
    }
    current = state.tasks
    # The snapshot's tasks are the state's own objects until one is updated: those it shares go unwritten.
    tasks = [task.to_dict() for task_id, task in snapshot.tasks.items() if current.get(task_id) is not task]
    ids = list(snapshot.tasks)
    if ids == list(current)[: len(ids)]:
        changed["task_count"] = len(ids)
    else:
        changed["task_ids"] = ids
    if tasks:
        changed["tasks"] = tasks
    return {"changed": changed}


def _undo_snapshot_from(state: State, changed: Mapping[str, Any]) -> State:
    """The snapshot written by :func:`_undo_snapshot`, rebuilt on ``state`` (just read)."""
    snapshot = state.clone()  # the state as read, then the fields that differ
    snapshot.undo = None
    for name, value in changed.items():
        if name in _FIELD_FROM_JSON:  # not the task keys (below), nor anything unknown
            decode = _FIELD_FROM_JSON[name]
            setattr(snapshot, name, decode(value) if decode is not None else value)
    own = {t["id"]: Task.from_dict(t) for t in changed.get("tasks", ())}
    current = state.tasks
    ids = changed["task_ids"] if "task_ids" in changed else list(current)[: changed["task_count"]]
    snapshot.tasks = {i: own[i] if i in own else current[i] for i in ids}
    return snapshot


class Event(NamedTuple):
    """An immutable fact about an instance. ``changes`` is what ``apply`` does with it; ``type``,
    ``actor``, ``on_behalf_of``, ``node``, ``task`` and ``comment`` are what people read in the history.
    (A named tuple, like Task: a decision makes several, and a tuple is made in one step.)"""

    seq: int
    type: str
    at: datetime
    actor: int | None = None
    on_behalf_of: int | None = None
    node: str | None = None
    task: int | None = None
    comment: str = ""
    changes: Mapping[str, Any] = MappingProxyType({})  # read-only: the default is shared

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "on_behalf_of": self.on_behalf_of,
            "node": self.node,
            "task": self.task,
            "comment": self.comment,
            "changes": dict(self.changes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        return cls(
            seq=data["seq"],
            type=data["type"],
            at=datetime.fromisoformat(data["at"]) if isinstance(data["at"], str) else data["at"],
            actor=data.get("actor"),
            on_behalf_of=data.get("on_behalf_of"),
            node=data.get("node"),
            task=data.get("task"),
            comment=data.get("comment", ""),
            changes=data.get("changes", {}),
        )


# --- Commands -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submit:
    """Start (or, after a return to the initiator, resubmit) the instance."""

    actor: int
    form: Mapping[str, Any] = field(default_factory=dict)
    urgency: str = ""
    chosen: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # 自选: node id → people
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Approve:
    actor: int
    task: int
    comment: str = ""
    form: Mapping[str, Any] | None = None  # fields this node may write


@dataclass(frozen=True, slots=True)
class Reject:
    actor: int
    task: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Complete:
    """办理: the handler replies and finishes their part."""

    actor: int
    task: int
    comment: str = ""
    form: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Return:
    """退回: to ``"initiator"``, ``"previous"`` or the id of a node already completed in this round."""

    actor: int
    task: int
    to: str = "initiator"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Withdraw:
    """撤回: the initiator before anyone acted, or an approver before the next person acted."""

    actor: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Transfer:
    """转交: hand one's task to another person."""

    actor: int
    task: int
    to: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class AddSigners:
    """加签: ``position`` before (前) | after (后) | alongside (并); ``mode`` among the added people."""

    actor: int
    task: int
    people: tuple[int, ...]
    position: str = "before"
    mode: str = "sequential"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class RemoveSigners:
    """减签: remove people one added, who have not acted yet."""

    actor: int
    task: int
    people: tuple[int, ...]
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Urge:
    """催办: remind the people the instance is waiting on."""

    actor: int
    comment: str = ""
    min_interval_hours: float = 1.0


@dataclass(frozen=True, slots=True)
class Comment:
    actor: int
    comment: str


@dataclass(frozen=True, slots=True)
class MarkRead:
    """A 抄送/备案 recipient has read the instance (read receipt)."""

    actor: int
    task: int


@dataclass(frozen=True, slots=True)
class Cancel:
    """The process administrator cancels a running instance, with a reason. The caller checks the role."""

    actor: int
    comment: str


@dataclass(frozen=True, slots=True)
class Tick:
    """Time has passed: fire due reminders, deadlines and timers."""


@dataclass(frozen=True, slots=True)
class SubprocessEnded:
    node: str
    outcome: str  # approved | rejected | withdrawn | cancelled


Command = (
    Submit
    | Approve
    | Reject
    | Complete
    | Return
    | Withdraw
    | Transfer
    | AddSigners
    | RemoveSigners
    | Urge
    | Comment
    | MarkRead
    | Cancel
    | Tick
    | SubprocessEnded
)


# --- Effects --------------------------------------------------------------------------------------------


class Notify(NamedTuple):
    """Tell ``people`` something (in-app, mail…). ``kind``: task, cc, filing, urge, remind, overdue,
    escalate, ended, returned."""

    kind: str
    people: tuple[int, ...]
    task: int | None = None
    node: str | None = None
    event_seq: int = 0


class StartSubprocess(NamedTuple):
    node: str
    definition: str
    form: Mapping[str, Any]


Effect = Notify | StartSubprocess


class Decision(NamedTuple):
    state: State
    events: tuple[Event, ...]
    effects: tuple[Effect, ...]
    wakeup: datetime | None  # the next moment the instance needs a Tick (None: no timers)


# --- apply: the only way a state changes --------------------------------------------------------------


def apply_in_place(state: State, event: Event) -> None:
    """Apply ``event`` to ``state`` (which the caller owns)."""
    # An event carries a few of these keys: each is tested with ``in`` before any work (this runs per event).
    c = event.changes
    if c.get("undo_point"):
        state.undo = Undo(
            actor=int(event.actor or 0), kind=event.type, task=int(event.task or 0), snapshot=_without_undo(state)
        )
    if c.get("restore_undo") and state.undo is not None:
        _restore(state)
    if "init" in c:
        init = c["init"]
        state.initiator = init["initiator"]
        state.matter = init["matter"]
        state.form = dict(init["form"])
        state.urgency = init["urgency"]
        state.chosen = {k: tuple(v) for k, v in init["chosen"].items()}
        state.round = init["round"]
        state.trail = []
        state.approved_people = []
        state.last_people = ()
        state.acted = False
        state.undo = None
    if "form" in c:
        state.form = {**state.form, **c["form"]}
    if "enter" in c:  # before "exit": a node entered and left in one event (skipped, copied) leaves no run
        e = c["enter"]
        state.runs[e["node"]] = Run(e["node"], e["visit"], _dt(e["at"]))
        state.visits[e["node"]] = e["visit"]
    if "exit" in c:
        for node in c["exit"]:
            state.runs.pop(node, None)
    if "new_tasks" in c:
        for data in c["new_tasks"]:
            task = Task.from_dict(data)
            state.tasks[task.id] = task
            state.next_task = max(state.next_task, task.id + 1)
    if "set_tasks" in c:
        for task_id, updates in c["set_tasks"].items():
            task = state.tasks[int(task_id)]
            state.tasks[task.id] = task.updated(updates, moments=True)
    if "trail" in c:
        state.trail.append(c["trail"])
    if "trail_cut" in c:
        del state.trail[c["trail_cut"] :]
    if "joins" in c:
        for join, count in c["joins"].items():
            if count is None:
                state.joins.pop(join, None)
            else:
                state.joins[join] = count
    if "waits" in c:
        for node, until in c["waits"].items():
            state.waits[node] = _dt(until)
    if "unwait" in c:
        for node in c["unwait"]:
            state.waits.pop(node, None)
    if "approved" in c:
        state.approved_people.extend(c["approved"])
    if "last_people" in c:
        state.last_people = tuple(c["last_people"])
    if "returned_from" in c:
        state.returned_from = c["returned_from"]
    if "acted" in c:
        state.acted = c["acted"]
    if c.get("clear_undo"):
        state.undo = None
    if "urged_at" in c:
        state.last_urged_at = _dt(c["urged_at"])
    if "status" in c:
        state.status = c["status"]
    state.seq = event.seq


def _without_undo(state: State) -> State:
    snapshot = state.clone()
    snapshot.undo = None
    return snapshot


def _restore(state: State) -> None:
    """撤回 by an approver: go back to the state before their action; tasks created since then stay in the
    record as cancelled, task numbers keep counting up, and read receipts given since then stay given
    (reading a copy is someone else's act, not a consequence of the withdrawn one)."""
    assert state.undo is not None
    snapshot = state.undo.snapshot.clone()
    for task in state.tasks.values():
        if task.id not in snapshot.tasks:
            snapshot.tasks[task.id] = task.updated({"status": T_CANCELLED}) if task.live else task
        elif task.status == READ:
            snapshot.tasks[task.id] = task
        else:
            # The clock kept running: a reminder or an overdue notice already given is not given again.
            kept = snapshot.tasks[task.id]
            if kept.live and (task.reminded, task.overdue) != (kept.reminded, kept.overdue):
                snapshot.tasks[task.id] = kept.updated({"reminded": task.reminded, "overdue": task.overdue})
    snapshot.next_task = max(snapshot.next_task, state.next_task)
    for node, visit in state.visits.items():  # visit numbers never go back, so old tasks never rejoin a run
        snapshot.visits[node] = max(snapshot.visits.get(node, 0), visit)
    snapshot.seq = state.seq
    snapshot.last_urged_at = state.last_urged_at
    for name in State.__slots__:
        setattr(state, name, getattr(snapshot, name))
    state.undo = None


def apply(state: State, event: Event) -> State:
    """A new state: ``state`` with ``event`` applied (``state`` itself is not changed)."""
    result = state.clone()
    apply_in_place(result, event)
    return result


def replay(events: Iterable[Event]) -> State:
    """Rebuild a state from its events alone."""
    state = State()
    for event in events:
        apply_in_place(state, event)
    return state

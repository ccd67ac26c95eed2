"""How a :class:`~.state.State` is written as JSON and read back: one table per direction for its fields,
the reuse of an earlier state's task JSON, and the 撤回 snapshot stored as a difference. ``State.to_dict`` and
``State.from_dict`` are the entry points."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sanfu.workflow.engine.moments import to_iso, to_moment
from sanfu.workflow.engine.tasks import Run, Task

if TYPE_CHECKING:  # annotations only: the state module imports this one
    from sanfu.workflow.engine.state import State

FIELDS_ADDED_LATER = frozenset({"last_urged_at", "returned_trail"})  # states written before it have no such key


# --- the 撤回 snapshot, stored as what differs from the state it belongs to ----------------------------
#
# The snapshot is the state just before the latest action; most of it (above all its tasks) is still the
# same as the current state. Written in full it doubled every stored state, so ``to_dict`` writes only the
# fields whose JSON differs ("changed"), the tasks that differ, and which tasks the snapshot holds (a
# count when they are the first of the current ones, in order, as they normally are). ``from_dict`` takes
# the rest from the current state. States written with the whole "snapshot" are still read.


def tasks_json(state: State, earlier: State, earlier_data: Mapping[str, Any]) -> list[dict[str, Any]]:
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
    return {"node": run.node, "visit": run.visit, "entered_at": to_iso(run.entered_at)}


# How each State field is written as JSON (None: as it is), ``tasks`` and ``undo`` aside.
FIELD_JSON: dict[str, Callable[[Any], Any] | None] = {
    "status": None,
    "initiator": None,
    "matter": None,
    "form": dict,
    "urgency": None,
    "chosen": lambda chosen: {k: list(v) for k, v in chosen.items()},
    "round": None,
    "runs": lambda runs: [_run_json(r) for r in runs.values()],
    "joins": dict,
    "waits": lambda waits: {k: to_iso(v) for k, v in waits.items()},
    "trail": list,
    "visits": dict,
    "approved_people": list,
    "last_people": list,
    "next_task": None,
    "returned_from": None,
    "returned_trail": list,
    "acted": None,
    "last_urged_at": to_iso,
    "seq": None,
}


# How each field written in a snapshot's "changed" is read back (None: as it is).
FIELD_FROM_JSON: dict[str, Callable[[Any], Any] | None] = {
    **dict.fromkeys(FIELD_JSON),
    "form": dict,
    "chosen": lambda chosen: {k: tuple(v) for k, v in chosen.items()},
    "runs": lambda runs: {r["node"]: Run(r["node"], r["visit"], to_moment(r["entered_at"])) for r in runs},
    "joins": dict,
    "waits": lambda waits: {k: to_moment(v) for k, v in waits.items()},
    "trail": list,
    "visits": dict,
    "approved_people": list,
    "last_people": tuple,
    "returned_trail": lambda trail: tuple(trail or ()),  # None: a state written before the field
    "last_urged_at": to_moment,
}


def undo_snapshot(snapshot: State, state: State) -> dict[str, Any]:
    """``snapshot`` as the difference from ``state``."""
    if snapshot.undo is not None:  # never made by apply; kept whole to stay exact
        return {"snapshot": snapshot.to_dict()}
    # Field by field on the objects: the snapshot shares most of them with the state (a clone copies the
    # containers, not what they hold), so only what differs is turned into JSON.
    changed = {
        name: encode(value) if encode is not None else value
        for name, encode in FIELD_JSON.items()
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


def undo_snapshot_from(state: State, changed: Mapping[str, Any]) -> State:
    """The snapshot written by :func:`undo_snapshot`, rebuilt on ``state`` (just read)."""
    snapshot = state.clone()  # the state as read, then the fields that differ
    snapshot.undo = None
    for name, value in changed.items():
        if name in FIELD_FROM_JSON:  # not the task keys (below), nor anything unknown
            decode = FIELD_FROM_JSON[name]
            setattr(snapshot, name, decode(value) if decode is not None else value)
    own = {t["id"]: Task.from_dict(t) for t in changed.get("tasks", ())}
    current = state.tasks
    ids = changed["task_ids"] if "task_ids" in changed else list(current)[: changed["task_count"]]
    snapshot.tasks = {i: own[i] if i in own else current[i] for i in ids}
    return snapshot

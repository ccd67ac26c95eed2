"""``apply``: the only way a state changes. Every change is an event; replaying the events from an empty state
rebuilds the state exactly (``replay``)."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from sanfu.workflow.engine.events import Event
from sanfu.workflow.engine.moments import to_moment
from sanfu.workflow.engine.state import State, Undo
from sanfu.workflow.engine.statuses import READ, T_CANCELLED
from sanfu.workflow.engine.tasks import Run, Task


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
        state.runs[e["node"]] = Run(e["node"], e["visit"], to_moment(e["at"]))
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
            state.waits[node] = to_moment(until)
    if "unwait" in c:
        for node in c["unwait"]:
            state.waits.pop(node, None)
    if "approved" in c:
        state.approved_people.extend(c["approved"])
    if "last_people" in c:
        state.last_people = tuple(c["last_people"])
    if "returned_from" in c:  # rare: the trail to resume on jumping back goes with it
        state.returned_from = c["returned_from"]
        state.returned_trail = tuple(c.get("returned_trail", ()))
        if "trail_restore" in c:
            state.trail = list(c["trail_restore"])
    if "acted" in c:
        state.acted = c["acted"]
    if c.get("clear_undo"):
        state.undo = None
    if "urged_at" in c:
        state.last_urged_at = to_moment(c["urged_at"])
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
            # The clock kept running: a reminder or an overdue notice already given is not given again, and a
            # deadline held or resumed since (挂起计时, someone else's act) stays so.
            kept = snapshot.tasks[task.id]
            if kept.live and _clock(task) != _clock(kept):
                snapshot.tasks[task.id] = kept.updated(dict(zip(_CLOCK_FIELDS, _clock(task), strict=True)))
    snapshot.next_task = max(snapshot.next_task, state.next_task)
    for node, visit in state.visits.items():  # visit numbers never go back, so old tasks never rejoin a run
        snapshot.visits[node] = max(snapshot.visits.get(node, 0), visit)
    snapshot.seq = state.seq
    snapshot.last_urged_at = state.last_urged_at
    for name in State.__slots__:
        setattr(state, name, getattr(snapshot, name))
    state.undo = None


_CLOCK_FIELDS = ("reminded", "overdue", "due_at", "remind_at", "held_at", "held_due_at", "held_remind_at")
_clock = attrgetter(*_CLOCK_FIELDS)


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

"""An instance's state (:class:`State`) and its 撤回 point (:class:`Undo`). Only ``apply``
(:mod:`.transition`) changes a state; :mod:`.state_json` holds how one is written as JSON and read back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sanfu.workflow.engine.state_json import (
    FIELD_FROM_JSON,
    FIELD_JSON,
    FIELDS_ADDED_LATER,
    tasks_json,
    undo_snapshot,
    undo_snapshot_from,
)
from sanfu.workflow.engine.statuses import DRAFT, ENDED, OPEN
from sanfu.workflow.engine.tasks import Run, Task


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
    returned_trail: tuple[str, ...] = ()  # the trail when returned_from was set (for 退回后直送)
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
        copy.returned_trail = self.returned_trail
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
            data["tasks"] = tasks_json(self, *like)
        undo = self.undo
        if undo is not None:
            data["undo"] = {
                "actor": undo.actor,
                "kind": undo.kind,
                "task": undo.task,
                **undo_snapshot(undo.snapshot, self),
            }
        return data

    def _plain(self, *, tasks: bool) -> dict[str, Any]:
        """Every field as JSON, ``undo`` as None (and ``tasks`` empty unless asked for)."""
        data = {
            name: getattr(self, name) if encode is None else encode(getattr(self, name))
            for name, encode in FIELD_JSON.items()
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
                snapshot = undo_snapshot_from(state, undo["changed"])
            state.undo = Undo(undo["actor"], undo["kind"], undo["task"], snapshot)
        return state

    @classmethod
    def _from_plain(cls, data: Mapping[str, Any]) -> State:
        state = cls.__new__(cls)
        for name, decode in FIELD_FROM_JSON.items():
            value = data.get(name) if name in FIELDS_ADDED_LATER else data[name]
            setattr(state, name, value if decode is None else decode(value))
        state.tasks = {t["id"]: Task.from_dict(t) for t in data["tasks"]}
        state.undo = None
        return state

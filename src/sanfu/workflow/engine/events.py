"""What a decision produces: :class:`Event` (a fact about an instance, recorded), the effects that must leave
the process (:class:`Notify`, :class:`StartSubprocess`) and the :class:`Decision` that holds them all."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from sanfu.workflow.engine.state import State


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

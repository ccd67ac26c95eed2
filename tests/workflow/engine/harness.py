"""A tiny driver for the pure engine: keeps the definition, state, events and effects of one instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sanfu.workflow.engine import Decision, MemoryFacts, State, decide, parse_definition, replay
from sanfu.workflow.engine.commands import Command

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def approval(node_id: str, people: list[int], **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": "approval", "approvers": {"type": "users", "users": people}, **extra}


def chain(*nodes: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """A straight definition: start → nodes… → end."""
    ids = [n["id"] for n in nodes]
    linked = [{"id": "start", "kind": "start", "next": ids[0] if ids else "end"}]
    for i, node in enumerate(nodes):
        linked.append({**node, "next": node.get("next", ids[i + 1] if i + 1 < len(ids) else "end")})
    linked.append({"id": "end", "kind": "end"})
    return {"key": spec.pop("key", "test"), "version": 1, "nodes": linked, **spec}


class Flow:
    def __init__(self, spec: dict[str, Any], facts: MemoryFacts | None = None):
        self.definition = parse_definition(spec)
        self.facts = facts or MemoryFacts(now=START)
        self.state = State()
        self.events: list[Any] = []
        self.effects: list[Any] = []
        self.last: Decision | None = None

    def do(self, command: Command) -> Decision:
        decision = decide(self.definition, self.state, command, self.facts)
        self.state = decision.state
        self.events.extend(decision.events)
        self.effects.extend(decision.effects)
        self.last = decision
        assert replay(self.events) == self.state, "replaying the events must rebuild the state"
        return decision

    def later(self, **delta: float) -> None:
        self.facts.now = self.facts.now + timedelta(**delta)

    def open_for(self, person: int) -> list[int]:
        return [t.id for t in self.state.tasks.values() if t.status == "open" and t.assignee == person]

    def task_of(self, person: int) -> int:
        (task_id,) = self.open_for(person)
        return task_id

    def types(self) -> list[str]:
        return [e.type for e in self.events]

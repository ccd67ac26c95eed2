"""Load instances and say what a decision writes: the parsed definitions (cached), the instance with its
definition and state, and the instance columns and outbox rows of one decision. The statements that write
a decision, and the step's own reads, are the fast path's (``sanfu.workflow.fastpath``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils import timezone

from sanfu.workflow.engine import Decision, Definition, State, parse_definition
from sanfu.workflow.engine.events import Notify, StartSubprocess
from sanfu.workflow.engine.statuses import ENDED
from sanfu.workflow.models import Instance, ProcessDefinition

_PARSED: dict[tuple[int, int, str], Definition] = {}


def parsed_definition(definition: ProcessDefinition) -> Definition:
    """The parsed definition, cached: a published definition never changes. The key includes the
    publication time so that a reused row id (SQLite after a rollback) can never return a stale parse."""
    key = (definition.pk, definition.version, str(definition.published_at))
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) > 1000:
            _PARSED.clear()
        parsed = _PARSED[key] = parse_definition(definition.spec)
    return parsed


_NAMED: dict[int, tuple[Definition, tuple[int, ...]]] = {}


def named_people(definition: Definition) -> tuple[int, ...]:
    """Everyone a ``users`` rule of the definition names (anywhere: approvers, among, transfer_to …), at
    most 100, remembered per parsed definition: whose activity a decision will probably ask."""
    known = _NAMED.get(id(definition))
    if known is not None and known[0] is definition:
        return known[1]
    found: dict[int, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            people = value.get("users")
            if value.get("type") == "users" and isinstance(people, list):
                found.update((p, None) for p in people if type(p) is int)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(definition.spec)
    if len(_NAMED) > 1000:
        _NAMED.clear()
    people = tuple(found)[:100]
    _NAMED[id(definition)] = (definition, people)
    return people


def definition_of(instance: Instance) -> Definition:
    return parsed_definition(instance.definition)


def state_of(instance: Instance) -> State:
    return State.from_dict(instance.state) if instance.state else State()


# An instance the caller has just read (e.g. joined to the task a person acts on), so that ``load`` need
# not read it again. Set only for the duration of one ``reusing`` block in the current thread/task.
_preloaded: ContextVar[Instance | None] = ContextVar("sanfu_workflow_preloaded", default=None)


@contextmanager
def reusing(instance: Instance) -> Iterator[None]:
    """Within the block, ``load(instance.pk)`` returns this row instead of reading it again."""
    token = _preloaded.set(instance)
    try:
        yield
    finally:
        _preloaded.reset(token)


def instances_with_definition() -> models.QuerySet[Instance]:
    """Instances joined to their definition, without the definition's spec: it is only needed to parse
    the definition, which is cached (``parsed_definition``; a cache miss loads the deferred spec)."""
    return Instance.objects.select_related("definition").defer("definition__spec")


def load(instance_id: int) -> tuple[Instance, Definition, State]:
    instance = _preloaded.get()
    if instance is None or instance.pk != instance_id:
        instance = instances_with_definition().get(pk=instance_id)
    # The fast path's read attaches the State it already knows for the state column it read.
    state = instance.__dict__.pop("_known_state", None)
    return instance, definition_of(instance), state if state is not None else state_of(instance)


# --- what a decision writes --------------------------------------------------------------------------


def outbox_rows(instance: Instance, before: State, decision: Decision) -> list[tuple[str, str, dict[str, Any]]]:
    """The decision's effects as outbox rows: (key, kind, payload)."""
    state = decision.state
    outbox: list[tuple[str, str, dict[str, Any]]] = []  # key, kind, payload
    for index, effect in enumerate(decision.effects):
        key = f"wf:{instance.pk}:{state.seq}:{index}"  # deterministic: a retried delivery has the same key
        if isinstance(effect, Notify):
            payload: dict[str, Any] = {
                "kind": effect.kind,
                "people": list(effect.people),
                "task": effect.task,
                "node": effect.node,
                "title": instance.title,
            }
            outbox.append((key, "notify", payload))
        elif isinstance(effect, StartSubprocess):
            outbox.append(
                (
                    key,
                    "start_subprocess",
                    {"node": effect.node, "definition": effect.definition, "form": dict(effect.form)},
                )
            )
    if instance.parent_id and state.status in ENDED and before.status not in ENDED:
        outbox.append(
            (
                f"wf:{instance.pk}:ended",
                "subprocess_ended",
                {"parent": instance.parent_id, "node": instance.parent_node, "outcome": state.status},
            )
        )
    return outbox


def instance_updates(instance: Instance, before: State, decision: Decision) -> dict[str, Any]:
    """The instance columns a decision sets. Of the indexed ones, only those whose value changes: SQLite
    rewrites an index entry for every column an UPDATE sets, changed or not (a page per index per step)."""
    state = decision.state
    now = decision.events[-1].at if decision.events else timezone.now()  # the decision's own clock
    new = instance.pk is None
    # ``before`` was read from the instance's state column: its unchanged tasks keep their JSON from there.
    written = state.to_dict(like=(before, instance.state or {}))
    updates: dict[str, Any] = {"state": written, "version": instance.version + 1, "updated_at": now}
    if new or state.status != instance.status:
        updates["status"] = state.status
    if new or state.urgency != instance.urgency:
        updates["urgency"] = state.urgency
    if new or decision.wakeup != instance.wakeup_at:
        updates["wakeup_at"] = decision.wakeup
    if before.status in {"draft", "returned"} and state.status == "running":
        updates["submitted_at"] = now
    if state.status in ENDED and not instance.ended_at:
        updates["ended_at"] = now
    return updates

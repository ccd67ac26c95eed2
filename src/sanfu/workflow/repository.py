"""Load and save instances: the snapshot with an optimistic version check, the events, the task
projection and the outbox, all in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sanfu.core.errors import ConflictError
from sanfu.workflow.engine import Decision, Definition, State, parse_definition
from sanfu.workflow.engine.model import ENDED, Notify, StartSubprocess
from sanfu.workflow.engine.model import Task as EngineTask
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, ProcessDefinition, Task

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


def definition_of(instance: Instance) -> Definition:
    return parsed_definition(instance.definition)


def state_of(instance: Instance) -> State:
    return State.from_dict(instance.state) if instance.state else State()


def load(instance_id: int) -> tuple[Instance, Definition, State]:
    instance = Instance.objects.select_related("definition").get(pk=instance_id)
    return instance, definition_of(instance), state_of(instance)


def _task_row(instance: Instance, definition: Definition, task: EngineTask) -> Task:
    node = definition.nodes.get(task.node)
    return Task(
        instance=instance,
        task_no=task.id,
        node=task.node,
        node_name=node.name if node else task.node,
        kind=task.kind,
        assignee_id=task.assignee,
        on_behalf_of_id=task.on_behalf_of,
        status=task.status,
        created_at=task.created_at or timezone.now(),
        due_at=task.due_at,
        acted_at=task.acted_at,
        overdue=task.overdue,
    )


def save(instance: Instance, definition: Definition, before: State, decision: Decision) -> None:
    """Write one decision. Raises :class:`ConflictError` when someone else changed the instance first."""
    state = decision.state
    now = decision.events[-1].at if decision.events else timezone.now()  # the decision's own clock
    updates: dict[str, Any] = {
        "state": state.to_dict(),
        "version": instance.version + 1,
        "status": state.status,
        "urgency": state.urgency,
        "wakeup_at": decision.wakeup,
        "updated_at": now,
    }
    if before.status in {"draft", "returned"} and state.status == "running":
        updates["submitted_at"] = now
    if state.status in ENDED and not instance.ended_at:
        updates["ended_at"] = now
    assert transaction.get_connection().in_atomic_block, "save() must run inside a transaction"
    won = Instance.objects.filter(pk=instance.pk, version=instance.version).update(**updates)
    if won != 1:
        raise ConflictError("流程已被他人处理，请刷新后查看最新状态。")
    for name, value in updates.items():
        setattr(instance, name, value)
    InstanceEvent.objects.bulk_create(
        [
            InstanceEvent(
                instance=instance,
                seq=e.seq,
                type=e.type,
                actor_id=e.actor or None,
                on_behalf_of_id=e.on_behalf_of,
                at=e.at,
                node=e.node or "",
                task_no=e.task,
                comment=e.comment,
                changes=dict(e.changes),
            )
            for e in decision.events
        ]
    )
    changed = [t for t in state.tasks.values() if before.tasks.get(t.id) != t]
    if changed:
        Task.objects.bulk_create(
            [_task_row(instance, definition, t) for t in changed],
            update_conflicts=True,
            unique_fields=["instance", "task_no"],
            update_fields=["assignee", "on_behalf_of", "status", "due_at", "acted_at", "overdue"],
        )
    outbox = []
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
            outbox.append(OutboxMessage(key=key, kind="notify", instance=instance, payload=payload))
        elif isinstance(effect, StartSubprocess):
            outbox.append(
                OutboxMessage(
                    key=key,
                    kind="start_subprocess",
                    instance=instance,
                    payload={"node": effect.node, "definition": effect.definition, "form": dict(effect.form)},
                )
            )
    if instance.parent_id and state.status in ENDED and before.status not in ENDED:
        outbox.append(
            OutboxMessage(
                key=f"wf:{instance.pk}:ended",
                kind="subprocess_ended",
                instance=instance,
                payload={"parent": instance.parent_id, "node": instance.parent_node, "outcome": state.status},
            )
        )
    if outbox:
        OutboxMessage.objects.bulk_create(outbox)

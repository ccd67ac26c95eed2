"""Is every instance's stored state what its event log says? (``sanfu flow verify``)

The event log is the spine: the instance's state column and the inbox's task rows are projections of it,
written in the same transaction. After a crash, a restore or a hand edit, an operator checks that they
still agree: replay each instance's events and compare the result with the stored state, status and task
rows. Read-only; it streams instances in id order, a batch at a time, with one query per batch for each of
events and tasks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sanfu.workflow.engine import Event, State, replay
from sanfu.workflow.models import Instance, InstanceEvent, Task


@dataclass
class FlowVerifyReport:
    checked: int = 0
    mismatches: list[tuple[int, str]] = field(default_factory=list)  # (instance id, what differs)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _as_engine_events(rows: Iterable[InstanceEvent]) -> list[Event]:
    return [
        Event(
            seq=row.seq,
            type=row.type,
            at=row.at,
            actor=row.actor_id,
            on_behalf_of=row.on_behalf_of_id,
            node=row.node or None,
            task=row.task_no,
            comment=row.comment,
            changes=row.changes,
        )
        for row in rows
    ]


def _difference(instance: Instance, events: list[Event], tasks: dict[int, str]) -> str | None:
    if not events:
        return None if not instance.state else "有状态但没有任何事件"
    seqs = [e.seq for e in events]
    if seqs != list(range(1, len(seqs) + 1)):
        return "事件序号不连续"
    try:
        state = replay(events)
    except Exception as exc:  # a log that cannot be replayed is exactly what this check reports
        return f"事件无法重放：{exc}"
    return _compare(instance, state, tasks)


def _compare(instance: Instance, state: State, tasks: dict[int, str]) -> str | None:
    checks = [
        (state.to_dict() != instance.state, "状态快照与事件重放结果不一致"),
        (instance.status != state.status, f"状态列为 {instance.status}，事件重放为 {state.status}"),
        (tasks != {t.id: t.status for t in state.tasks.values()}, "待办表与事件重放结果不一致"),
    ]
    return next((problem for differs, problem in checks if differs), None)


def instances_verify(*, batch_size: int = 500, instance_ids: Iterable[int] | None = None) -> FlowVerifyReport:
    """Replay and compare every instance (or only ``instance_ids``)."""
    report = FlowVerifyReport()
    base = Instance.objects.order_by("pk")
    if instance_ids is not None:
        base = base.filter(pk__in=list(instance_ids))
    last = 0
    while True:
        batch = list(base.filter(pk__gt=last).only("pk", "state", "status")[:batch_size])
        if not batch:
            return report
        ids = [i.pk for i in batch]
        events: dict[int, list[InstanceEvent]] = defaultdict(list)
        for row in InstanceEvent.objects.filter(instance_id__in=ids).order_by("instance_id", "seq"):
            events[row.instance_id].append(row)
        tasks: dict[int, dict[int, str]] = defaultdict(dict)
        for instance_id, task_no, status in Task.objects.filter(instance_id__in=ids).values_list(
            "instance_id", "task_no", "status"
        ):
            tasks[instance_id][task_no] = status
        for instance in batch:
            problem = _difference(instance, _as_engine_events(events[instance.pk]), tasks[instance.pk])
            if problem:
                report.mismatches.append((instance.pk, problem))
            report.checked += 1
        last = ids[-1]

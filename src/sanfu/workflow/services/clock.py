"""What happens without a person: the clock (reminders, deadlines, timers), subprocesses, and moving running
instances to a newer definition; and the outbox receivers of the engine's effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.workflow import outbox, repository
from sanfu.workflow.engine import SubprocessEnded, Tick
from sanfu.workflow.models import DefinitionStatus, Instance, InstanceStatus, OutboxMessage, ProcessDefinition
from sanfu.workflow.selectors import latest_definition
from sanfu.workflow.services.base import _execute
from sanfu.workflow.services.steps import instance_start


def instance_tick(*, instance_id: int, now: datetime | None = None) -> Instance:
    """Fire what is due on one instance (the worker calls this for every instance past its wakeup)."""
    return _execute(instance_id, Tick(), now=now)


def instances_tick_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Tick every running instance whose wakeup has passed; a conflict just means someone acted first."""
    moment = now or timezone.now()
    due = list(
        Instance.objects.filter(wakeup_at__lte=moment, status=InstanceStatus.RUNNING)
        .order_by("wakeup_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for instance_id in due:
        try:
            instance_tick(instance_id=instance_id, now=moment)
            done += 1
        except ConflictError:
            continue
    return done


def subprocess_ended(*, parent_id: int, node: str, outcome: str) -> Instance:
    return _execute(parent_id, SubprocessEnded(node=node, outcome=outcome))


# --- moving to a newer definition version -------------------------------------------------------------


@dataclass(frozen=True)
class MigrationReport:
    moved: list[int]
    blocked: dict[int, str]
    dry_run: bool


def instances_migrate(
    *, actor: User | None, key: str, to_version: int | None = None, dry_run: bool = True
) -> MigrationReport:
    """Move running instances of ``key`` to a newer version when every node they wait on still exists
    there with the same kind. A dry run lists what would move and why the rest cannot."""
    if actor is not None and not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(_("您没有权限迁移流程实例。"))
    if to_version:
        # only a published version: a draft (草稿, e.g. from streamlining advice) is not yet the process
        found = ProcessDefinition.objects.filter(key=key, version=to_version, status=DefinitionStatus.PUBLISHED).first()
        if found is None:
            raise ApplicationError(_("流程 %(key)s 没有已发布的第 %(v)d 版。") % {"key": key, "v": to_version})
        target = found
    else:
        target = latest_definition(key)
    target_parsed = repository.parsed_definition(target)
    moved: list[int] = []
    blocked: dict[int, str] = {}
    candidates = (
        Instance.objects.filter(definition__key=key, status__in=[InstanceStatus.RUNNING, InstanceStatus.RETURNED])
        .exclude(definition=target)
        .select_related("definition")
    )
    for instance in candidates:
        if instance.definition.version > target.version:
            blocked[instance.pk] = _("实例已在更新的版本上")
            continue
        state = repository.state_of(instance)
        waiting = set(state.runs) | set(state.waits) | {t.node for t in state.tasks.values() if t.live}
        missing = sorted(n for n in waiting if n not in target_parsed.nodes)
        old = repository.definition_of(instance)
        changed = sorted(
            n for n in waiting if n in target_parsed.nodes and target_parsed.nodes[n].kind != old.nodes[n].kind
        )
        if missing:
            blocked[instance.pk] = _("新版本中没有节点：%(n)s") % {"n": "、".join(missing)}
        elif changed:
            blocked[instance.pk] = _("节点类型已改变：%(n)s") % {"n": "、".join(changed)}
        else:
            moved.append(instance.pk)
    if not dry_run and moved:
        with transaction.atomic():
            # Bumping the version makes any decision computed on the old definition conflict and retry.
            Instance.objects.filter(pk__in=moved).update(definition=target, version=F("version") + 1)
            audit_record(
                action="workflow.migrate",
                actor=actor,
                actor_name="" if actor else "system",
                target=f"definition:{target.pk}",
                detail={"moved": moved, "blocked": list(blocked)},
            )
    return MigrationReport(moved=moved, blocked=blocked, dry_run=dry_run)


# --- receivers of the engine's effects (delivered by the outbox) --------------------------------------


def _start_subprocess(message: OutboxMessage) -> None:
    if Instance.objects.filter(origin_key=message.key).exists():
        return  # started by an earlier delivery of the same message
    if message.instance_id is None:
        raise ApplicationError("subprocess message without a parent instance")
    parent = Instance.objects.select_related("initiator").get(pk=message.instance_id)
    instance_start(
        actor=parent.initiator,
        definition_key=str(message.payload["definition"]),
        title=f"{parent.title}（子流程）",
        form=message.payload.get("form", {}),
        parent=parent,
        parent_node=str(message.payload["node"]),
        origin_key=message.key,
    )


def _subprocess_ended(message: OutboxMessage) -> None:
    parent_id = int(message.payload["parent"])
    node = str(message.payload["node"])
    state = Instance.objects.values_list("state", flat=True).get(pk=parent_id)
    if node not in (state or {}).get("waits", {}):
        return  # already applied by an earlier delivery
    subprocess_ended(parent_id=parent_id, node=node, outcome=str(message.payload["outcome"]))


outbox.register("start_subprocess", _start_subprocess)
outbox.register("subprocess_ended", _subprocess_ended)

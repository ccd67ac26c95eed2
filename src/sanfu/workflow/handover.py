"""离职交接 for the flow: a person's live to-dos, and the process definitions that name them as an approver
(registered with ``core.handover`` in ``WorkflowConfig.ready``).

- 待办: every live approval or handling task the person holds is reassigned (改派) to the successor with the
  handover's reason, each one an event in its instance's log — except where the flow would refuse him (he
  already holds that step), which stay for the process administrator and are counted as kept.
- 流程定义: the latest published version of each process that names the person in a ``users`` rule (as an
  approver, a recipient, a person to choose among, a timeout's transfer …) or among its ``admins``. Listed
  always; when the administrator chooses it (process administrators only), a new version is published with
  the successor in the person's place — running instances keep their version, as after any publication."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.core import handover
from sanfu.core.handover import HandoverItem
from sanfu.workflow import services, subjects
from sanfu.workflow.models import (
    LIVE_STATUSES,
    TODO_KINDS,
    DefinitionStatus,
    ProcessDefinition,
    Task,
    TaskStatus,
)
from sanfu.workflow.selectors import definition_of


def _live_tasks(person: User) -> list[Task]:
    return list(
        Task.objects.filter(assignee=person, status__in=LIVE_STATUSES, kind__in=TODO_KINDS)
        .select_related("instance__definition", "on_behalf_of")
        .order_by("due_at", "pk")
    )


def task_items(person: User) -> list[HandoverItem]:
    tasks = _live_tasks(person)
    pages = subjects.pages_of((t.instance_id, t.instance.definition.key) for t in tasks)
    items = []
    for task in tasks:
        parts = [task.node_name, task.get_kind_display()]
        if task.status == TaskStatus.WAITING:
            parts.append(_("尚未轮到"))
        if task.due_at is not None:
            parts.append(_("期限 %(d)s") % {"d": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")})
        if task.on_behalf_of is not None:
            parts.append(_("代 %(who)s 办理") % {"who": task.on_behalf_of.display_name})
        items.append(
            HandoverItem(
                key=f"task:{task.pk}",
                title=task.instance.title,
                detail=" · ".join(str(p) for p in parts),
                url=pages.get(task.instance_id, ""),
            )
        )
    return items


def _cannot_take(tasks: list[Task], successor: User) -> set[int]:
    """The tasks the flow would refuse to give ``successor``: he already holds that step of the instance (a
    或签 of clerks, where both held it), the task is held for him (the person was his delegate), or the step
    may not be the initiator's and he started the instance. They stay; the page lists them afterwards."""
    held = set(
        Task.objects.filter(
            Q(assignee=successor) | Q(on_behalf_of=successor),
            instance_id__in={t.instance_id for t in tasks},
            status__in=LIVE_STATUSES,
            kind__in=TODO_KINDS,
        ).values_list("instance_id", "node")
    )
    refused = set()
    for task in tasks:
        if (task.instance_id, task.node) in held or task.on_behalf_of_id == successor.pk:
            refused.add(task.pk)
        elif task.instance.initiator_id == successor.pk:
            node = definition_of(task.instance).nodes.get(task.node)
            if node is not None and node.exclude_initiator:
                refused.add(task.pk)
    return refused


def tasks_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    """改派 each live task to ``successor`` (the handover decided who may: no role or scope check here)."""
    tasks = _live_tasks(person)
    refused = _cannot_take(tasks, successor)
    for task in tasks:
        if task.pk not in refused:
            services.task_reassign(
                actor=actor, task_id=task.pk, to=successor, reason=reason, in_transaction=True, check_scope=False
            )
    return len(tasks) - len(refused)


# --- process definitions naming the person ---------------------------------------------------------------


def _names(value: Any, person_id: int) -> bool:
    """Whether a ``users`` rule anywhere in ``value`` names ``person_id``."""
    if isinstance(value, Mapping):
        people = value.get("users")
        if value.get("type") == "users" and isinstance(people, list) and person_id in people:
            return True
        return any(_names(v, person_id) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, person_id) for v in value)
    return False


def _replaced(value: Any, person_id: int, successor_id: int) -> Any:
    """``value`` with ``person_id`` replaced by ``successor_id`` in every ``users`` rule (named once)."""
    if isinstance(value, Mapping):
        result = {k: _replaced(v, person_id, successor_id) for k, v in value.items()}
        people = value.get("users")
        if value.get("type") == "users" and isinstance(people, list):
            swapped = [successor_id if p == person_id else p for p in people]
            result["users"] = list(dict.fromkeys(swapped))
        return result
    if isinstance(value, list):
        return [_replaced(v, person_id, successor_id) for v in value]
    return copy.deepcopy(value)


def _names_in_spec(spec: Mapping[str, Any], person_id: int) -> bool:
    """In a ``users`` rule, or among the definition's ``admins`` (who take a step nobody else can)."""
    admins = spec.get("admins")
    return (isinstance(admins, list) and person_id in admins) or _names(spec, person_id)


def _spec_for_successor(spec: Mapping[str, Any], person_id: int, successor_id: int) -> dict[str, Any]:
    result: dict[str, Any] = _replaced(spec, person_id, successor_id)
    if isinstance(spec.get("admins"), list):
        result["admins"] = list(dict.fromkeys(successor_id if a == person_id else a for a in spec["admins"]))
    result.pop("version", None)  # the next number is the publication's
    return result


def _naming_definitions(person: User) -> list[ProcessDefinition]:
    """The latest published version of each process whose spec names ``person``, in one query."""
    latest = (
        ProcessDefinition.objects.filter(key=OuterRef("key"), status=DefinitionStatus.PUBLISHED)
        .order_by("-version")
        .values("version")[:1]
    )
    current = ProcessDefinition.objects.filter(status=DefinitionStatus.PUBLISHED, version=Subquery(latest))
    return [d for d in current.order_by("key") if _names_in_spec(d.spec, person.pk)]


def definition_items(person: User) -> list[HandoverItem]:
    return [
        HandoverItem(
            key=f"definition:{d.pk}",
            title=d.name,
            detail=_("%(key)s 第 %(v)d 版") % {"key": d.key, "v": d.version},
        )
        for d in _naming_definitions(person)
    ]


def definitions_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    published = 0
    for definition in _naming_definitions(person):
        spec = _spec_for_successor(definition.spec, person.pk, successor.pk)
        services.definition_publish(actor=actor, spec=spec)  # refuses anyone but a process administrator
        published += 1
    return published


def register() -> None:
    handover.register(
        name="tasks",
        label=gettext_lazy("待办"),
        list=task_items,
        transfer=tasks_transfer,
        order=10,
        effect=gettext_lazy("逐件改派给接任者，记入流程记录"),
    )
    handover.register(
        name="definitions",
        label=gettext_lazy("流程定义中指定的审批人"),
        list=definition_items,
        transfer=definitions_transfer,
        order=60,
        optional=True,
        perm=Perm.MANAGE_PROCESSES,
        effect=gettext_lazy("可选：发布以接任者替换本人的新版本（仅流程管理员）；运行中的流程仍按原版本"),
    )

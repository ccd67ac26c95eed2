"""Reads for the inbox and the instance page, scoped to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.errors import ApplicationError, ErrorCode, NotFoundError
from sanfu.org import clearance
from sanfu.workflow import fastpath, repository
from sanfu.workflow.engine import Definition, Node, path_ahead, restart_nodes, skippable_nodes
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import (
    ACTED,
    ACTED_STATUSES,
    NOTICE,
    TODO_KINDS,
    Instance,
    InstanceEvent,
    ProcessDefinition,
    Task,
    TaskStatus,
)


def tasks_of(user: User, box: str = "todo") -> QuerySet[Task]:
    """待办 (open), 已办 (acted on), 抄送 (cc and filing notices) of one person, soonest deadline first."""
    base = Task.objects.filter(assignee=user).select_related("instance", "instance__initiator", "on_behalf_of")
    if box == "todo":
        return base.filter(status=TaskStatus.OPEN, kind__in=TODO_KINDS).order_by("due_at", "id")
    if box == "done":
        return base.filter(ACTED, status__in=ACTED_STATUSES).order_by("-acted_at", "-id")
    if box == "cc":
        return base.filter(NOTICE).order_by("-id")
    raise ValueError(f"unknown box {box}")


def open_task_for(
    *,
    actor: User,
    instance_id: int,
    task_id: int | None = None,
    node: str | None = None,
    statuses: tuple[str, ...] = (TaskStatus.OPEN,),
) -> Task:
    """The actor's task to act on in one instance: held by them, or held for them by a delegate (委托代理);
    their own first, then by task number. ``task_id`` picks one of them (a page posts which task it showed),
    ``node`` limits it to one step. ApplicationError (conflict) when there is none: someone else acted
    first, or the flow has moved on."""
    mine = Task.objects.filter(
        Q(assignee=actor) | Q(on_behalf_of=actor), instance_id=instance_id, status__in=statuses, kind__in=TODO_KINDS
    )
    if task_id is not None:
        mine = mine.filter(pk=task_id)
    if node is not None:
        mine = mine.filter(node=node)
    held_by_actor = Case(When(assignee=actor, then=Value(0)), default=Value(1))
    task = mine.select_related("assignee", "on_behalf_of").order_by(held_by_actor, "task_no").first()
    if task is None:
        raise ApplicationError(
            _("您在该流程中没有待处理的事项，可能已由他人办理或流程已前进。"), code=ErrorCode.CONFLICT
        )
    return task


def held_tasks(*, instance_id: int, node: str | None = None) -> list[Task]:
    """The live tasks of an instance whose deadline is held (挂起计时), optionally at one node: what a domain
    resumes when the requester has supplied what was missing. Read from the instance's state (the inbox's
    row has no due while held, like a task without a deadline)."""
    instance = Instance.objects.filter(pk=instance_id).only("state").first()
    if instance is None:
        return []
    numbers = [
        t.id
        for t in repository.state_of(instance).tasks.values()
        if t.held and t.live and (node is None or t.node == node)
    ]
    return (
        list(Task.objects.filter(instance_id=instance_id, task_no__in=numbers).order_by("task_no")) if numbers else []
    )


# Where an instance keeps what the read rule reads; its initiator is its owner (本人 scope).
RULE_FIELDS = clearance.Fields(level="confidentiality", unit="unit", department="department", owner="initiator")


def participants_q(user: User) -> Q:
    """Need-to-know (知悉范围) of a flow: its initiator, and anyone who holds or held a task on it, for
    himself or for another (委托代理), a 抄送 / 备案 notice included."""
    involved = Task.objects.filter(Q(assignee=user) | Q(on_behalf_of=user)).values("instance_id")
    return Q(initiator=user) | Q(pk__in=involved)


def _oversight_q(user: User) -> Q | None:
    """What a process administrator sees beyond his own flows (``org.clearance``, with workflow.manage as
    the oversight): 公开 / 内部 instances in his data scope; 秘密 / 机密 ones only in the part of it where he
    also holds the clearance. None for anyone who does not manage processes."""
    if not has_perm(user, Perm.MANAGE_PROCESSES):
        return None
    return clearance.readable_q(user, RULE_FIELDS, by_level=False, oversight=(Perm.MANAGE_PROCESSES,))


def visible_instances(user: User) -> QuerySet[Instance]:
    """Instances a person may open: those he takes part in (need-to-know, at any 密级), and for a process
    administrator those the read rule gives him (``overseen_instances``). Every read path of a flow — the
    instance page, its files and print view, a 公文's flow link — goes through here (one instance through
    :func:`visible_instance`, the same rule asked of one row)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Instance.objects.none()
    rule = participants_q(user)
    oversight = _oversight_q(user)
    if oversight is not None:
        rule |= oversight
    return Instance.objects.filter(rule)


def visible_instance(user: User, instance_id: int) -> QuerySet[Instance]:
    """The instance ``instance_id`` when ``user`` may open it (the rule of :func:`visible_instances`), else
    nothing. Taking part is asked as EXISTS over that instance's own tasks (the ``task_no_unique`` index): the
    list form, ``id IN (the instances of every task he ever held)``, builds that whole list first — 0.55 s for
    a heavy approver among a million requests (docs/benchmarks.md, make bench-web)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Instance.objects.none()
    took_part = Exists(Task.objects.filter(instance_id=OuterRef("pk")).filter(Q(assignee=user) | Q(on_behalf_of=user)))
    rule = Q(initiator=user) | Q(took_part)
    oversight = _oversight_q(user)
    if oversight is not None:
        rule |= oversight
    return Instance.objects.filter(pk=instance_id).filter(rule)


def overseen_instances(user: User) -> QuerySet[Instance]:
    """Instances a process administrator oversees (流程监控 and its interventions): his own, and those the
    read rule opens to him — inside the data scope (数据范围) of his role for managing processes (his unit
    for the built-in 流程管理员), matched on the instance's unit and department, and for 秘密 / 机密 only
    where he also holds the clearance; none for anybody else."""
    oversight = _oversight_q(user)
    if oversight is None:
        return Instance.objects.none()
    return Instance.objects.filter(oversight)


def intervention_nodes(instance: Instance) -> tuple[list[Node], list[Node]]:
    """Where a process administrator may intervene on ``instance`` (the engine's own rules): the nodes he may
    skip now, and those he may restart it from."""
    definition, state = repository.definition_of(instance), repository.state_of(instance)
    return skippable_nodes(definition, state), restart_nodes(definition, state)


def access_instance(*, actor: User, instance_id: int) -> Instance:
    """The instance, or NotFoundError when it does not exist or is not the actor's to see."""
    instance = visible_instance(actor, instance_id).select_related("definition", "initiator").first()
    if instance is None:
        raise NotFoundError("流程不存在。")
    return instance


def history_of(instance: Instance) -> list[InstanceEvent]:
    return list(instance.events.select_related("actor", "on_behalf_of").order_by("seq"))


def last_return(instance: Instance) -> InstanceEvent | None:
    """The act behind the latest 退回 (who sent it back, when, why): the event just before the latest
    ``returned`` — a 退回, a 驳回 that returns, or a timeout — which carries the reason; the ``returned``
    event itself carries none. None when the instance was never returned."""
    returned = instance.events.filter(type="returned").order_by("-seq").values_list("seq", flat=True).first()
    if returned is None:
        return None
    return instance.events.select_related("actor", "on_behalf_of").filter(seq=returned - 1).first()


@dataclass(frozen=True)
class Step:
    node: str
    name: str
    kind: str
    people: list[User]


def path_ahead_of(instance: Instance) -> list[Step]:
    """Who is next: the nodes ahead with the people expected there (a prediction from the definition and
    today's organisation)."""
    definition = repository.definition_of(instance)
    state = repository.state_of(instance)
    if state.ended:
        return []
    steps = path_ahead(definition, state, OrgFacts(now=timezone.now()))
    ids = {p for _, people in steps for p in people}
    users: dict[int, Any] = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    return [Step(node.id, node.name, node.kind, [users[p] for p in people if p in users]) for node, people in steps]


def open_steps(instance: Instance) -> list[Step]:
    """Where the instance waits now: each node with open tasks and the people holding them, in task order.
    After a step (退回 above all) this says to whom it went."""
    rows = (
        Task.objects.filter(instance=instance, status=TaskStatus.OPEN, kind__in=TODO_KINDS)
        .select_related("assignee")
        .order_by("task_no")
    )
    steps: dict[str, Step] = {}
    for task in rows:
        step = steps.setdefault(task.node, Step(task.node, task.node_name, task.kind, []))
        step.people.append(task.assignee)
    return list(steps.values())


def latest_definition(key: str) -> ProcessDefinition:
    """The latest published version of ``key`` (without its spec: only parsed on a cache miss, which
    loads it)."""
    definition = fastpath.latest_published(key)
    if definition is None:
        raise NotFoundError(_("流程“%(key)s”不存在或未发布。") % {"key": key})
    return definition


def latest_parsed(key: str) -> Definition:
    """The latest published version of ``key``, parsed (cached with the definition: a published version never
    changes)."""
    return repository.parsed_definition(latest_definition(key))


def definition_of(instance: Instance) -> Definition:
    """The parsed definition an instance runs (its own version, cached)."""
    return repository.definition_of(instance)

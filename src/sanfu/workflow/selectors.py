"""Reads for the inbox and the instance page, scoped to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.errors import NotFoundError
from sanfu.workflow import repository
from sanfu.workflow.engine import path_ahead
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import ACTED, NOTICE, Instance, InstanceEvent, Task

BOXES = ("todo", "done", "started", "cc")


def tasks_of(user: User, box: str = "todo") -> QuerySet[Task]:
    """待办 (open), 已办 (acted on), 抄送 (cc and filing notices) of one person, soonest deadline first."""
    base = Task.objects.filter(assignee=user).select_related("instance", "instance__initiator", "on_behalf_of")
    if box == "todo":
        return base.filter(status="open", kind__in=["approval", "handle"]).order_by("due_at", "id")
    if box == "done":
        return base.filter(ACTED, status__in=["approved", "rejected", "done", "returned", "transferred"]).order_by(
            "-acted_at", "-id"
        )
    if box == "cc":
        return base.filter(NOTICE).order_by("-id")
    raise ValueError(f"unknown box {box}")


def instances_started_by(user: User) -> QuerySet[Instance]:
    return Instance.objects.filter(initiator=user).select_related("definition").order_by("-id")


def visible_instances(user: User) -> QuerySet[Instance]:
    """Instances a person may open: started by them, or with a task or notice for them; all of them for a
    process administrator."""
    if has_perm(user, Perm.MANAGE_PROCESSES):
        return Instance.objects.all()
    involved = Task.objects.filter(Q(assignee=user) | Q(on_behalf_of=user)).values("instance_id")
    return Instance.objects.filter(Q(initiator=user) | Q(pk__in=involved))


def access_instance(*, actor: User, instance_id: int) -> Instance:
    """The instance, or NotFoundError when it does not exist or is not the actor's to see."""
    instance = visible_instances(actor).select_related("definition", "initiator").filter(pk=instance_id).first()
    if instance is None:
        raise NotFoundError("流程不存在。")
    return instance


def history_of(instance: Instance) -> list[InstanceEvent]:
    return list(instance.events.select_related("actor", "on_behalf_of").order_by("seq"))


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

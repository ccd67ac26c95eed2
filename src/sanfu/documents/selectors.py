"""Reads of 公文, scoped by construction: a document is visible to its participants, the office (clerks and
process administrators) and the company leaders; to anyone else it does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.errors import NotFoundError
from sanfu.documents.models import DocumentNumber, IncomingDocument, Issuance, OutgoingDocument
from sanfu.workflow import repository
from sanfu.workflow.models import Instance, InstanceEvent, Task


def has_role(user: User, code: str) -> bool:
    return RoleGrant.objects.filter(user=user, role__code=code).exists()


def is_office(user: User) -> bool:
    """The office: clerks (收发文) and process administrators."""
    return has_role(user, "clerk") or has_perm(user, Perm.MANAGE_PROCESSES)


def sees_all(user: User) -> bool:
    return is_office(user) or has_role(user, "leader")


def _involved_instances(user: User) -> QuerySet[Task, Any]:
    return Task.objects.filter(Q(assignee=user) | Q(on_behalf_of=user)).values("instance_id")


def visible_incoming(user: User) -> QuerySet[IncomingDocument]:
    docs = IncomingDocument.objects.select_related("instance", "duplicate_of", "registered_by")
    if sees_all(user):
        return docs
    return docs.filter(Q(registered_by=user) | Q(instance_id__in=_involved_instances(user)))


def visible_outgoing(user: User) -> QuerySet[OutgoingDocument]:
    docs = OutgoingDocument.objects.select_related("instance", "drafter", "department")
    if sees_all(user):
        return docs
    received = Issuance.objects.filter(receiver=user).values("document_id")
    return docs.filter(Q(drafter=user) | Q(instance_id__in=_involved_instances(user)) | Q(pk__in=received))


def access_incoming(*, actor: User, document_id: int) -> IncomingDocument:
    document = visible_incoming(actor).filter(pk=document_id).first()
    if document is None:
        raise NotFoundError("收文不存在。")
    return document


def access_outgoing(*, actor: User, document_id: int) -> OutgoingDocument:
    document = visible_outgoing(actor).filter(pk=document_id).first()
    if document is None:
        raise NotFoundError("发文不存在。")
    return document


def duplicates_of(source_unit: str, source_number: str, *, exclude: int | None = None) -> list[IncomingDocument]:
    """Documents already registered with the same source unit and their number."""
    if not source_unit.strip() or not source_number.strip():
        return []
    found = IncomingDocument.objects.filter(source_unit=source_unit.strip(), source_number=source_number.strip())
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.order_by("id"))


@dataclass
class Holder:
    """Who holds the document now, at which step, since when, and whether it is overdue."""

    node_name: str
    people: list[str]
    since: datetime | None
    due_at: datetime | None
    overdue: bool

    @property
    def held_for(self) -> timedelta | None:
        return timezone.now() - self.since if self.since else None


def holders_of(instance: Instance | None) -> list[Holder]:
    """The open tasks of an instance grouped by node (one entry per step now in hand)."""
    if instance is None:
        return []
    groups: dict[str, Holder] = {}
    now = timezone.now()
    tasks = Task.objects.filter(instance=instance, status="open", kind__in=["approval", "handle"]).select_related(
        "assignee"
    )
    for task in tasks.order_by("task_no"):
        holder = groups.setdefault(task.node, Holder(task.node_name, [], task.created_at, task.due_at, False))
        holder.people.append(task.assignee.display_name)
        if task.created_at and (holder.since is None or task.created_at < holder.since):
            holder.since = task.created_at
        if task.overdue or (task.due_at is not None and task.due_at < now):
            holder.overdue = True
    return list(groups.values())


@dataclass
class StepView:
    """One node of the loop on the detail page: the people there, their status, when they acted."""

    node: str
    name: str
    kind: str
    entered_at: datetime | None
    left_at: datetime | None
    tasks: list[Task]

    @property
    def spent(self) -> timedelta | None:
        if self.entered_at is None:
            return None
        return (self.left_at or timezone.now()) - self.entered_at


def loop_of(instance: Instance | None) -> list[StepView]:
    """Every step the instance went through (and the one it is at), in order, with who held it."""
    if instance is None:
        return []
    events = InstanceEvent.objects.filter(
        instance=instance, type__in=["node_entered", "node_completed", "node_skipped", "copied", "filed"]
    )
    steps: dict[str, StepView] = {}
    definition = repository.definition_of(instance)
    tasks = list(Task.objects.filter(instance=instance).select_related("assignee").order_by("task_no"))
    for event in events.order_by("seq"):
        if not event.node or event.node in {"start", "end"}:
            continue
        if event.type == "node_entered" or event.node not in steps:
            if event.node in steps and steps[event.node].left_at is not None:
                steps.pop(event.node)  # entered again (after a return): show the latest pass
            node = definition.nodes.get(event.node)
            name, kind = (node.name, node.kind) if node is not None else (event.node, "")
            steps.setdefault(event.node, StepView(event.node, name, kind, event.at, None, []))
        if event.type in {"node_completed", "node_skipped", "copied", "filed"}:
            steps[event.node].left_at = event.at
    for task in tasks:
        step = steps.get(task.node)
        if step is not None and (step.entered_at is None or task.created_at >= step.entered_at):
            step.tasks.append(task)
    return list(steps.values())


def numbers_of(prefix: str, year: int) -> list[DocumentNumber]:
    return list(
        DocumentNumber.objects.filter(prefix=prefix, year=year).select_related("document", "voided_by").order_by("seq")
    )

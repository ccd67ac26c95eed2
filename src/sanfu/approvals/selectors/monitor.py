"""流程监控: the process administrator's view of every running request within his data scope (数据范围) — find
any by matter, initiator, department, state and age; the stuck ones first (a to-do past its deadline, or held
by a deactivated account nobody will ever sign in as) — and the panel from which he intervenes in one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.core.params import parse_id, parse_int, parse_text
from sanfu.org.models import Department
from sanfu.org.selectors import visible_staff
from sanfu.workflow.models import (
    LIVE_STATUSES,
    TODO_KINDS,
    Instance,
    InstanceStatus,
    ProcessDefinition,
    Task,
    TaskStatus,
)
from sanfu.workflow.selectors import definition_of, history_of, intervention_nodes, overseen_instances
from sanfu.workflow.timeline import TimelineEntry, timeline

RUNNING = (InstanceStatus.RUNNING, InstanceStatus.RETURNED)


@dataclass(frozen=True)
class MonitorFilters:
    q: str = ""
    definition: str = ""  # process key
    department: int | None = None  # the initiator's primary department, or one below it
    status: str = "running"  # running (办理中 or 退回), or any InstanceStatus
    older_than_days: int | None = None
    stuck_only: bool = False


def parse_monitor_filters(params: Any) -> MonitorFilters:
    status = str(params.get("status", "running"))
    if status not in {"running", *InstanceStatus.values}:
        status = "running"
    return MonitorFilters(
        q=parse_text(params.get("q"), max_length=100),
        definition=parse_text(params.get("definition"), max_length=64),
        department=parse_id(params.get("department")),
        status=status,
        older_than_days=parse_int(params.get("older_than_days"), minimum=0, maximum=36500),
        stuck_only=params.get("stuck") == "1",
    )


@dataclass
class MonitorRow:
    instance: Instance
    holders: list[Task] = field(default_factory=list)  # the live to-dos: who holds it now, and until when
    url: str = ""  # the page that shows it (its domain's, or the 审批中心's)

    @property
    def inactive_holders(self) -> list[Task]:
        return [t for t in self.holders if not t.assignee.is_active]


def monitored_instances(*, actor: User, filters: MonitorFilters, now: datetime | None = None) -> QuerySet[Instance]:
    """Instances the actor oversees (process administrators only, within their data scope: the same rule
    as their interventions), stuck first, then the longest waiting."""
    if not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError("只有流程管理员可以查看流程监控。")
    moment = now or timezone.now()
    open_todo = Task.objects.filter(instance=OuterRef("pk"), status=TaskStatus.OPEN, kind__in=TODO_KINDS)
    late = open_todo.filter(Q(overdue=True) | Q(due_at__lt=moment))
    orphaned = open_todo.filter(assignee__is_active=False)
    qs = overseen_instances(actor).exclude(status=InstanceStatus.DRAFT)
    qs = qs.filter(status__in=RUNNING) if filters.status == "running" else qs.filter(status=filters.status)
    if filters.definition:
        qs = qs.filter(definition__key=filters.definition)
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(initiator__full_name__icontains=filters.q)
            | Q(initiator__username__icontains=filters.q)
        )
    if filters.department is not None:
        dept = Department.objects.filter(pk=filters.department).first()
        qs = qs.filter(
            initiator__staff__posts__is_primary=True,
            initiator__staff__posts__department__path__startswith=dept.path if dept else "-",
        )
    if filters.older_than_days is not None:
        qs = qs.filter(created_at__lt=moment - timedelta(days=filters.older_than_days))
    qs = qs.annotate(
        is_late=Exists(late),
        is_orphaned=Exists(orphaned),
        waiting_since=Min("tasks__created_at", filter=Q(tasks__status=TaskStatus.OPEN)),
    )
    if filters.stuck_only:
        qs = qs.filter(Q(is_late=True) | Q(is_orphaned=True))
    return qs.select_related("definition", "initiator").order_by("-is_orphaned", "-is_late", "created_at", "id")


def monitor_rows(instances: list[Instance]) -> list[MonitorRow]:
    """The page's rows with their live to-dos, in one more query."""
    holders: dict[int, list[Task]] = {}
    live = Task.objects.filter(instance__in=instances, status__in=LIVE_STATUSES, kind__in=TODO_KINDS)
    for task in live.select_related("assignee").order_by("task_no"):
        holders.setdefault(task.instance_id, []).append(task)
    return [MonitorRow(instance=i, holders=holders.get(i.pk, [])) for i in instances]


def process_choices() -> list[tuple[str, str]]:
    """Process keys with the name of their latest version, for the filter."""
    names: dict[str, str] = {}
    for key, name in ProcessDefinition.objects.order_by("key", "-version").values_list("key", "name"):
        names.setdefault(key, name)
    return sorted(names.items(), key=lambda pair: pair[1])


# --- the intervention panel ---------------------------------------------------------------------------


@dataclass
class InterventionPanel:
    instance: Instance
    tasks: list[Task]  # the live to-dos, which may be reassigned
    skippable: list[tuple[str, str]]  # (node, name): the nodes being worked on that may be skipped
    restartable: list[tuple[str, str]]  # (node, name): the nodes reached, to restart from
    people: list[User]  # whom a to-do may be reassigned to
    history: list[TimelineEntry]  # what happened so far, the interventions among it

    @property
    def can_cancel(self) -> bool:
        return self.instance.status in RUNNING


def intervention_panel(*, actor: User, instance_id: int) -> InterventionPanel:
    """What a process administrator may do to one instance he oversees; anyone else gets NotFoundError."""
    instance = (
        overseen_instances(actor)
        .exclude(status=InstanceStatus.DRAFT)
        .select_related("definition", "initiator")
        .filter(pk=instance_id)
        .first()
    )
    if instance is None:
        raise NotFoundError("流程不存在。")
    tasks = list(
        Task.objects.filter(instance=instance, status__in=LIVE_STATUSES, kind__in=TODO_KINDS)
        .select_related("assignee", "on_behalf_of")
        .order_by("task_no")
    )
    skippable, restartable = intervention_nodes(instance)
    names = {node_id: node.name or node_id for node_id, node in definition_of(instance).nodes.items()}
    return InterventionPanel(
        instance=instance,
        tasks=tasks,
        skippable=[(n.id, n.name or n.id) for n in skippable],
        restartable=[(n.id, n.name or n.id) for n in restartable],
        people=list(reassign_choices(actor)) if tasks else [],
        history=timeline(history_of(instance), names),
    )


def instance_task(instance: Instance, task_id: int) -> Task | None:
    """One approval or handling task of the instance, in whatever state (with its holder)."""
    return Task.objects.filter(instance=instance, pk=task_id, kind__in=TODO_KINDS).select_related("assignee").first()


def reassign_choices(actor: User) -> QuerySet[User]:
    """The people a process administrator may give a to-do to: active staff within his data scope, never an
    administrator of the system (三员)."""
    staff = visible_staff(actor, Perm.MANAGE_PROCESSES).values("user_id")
    return (
        User.objects.filter(is_active=True, pk__in=staff)
        .exclude(role_grants__admin_kind__isnull=False)
        .order_by("full_name", "username")
    )

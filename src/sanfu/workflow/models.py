"""Persistence of the flow engine: definitions, instances (state snapshot + version), the immutable event
log, the open-task projection the inbox reads, and the transactional outbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfu.org.clearance import Level


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class ProcessDefinition(models.Model):
    """One version of a process definition. Immutable once published; instances keep their version."""

    key = models.SlugField(_("流程代码"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=100)
    spec = models.JSONField(_("定义"))
    status = models.CharField(
        _("状态"), max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("流程定义")
        verbose_name_plural = _("流程定义")
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="definition_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class InstanceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RUNNING = "running", _("办理中")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已办结")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已作废")


class Instance(models.Model):
    """A running (or finished) process: the engine's state as a JSON snapshot, guarded by ``version``."""

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="instances")
    title = models.CharField(_("标题"), max_length=200)
    # Indexed by instance_by_initiator (initiator, -id); a second index of its own would only cost writes.
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(_("状态"), max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.DRAFT)
    urgency = models.CharField(_("紧急程度"), max_length=8, blank=True)
    # What the read rule (org.clearance) reads: the 密级 and the unit and department the matter belongs to,
    # written at the start by the domain that starts it (a 公文's own; a request's initiator's). Not indexed:
    # the lists that filter on them are narrowed by status or initiator first.
    confidentiality = models.CharField(_("密级"), max_length=16, choices=Level.choices, default=Level.INTERNAL)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    state = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    wakeup_at = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    parent_node = models.CharField(max_length=64, blank=True)
    origin_key = models.CharField(max_length=120, null=True, blank=True, unique=True)  # outbox key that started it
    created_at = models.DateTimeField(default=timezone.now)  # settable: imports and demo history
    submitted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        indexes = [
            models.Index(fields=["wakeup_at"], condition=Q(wakeup_at__isnull=False), name="instance_wakeup"),
            models.Index(fields=["initiator", "-id"], name="instance_by_initiator"),
            models.Index(fields=["status", "-id"], name="instance_by_status"),
            # The efficiency review's month: a unit's instances alive in it, read from the index alone.
            models.Index(
                fields=["unit", "created_at", "ended_at", "status", "definition", "initiator"], name="instance_alive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class InstanceEvent(models.Model):
    """One immutable event of one instance (the spine: history, audit, notifications, analytics).

    Every step appends events, and every index is one more page written per commit, so only the
    (instance, seq) key is indexed: events are always read per instance. People are never deleted (they
    are deactivated), so the PROTECT checks on actor and on_behalf_of never need an index of their own."""

    instance = models.ForeignKey(Instance, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    node = models.CharField(max_length=64, blank=True)
    task_no = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["instance_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["instance", "seq"], name="event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.instance_id}#{self.seq} {self.type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("instance events are immutable")
        super().save(*args, **kwargs)


class TaskKind(models.TextChoices):
    """What a task asks of its holder: approve, handle (承办), or read a notice (抄送, 备案)."""

    APPROVAL = "approval", _("审批")
    HANDLE = "handle", _("办理")
    CC = "cc", _("抄送")
    FILING = "filing", _("备案")


class TaskStatus(models.TextChoices):
    """The engine's task statuses (``workflow.engine.statuses``), named once for the rest of Sanfu."""

    OPEN = "open", _("待办")
    WAITING = "waiting", _("等待")  # a later signer in 依次, or a holder waiting on 前加签
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("不同意")
    DONE = "done", _("已办理")
    RETURNED = "returned", _("已退回")
    TRANSFERRED = "transferred", _("已转交")
    CANCELLED = "cancelled", _("已取消")
    UNREAD = "unread", _("未读")
    READ = "read", _("已读")


# Tasks that ask for action (the 待办 list); notices are read, not done.
TODO_KINDS = (TaskKind.APPROVAL, TaskKind.HANDLE)
# Statuses of a task still in someone's hands (open now, or waiting for its turn).
LIVE_STATUSES = (TaskStatus.OPEN, TaskStatus.WAITING)
# Statuses of a task someone acted on (已办).
ACTED_STATUSES = (
    TaskStatus.APPROVED,
    TaskStatus.REJECTED,
    TaskStatus.DONE,
    TaskStatus.RETURNED,
    TaskStatus.TRANSFERRED,
)

# 抄送 and 备案 notices among a person's tasks. Written as two equalities (not ``kind__in``) so that SQLite
# can match a query's bound values to the partial index below (it cannot for ``IN (?, ?)``).
NOTICE = Q(kind=TaskKind.CC) | Q(kind=TaskKind.FILING)
# Tasks someone acted on (every finished one): the condition of the partial 已办 index, which a query must
# state for the database to use it.
ACTED = Q(acted_at__isnull=False)


class Task(models.Model):
    """The inbox projection of the engine's tasks (rebuilt from the state at every change).

    The foreign keys have no single-column indexes: instance and assignee lead the composite indexes
    below, and on_behalf_of (usually empty) has a partial one: fewer pages written per step."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    task_no = models.PositiveIntegerField()
    node = models.CharField(max_length=64)
    node_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workflow_tasks", db_index=False
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=TaskStatus.choices)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    # When its holder first opened it (``services.tasks_seen``): splits its time into waiting in the queue and
    # handling (the efficiency review). Set once, never moved; empty for tasks from before it was recorded and
    # for those acted without being opened. The engine's state does not hold it: the step writes leave it alone.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["instance", "task_no"], name="task_no_unique")]
        indexes = [
            # 待办 in deadline order; with the kind, the to-do count (the nav badge) reads the index alone.
            models.Index(fields=["assignee", "status", "due_at", "kind"], name="task_inbox"),
            # 抄送我的 and its unread count. Partial: approval and handling tasks (most of them) are not in it,
            # so the steps of an approval write no page here.
            models.Index(fields=["assignee", "status", "-id"], condition=NOTICE, name="task_notice"),
            # 已办, latest first. Partial: an open task is not in it, so creating one writes no page here.
            models.Index(fields=["assignee", "-acted_at", "-id"], condition=ACTED, name="task_acted"),
            models.Index(fields=["on_behalf_of"], condition=Q(on_behalf_of__isnull=False), name="task_on_behalf_of"),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id}/{self.task_no} {self.node} → {self.assignee_id}"


class OutboxMessage(models.Model):
    """An effect to deliver after commit, at least once; receivers deduplicate on ``key``."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=32)
    # Never looked up by instance (and instances are never deleted: their events protect them).
    instance = models.ForeignKey(
        Instance, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=Q(delivered_at__isnull=True), name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

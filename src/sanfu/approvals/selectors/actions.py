"""What a person may do on an instance now: the task they act on, the fields that task's node lets them
write, whether a node allows batch approval, and the actions the instance page offers (with what each
needs: return targets, people to choose). Reads only; the writes are in ``services.tasks``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formschema
from sanfu.approvals.models import Request
from sanfu.core.errors import ApplicationError
from sanfu.workflow import subjects
from sanfu.workflow.models import LIVE_STATUSES, NOTICE, Instance, InstanceStatus, Task, TaskKind, TaskStatus
from sanfu.workflow.selectors import definition_of, open_task_for, overseen_instances

READ, WRITE, HIDDEN = "read", "write", "hidden"


def request_of(instance: Instance) -> Request | None:
    """The 审批中心 request an instance runs, with its matter; None for flows started elsewhere."""
    return Request.objects.filter(instance_id=instance.pk).select_related("matter").first()


def domain_page(instance: Instance) -> str | None:
    """For an instance whose process a domain binds (a 公文's: a registered subject), the URL of that domain's
    page ("" when it names none); None for the 审批中心's own instances. The domain owns its nodes' actions,
    so the generic page offers none of them for such an instance."""
    key = instance.definition.key
    if subjects.subject_of(key) is None:
        return None
    return subjects.pages_of([(instance.pk, key)]).get(instance.pk, "")


def schema_of(req: Request) -> formschema.FormSchema:
    return formschema.parse_schema(req.matter.form_schema or {"fields": []})


def node_access(instance: Instance, task: Task | None, schema: formschema.FormSchema) -> dict[str, str]:
    """Per-node field permissions (read / write / hidden) for the person acting at ``task``'s node; every
    other viewer reads everything. Fields the node does not mention are read-only."""
    access = dict.fromkeys(schema.names, READ)
    if task is not None:
        node = definition_of(instance).nodes.get(task.node)
        if node is not None:
            access.update({name: mode for name, mode in node.fields.items() if name in access})
    return access


def node_allows_batch(task: Task) -> bool:
    """批量审批 is a node's choice (``batch`` in the definition)."""
    node = definition_of(task.instance).nodes.get(task.node)
    return bool(node and node.batch)


def acting_task(user: User, instance: Instance) -> Task | None:
    """The open to-do this person acts on in the instance (theirs, or held for them), or None."""
    try:
        return open_task_for(actor=user, instance_id=instance.pk)
    except ApplicationError:
        return None


def live_task(user: User, instance: Instance) -> Task | None:
    """This person's to-do still in hand (open, or waiting on signers they added), or None."""
    try:
        return open_task_for(actor=user, instance_id=instance.pk, statuses=LIVE_STATUSES)
    except ApplicationError:
        return None


def unread_notices(user: User, instance: Instance) -> list[Task]:
    """抄送 / 备案 notices of this instance the person has not read yet (the page acknowledges them with a POST)."""
    return list(Task.objects.filter(NOTICE, instance=instance, assignee=user, status=TaskStatus.UNREAD))


def return_targets(instance: Instance, task: Task) -> list[tuple[str, str]]:
    """Where a task may be returned: the initiator, the previous node, or any task node passed so far."""
    definition = definition_of(instance)
    trail = [n for n in (instance.state or {}).get("trail", []) if n != task.node and n in definition.nodes]
    targets = [("initiator", _("发起人")), ("previous", _("上一节点"))]
    seen: set[str] = set()
    for node_id in trail:
        node = definition.nodes[node_id]
        if node_id in seen or not node.is_task_node:
            continue
        seen.add(node_id)
        targets.append((node_id, node.name or node_id))
    return targets


def viewer_actions(instance: Instance, user: User, acting: Task | None, live: Task | None) -> dict[str, Any]:
    """Which actions this viewer may take now, with what each needs (targets, people). ``acting``: their open
    to-do; ``live``: their to-do still in hand (see ``acting_task`` / ``live_task``)."""
    state = instance.state or {}
    running = instance.status == InstanceStatus.RUNNING
    actions: dict[str, Any] = {"task": acting}
    if acting is not None and running:
        actions["approve"] = True
        actions["handle"] = acting.kind == TaskKind.HANDLE
        actions["reject"] = acting.kind == TaskKind.APPROVAL
        actions["return_targets"] = return_targets(instance, acting)
        actions["transfer"] = True
        actions["add_signers"] = True
    if live is not None and running:
        added = [
            t
            for t in state.get("tasks", [])
            if t.get("parent") == live.task_no and t.get("status") in set(LIVE_STATUSES)
        ]
        if added:
            actions["live_task"] = live
            actions["removable"] = list(User.objects.filter(pk__in=[t["assignee"] for t in added]))
    # 转交 and 加签 choose people with the person picker (org.people_search), which asks as one types.
    actions.update(_other_actions(instance, user, acting))
    return actions


def _other_actions(instance: Instance, user: User, acting: Task | None) -> dict[str, Any]:
    """The initiator's, any participant's and the process administrator's actions."""
    state = instance.state or {}
    running = instance.status == InstanceStatus.RUNNING
    returned = instance.status == InstanceStatus.RETURNED
    actions: dict[str, Any] = {}
    undo = state.get("undo")
    if running and undo and undo.get("actor") == user.pk and acting is None:
        actions["undo_approval"] = True
    if instance.initiator_id == user.pk:
        if returned or (running and not state.get("acted")):
            actions["withdraw"] = True
        if running:
            actions["urge"] = True
        if returned:
            actions["resubmit"] = True
    if instance.status != InstanceStatus.DRAFT:
        actions["comment"] = True
    if (running or returned) and overseen_instances(user).filter(pk=instance.pk).exists():
        actions["cancel"] = True  # a process administrator's, on the instances he oversees
    return actions

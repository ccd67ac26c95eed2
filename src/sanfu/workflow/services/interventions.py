"""The process administrator's interventions (流程干预) within his data scope: 改派, 跳过, 重办, 作废 — each with
a reason, recorded as an event and an audit row in one transaction, applied once per form token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.org.people_search import unassignable_among
from sanfu.workflow import fastpath
from sanfu.workflow.engine import Cancel, Reassign, RestartFrom, SkipNode
from sanfu.workflow.engine.commands import Command
from sanfu.workflow.models import Instance, InstanceEvent
from sanfu.workflow.selectors import overseen_instances
from sanfu.workflow.services.base import _execute, _limited


def _oversee(actor: User, instance_id: int, *, refusal: str = "") -> None:
    """Refuse unless ``actor`` is a process administrator whose data scope covers the instance (the rule
    of the 流程监控 search, ``selectors.overseen_instances``)."""
    if not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(refusal or _("只有流程管理员可以干预流程。"))
    if not overseen_instances(actor).filter(pk=instance_id).exists():
        if not Instance.objects.filter(pk=instance_id).exists():
            raise NotFoundError(_("流程不存在。"))
        raise PermissionDeniedError(_("该流程的发起人不在您的管理范围内，不能干预。"))


def _once(instance_id: int, token: str, step: Callable[[], Instance]) -> Instance:
    """A doubled submit of one form (the same one-time ``token``) is applied once: the second finds the
    first's event and gets the instance as it stands, whether it comes after the first or races it and loses
    on the version. Without a token every call is applied."""

    def done() -> bool:
        return bool(token) and InstanceEvent.objects.filter(instance_id=instance_id, changes__token=token).exists()

    if done():
        return Instance.objects.get(pk=instance_id)
    try:
        return step()
    except ConflictError:
        if done():
            return Instance.objects.get(pk=instance_id)
        raise


def _intervene(
    actor: User, instance_id: int, command: Command, *, action: str, detail: dict[str, Any], refusal: str = ""
) -> Instance:
    """One intervention on a whole instance, by a process administrator within his scope: the step and its
    audit row in one transaction, once per form."""
    _oversee(actor, instance_id, refusal=refusal)
    return _once(
        instance_id,
        getattr(command, "token", ""),
        lambda: _execute(
            instance_id,
            command,
            audit=lambda: audit_record(action=action, actor=actor, target=f"instance:{instance_id}", detail=detail),
        ),
    )


def task_reassign(
    *,
    actor: User,
    task_id: int,
    to: User,
    reason: str,
    in_transaction: bool = False,
    check_scope: bool = True,
    token: str = "",
    now: datetime | None = None,
) -> Instance:
    """改派: hand a live approval or handling task (open, or waiting its turn) to another active person, who
    is notified; the old task ends as cancelled. Recorded as an event by ``actor`` with the reason, and
    audited in the same transaction.

    ``check_scope=False``: the caller has already decided at a higher level that ``actor`` may hand this
    task on (离职交接 of a person's work): neither the process-administrator role nor the data scope is
    checked here. ``in_transaction``: the caller's transaction includes the step. ``token``: the form's
    one-time token (a doubled submit is applied once)."""
    _limited(reason)
    task = fastpath.load_task(task_id)
    if task is None:
        raise NotFoundError(_("待办不存在。"))
    if check_scope:
        _oversee(actor, task.instance_id)
    if not to.is_active:
        raise ApplicationError(_("不能改派给已停用的账户。"))
    if unassignable_among([to]):
        raise ApplicationError(_("不能改派给管理员账户（三员不办理业务）。"))
    detail = {"task": task.task_no, "node": task.node, "from": task.assignee_id, "to": to.pk, "reason": reason}
    command = Reassign(actor=actor.pk, task=task.task_no, to=to.pk, comment=reason, token=token[:64])
    return _once(
        task.instance_id,
        command.token,
        lambda: _execute(
            task.instance_id,
            command,
            now=now,
            in_transaction=in_transaction,
            loaded=task.instance,
            audit=lambda: audit_record(
                action="workflow.reassign", actor=actor, target=f"instance:{task.instance_id}", detail=detail
            ),
        ),
    )


def instance_skip_node(*, actor: User, instance_id: int, node: str, reason: str, token: str = "") -> Instance:
    """跳过: end the open tasks of a node being worked on and move the flow on as if it had passed."""
    _limited(reason)
    command = SkipNode(actor=actor.pk, node=node, comment=reason, token=token[:64])
    return _intervene(actor, instance_id, command, action="workflow.skip", detail={"node": node, "reason": reason})


def instance_restart_from(*, actor: User, instance_id: int, node: str, reason: str, token: str = "") -> Instance:
    """重办: move a running or returned instance back to a task node it has reached; its people get fresh
    tasks (like a 退回, by the administrator)."""
    _limited(reason)
    command = RestartFrom(actor=actor.pk, node=node, comment=reason, token=token[:64])
    return _intervene(actor, instance_id, command, action="workflow.restart", detail={"node": node, "reason": reason})


def instance_cancel(*, actor: User, instance_id: int, reason: str, token: str = "") -> Instance:
    """作废: only a process administrator whose data scope covers the instance, always with a reason."""
    _limited(reason)
    command = Cancel(actor=actor.pk, comment=reason, token=token[:64])
    refusal = _("只有流程管理员可以作废流程。")
    return _intervene(actor, instance_id, command, action="workflow.cancel", detail={"reason": reason}, refusal=refusal)

"""挂起计时 / 恢复计时: a task's deadline waits while the office waits for the requester (补正期间不计时) and
resumes moved on by the working time held. The task's holder may, and the process administrator within his
data scope; a domain that has decided itself (the window, when the requester supplies what was missing) says
so with ``check_rights=False``. Each is an event and an audit row in the step's one transaction; the inbox's
due (``Task.due_at``) is empty while held and the new one after."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.workflow import fastpath
from sanfu.workflow.engine import HoldDeadline, ResumeDeadline
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.services.base import _execute, _limited
from sanfu.workflow.services.interventions import _oversee


def _clock_task(actor: User, task_id: int, *, check_rights: bool) -> tuple[Task, bool]:
    """The task row, and whether the engine need not check the actor (the administrator, or a caller that
    decided). Another person's task is a 404 to anyone but a process administrator."""
    task = fastpath.load_task(task_id)
    if task is None:
        raise NotFoundError(_("待办不存在。"))
    if not check_rights:
        return task, True
    if actor.pk in (task.assignee_id, task.on_behalf_of_id):
        return task, False
    if not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise NotFoundError(_("待办不存在。"))
    _oversee(actor, task.instance_id)
    return task, True


def task_deadline_hold(
    *,
    actor: User,
    task_id: int,
    reason: str,
    check_rights: bool = True,
    in_transaction: bool = False,
    now: datetime | None = None,
) -> Instance:
    """暂停计时 of an open approval or handling task that has a deadline, with a reason: its reminder and
    deadline do not fire until resumed. ``check_rights=False``: the caller has decided that ``actor`` may.
    ``in_transaction``: the caller's transaction includes the step."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("暂停计时必须说明理由。"), errors=[{"field": "reason"}])
    _limited(reason)
    task, checked = _clock_task(actor, task_id, check_rights=check_rights)
    detail = {"task": task.task_no, "node": task.node, "reason": reason}
    return _execute(
        task.instance_id,
        HoldDeadline(actor=actor.pk, task=task.task_no, reason=reason, checked=checked),
        now=now,
        in_transaction=in_transaction,
        loaded=task.instance,
        audit=lambda: audit_record(
            action="workflow.deadline_hold", actor=actor, target=f"instance:{task.instance_id}", detail=detail
        ),
    )


def task_deadline_resume(
    *,
    actor: User,
    task_id: int,
    comment: str = "",
    check_rights: bool = True,
    in_transaction: bool = False,
    now: datetime | None = None,
) -> Instance:
    """恢复计时 of a held task: its deadline and reminder move on by the working time held (whole working days
    for a deadline in days; the resume event records them as ``paused_days``, or ``paused_hours``)."""
    _limited(comment)
    task, checked = _clock_task(actor, task_id, check_rights=check_rights)
    detail = {"task": task.task_no, "node": task.node}
    return _execute(
        task.instance_id,
        ResumeDeadline(actor=actor.pk, task=task.task_no, comment=comment.strip(), checked=checked),
        now=now,
        in_transaction=in_transaction,
        loaded=task.instance,
        audit=lambda: audit_record(
            action="workflow.deadline_resume", actor=actor, target=f"instance:{task.instance_id}", detail=detail
        ),
    )

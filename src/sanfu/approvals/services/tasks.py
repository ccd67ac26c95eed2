"""Acting on an instance from the 审批中心. Each action finds the actor's task (``open_task_for``), applies
the 审批中心's rules — the fields a node may write (one approval and batch approval check them alike), a
reason where one is required, batch approval only where the node allows it — and hands the decision to the
flow's services, which write it in one transaction with its events."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formrender, formschema
from sanfu.approvals.models import Request
from sanfu.approvals.selectors.actions import (
    WRITE,
    node_access,
    node_allows_batch,
    request_of,
    schema_of,
    unread_notices,
)
from sanfu.approvals.services import requests as approvals
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError
from sanfu.workflow import services as workflow
from sanfu.workflow.models import LIVE_STATUSES, Instance, Task
from sanfu.workflow.selectors import open_task_for

BATCH_LIMIT = 100  # to-dos one batch approval handles at most


class FormPost(Protocol):
    """A posted form (Django's QueryDict fits): one value or a list of values per name."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...
    def __iter__(self) -> Iterator[str]: ...


# --- the fields a node may write ----------------------------------------------------------------------


def written_fields(task: Task, req: Request | None, posted: FormPost | None) -> dict[str, Any] | None:
    """The fields ``task``'s node may write, validated against the matter's form (the server decides, not the
    browser). ``posted`` None means nothing was entered (batch approval): the node's fields are checked as
    they stand and left unchanged. ApplicationError lists every field in error."""
    if req is None:
        return None
    instance = task.instance
    schema = schema_of(req)
    access = node_access(instance, task, schema)
    writable = [name for name, mode in access.items() if mode == WRITE]
    if not writable:
        return None
    previous = (instance.state or {}).get("form", {})
    data = formrender.form_from_post(schema, posted).data if posted is not None else {}
    result = formschema.validate(schema, {**previous, **data}, access=access, previous=previous)
    errors = [e for e in result.errors if e.field in writable]
    if errors:
        raise ApplicationError("；".join(e.message for e in errors))
    if posted is None:
        return None
    return {name: result.cleaned[name] for name in writable if name in result.cleaned}


def _approve(actor: User, task: Task, req: Request | None, comment: str, posted: FormPost | None) -> Instance:
    form = written_fields(task, req, posted)
    return workflow.task_approve(actor=actor, task_id=task.pk, comment=comment, form=form)


# --- one task -----------------------------------------------------------------------------------------


def task_approve(
    *, actor: User, instance_id: int, task_id: int | None = None, comment: str = "", posted: FormPost | None = None
) -> Instance:
    """同意 / 办理完成, with the fields the node lets the approver fill."""
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id)
    return _approve(actor, task, request_of(task.instance), comment, posted)


def task_reject(*, actor: User, instance_id: int, task_id: int | None = None, comment: str) -> Instance:
    if not comment.strip():
        raise ApplicationError(_("驳回时必须填写意见。"))
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id)
    return workflow.task_reject(actor=actor, task_id=task.pk, comment=comment)


def task_return(
    *, actor: User, instance_id: int, task_id: int | None = None, to: str = "initiator", comment: str
) -> Instance:
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id)
    return workflow.task_return(actor=actor, task_id=task.pk, to=to or "initiator", comment=comment)


def task_return_for_materials(
    *, actor: User, instance_id: int, task_id: int | None = None, materials: Sequence[str], comment: str = ""
) -> Request:
    """退回补正 from the instance page (see ``request_return_for_materials``)."""
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id)
    return approvals.request_return_for_materials(actor=actor, task_id=task.pk, materials=materials, comment=comment)


def _people(ids: Sequence[int]) -> list[User]:
    # Disabled accounts too: the flow refuses them by name for 转交 / 加签, and 减签 may remove them.
    return list(User.objects.filter(pk__in=list(ids)))


def task_transfer(
    *, actor: User, instance_id: int, task_id: int | None = None, to: int | None, comment: str = ""
) -> Instance:
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id)
    people = _people([to]) if to is not None else []
    if not people:
        raise ApplicationError(_("请选择转交给谁。"))
    return workflow.task_transfer(actor=actor, task_id=task.pk, to=people[0], comment=comment)


def task_add_signers(
    *,
    actor: User,
    instance_id: int,
    task_id: int | None = None,
    people: Sequence[int],
    position: str = "before",
    mode: str = "sequential",
    comment: str = "",
) -> Instance:
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id)
    chosen = _people(people)
    if not chosen:
        raise ApplicationError(_("请选择加签人。"))
    return workflow.task_add_signers(
        actor=actor, task_id=task.pk, people=chosen, position=position, mode=mode, comment=comment
    )


def task_remove_signers(
    *, actor: User, instance_id: int, task_id: int | None = None, people: Sequence[int], comment: str = ""
) -> Instance:
    """减签: also while the task waits on the signers it added."""
    task = open_task_for(actor=actor, instance_id=instance_id, task_id=task_id, statuses=LIVE_STATUSES)
    chosen = _people(people)
    if not chosen:
        raise ApplicationError(_("请选择要减去的加签人。"))
    return workflow.task_remove_signers(actor=actor, task_id=task.pk, people=chosen, comment=comment)


# --- the instance -------------------------------------------------------------------------------------


def instance_resubmit_as_is(*, actor: User, instance: Instance, comment: str = "") -> Instance:
    """重新提交 a returned instance with its form unchanged (only its initiator may)."""
    if instance.initiator_id != actor.pk:
        raise ApplicationError(_("只有发起人可以重新提交。"))
    form = (instance.state or {}).get("form", {})
    return workflow.instance_resubmit(actor=actor, instance_id=instance.pk, form=form, comment=comment)


def instance_cancel(*, actor: User, instance_id: int, reason: str) -> Instance:
    """作废, always with a reason (the flow checks that the actor is a process administrator)."""
    if not reason.strip():
        raise ApplicationError(_("作废时必须填写理由。"))
    return workflow.instance_cancel(actor=actor, instance_id=instance_id, reason=reason)


# --- batch approval -----------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    """How a batch went: how many were approved, and why each of the others was not."""

    done: int = 0
    failures: list[str] = field(default_factory=list)


def tasks_batch_approve(*, actor: User, task_ids: Sequence[int], comment: str = "") -> BatchOutcome:
    """批量同意: each chosen to-do (at most ``BATCH_LIMIT``) is approved on its own, with the same checks as one
    approval (the fields its node must fill), and only where its node allows batch approval."""
    ids = list(task_ids)[:BATCH_LIMIT]
    comment = comment.strip() or _("同意")
    related = ("instance", "instance__definition", "instance__request", "instance__request__matter")
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=ids, assignee=actor).select_related(*related)}
    outcome = BatchOutcome()
    for task_id in ids:
        task = tasks.get(task_id)
        if task is None:
            outcome.failures.append(_("待办 %(id)s：不存在或不是您的待办") % {"id": task_id})
            continue
        label = task.instance.title
        if not node_allows_batch(task):
            outcome.failures.append(_("%(title)s：该节点不允许批量审批，请打开逐件办理") % {"title": label})
            continue
        try:
            _approve(actor, task, _joined_request(task.instance), comment, None)
        except ConflictError as exc:
            outcome.failures.append(
                _("%(title)s：已由他人处理（%(reason)s）") % {"title": label, "reason": exc.message}
            )
        except ApplicationError as exc:
            outcome.failures.append(f"{label}：{exc.message}")
        else:
            outcome.done += 1
    return outcome


def _joined_request(instance: Instance) -> Request | None:
    """The request read with the instance (``select_related``), without another query."""
    try:
        return instance.request
    except Request.DoesNotExist:
        return None


# --- notices ------------------------------------------------------------------------------------------


def notices_mark_read(*, actor: User, instance: Instance) -> int:
    """已阅: this person's unread 抄送 / 备案 notices of the instance are marked read (a POST from its page,
    never a plain GET); returns how many were marked."""
    marked = 0
    for task in unread_notices(actor, instance):
        try:
            workflow.task_mark_read(actor=actor, task_id=task.pk)
        except ApplicationError:
            continue  # read meanwhile, or the instance moved on: nothing to mark
        marked += 1
    return marked


def request_file_opened(*, actor: User, instance_id: int, attachment_id: int) -> bool:
    """A holder of a live task of the instance opened (viewed or downloaded) one of its files: recorded in the
    audit log (``approvals.file_open``), so the efficiency review can tell an approval made without opening the
    materials (秒批). Nobody else's opening is recorded; returns whether this one was."""
    if not Task.objects.filter(instance_id=instance_id, assignee=actor, status__in=LIVE_STATUSES).exists():
        return False
    audit_record(
        action="approvals.file_open",
        actor=actor,
        target=f"instance:{instance_id}",
        detail={"attachment": attachment_id},
    )
    return True

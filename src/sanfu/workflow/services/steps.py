"""A person's steps on an instance: start, approve, reject, return, transfer, 加签/减签, mark read, resubmit,
withdraw, urge, comment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.org.clearance import Level, Marking, marking_of
from sanfu.org.people_search import unassignable_among
from sanfu.workflow import fastpath, outbox, repository
from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    Comment,
    Complete,
    MarkRead,
    Reject,
    RemoveSigners,
    Return,
    State,
    Submit,
    Transfer,
    Urge,
    Withdraw,
    decide,
)
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import Instance, Task, TaskKind
from sanfu.workflow.selectors import latest_definition
from sanfu.workflow.services.base import _execute, _flow_error, _limited


def instance_start(
    *,
    actor: User,
    definition_key: str,
    title: str,
    form: Mapping[str, Any] | None = None,
    urgency: str = "",
    chosen: Mapping[str, Sequence[int]] | None = None,
    parent: Instance | None = None,
    parent_node: str = "",
    origin_key: str | None = None,
    now: datetime | None = None,
    in_transaction: bool = False,
    marking: Marking | None = None,
) -> Instance:
    """Create an instance of the latest published version and submit it.

    ``in_transaction``: the caller holds a transaction that must include the start (e.g. the 审批中心
    writing its request row with it); otherwise the start is its own durable transaction.
    ``marking``: the 密级, unit and department the read rule (``org.clearance``) applies to the instance — a
    公文's own; by default a subprocess's parent's, otherwise 内部 in the initiator's unit and department."""
    if marking is None:
        marking = (
            Marking(parent.confidentiality, parent.unit_id, parent.department_id)
            if parent is not None
            else marking_of(actor)
        )
    if marking.level not in Level.values:
        raise ApplicationError(_("密级无效。"))
    definition = latest_definition(definition_key)
    parsed = repository.parsed_definition(definition)
    facts = OrgFacts(now=now or timezone.now(), people=repository.named_people(parsed))
    command = Submit(
        actor=actor.pk,
        form=dict(form or {}),
        urgency=urgency,
        chosen={k: tuple(int(p) for p in v) for k, v in (chosen or {}).items()},
    )
    try:
        decision = decide(parsed, State(), command, facts)
    except ActionNotAllowedError as exc:
        raise _flow_error(exc) from exc
    instance = Instance(
        created_at=facts.now,
        definition=definition,
        title=title.strip()[:200] or definition.name,
        initiator=actor,
        parent=parent,
        parent_node=parent_node,
        origin_key=origin_key,
        confidentiality=marking.level,
        unit_id=marking.unit_id,
        department_id=marking.department_id,
    )
    with transaction.atomic(durable=parent is None and not in_transaction):
        fastpath.save(instance, parsed, State(), decision)  # inserts it, with its first state
        outbox.nudge()
    return instance


def _task(actor: User, task_id: int) -> Task:
    """The task row, read in one query with its instance and the instance's definition (not its spec)."""
    task = fastpath.load_task(task_id)
    if task is None or actor.pk not in (task.assignee_id, task.on_behalf_of_id):
        raise NotFoundError(_("待办不存在。"))
    return task


def task_approve(
    *,
    actor: User,
    task_id: int,
    comment: str = "",
    form: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    in_transaction: bool = False,
) -> Instance:
    """``in_transaction``: the caller holds a transaction that must include the step (e.g. a document's
    sign-off with its audit row); otherwise the step is its own durable transaction."""
    _limited(comment)
    task = _task(actor, task_id)
    command = Complete if task.kind == TaskKind.HANDLE else Approve
    return _execute(
        task.instance_id,
        command(actor=actor.pk, task=task.task_no, comment=comment, form=dict(form) if form else None),
        now=now,
        in_transaction=in_transaction,
        loaded=task.instance,
    )


def task_reject(
    *, actor: User, task_id: int, comment: str, now: datetime | None = None, in_transaction: bool = False
) -> Instance:
    _limited(comment)
    task = _task(actor, task_id)
    return _execute(
        task.instance_id,
        Reject(actor=actor.pk, task=task.task_no, comment=comment),
        now=now,
        loaded=task.instance,
        in_transaction=in_transaction,
    )


def task_return(
    *,
    actor: User,
    task_id: int,
    to: str = "initiator",
    comment: str,
    in_transaction: bool = False,
    now: datetime | None = None,
) -> Instance:
    _limited(comment)
    task = _task(actor, task_id)
    return _execute(
        task.instance_id,
        Return(actor=actor.pk, task=task.task_no, to=to, comment=comment),
        in_transaction=in_transaction,
        now=now,
        loaded=task.instance,
    )


def task_transfer(*, actor: User, task_id: int, to: User, comment: str = "") -> Instance:
    _limited(comment)
    task = _task(actor, task_id)
    if not to.is_active:
        raise ApplicationError(_("不能转交给已停用的账户。"))
    if unassignable_among([to]):
        raise ApplicationError(_("不能转交给管理员账户（三员不办理业务）。"))
    return _execute(
        task.instance_id, Transfer(actor=actor.pk, task=task.task_no, to=to.pk, comment=comment), loaded=task.instance
    )


def task_add_signers(
    *,
    actor: User,
    task_id: int,
    people: Sequence[User],
    position: str = "before",
    mode: str = "sequential",
    comment: str = "",
) -> Instance:
    _limited(comment)
    task = _task(actor, task_id)
    refused = unassignable_among(people)
    if refused:
        names = "、".join(p.display_name for p in refused)
        raise ApplicationError(_("不能加签已停用的账户或管理员账户：%(names)s。") % {"names": names})
    return _execute(
        task.instance_id,
        AddSigners(
            actor=actor.pk,
            task=task.task_no,
            people=tuple(p.pk for p in people),
            position=position,
            mode=mode,
            comment=comment,
        ),
        loaded=task.instance,
    )


def task_remove_signers(*, actor: User, task_id: int, people: Sequence[User], comment: str = "") -> Instance:
    _limited(comment)
    task = _task(actor, task_id)
    return _execute(
        task.instance_id,
        RemoveSigners(actor=actor.pk, task=task.task_no, people=tuple(p.pk for p in people), comment=comment),
        loaded=task.instance,
    )


def task_mark_read(*, actor: User, task_id: int, in_transaction: bool = False) -> Instance:
    """已阅 on a 抄送 / 备案 notice. ``in_transaction``: the caller's transaction includes it (a domain
    recording its own read receipt with it)."""
    task = _task(actor, task_id)
    return _execute(
        task.instance_id,
        MarkRead(actor=actor.pk, task=task.task_no),
        loaded=task.instance,
        in_transaction=in_transaction,
    )


def instance_resubmit(
    *,
    actor: User,
    instance_id: int,
    form: Mapping[str, Any] | None = None,
    comment: str = "",
    now: datetime | None = None,
    in_transaction: bool = False,
) -> Instance:
    _limited(comment)
    return _execute(
        instance_id,
        Submit(actor=actor.pk, form=dict(form or {}), comment=comment),
        now=now,
        in_transaction=in_transaction,
    )


def instance_withdraw(*, actor: User, instance_id: int, comment: str = "") -> Instance:
    _limited(comment)
    return _execute(instance_id, Withdraw(actor=actor.pk, comment=comment))


def instance_urge(*, actor: User, instance_id: int, comment: str = "") -> Instance:
    _limited(comment)
    return _execute(instance_id, Urge(actor=actor.pk, comment=comment))


def instance_comment(*, actor: User, instance_id: int, comment: str) -> Instance:
    _limited(comment)
    return _execute(instance_id, Comment(actor=actor.pk, comment=comment))


# --- the process administrator's interventions (流程监控) ------------------------------------------------

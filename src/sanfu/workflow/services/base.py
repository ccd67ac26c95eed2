"""The machinery every flow service shares: one decision, written in one durable transaction guarded
by the instance's version; refusals and conflicts as clear messages; the published definitions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError
from sanfu.workflow import fastpath, outbox, repository
from sanfu.workflow.engine import ActionNotAllowedError, InvalidDefinitionError, decide, parse_definition
from sanfu.workflow.engine.commands import Command
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import (
    LIVE_STATUSES,
    DefinitionStatus,
    Instance,
    InstanceEvent,
    ProcessDefinition,
    Task,
    TaskKind,
)

COMMENT_MAX_LENGTH = 2000  # 意见、理由、评论: an opinion, not a document (pages give their fields this maxlength)


def _limited(comment: str) -> None:
    """``comment``, refused before anything is written when it is longer than an opinion may be (it would
    stay in the immutable event log and on every page of the instance)."""
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ApplicationError(
            _("意见不能超过 %(limit)d 个字（现有 %(length)d 个字），请精简后再提交。")
            % {"limit": COMMENT_MAX_LENGTH, "length": len(comment)}
        )


def _flow_error(exc: ActionNotAllowedError) -> ApplicationError:
    return ApplicationError(exc.message, code=ErrorCode.INVALID)


# --- definitions --------------------------------------------------------------------------------------


def definition_publish(*, actor: User | None, spec: Mapping[str, Any]) -> ProcessDefinition:
    """Validate ``spec`` and publish it as the next version of its key (earlier versions stay for the
    instances that started on them)."""
    if actor is not None and not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(_("您没有权限发布流程定义。"))
    key = str(spec.get("key", "")).strip()
    if not key:
        raise ApplicationError(_("流程定义缺少代码 key。"))
    try:
        parsed = parse_definition(spec)
    except InvalidDefinitionError as exc:
        raise ApplicationError(
            exc.message, errors=[{"node": node, "message": message} for node, message in exc.problems]
        ) from exc
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = ProcessDefinition.objects.filter(key=key).aggregate(v=Max("version"))["v"] or 0
                stored = {**spec, "version": latest + 1}
                definition = ProcessDefinition.objects.create(
                    key=key,
                    version=latest + 1,
                    name=parsed.name or key,
                    spec=stored,
                    status=DefinitionStatus.PUBLISHED,
                    created_by=actor,
                    published_at=timezone.now(),
                )
                audit_record(
                    action="workflow.publish",
                    actor=actor,
                    actor_name="" if actor else "system",
                    target=f"definition:{definition.pk}",
                    detail={"key": key, "version": latest + 1},
                )
            return definition
        except IntegrityError:
            continue  # someone published the same key at the same moment; take the next number
    raise ConflictError(_("同时有人在发布该流程，请重试。"))


def definition_draft_save(
    *, actor: User, spec: Mapping[str, Any], based_on: ProcessDefinition, reason: str = ""
) -> ProcessDefinition:
    """Keep ``spec`` as a draft (草稿) of the next version of ``based_on``'s key: validated like a publication,
    never used by a new submission (only published versions are), and ``based_on`` stays as it is. A later
    publication takes the number after it."""
    if not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(_("您没有权限修改流程定义。"))
    if str(spec.get("key", "")) != based_on.key:
        raise ApplicationError(_("草稿与所依据的流程定义不是同一流程。"))
    try:
        parsed = parse_definition(spec)
    except InvalidDefinitionError as exc:
        raise ApplicationError(
            exc.message, errors=[{"node": node, "message": message} for node, message in exc.problems]
        ) from exc
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = ProcessDefinition.objects.filter(key=based_on.key).aggregate(v=Max("version"))["v"] or 0
                draft = ProcessDefinition.objects.create(
                    key=based_on.key,
                    version=latest + 1,
                    name=parsed.name or based_on.key,
                    spec={**spec, "version": latest + 1},
                    status=DefinitionStatus.DRAFT,
                    created_by=actor,
                )
                audit_record(
                    action="workflow.draft",
                    actor=actor,
                    target=f"definition:{draft.pk}",
                    detail={"key": based_on.key, "version": latest + 1, "based_on": based_on.version, "reason": reason},
                )
            return draft
        except IntegrityError:
            continue  # someone took the same number at the same moment; take the next one
    raise ConflictError(_("同时有人在修改该流程，请重试。"))


def _without_version(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "version"}


def definition_publish_if_changed(*, spec: Mapping[str, Any]) -> ProcessDefinition | None:
    """Publish ``spec`` (as the system) unless the latest published version of its key already has the same
    content, its ``version`` aside. Returns the new version, or None when nothing changed: what a domain's
    built-in definitions need each time they are set up."""
    key = str(spec.get("key", "")).strip()
    latest = (
        ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED)
        .order_by("-version")
        .only("spec")
        .first()
    )
    if latest is not None and _without_version(latest.spec) == _without_version(spec):
        return None
    return definition_publish(actor=None, spec=spec)


def definitions_publish_missing(*, specs: Iterable[Mapping[str, Any]]) -> list[ProcessDefinition]:
    """Publish (as the system) each of ``specs`` whose key has no published version yet; a key that has one
    keeps it, even when its content differs. One query when every key has one: what a service calls before it
    starts an instance of a built-in definition. Returns the versions published."""
    wanted = list(specs)
    published = set(
        ProcessDefinition.objects.filter(
            key__in=[spec.get("key") for spec in wanted], status=DefinitionStatus.PUBLISHED
        )
        .order_by()
        .values_list("key", flat=True)
        .distinct()
    )
    return [definition_publish(actor=None, spec=spec) for spec in wanted if spec.get("key") not in published]


# --- the imperative shell -----------------------------------------------------------------------------


def _execute(
    instance_id: int,
    command: Command,
    *,
    now: datetime | None = None,
    in_transaction: bool = False,
    loaded: Instance | None = None,
    audit: Callable[[], object] | None = None,
) -> Instance:
    """``loaded``: the instance row as just read with its definition (``_task`` joins it to the task),
    so that ``load`` does not read it a second time. ``audit``: writes the step's audit row, in the step's
    transaction (with the change, or not at all)."""
    if loaded is not None:
        with repository.reusing(loaded):
            instance, definition, state = repository.load(instance_id)
    else:
        instance, definition, state = repository.load(instance_id)
    facts = OrgFacts(now=now or timezone.now(), people=repository.named_people(definition))
    try:
        decision = decide(definition, state, command, facts)
    except ActionNotAllowedError as exc:
        task = state.tasks.get(getattr(command, "task", None) or 0)
        if task is not None and not task.live and task.kind in {TaskKind.APPROVAL, TaskKind.HANDLE}:
            # someone else finished it first (the page was shown before): say who, as a lost race does
            raise ConflictError(_conflict_message(instance_id, command)) from exc
        raise _flow_error(exc) from exc
    if not decision.events:
        return instance
    try:
        with transaction.atomic(durable=not in_transaction):
            fastpath.save(instance, definition, state, decision)
            if audit is not None:
                audit()
            if decision.effects or instance.parent_id:
                outbox.nudge()
    except ConflictError as exc:  # asked after the rollback: the transaction may be unusable until then
        raise ConflictError(_conflict_message(instance_id, command)) from exc
    return instance


def _conflict_message(instance_id: int, command: Command) -> str:
    """What the loser of a race is told: who really acted — the person whose step closed the command's task
    (not its own holder: on a 或签 node another's approval cancels it), or who moved the instance last."""
    task_no = getattr(command, "task", None)
    closed = False
    if task_no is not None:
        status = Task.objects.filter(instance_id=instance_id, task_no=task_no).values_list("status", flat=True).first()
        closed = status is not None and status not in LIVE_STATUSES
    who = _who_acted(instance_id, task_no)
    if closed:
        return _("该待办已由 %(who)s 处理。") % {"who": who or _("他人")}
    if who:
        return _("%(who)s 刚刚办理了该流程，请刷新后查看最新状态。") % {"who": who}
    return _("流程刚刚被他人处理，请刷新后查看最新状态。")


def _who_acted(instance_id: int, task_no: int | None) -> str:
    """The name of whoever made the step that closed task ``task_no`` (the latest step when it is None or
    still open): the actor of that step's person event; 系统 for a step nobody made (a deadline)."""
    events = list(InstanceEvent.objects.filter(instance_id=instance_id).select_related("actor").order_by("-seq")[:50])
    if not events:
        return ""
    start = 0
    if task_no is not None:
        key = str(task_no)
        start = next(
            (i for i, e in enumerate(events) if e.task_no == task_no or key in (e.changes or {}).get("set_tasks", {})),
            0,
        )
    at = events[start].at  # the events of one step share its moment
    for event in events[start:]:
        if event.at != at:
            break
        if event.actor is not None:
            return event.actor.display_name
    return str(_("系统"))

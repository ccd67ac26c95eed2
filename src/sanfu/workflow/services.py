"""The typed service API the rest of Sanfu uses to run processes.

Each write loads the instance (no lock), asks the pure engine to ``decide`` (computing before the write
transaction keeps SQLite's single write lock short), then writes state + events + tasks + outbox in one
durable transaction guarded by the instance's version: of two people acting at once, exactly one wins and
the other gets a clear conflict. Notifications and other effects leave through the outbox after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.org.people_search import unassignable_among
from sanfu.workflow import fastpath, outbox, repository
from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    Cancel,
    Comment,
    Complete,
    InvalidDefinitionError,
    MarkRead,
    Reassign,
    Reject,
    RemoveSigners,
    RestartFrom,
    Return,
    SkipNode,
    State,
    Submit,
    SubprocessEnded,
    Tick,
    Transfer,
    Urge,
    Withdraw,
    decide,
    parse_definition,
)
from sanfu.workflow.engine.commands import Command
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import (
    LIVE_STATUSES,
    DefinitionStatus,
    Instance,
    InstanceEvent,
    InstanceStatus,
    OutboxMessage,
    ProcessDefinition,
    Task,
    TaskKind,
)
from sanfu.workflow.selectors import latest_definition, overseen_instances

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
) -> Instance:
    """Create an instance of the latest published version and submit it.

    ``in_transaction``: the caller holds a transaction that must include the start (e.g. the 审批中心
    writing its request row with it); otherwise the start is its own durable transaction."""
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
        task.instance_id,
        Transfer(actor=actor.pk, task=task.task_no, to=to.pk, comment=comment),
        loaded=task.instance,
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


def instance_tick(*, instance_id: int, now: datetime | None = None) -> Instance:
    """Fire what is due on one instance (the worker calls this for every instance past its wakeup)."""
    return _execute(instance_id, Tick(), now=now)


def instances_tick_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Tick every running instance whose wakeup has passed; a conflict just means someone acted first."""
    moment = now or timezone.now()
    due = list(
        Instance.objects.filter(wakeup_at__lte=moment, status=InstanceStatus.RUNNING)
        .order_by("wakeup_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for instance_id in due:
        try:
            instance_tick(instance_id=instance_id, now=moment)
            done += 1
        except ConflictError:
            continue
    return done


def subprocess_ended(*, parent_id: int, node: str, outcome: str) -> Instance:
    return _execute(parent_id, SubprocessEnded(node=node, outcome=outcome))


# --- moving to a newer definition version -------------------------------------------------------------


@dataclass(frozen=True)
class MigrationReport:
    moved: list[int]
    blocked: dict[int, str]
    dry_run: bool


def instances_migrate(
    *, actor: User | None, key: str, to_version: int | None = None, dry_run: bool = True
) -> MigrationReport:
    """Move running instances of ``key`` to a newer version when every node they wait on still exists
    there with the same kind. A dry run lists what would move and why the rest cannot."""
    if actor is not None and not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(_("您没有权限迁移流程实例。"))
    target = ProcessDefinition.objects.get(key=key, version=to_version) if to_version else latest_definition(key)
    target_parsed = repository.parsed_definition(target)
    moved: list[int] = []
    blocked: dict[int, str] = {}
    candidates = (
        Instance.objects.filter(definition__key=key, status__in=[InstanceStatus.RUNNING, InstanceStatus.RETURNED])
        .exclude(definition=target)
        .select_related("definition")
    )
    for instance in candidates:
        if instance.definition.version > target.version:
            blocked[instance.pk] = _("实例已在更新的版本上")
            continue
        state = repository.state_of(instance)
        waiting = set(state.runs) | set(state.waits) | {t.node for t in state.tasks.values() if t.live}
        missing = sorted(n for n in waiting if n not in target_parsed.nodes)
        old = repository.definition_of(instance)
        changed = sorted(
            n for n in waiting if n in target_parsed.nodes and target_parsed.nodes[n].kind != old.nodes[n].kind
        )
        if missing:
            blocked[instance.pk] = _("新版本中没有节点：%(n)s") % {"n": "、".join(missing)}
        elif changed:
            blocked[instance.pk] = _("节点类型已改变：%(n)s") % {"n": "、".join(changed)}
        else:
            moved.append(instance.pk)
    if not dry_run and moved:
        with transaction.atomic():
            # Bumping the version makes any decision computed on the old definition conflict and retry.
            Instance.objects.filter(pk__in=moved).update(definition=target, version=F("version") + 1)
            audit_record(
                action="workflow.migrate",
                actor=actor,
                actor_name="" if actor else "system",
                target=f"definition:{target.pk}",
                detail={"moved": moved, "blocked": list(blocked)},
            )
    return MigrationReport(moved=moved, blocked=blocked, dry_run=dry_run)


# --- receivers of the engine's effects (delivered by the outbox) --------------------------------------


def _start_subprocess(message: OutboxMessage) -> None:
    if Instance.objects.filter(origin_key=message.key).exists():
        return  # started by an earlier delivery of the same message
    if message.instance_id is None:
        raise ApplicationError("subprocess message without a parent instance")
    parent = Instance.objects.select_related("initiator").get(pk=message.instance_id)
    instance_start(
        actor=parent.initiator,
        definition_key=str(message.payload["definition"]),
        title=f"{parent.title}（子流程）",
        form=message.payload.get("form", {}),
        parent=parent,
        parent_node=str(message.payload["node"]),
        origin_key=message.key,
    )


def _subprocess_ended(message: OutboxMessage) -> None:
    parent_id = int(message.payload["parent"])
    node = str(message.payload["node"])
    state = Instance.objects.values_list("state", flat=True).get(pk=parent_id)
    if node not in (state or {}).get("waits", {}):
        return  # already applied by an earlier delivery
    subprocess_ended(parent_id=parent_id, node=node, outcome=str(message.payload["outcome"]))


outbox.register("start_subprocess", _start_subprocess)
outbox.register("subprocess_ended", _subprocess_ended)

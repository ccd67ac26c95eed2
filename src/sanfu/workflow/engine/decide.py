"""``decide``: apply one command to an instance and say what happened.

``decide(definition, state, command, facts) -> Decision(state, events, effects, wakeup)``. It never
changes ``state``; it builds the next state only by emitting events through ``apply``, so the events
alone rebuild it. Refusals raise :class:`ActionNotAllowedError` with the exact reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sanfu.workflow.engine.commands import (
    AddSigners,
    Approve,
    Cancel,
    Command,
    Comment,
    Complete,
    HoldDeadline,
    MarkRead,
    Reassign,
    Reject,
    RemoveSigners,
    RestartFrom,
    ResumeDeadline,
    Return,
    SkipNode,
    Submit,
    SubprocessEnded,
    Tick,
    Transfer,
    Urge,
    Withdraw,
)
from sanfu.workflow.engine.definition import Definition, Node
from sanfu.workflow.engine.errors import ActionNotAllowedError
from sanfu.workflow.engine.events import Decision, Effect, Event, Notify, StartSubprocess
from sanfu.workflow.engine.facts import Facts
from sanfu.workflow.engine.moments import LastOne
from sanfu.workflow.engine.state import State
from sanfu.workflow.engine.statuses import (
    APPROVED,
    CANCELLED,
    DRAFT,
    LIVE,
    OPEN,
    READ,
    REJECTED,
    RETURNED,
    RUNNING,
    T_APPROVED,
    T_CANCELLED,
    T_DONE,
    T_REJECTED,
    T_RETURNED,
    T_TRANSFERRED,
    UNREAD,
    WAITING,
    WITHDRAWN,
)
from sanfu.workflow.engine.tasks import TASK_DEFAULTS, Task
from sanfu.workflow.engine.transition import apply_in_place

_VOTED = frozenset({T_APPROVED, T_REJECTED, T_DONE})
_APPROVING = frozenset({T_APPROVED, T_DONE})  # the task statuses that count as a yes
_MAX_STEPS = 500  # a definition that loops through automatic nodes this often is stuck


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


_now_text = LastOne(_iso)  # ``now`` as events carry it


class _Ctx:
    """The working copy of one decision: the state so far, the events and effects produced."""

    __slots__ = ("d", "effects", "events", "facts", "now", "now_iso", "state", "steps")

    def __init__(self, definition: Definition, state: State, facts: Facts):
        self.d = definition
        self.state = state
        self.facts = facts
        self.now = facts.now
        self.now_iso = _now_text(facts.now)
        self.events: list[Event] = []
        self.effects: list[Effect] = []
        self.steps = 0

    def emit(
        self,
        type_: str,
        *,
        actor: int | None = None,
        on_behalf_of: int | None = None,
        node: str | None = None,
        task: int | None = None,
        comment: str = "",
        **changes: Any,
    ) -> Event:
        # positional: Event's fields in order (seq, type, at, actor, on_behalf_of, node, task, comment, changes)
        event = Event(self.state.seq + 1, type_, self.now, actor, on_behalf_of, node, task, comment, changes)
        apply_in_place(self.state, event)
        self.events.append(event)
        return event

    def notify(
        self, kind: str, people: list[int] | tuple[int, ...], *, task: int | None = None, node: str | None = None
    ) -> None:
        unique = tuple(dict.fromkeys(filter(None, people)))  # in order, once each, never person 0 / None
        if unique:
            self.effects.append(Notify(kind, unique, task, node, self.state.seq))


def decide(definition: Definition, state: State, command: Command, facts: Facts) -> Decision:
    """Apply ``command``; return the next state, the events that explain it, the effects to run."""
    ctx = _Ctx(definition, state.clone(), facts)
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise ActionNotAllowedError(f"不支持的操作 {type(command).__name__}")
    handler(ctx, command)
    return Decision(ctx.state, tuple(ctx.events), tuple(ctx.effects), next_wakeup(ctx.state))


def next_wakeup(state: State) -> datetime | None:
    """The earliest moment a Tick has something to do: a reminder, a deadline or a timer."""
    moments: list[datetime] = []
    if state.status == RUNNING:
        for task in state.tasks.values():
            if task.status != OPEN:
                continue
            if task.remind_at is not None and not task.reminded:
                moments.append(task.remind_at)
            if task.due_at is not None and not task.overdue:
                moments.append(task.due_at)
        if state.waits:
            moments.extend(until for until in state.waits.values() if until is not None)
    return min(moments) if moments else None


# --- helpers ------------------------------------------------------------------------------------------


def _running(ctx: _Ctx) -> None:
    if ctx.state.status != RUNNING:
        raise ActionNotAllowedError(_STATUS_TEXT.get(ctx.state.status, "流程不在办理中") + "，不能再办理。")


_TASK_STATUS_TEXT = {  # how a finished task is named in a refusal: never the raw status word
    T_APPROVED: "已同意",
    T_REJECTED: "已驳回",
    T_DONE: "已办理",
    T_RETURNED: "已退回",
    T_TRANSFERRED: "已转交",
    T_CANCELLED: "已由他人处理或流程已前进",
}
_STATUS_TEXT = {
    DRAFT: "流程尚未提交",
    RETURNED: "流程已退回发起人",
    APPROVED: "流程已办结",
    REJECTED: "流程已被驳回",
    WITHDRAWN: "流程已撤回",
    CANCELLED: "流程已作废",
}


def _own_task(ctx: _Ctx, task_id: int, actor: int, *, kinds: tuple[str, ...] = ("approval", "handle")) -> Task:
    task = ctx.state.tasks.get(task_id)
    if task is None:
        raise ActionNotAllowedError(f"待办 {task_id} 不存在。")
    if actor not in (task.assignee, task.on_behalf_of):
        raise ActionNotAllowedError("这不是您的待办。")
    if task.kind not in kinds:
        raise ActionNotAllowedError("这项待办不能执行此操作。")
    if task.status == WAITING:
        raise ActionNotAllowedError("还没有轮到您办理（需等待前序审批人或加签人）。")
    if task.status != OPEN:
        done = _TASK_STATUS_TEXT.get(task.status, "已处理")
        raise ActionNotAllowedError(f"这项待办{done}，不能重复办理。")
    return task


def _variables(ctx: _Ctx) -> dict[str, Any]:
    """What conditions read, except ``initiator``: :func:`_choose_branch` adds that when a condition needs it."""
    form = dict(ctx.state.form)
    return {
        "form": form,
        "amount": form.get("amount", 0),
        "urgency": ctx.state.urgency,
        "matter": ctx.state.matter,
    }


def _choose_branch(ctx: _Ctx, node: Node, variables: dict[str, Any] | None = None) -> str:
    variables = variables or _variables(ctx)
    for branch in node.branches:
        if branch.when is None:
            return branch.next
        if branch.when.reads_initiator and "initiator" not in variables:
            variables["initiator"] = dict(ctx.facts.attributes(ctx.state.initiator))
        if branch.when.holds(variables):
            return branch.next
    raise ActionNotAllowedError(f"条件节点“{node.name}”没有可走的分支。", node=node.id)  # pragma: no cover


def _resolve(ctx: _Ctx, node: Node, rule: Mapping[str, Any] | None) -> list[int]:
    if rule is None:
        return []
    if rule.get("type") == "chosen":
        people = list(ctx.state.chosen.get(node.id, ()))
    else:
        people = ctx.facts.resolve(rule, initiator=ctx.state.initiator, form=ctx.state.form)
    if node.exclude_initiator:  # never the initiator's own (a drafter does not review his draft)
        initiator = ctx.state.initiator
        return [p for p in dict.fromkeys(map(int, people)) if p != initiator]
    return list(dict.fromkeys(map(int, people)))


def _deadline(ctx: _Ctx, node: Node) -> tuple[datetime | None, datetime | None]:
    deadline = node.deadline
    if deadline is None:
        return None, None
    if deadline.working_days is not None:
        due = ctx.facts.add_working_days(ctx.now, deadline.working_days)
    else:
        due = ctx.facts.add_working_hours(ctx.now, float(deadline.working_hours or 0))
    remind = due - timedelta(hours=deadline.remind_before_hours) if deadline.remind_before_hours else None
    if remind is not None and remind <= ctx.now:
        remind = None
    return due, remind


def _new_task(
    ctx: _Ctx,
    node: Node,
    person: int,
    *,
    status: str,
    order: int = 0,
    kind: str | None = None,
    parent: int | None = None,
    position: str | None = None,
    group_mode: str | None = None,
    group: int = 0,
    auto: str = "",
    offset: int = 0,
    visit: int | None = None,
) -> dict[str, Any]:
    """A task for ``person``, routed to their delegate when they have one (委托代理)."""
    delegate = ctx.facts.delegate_of(person, ctx.state.matter) if not auto else None
    due, remind = _deadline(ctx, node) if status in LIVE else (None, None)
    # The event's form of the task (Task.to_dict), built directly: no Task is needed until apply.
    data = dict(TASK_DEFAULTS)
    data["id"] = ctx.state.next_task + offset
    data["node"] = node.id
    data["visit"] = visit if visit is not None else ctx.state.visits.get(node.id, 1)
    data["kind"] = kind or node.kind
    data["assignee"] = delegate if delegate is not None else person
    data["status"] = status
    data["order"] = order
    data["on_behalf_of"] = person if delegate is not None else None
    data["created_at"] = ctx.now_iso
    data["due_at"] = _iso(due)
    data["remind_at"] = _iso(remind)
    data["parent"] = parent
    data["position"] = position
    data["group_mode"] = group_mode
    data["group"] = group
    data["acted_at"] = ctx.now_iso if auto else None
    data["auto"] = auto
    return data


def _run_tasks(ctx: _Ctx, node_id: str) -> list[Task]:
    run = ctx.state.runs.get(node_id)
    if run is None:
        return []
    return [t for t in ctx.state.tasks.values() if t.node == node_id and t.visit == run.visit]


def _has_live_signers(ctx: _Ctx, task_id: int) -> bool:
    """Whether people added to this task (加签) have not acted yet."""
    return any(t.parent == task_id and t.live for t in ctx.state.tasks.values())


def _holders(ctx: _Ctx, node_id: str) -> set[int]:
    """Everyone holding a live task at this node's current visit: the assignees and those they act for."""
    live = [t for t in _run_tasks(ctx, node_id) if t.live]
    return {t.assignee for t in live} | {t.on_behalf_of for t in live if t.on_behalf_of is not None}


# --- moving through the graph -------------------------------------------------------------------------


def _enter(ctx: _Ctx, node_id: str, *, via: str | None = None, back: bool = False) -> None:
    """``back``: the node is entered by a return or a jump back to it, not on the forward path."""
    ctx.steps += 1
    if ctx.steps > _MAX_STEPS:
        raise ActionNotAllowedError("流程在自动节点之间循环，无法继续，请联系流程管理员。", node=node_id)
    node = ctx.d.nodes[node_id]
    kind = node.kind
    if kind == "start":
        _enter(ctx, str(node.next))
    elif kind == "end":
        _finish(ctx, APPROVED, node=node.id)
    elif kind == "condition":
        _enter(ctx, _choose_branch(ctx, node), via=node.id)
    elif kind == "parallel":
        ctx.emit("parallel_started", node=node.id, joins={str(node.join): 0})
        for branch in node.parallel:
            if ctx.state.status != RUNNING:
                return
            _enter(ctx, branch, via=node.id)
    elif kind == "join":
        _arrive_at_join(ctx, node)
    elif kind in {"cc", "filing"}:
        _notice(ctx, node)
        _enter(ctx, str(node.next), via=node.id)
    elif kind == "timer":
        _start_timer(ctx, node)
    elif kind == "subprocess":
        visit = ctx.state.visits.get(node.id, 0) + 1
        ctx.emit(
            "subprocess_started",
            node=node.id,
            enter={"node": node.id, "visit": visit, "at": ctx.now_iso},
            waits={node.id: None},
        )
        ctx.effects.append(StartSubprocess(node.id, str(node.subprocess), dict(ctx.state.form)))
    else:
        _enter_task_node(ctx, node, back=back)


def _arrive_at_join(ctx: _Ctx, node: Node) -> None:
    owner = ctx.d.join_owners[node.id]
    arrived = ctx.state.joins.get(node.id, 0) + 1
    if arrived < len(owner.parallel):
        ctx.emit("branch_joined", node=node.id, joins={node.id: arrived})
        return
    ctx.emit("parallel_joined", node=node.id, joins={node.id: None})
    _enter(ctx, str(node.next), via=node.id)


def _notice(ctx: _Ctx, node: Node) -> None:
    if node.approvers is not None or not node.passes_over:
        _notice_of(ctx, node, node, node.approvers)
    for passed in node.passes_over:  # 绿色通道: each node left out is filed to its own people, by its name
        skipped = ctx.d.nodes[passed]
        _notice_of(ctx, node, skipped, skipped.approvers)


def _notice_of(ctx: _Ctx, notice: Node, at: Node, rule: Mapping[str, Any] | None) -> None:
    """The notices of ``notice`` (抄送 / 备案) to the people of ``rule``, recorded at node ``at``."""
    people = _resolve(ctx, at, rule)
    visit = ctx.state.visits.get(at.id, 0) + 1
    tasks = [
        _new_task(ctx, at, p, status=UNREAD, kind=notice.kind, offset=i, visit=visit) for i, p in enumerate(people)
    ]
    ctx.emit(
        "filed" if notice.kind == "filing" else "copied",
        node=at.id,
        new_tasks=tasks,
        enter={"node": at.id, "visit": visit, "at": ctx.now_iso},
        exit=[at.id],
    )
    ctx.notify(notice.kind, [t["assignee"] for t in tasks], node=at.id)


def _start_timer(ctx: _Ctx, node: Node) -> None:
    wait = node.wait or {}
    if "working_days" in wait:
        until = ctx.facts.add_working_days(ctx.now, float(wait["working_days"]))
    elif "working_hours" in wait:
        until = ctx.facts.add_working_hours(ctx.now, float(wait["working_hours"]))
    elif "hours" in wait:
        until = ctx.now + timedelta(hours=float(wait["hours"]))
    else:
        raw = ctx.state.form.get(str(wait.get("until_field")))
        try:
            until = datetime.fromisoformat(str(raw))
        except ValueError:
            until = ctx.now  # no usable date in the form: do not wait
        if until.tzinfo is None and ctx.now.tzinfo is not None:
            until = until.replace(tzinfo=ctx.now.tzinfo)
    visit = ctx.state.visits.get(node.id, 0) + 1
    ctx.emit(
        "timer_started",
        node=node.id,
        enter={"node": node.id, "visit": visit, "at": ctx.now_iso},
        waits={node.id: _iso(until)},
    )
    if until <= ctx.now:
        _fire_timer(ctx, node)


def _fire_timer(ctx: _Ctx, node: Node) -> None:
    ctx.emit("timer_fired", node=node.id, unwait=[node.id], exit=[node.id])
    _enter(ctx, str(node.next), via=node.id)


def _enter_task_node(ctx: _Ctx, node: Node, *, back: bool = False) -> None:
    """Resolve the people of an approval/handle node, apply the empty/self/repeat rules, create tasks.

    ``back`` (entered by a return or a jump back): the node is sent back to its people to look again, so
    nobody passes it automatically — the auto-pass rules are for the forward path only."""
    state = ctx.state
    visit = state.visits.get(node.id, 0) + 1
    people = _resolve(ctx, node, node.approvers)
    reason = ""
    if not people and node.on_empty in {"admin", "refuse"}:
        people = list(ctx.d.admins)
        reason = "审批人为空，转交流程管理员"
    if not people:
        ctx.emit(
            "node_skipped",
            node=node.id,
            comment="审批人为空，按规则自动跳过",
            enter={"node": node.id, "visit": visit, "at": ctx.now_iso},
            exit=[node.id],
        )
        _leave(ctx, node)
        return
    on_self = ctx.d.on_self_for(node)
    dedupe = ctx.d.dedupe_for(node)
    if back:
        dedupe = "none"
        if on_self == "auto_pass":
            on_self = "none"
    voters: list[tuple[int, str]] = []  # (person, auto reason)
    seen: set[int] = set()
    for resolved in people:
        person, auto = resolved, ""
        if person == state.initiator and on_self == "to_head":
            head = ctx.facts.head_of(person)
            if head is not None and head != person:
                person = head
            else:
                auto = "发起人即审批人，自动通过"
        elif person == state.initiator and on_self == "auto_pass":
            auto = "发起人即审批人，自动通过"
        if not auto and dedupe == "consecutive" and person in state.last_people:
            auto = "与上一节点审批人相同，自动通过"
        elif not auto and dedupe == "everywhere" and person in state.approved_people:
            auto = "已审批过，自动通过"
        if person not in seen:
            seen.add(person)
            voters.append((person, auto))
    tasks: list[dict[str, Any]] = []
    first_live = True
    for order, (person, auto) in enumerate(voters):
        if auto:
            status = T_APPROVED if node.kind == "approval" else T_DONE
        elif node.mode == "sequential" and not first_live:
            status = WAITING
        else:
            status = OPEN
            first_live = False
        tasks.append(_new_task(ctx, node, person, status=status, order=order, auto=auto, offset=order, visit=visit))
    ctx.emit(
        "node_entered",
        node=node.id,
        comment=reason,
        new_tasks=tasks,
        enter={"node": node.id, "visit": visit, "at": ctx.now_iso},
        approved=[t["on_behalf_of"] or t["assignee"] for t in tasks if t["auto"]],
    )
    passed = False
    for t in tasks:
        if t["auto"]:
            passed = True
            ctx.emit("auto_approved", node=node.id, task=t["id"], comment=t["auto"])
    ctx.notify("task", [t["assignee"] for t in tasks if t["status"] == OPEN], node=node.id)
    if passed:
        _evaluate(ctx, node)
    # else nothing to evaluate: no vote is cast yet (every mode needs one at least) and the first signer
    # (order 0) is open already.


def _leave(ctx: _Ctx, node: Node) -> None:
    """After a task node completes: go on, or jump back to the node that returned it (退回后直送)."""
    returned_from = ctx.state.returned_from
    if returned_from and ctx.d.resubmit == "jump_back" and returned_from != node.id:
        _jump_back(ctx, returned_from)
        return
    if returned_from == node.id:
        ctx.emit("returned_node_done", node=node.id, returned_from=None)
    _enter(ctx, str(node.next), via=node.id)


def _jump_back(ctx: _Ctx, target: str) -> None:
    """Straight back to the node that returned the instance, with the trail it had then: the nodes it
    passes over were done, and 上一节点 there is still the node before it."""
    changes: dict[str, Any] = {"returned_from": None}
    if ctx.state.returned_trail:
        changes["trail_restore"] = list(ctx.state.returned_trail)
    ctx.emit("jumped_back", node=target, **changes)
    _enter(ctx, target, back=True)


def _finish(
    ctx: _Ctx, outcome: str, *, node: str | None = None, actor: int | None = None, comment: str = "", **extra: Any
) -> None:
    state = ctx.state
    cancel = {str(t.id): {"status": T_CANCELLED} for t in state.tasks.values() if t.status in LIVE}
    ctx.emit(
        "ended",
        actor=actor,
        node=node,
        comment=comment,
        status=outcome,
        set_tasks=cancel,
        exit=list(state.runs),
        unwait=list(state.waits),
        joins=dict.fromkeys(state.joins),
        clear_undo=True,
        **extra,
    )
    ctx.notify("ended", [state.initiator], node=node)


# --- votes --------------------------------------------------------------------------------------------


def _group_done(tasks: list[Task], mode: str) -> bool:
    live = [t for t in tasks if t.status not in {T_CANCELLED, T_TRANSFERRED}]
    if not live:
        return True
    if mode == "any":
        return any(t.status in {T_APPROVED, T_DONE} for t in live)
    return all(t.status in {T_APPROVED, T_DONE} for t in live)


def _added_groups(children: list[Task], position: str) -> list[list[Task]]:
    """The 前/后加签 groups under one task: one per 加签, each voting by its own mode (an earlier group that
    has decided does not decide a later one)."""
    groups: dict[int, list[Task]] = {}
    for child in children:
        if child.position == position:
            groups.setdefault(child.group, []).append(child)
    return list(groups.values())


def _added_done(group: list[Task]) -> bool:
    return _group_done(group, group[0].group_mode or "sequential")


def _effective(task: Task, children: dict[int, list[Task]]) -> bool:
    """A vote counts once the signer approved and anyone added after them (后加签) has too."""
    if task.status not in {T_APPROVED, T_DONE}:
        return False
    return all(_added_done(group) for group in _added_groups(children.get(task.id, []), "after"))


def _evaluate(ctx: _Ctx, node: Node) -> None:
    """Decide whether a task node is complete, rejected, or waiting, and open whoever is next."""
    state = ctx.state
    run = state.runs.get(node.id)
    if state.status != RUNNING or run is None:
        return
    node_id, visit = node.id, run.visit
    tasks = [t for t in state.tasks.values() if t.node == node_id and t.visit == visit]
    children: dict[int, list[Task]] = {}
    voters: list[Task] = []
    for t in tasks:
        if t.parent is not None:
            children.setdefault(t.parent, []).append(t)
        if (t.parent is None or t.position == "alongside") and t.status not in {T_CANCELLED, T_TRANSFERRED}:
            voters.append(t)
    total = len(voters)
    approvals = rejections = 0
    for t in voters:
        if t.status == T_REJECTED:
            rejections += 1
        # without anyone added (加签) a vote counts as soon as it is cast
        elif t.status in _APPROVING and (not children or _effective(t, children)):
            approvals += 1
    needed = node.votes_needed(total)
    changes: dict[str, dict[str, Any]] = {}
    settled: dict[str, dict[str, Any]] = {}
    if children:  # the 加签 groups: without any, neither loop below finds anything to do
        # 前加签 groups that are done give the floor back to their holder; 后加签 groups start after them.
        for t in tasks:
            befores = _added_groups(children.get(t.id, []), "before")
            if t.status == WAITING and befores and all(_added_done(g) for g in befores):
                changes[str(t.id)] = {"status": OPEN}
            if t.status in {T_APPROVED, T_DONE}:
                for group in _added_groups(children.get(t.id, []), "after"):
                    _open_next_in_group(group, group[0].group_mode or "sequential", changes)
            if t.status == WAITING:
                for group in befores:
                    _open_next_in_group(group, group[0].group_mode or "sequential", changes)
        # An added group that has decided (或签: one approval) is over: its other members' tasks are
        # withdrawn, or a late rejection from one of them would still reject the whole node.
        for added in children.values():
            for position in ("before", "after"):
                for group in _added_groups(added, position):
                    if _added_done(group):
                        settled.update({str(c.id): {"status": T_CANCELLED} for c in group if c.live})
    if settled:
        ctx.emit("signers_settled", node=node.id, set_tasks=settled)
    if rejections and (node.mode in {"sequential", "all", "any"} or node.veto or rejections > total - needed):
        return  # the rejection path is taken by the caller (_reject_node)
    if approvals >= needed and total > 0:
        cancel = {str(t.id): {"status": T_CANCELLED} for t in tasks if t.status in LIVE}
        people = [t.on_behalf_of or t.assignee for t in voters if t.status in _APPROVING]
        ctx.emit(
            "node_completed",
            node=node.id,
            comment=f"{approvals}/{total} 同意",
            set_tasks=cancel,
            exit=[node.id],
            trail=node.id,
            last_people=people,
        )
        _leave(ctx, node)
        return
    if node.mode == "sequential":
        # 依次: the signer whose turn it is = the first (by order) whose vote does not count yet.
        pending = (
            [t for t in voters if not _effective(t, children)]
            if children
            else [t for t in voters if t.status not in _APPROVING]
        )
        if pending:
            current = min(pending, key=_by_order)  # the first of the lowest order, as a stable sort gives
            blocked = any(c.position == "before" and c.live for c in children.get(current.id, []))
            if current.status == WAITING and not blocked:
                changes[str(current.id)] = {"status": OPEN}
    if changes:
        ctx.emit("tasks_opened", node=node.id, set_tasks=changes)
        ctx.notify(
            "task",
            [ctx.state.tasks[int(k)].assignee for k, v in changes.items() if v.get("status") == OPEN],
            node=node.id,
        )


def _by_order(task: Task) -> int:
    return task.order


def _open_next_in_group(group: list[Task], mode: str, changes: dict[str, dict[str, Any]]) -> None:
    if any(t.status == OPEN for t in group) or _group_done(group, mode):
        return
    waiting = sorted((t for t in group if t.status == WAITING), key=lambda t: t.order)
    if not waiting:
        return
    for t in waiting if mode != "sequential" else waiting[:1]:
        changes[str(t.id)] = {"status": OPEN}


def _rejected(ctx: _Ctx, node: Node) -> bool:
    tasks = _run_tasks(ctx, node.id)
    voters = [
        t
        for t in tasks
        if (t.parent is None or t.position == "alongside") and t.status not in {T_CANCELLED, T_TRANSFERRED}
    ]
    rejections = sum(1 for t in voters if t.status == T_REJECTED)
    added_rejections = any(t.status == T_REJECTED and t.position in {"before", "after"} for t in tasks)
    if added_rejections:
        return True
    if not rejections:
        return False
    if node.mode in {"sequential", "all", "any"} or node.veto:
        return True
    return rejections > len(voters) - node.votes_needed(len(voters))


def _reject_node(ctx: _Ctx, node: Node, actor: int | None, comment: str) -> None:
    if node.on_reject == "return":
        _return_to(ctx, node, node.reject_to, actor=actor, by_rejection=True)
        return
    _finish(ctx, REJECTED, node=node.id, actor=actor, comment=comment)


# --- returning ----------------------------------------------------------------------------------------


def _return_to(ctx: _Ctx, node: Node, target: str, *, actor: int | None, by_rejection: bool = False) -> None:
    """Send the instance back to ``target``. The act that caused it (退回, 驳回, a timeout) is the event that
    carries the reason; the ``returned`` event is its consequence and carries none, so that it is not
    recorded twice."""
    state = ctx.state
    if target == "previous":
        # The last node done in this round that can be returned to: never one inside a parallel branch
        # (possibly a sibling branch's), since a return cannot re-enter a branch without its parallel node.
        returnable = [n for n in state.trail if ctx.d.parallel_region(n) is None]
        target = returnable[-1] if returnable else "initiator"
    if target != "initiator" and by_rejection and (target not in state.trail or ctx.d.parallel_region(target)):
        target = "initiator"  # a rejection is never refused for where the definition sends it
    if target != "initiator":
        if target not in state.trail:
            raise ActionNotAllowedError(f"只能退回到本轮已办理过的节点，“{target}”不在其中。", node=node.id)
        if ctx.d.parallel_region(target) is not None:
            raise ActionNotAllowedError("不能退回到并行分支内的节点。", node=node.id)
    cancel = {str(t.id): {"status": T_CANCELLED} for t in state.tasks.values() if t.live}
    # Jumping straight back only makes sense when the returning node is outside any parallel region.
    back_to = node.id if ctx.d.parallel_region(node.id) is None else None
    common: dict[str, Any] = {
        "set_tasks": cancel,
        "exit": list(state.runs),
        "unwait": list(state.waits),
        "joins": dict.fromkeys(state.joins),
        "returned_from": back_to,
    }
    if back_to is not None and ctx.d.resubmit == "jump_back" and state.trail:
        common["returned_trail"] = list(state.trail)  # the trail to take up again on jumping back
    if target == "initiator":
        ctx.emit("returned", actor=actor, node=node.id, status=RETURNED, trail_cut=0, **common)
        ctx.notify("returned", [state.initiator], node=node.id)
        return
    ctx.emit("returned", actor=actor, node=node.id, trail_cut=state.trail.index(target), **common)
    _enter(ctx, target, via=node.id, back=True)


# --- command handlers ---------------------------------------------------------------------------------


def _submit(ctx: _Ctx, cmd: Submit) -> None:
    state = ctx.state
    if state.status not in {DRAFT, RETURNED}:
        raise ActionNotAllowedError("流程已提交，不能重复提交。")
    if state.status == RETURNED and cmd.actor != state.initiator:
        raise ActionNotAllowedError("只有发起人可以重新提交。")
    resubmit = state.status == RETURNED
    init: dict[str, Any] = {
        "initiator": state.initiator if resubmit else cmd.actor,
        "matter": ctx.d.matter,
        "form": {**state.form, **cmd.form} if resubmit else dict(cmd.form),
        "urgency": cmd.urgency or state.urgency,
        "chosen": {k: list(v) for k, v in cmd.chosen.items()} or {k: list(v) for k, v in state.chosen.items()},
        "round": state.round + 1,
    }
    if ctx.d.checks_path:  # else no node on any path has anything to check
        probe = state.clone()
        probe.form, probe.initiator, probe.urgency = init["form"], init["initiator"], init["urgency"]
        probe.chosen = {k: tuple(v) for k, v in init["chosen"].items()}
        _check_path(ctx, probe)
    ctx.emit(
        "resubmitted" if resubmit else "submitted", actor=cmd.actor, comment=cmd.comment, init=init, status=RUNNING
    )
    back_to = state.returned_from
    if resubmit and back_to and ctx.d.resubmit == "jump_back":
        _jump_back(ctx, back_to)
    else:
        if resubmit and back_to:
            ctx.emit("restarted", returned_from=None)
        _enter(ctx, ctx.d.start)


def _check_path(ctx: _Ctx, probe: State) -> None:
    """At submission: every person the path needs can be found, and 自选 choices are made and allowed."""
    saved = ctx.state
    ctx.state = probe
    try:
        for node in path_nodes(ctx.d, probe, ctx.facts):
            if not node.is_task_node or node.approvers is None:
                continue
            rule = node.approvers
            if rule.get("type") == "chosen":
                chosen = list(probe.chosen.get(node.id, ()))
                if not chosen:
                    raise ActionNotAllowedError(f"请为“{node.name}”选择审批人。", node=node.id)
                if node.exclude_initiator and probe.initiator in chosen:
                    raise ActionNotAllowedError(f"“{node.name}”不能选择发起人本人。", node=node.id)
                if rule.get("among"):
                    allowed = set(ctx.facts.resolve(rule["among"], initiator=probe.initiator, form=probe.form))
                    outside = [p for p in chosen if p not in allowed]
                    if outside:
                        raise ActionNotAllowedError(f"“{node.name}”选择的审批人不在允许范围内。", node=node.id)
                continue
            if node.on_empty == "refuse" and not _resolve(ctx, node, rule):
                raise ActionNotAllowedError(f"“{node.name}”找不到审批人，无法提交，请联系流程管理员。", node=node.id)
    finally:
        ctx.state = saved


def _approve(ctx: _Ctx, cmd: Approve | Complete) -> None:
    _running(ctx)
    is_handle = isinstance(cmd, Complete)
    task = _own_task(ctx, cmd.task, cmd.actor, kinds=("handle",) if is_handle else ("approval",))
    node = ctx.d.node(task.node)
    form_changes = _writable(node, cmd.form)
    changes: dict[str, Any] = {
        "set_tasks": {
            str(task.id): {
                "status": T_DONE if is_handle else T_APPROVED,
                "acted_at": ctx.now_iso,
                "comment": cmd.comment,
            }
        },
        "approved": [task.on_behalf_of or task.assignee],
        "acted": True,
        "undo_point": True,
    }
    if form_changes:
        changes["form"] = form_changes
    ctx.emit(
        "completed" if is_handle else "approved",
        actor=cmd.actor,
        on_behalf_of=task.on_behalf_of if cmd.actor == task.assignee else None,
        node=node.id,
        task=task.id,
        comment=cmd.comment,
        **changes,
    )
    _tell_principal(ctx, task, cmd.actor, "deputy_completed" if is_handle else "deputy_approved")
    _evaluate(ctx, node)


def _tell_principal(ctx: _Ctx, task: Task, actor: int, kind: str) -> None:
    """委托代理: when the delegate acted on a task held for someone, that person hears what was done in their
    name (``kind``: deputy_approved, deputy_completed, deputy_rejected, deputy_returned), right after the
    event that records the act."""
    if task.on_behalf_of is not None and actor == task.assignee:
        ctx.notify(kind, [task.on_behalf_of], task=task.id, node=task.node)


def _writable(node: Node, form: Mapping[str, Any] | None) -> dict[str, Any]:
    if not form:
        return {}
    refused = [name for name in form if node.fields.get(name) != "write"]
    if refused:
        raise ActionNotAllowedError(f"本节点不能修改字段：{'、'.join(refused)}。", node=node.id)
    return dict(form)


def _reject(ctx: _Ctx, cmd: Reject) -> None:
    _running(ctx)
    task = _own_task(ctx, cmd.task, cmd.actor, kinds=("approval",))
    node = ctx.d.node(task.node)
    if not cmd.comment.strip():
        raise ActionNotAllowedError("驳回时必须填写意见。")
    ctx.emit(
        "rejected",
        actor=cmd.actor,
        on_behalf_of=task.on_behalf_of if cmd.actor == task.assignee else None,
        node=node.id,
        task=task.id,
        comment=cmd.comment,
        acted=True,
        undo_point=True,
        set_tasks={str(task.id): {"status": T_REJECTED, "acted_at": ctx.now_iso, "comment": cmd.comment}},
    )
    _tell_principal(ctx, task, cmd.actor, "deputy_rejected")
    if _rejected(ctx, node):
        _reject_node(ctx, node, cmd.actor, cmd.comment)
    else:
        _evaluate(ctx, node)


def _return(ctx: _Ctx, cmd: Return) -> None:
    _running(ctx)
    task = _own_task(ctx, cmd.task, cmd.actor)
    node = ctx.d.node(task.node)
    if not cmd.comment.strip():
        raise ActionNotAllowedError("退回时必须填写理由。")
    ctx.emit(
        "task_returned",
        actor=cmd.actor,
        on_behalf_of=task.on_behalf_of if cmd.actor == task.assignee else None,
        node=node.id,
        task=task.id,
        comment=cmd.comment,
        acted=True,
        clear_undo=True,
        set_tasks={str(task.id): {"status": T_RETURNED, "acted_at": ctx.now_iso, "comment": cmd.comment}},
    )
    _tell_principal(ctx, task, cmd.actor, "deputy_returned")
    _return_to(ctx, node, cmd.to, actor=cmd.actor)


def _withdraw(ctx: _Ctx, cmd: Withdraw) -> None:
    state = ctx.state
    if cmd.actor == state.initiator and (state.status == RETURNED or (state.status == RUNNING and not state.acted)):
        cancel = {str(t.id): {"status": T_CANCELLED} for t in state.tasks.values() if t.live}
        holders = [t.assignee for t in state.tasks.values() if t.live]
        ctx.emit(
            "withdrawn",
            actor=cmd.actor,
            comment=cmd.comment,
            status=WITHDRAWN,
            set_tasks=cancel,
            exit=list(state.runs),
            unwait=list(state.waits),
            joins=dict.fromkeys(state.joins),
            clear_undo=True,
        )
        ctx.notify("withdrawn", holders)  # their to-do is gone: say why
        return
    undo = state.undo
    if (
        state.status == RUNNING
        and undo is not None
        and undo.actor == cmd.actor
        and undo.kind in {"approved", "completed"}
    ):
        ctx.emit(
            "approval_withdrawn",
            actor=cmd.actor,
            task=undo.task,
            node=state.tasks[undo.task].node,
            comment=cmd.comment,
            restore_undo=True,
        )
        ctx.notify("task", [state.tasks[undo.task].assignee], task=undo.task)
        return
    if cmd.actor == state.initiator:
        raise ActionNotAllowedError("已有审批人处理过，发起人不能撤回；可以请当前审批人退回。")
    if state.status != RUNNING:
        _running(ctx)
    raise ActionNotAllowedError("只能在下一位审批人处理之前撤回自己刚做的审批。")


def _transfer(ctx: _Ctx, cmd: Transfer, *, auto: str = "") -> None:
    _running(ctx)
    task = ctx.state.tasks[cmd.task] if auto else _own_task(ctx, cmd.task, cmd.actor)
    if cmd.to in (task.assignee, task.on_behalf_of):
        raise ActionNotAllowedError("不能转交给自己。")
    node = ctx.d.node(task.node)
    if node.exclude_initiator and cmd.to == ctx.state.initiator:
        raise ActionNotAllowedError(f"“{node.name}”不能由发起人本人办理，不能转交给他。", node=node.id)
    if cmd.to in _holders(ctx, node.id):  # one person, one task per node: never two votes in 会签
        raise ActionNotAllowedError("对方已在本节点办理中，不能转交给他。", node=node.id)
    if _has_live_signers(ctx, task.id):  # the people one added hang on one's own task
        raise ActionNotAllowedError("您加签的人员尚未办理，请先减签再转交。", node=node.id)
    new = _new_task(
        ctx,
        node,
        cmd.to,
        status=task.status,
        order=task.order,
        parent=task.parent,
        position=task.position,
        group_mode=task.group_mode,
        group=task.group,
    )
    ctx.emit(
        "transferred",
        actor=None if auto else cmd.actor,
        node=node.id,
        task=task.id,
        comment=cmd.comment or auto,
        new_tasks=[new],
        acted=True,
        clear_undo=True,
        set_tasks={str(task.id): {"status": T_TRANSFERRED, "acted_at": ctx.now_iso, "comment": cmd.comment}},
    )
    ctx.notify("task", [new["assignee"]], task=new["id"], node=node.id)


def _add_signers(ctx: _Ctx, cmd: AddSigners) -> None:
    _running(ctx)
    task = _own_task(ctx, cmd.task, cmd.actor)
    node = ctx.d.node(task.node)
    if cmd.position not in {"before", "after", "alongside"}:
        raise ActionNotAllowedError("加签方式只能是前加签、后加签或并加签。")
    if cmd.mode not in {"sequential", "all", "any"}:
        raise ActionNotAllowedError("加签人的审批方式只能是依次、会签或或签。")
    people = list(dict.fromkeys(cmd.people))
    if not people:
        raise ActionNotAllowedError("请选择加签人。")
    if node.exclude_initiator and ctx.state.initiator in people:
        raise ActionNotAllowedError(f"“{node.name}”不能由发起人本人办理，不能加签发起人。", node=node.id)
    current = _holders(ctx, node.id)
    if any(p in current or p == task.assignee for p in people):
        raise ActionNotAllowedError("加签人已在本节点办理中。")
    if cmd.position == "alongside":
        # A 并加签 signer casts a vote of the node: someone who already voted here may not vote twice.
        voted = {
            who
            for t in _run_tasks(ctx, node.id)
            if t.status in _VOTED
            for who in (t.assignee, t.on_behalf_of)
            if who is not None
        }
        if any(p in voted for p in people):
            raise ActionNotAllowedError("加签人已在本节点表态，不能再次加签为并行审批人。")
    if cmd.position == "alongside":
        status_of = OPEN
        new = [
            _new_task(
                ctx,
                node,
                p,
                status=status_of,
                order=task.order,
                parent=task.id,
                position="alongside",
                group_mode=node.mode,
                offset=i,
            )
            for i, p in enumerate(people)
        ]
        holder: dict[str, Any] = {}
    else:
        first_status = OPEN if cmd.position == "before" else WAITING
        new = []
        for i, p in enumerate(people):
            status = first_status if (cmd.mode != "sequential" or i == 0) else WAITING
            new.append(
                _new_task(
                    ctx,
                    node,
                    p,
                    status=status,
                    order=i,
                    parent=task.id,
                    position=cmd.position,
                    group_mode=cmd.mode,
                    group=ctx.state.next_task,
                    offset=i,
                )
            )
        holder = {str(task.id): {"status": WAITING}} if cmd.position == "before" else {}
    ctx.emit(
        "signers_added",
        actor=cmd.actor,
        node=node.id,
        task=task.id,
        comment=cmd.comment,
        new_tasks=new,
        set_tasks=holder,
        acted=True,
        clear_undo=True,
    )
    ctx.notify("task", [t["assignee"] for t in new if t["status"] == OPEN], node=node.id)


def _remove_signers(ctx: _Ctx, cmd: RemoveSigners) -> None:
    _running(ctx)
    task = ctx.state.tasks.get(cmd.task)
    if task is None or cmd.actor not in (task.assignee, task.on_behalf_of):
        raise ActionNotAllowedError("只能减去自己加签的人员。")
    added = [t for t in ctx.state.tasks.values() if t.parent == task.id and t.assignee in cmd.people]
    if not added:
        raise ActionNotAllowedError("所选人员不是您加签的人员。")
    acted = [t for t in added if not t.live]
    if acted:
        raise ActionNotAllowedError("加签人已经办理，不能减签。")
    changes = {str(t.id): {"status": T_CANCELLED} for t in added}
    remaining = [t for t in ctx.state.tasks.values() if t.parent == task.id and t.live and str(t.id) not in changes]
    if task.status == WAITING and not any(t.position == "before" for t in remaining):
        changes[str(task.id)] = {"status": OPEN}
    ctx.emit(
        "signers_removed",
        actor=cmd.actor,
        node=task.node,
        task=task.id,
        comment=cmd.comment,
        set_tasks=changes,
        clear_undo=True,  # like 加签: once someone else acted, an earlier approval can no longer be withdrawn
    )
    _evaluate(ctx, ctx.d.node(task.node))


def _urge(ctx: _Ctx, cmd: Urge) -> None:
    _running(ctx)
    if cmd.actor != ctx.state.initiator:
        raise ActionNotAllowedError("只有发起人可以催办。")
    last = ctx.state.last_urged_at
    if last is not None and ctx.now - last < timedelta(hours=cmd.min_interval_hours):
        raise ActionNotAllowedError("刚刚催办过，请稍后再催。")
    people = sorted(ctx.state.waiting_on())
    ctx.emit("urged", actor=cmd.actor, comment=cmd.comment, urged_at=ctx.now_iso)
    ctx.notify("urge", people)


def _comment(ctx: _Ctx, cmd: Comment) -> None:
    if not cmd.comment.strip():
        raise ActionNotAllowedError("评论不能为空。")
    involved = (
        {ctx.state.initiator}
        | {t.assignee for t in ctx.state.tasks.values()}
        | {t.on_behalf_of for t in ctx.state.tasks.values() if t.on_behalf_of}
    )
    if cmd.actor not in involved:
        raise ActionNotAllowedError("只有流程参与人可以评论。")
    ctx.emit("commented", actor=cmd.actor, comment=cmd.comment)


def _mark_read(ctx: _Ctx, cmd: MarkRead) -> None:
    task = ctx.state.tasks.get(cmd.task)
    if task is None or task.kind not in {"cc", "filing"} or cmd.actor not in (task.assignee, task.on_behalf_of):
        raise ActionNotAllowedError("这不是抄送给您的文件。")
    if task.status == READ:
        return
    ctx.emit(
        "read",
        actor=cmd.actor,
        node=task.node,
        task=task.id,
        set_tasks={str(task.id): {"status": READ, "acted_at": ctx.now_iso}},
    )


def _cancel(ctx: _Ctx, cmd: Cancel) -> None:
    if ctx.state.status not in {RUNNING, RETURNED}:
        raise ActionNotAllowedError("只有办理中或已退回的流程可以作废。")
    if not cmd.comment.strip():
        raise ActionNotAllowedError("作废流程必须说明理由。")
    _finish(ctx, CANCELLED, actor=cmd.actor, comment=cmd.comment, **_token(cmd))


# --- the process administrator's interventions (the caller checks the role and the data scope) --------


def _reason(cmd: Reassign | SkipNode | RestartFrom, what: str) -> None:
    if not cmd.comment.strip():
        raise ActionNotAllowedError(f"{what}必须说明理由。")


def _token(cmd: Reassign | SkipNode | RestartFrom | Cancel) -> dict[str, Any]:
    """The form's one-time token on the intervention's event (the caller finds a doubled submit by it)."""
    return {"token": cmd.token} if cmd.token else {}


def _reassign(ctx: _Ctx, cmd: Reassign) -> None:
    """改派: like 转交, but by the administrator, for any live task (open, or waiting its turn); the task
    ends as cancelled (its holder did not act), and anyone added to it (加签) now hangs on the new one."""
    _running(ctx)
    _reason(cmd, "改派")
    task = ctx.state.tasks.get(cmd.task)
    if task is None:
        raise ActionNotAllowedError(f"待办 {cmd.task} 不存在。")
    if task.kind not in {"approval", "handle"}:
        raise ActionNotAllowedError("只能改派审批或办理的待办。")
    if not task.live:
        done = _TASK_STATUS_TEXT.get(task.status, "已处理")
        raise ActionNotAllowedError(f"这项待办{done}，不能改派。")
    node = ctx.d.node(task.node)
    if cmd.to in (task.assignee, task.on_behalf_of):
        raise ActionNotAllowedError("对方就是这项待办的办理人，不必改派。", node=node.id)
    if node.exclude_initiator and cmd.to == ctx.state.initiator:
        raise ActionNotAllowedError(f"“{node.name}”不能由发起人本人办理，不能改派给他。", node=node.id)
    if cmd.to in _holders(ctx, node.id):
        raise ActionNotAllowedError("对方已在本节点办理中，不能改派给他。", node=node.id)
    new = _new_task(
        ctx,
        node,
        cmd.to,
        status=task.status,
        order=task.order,
        parent=task.parent,
        position=task.position,
        group_mode=task.group_mode,
        group=task.group,
    )
    changes: dict[str, dict[str, Any]] = {
        str(t.id): {"parent": new["id"]} for t in ctx.state.tasks.values() if t.parent == task.id
    }
    changes[str(task.id)] = {"status": T_CANCELLED}
    ctx.emit(
        "admin_reassigned",
        actor=cmd.actor,
        node=node.id,
        task=task.id,
        comment=cmd.comment,
        new_tasks=[new],
        set_tasks=changes,
        clear_undo=True,  # a 撤回 would silently give the task back to its old holder
        **_token(cmd),
    )
    if new["status"] == OPEN:
        ctx.notify("task", [new["assignee"]], task=new["id"], node=node.id)


def skippable_nodes(definition: Definition, state: State) -> list[Node]:
    """The nodes an administrator may skip now: approval and handling nodes being worked on, and timers
    waiting (a subprocess is not: its own instance runs on)."""
    if state.status != RUNNING:
        return []
    nodes = [definition.node(n) for n in state.runs]
    return [n for n in nodes if n.is_task_node or (n.kind == "timer" and n.id in state.waits)]


def _skip_node(ctx: _Ctx, cmd: SkipNode) -> None:
    """跳过: the node's live tasks end and the flow goes on as if it had passed (nobody approved it, so it
    counts for no one's later auto-pass)."""
    _running(ctx)
    _reason(cmd, "跳过节点")
    node = ctx.d.nodes.get(cmd.node)
    if node is None or node not in skippable_nodes(ctx.d, ctx.state):
        raise ActionNotAllowedError("该节点当前不在办理中，不能跳过。", node=cmd.node)
    common: dict[str, Any] = {"exit": [node.id], "acted": True, "clear_undo": True, **_token(cmd)}
    if node.kind == "timer":
        ctx.emit("admin_skipped", actor=cmd.actor, node=node.id, comment=cmd.comment, unwait=[node.id], **common)
        _enter(ctx, str(node.next), via=node.id)
        return
    cancel = {str(t.id): {"status": T_CANCELLED} for t in _run_tasks(ctx, node.id) if t.live}
    ctx.emit(
        "admin_skipped",
        actor=cmd.actor,
        node=node.id,
        comment=cmd.comment,
        set_tasks=cancel,
        trail=node.id,
        last_people=[],
        **common,
    )
    _leave(ctx, node)


def restart_nodes(definition: Definition, state: State) -> list[Node]:
    """The nodes an administrator may restart a running or returned instance from: approval and handling
    nodes it has reached, in the definition's order; never one inside a parallel branch (as for 退回)."""
    if state.status not in {RUNNING, RETURNED}:
        return []
    return [
        node
        for node_id, node in definition.nodes.items()
        if node.is_task_node and state.visits.get(node_id) and definition.parallel_region(node_id) is None
    ]


def _restart_from(ctx: _Ctx, cmd: RestartFrom) -> None:
    """重办: every live task ends, and the node is entered again for its people to look at afresh (no
    auto-pass, as after a return); the trail is cut back to before it, so 上一节点 there is still right."""
    state = ctx.state
    if state.status not in {RUNNING, RETURNED}:
        raise ActionNotAllowedError(_STATUS_TEXT.get(state.status, "流程已结束") + "，不能重新办理。")
    _reason(cmd, "重新办理")
    node = ctx.d.nodes.get(cmd.node)
    if node is None or node not in restart_nodes(ctx.d, state):
        raise ActionNotAllowedError("只能从流程已到达过的审批或办理节点（并行分支外）重新办理。", node=cmd.node)
    changes: dict[str, Any] = {
        "set_tasks": {str(t.id): {"status": T_CANCELLED} for t in state.tasks.values() if t.live},
        "exit": list(state.runs),
        "unwait": list(state.waits),
        "joins": dict.fromkeys(state.joins),
        "returned_from": None,  # a pending 退回后直送 no longer applies
        "status": RUNNING,
        "acted": True,
        "clear_undo": True,
        **_token(cmd),
    }
    if node.id in state.trail:
        changes["trail_cut"] = state.trail.index(node.id)
    ctx.emit("admin_restarted", actor=cmd.actor, node=node.id, comment=cmd.comment, **changes)
    _enter(ctx, node.id, back=True)


# --- 挂起计时: the deadline waits while the office waits for the requester (补正期间不计时) ----------------

_MAX_HELD_STEPS = 3660  # working days (or hours) counted while held: a hold longer than this is a data error


def _clock_task(ctx: _Ctx, cmd: HoldDeadline | ResumeDeadline) -> Task:
    """The task whose clock ``cmd`` holds or resumes: an approval or handling task, the actor's own unless
    the caller checked that the actor may."""
    task = ctx.state.tasks.get(cmd.task)
    if task is None:
        raise ActionNotAllowedError(f"待办 {cmd.task} 不存在。")
    if not cmd.checked and cmd.actor not in (task.assignee, task.on_behalf_of):
        raise ActionNotAllowedError("这不是您的待办。")
    if task.kind not in {"approval", "handle"}:
        raise ActionNotAllowedError("这项待办不能执行此操作。")
    if not task.live:
        done = _TASK_STATUS_TEXT.get(task.status, "已处理")
        raise ActionNotAllowedError(f"这项待办{done}，不能再暂停或恢复计时。")
    return task


def _hold_deadline(ctx: _Ctx, cmd: HoldDeadline) -> None:
    """挂起计时: the deadline and the reminder are put aside (kept on the task) and nothing fires until resumed."""
    _running(ctx)
    task = _clock_task(ctx, cmd)
    if task.status != OPEN:
        raise ActionNotAllowedError("还没有轮到这项待办办理，不能暂停计时。")
    if task.held:
        raise ActionNotAllowedError("这项待办已暂停计时，不能重复暂停。")
    if task.due_at is None:
        raise ActionNotAllowedError("这项待办没有办理期限，无需暂停计时。")
    if not cmd.reason.strip():
        raise ActionNotAllowedError("暂停计时必须说明理由。")
    ctx.emit(
        "deadline_held",
        actor=cmd.actor,
        on_behalf_of=task.on_behalf_of if cmd.actor == task.assignee else None,
        node=task.node,
        task=task.id,
        comment=cmd.reason,
        set_tasks={
            str(task.id): {
                "held_at": ctx.now_iso,
                "held_due_at": _iso(task.due_at),
                "held_remind_at": _iso(task.remind_at),
                "due_at": None,
                "remind_at": None,
            }
        },
    )


def _resume_deadline(ctx: _Ctx, cmd: ResumeDeadline) -> None:
    """恢复计时: the deadline and the reminder move on by the working time held, counted on the deadline's own
    calendar (whole working days for a deadline in days, working hours to the minute for one in hours). A
    notice already given stays given unless its moment is now ahead again."""
    _running(ctx)
    task = _clock_task(ctx, cmd)
    if not task.held or task.held_at is None:
        raise ActionNotAllowedError("这项待办没有暂停计时，无需恢复。")
    deadline = ctx.d.node(task.node).deadline
    in_hours = deadline is not None and deadline.working_days is None and deadline.working_hours is not None
    if in_hours:
        hours = working_hours_between(ctx.facts, task.held_at, ctx.now)
        paused: dict[str, Any] = {"paused_hours": round(hours, 4)}
        due, remind = (
            None if m is None or not hours else ctx.facts.add_working_hours(m, hours)
            for m in (task.held_due_at, task.held_remind_at)
        )
    else:
        days = working_days_between(ctx.facts, task.held_at, ctx.now)
        paused = {"paused_days": days}
        due, remind = (
            None if m is None or not days else ctx.facts.add_working_days(m, days)
            for m in (task.held_due_at, task.held_remind_at)
        )
    due, remind = due or task.held_due_at, remind or task.held_remind_at
    changes: dict[str, Any] = {
        "due_at": _iso(due),
        "remind_at": _iso(remind),
        "held_at": None,
        "held_due_at": None,
        "held_remind_at": None,
    }
    if task.overdue and due is not None and due > ctx.now:
        changes["overdue"] = False  # the deadline is ahead again: its notice will be given when it comes
    if task.reminded and ((remind is not None and remind > ctx.now) or "overdue" in changes):
        changes["reminded"] = False
    ctx.emit(
        "deadline_resumed",
        actor=cmd.actor,
        on_behalf_of=task.on_behalf_of if cmd.actor == task.assignee else None,
        node=task.node,
        task=task.id,
        comment=cmd.comment,
        set_tasks={str(task.id): changes},
        **paused,  # recorded for the history and the callers (e.g. to move a promised date); not applied
    )


def working_days_between(facts: Facts, start: datetime, end: datetime) -> int:
    """How many working days passed from ``start`` to ``end`` on the facts' calendar: the largest ``n`` with
    ``add_working_days(start, n) <= end`` (the same clock time on the n-th working day after; 0 within a day)."""
    days, moment = 0, start
    while days < _MAX_HELD_STEPS:
        following = facts.add_working_days(moment, 1)
        if following > end:
            break
        days, moment = days + 1, following
    return days


def working_hours_between(facts: Facts, start: datetime, end: datetime) -> float:
    """How many working hours passed from ``start`` to ``end`` on the facts' calendar, to the minute: the
    largest ``h`` with ``add_working_hours(start, h) <= end``."""
    hours, moment = 0, start
    while hours < _MAX_HELD_STEPS * 24:
        following = facts.add_working_hours(moment, 1)
        if following > end:
            break
        hours, moment = hours + 1, following
    low, high = 0, 60  # whole minutes of the last, unfinished hour: the largest that fits
    while high - low > 1:
        middle = (low + high) // 2
        if facts.add_working_hours(moment, middle / 60) <= end:
            low = middle
        else:
            high = middle
    return hours + low / 60


def _tick(ctx: _Ctx, cmd: Tick) -> None:
    """Fire everything due at ``facts.now``: reminders, deadlines (with the node's timeout action), timers."""
    state = ctx.state
    if state.status != RUNNING:
        return
    for node_id, until in sorted(state.waits.items(), key=lambda kv: str(kv[1])):
        if until is not None and until <= ctx.now and node_id in state.waits and state.status == RUNNING:
            _fire_timer(ctx, ctx.d.node(node_id))
    for task_id in sorted(state.tasks):
        task = state.tasks[task_id]
        if task.status != OPEN or state.status != RUNNING:
            continue
        if task.remind_at is not None and not task.reminded and task.remind_at <= ctx.now:
            ctx.emit(
                "deadline_reminded",
                node=task.node,
                task=task.id,
                comment="即将到期提醒",
                set_tasks={str(task.id): {"reminded": True}},
            )
            ctx.notify("remind", [task.assignee], task=task.id, node=task.node)
        task = state.tasks[task_id]
        if task.due_at is not None and not task.overdue and task.due_at <= ctx.now:
            _timeout(ctx, task)


def _timeout(ctx: _Ctx, task: Task) -> None:
    node = ctx.d.node(task.node)
    action = node.deadline.on_timeout if node.deadline else "remind"
    ctx.emit(
        "overdue",
        node=node.id,
        task=task.id,
        comment=_TIMEOUT_TEXT[action],
        set_tasks={str(task.id): {"overdue": True, "reminded": True}},
    )
    if action == "remind":
        ctx.notify("overdue", [task.assignee], task=task.id, node=node.id)
    elif action == "escalate":
        head = ctx.facts.head_of(task.on_behalf_of or task.assignee)
        ctx.notify("overdue", [task.assignee], task=task.id, node=node.id)
        ctx.notify("escalate", [head] if head else list(ctx.d.admins), task=task.id, node=node.id)
    elif action == "auto_approve":
        done = T_DONE if task.kind == "handle" else T_APPROVED
        ctx.emit(
            "auto_approved",
            node=node.id,
            task=task.id,
            comment="超时自动通过",
            set_tasks={str(task.id): {"status": done, "acted_at": ctx.now_iso, "auto": "超时自动通过"}},
            approved=[task.on_behalf_of or task.assignee],
            acted=True,
            clear_undo=True,
        )
        _evaluate(ctx, node)
    elif action == "auto_transfer":
        rule = node.deadline.transfer_to if node.deadline else None
        holders = _holders(ctx, node.id)
        people = [p for p in _resolve(ctx, node, rule) if p not in holders]
        if people and not _has_live_signers(ctx, task.id):
            _transfer(ctx, Transfer(actor=0, task=task.id, to=people[0]), auto="超时自动转交")
        else:
            ctx.notify("escalate", list(ctx.d.admins), task=task.id, node=node.id)
    elif action == "auto_return":
        ctx.emit(
            "task_returned",
            node=node.id,
            task=task.id,
            comment="超时自动退回发起人",
            acted=True,
            clear_undo=True,
            set_tasks={str(task.id): {"status": T_RETURNED, "acted_at": ctx.now_iso, "auto": "超时自动退回"}},
        )
        _return_to(ctx, node, "initiator", actor=None)


_TIMEOUT_TEXT = {
    "remind": "已超时，再次提醒",
    "escalate": "已超时，提醒并上报其上级",
    "auto_approve": "已超时，按规则自动通过",
    "auto_transfer": "已超时，按规则自动转交",
    "auto_return": "已超时，按规则自动退回",
}


def _subprocess_ended(ctx: _Ctx, cmd: SubprocessEnded) -> None:
    _running(ctx)
    if cmd.node not in ctx.state.waits:
        raise ActionNotAllowedError("该子流程节点不在等待中。")
    node = ctx.d.node(cmd.node)
    outcome = f"子流程{_OUTCOME_TEXT.get(cmd.outcome, '未通过')}"
    ctx.emit("subprocess_ended", node=node.id, comment=outcome, unwait=[node.id], exit=[node.id], trail=node.id)
    if cmd.outcome == APPROVED:
        _enter(ctx, str(node.next), via=node.id)
    else:
        _finish(ctx, REJECTED, node=node.id, comment=outcome)


_OUTCOME_TEXT = {APPROVED: "已通过", REJECTED: "被驳回", WITHDRAWN: "已撤回", CANCELLED: "已作废"}

_HANDLERS: dict[type, Callable[[_Ctx, Any], None]] = {
    Submit: _submit,
    Approve: _approve,
    Complete: _approve,
    Reject: _reject,
    Return: _return,
    Withdraw: _withdraw,
    Transfer: _transfer,
    AddSigners: _add_signers,
    RemoveSigners: _remove_signers,
    Urge: _urge,
    Comment: _comment,
    MarkRead: _mark_read,
    Cancel: _cancel,
    Reassign: _reassign,
    SkipNode: _skip_node,
    RestartFrom: _restart_from,
    HoldDeadline: _hold_deadline,
    ResumeDeadline: _resume_deadline,
    Tick: _tick,
    SubprocessEnded: _subprocess_ended,
}


# --- the path ahead -----------------------------------------------------------------------------------


def path_nodes(definition: Definition, state: State, facts: Facts) -> list[Node]:
    """The nodes the instance is expected to pass from where it stands (or from the start, for a draft),
    following conditions on the current form; parallel branches are all included."""
    probe = _Ctx(definition, state, facts)
    variables = _variables(probe)
    # 退回后直送: a returned instance goes straight back to the node that returned it (on resubmission, or
    # once the node it was returned to is done), passing over the nodes between.
    jump = state.returned_from if definition.resubmit == "jump_back" else None
    if state.status == RETURNED and jump:
        frontier, jump = [jump], None
    elif state.status in {DRAFT, RETURNED} or not state.runs:
        frontier = [definition.start]
    else:
        frontier = list(state.runs)
    seen: set[str] = set()
    ordered: list[Node] = []
    while frontier:
        node_id = frontier.pop(0)
        if node_id in seen:
            continue
        seen.add(node_id)
        node = definition.node(node_id)
        ordered.append(node)
        if node.kind == "end":
            continue
        if node.kind == "condition":
            frontier.insert(0, _choose_branch(probe, node, variables))
        elif node.kind == "parallel":
            frontier[0:0] = list(node.parallel)
        elif jump and node.is_task_node and node.id != jump:  # as _leave does
            frontier.append(jump)
            jump = None
        elif node.next:
            frontier.append(node.next)
    return ordered


def path_ahead(definition: Definition, state: State, facts: Facts) -> list[tuple[Node, list[int]]]:
    """Each task or notice node ahead with the people expected there (自选 from the submission)."""
    probe = _Ctx(definition, state, facts)
    result = []
    for node in path_nodes(definition, state, facts):
        if node.kind in {"approval", "handle", "cc", "filing"}:
            people = _resolve(probe, node, node.approvers)
            for passed in node.passes_over:  # a green channel files to the people of the nodes it leaves out
                skipped = definition.nodes[passed]
                people.extend(p for p in _resolve(probe, skipped, skipped.approvers) if p not in people)
            result.append((node, people))
    return result

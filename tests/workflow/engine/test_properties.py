"""Property-based tests for the pure flow engine.

Random valid definitions (chains of approval / handle / cc / filing / condition / parallel / timer nodes with
every per-node rule the engine knows) are driven by random, mostly plausible command sequences; after every
command the invariants below must hold. Refused commands must leave the state exactly as it was.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanfu.workflow.engine import (
    ActionNotAllowedError,
    AddSigners,
    Approve,
    Cancel,
    Comment,
    Complete,
    Definition,
    Event,
    InvalidDefinitionError,
    MarkRead,
    MemoryFacts,
    Reject,
    RemoveSigners,
    Return,
    State,
    Submit,
    Task,
    Tick,
    Transfer,
    Urge,
    Withdraw,
    apply,
    decide,
    parse_definition,
    replay,
)
from sanfu.workflow.engine.commands import Command
from sanfu.workflow.engine.statuses import LIVE
from tests.workflow.engine.harness import START

INITIATOR = 1
POOL = (2, 3, 4, 5, 6, 7)  # the people approver rules are drawn from
ADMIN = 7
EVERYONE = (INITIATOR, *POOL)
FINISHED = frozenset({"approved", "rejected", "done", "returned", "transferred", "cancelled", "read"})
SIMPLE_KINDS = ("approval", "handle", "cc", "filing", "timer")
SEGMENT_KINDS = (*SIMPLE_KINDS, "condition", "parallel")

# --- random valid definitions ---------------------------------------------------------------------------


@st.composite
def people_rule(draw: st.DrawFn) -> dict[str, Any]:
    people = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True))
    if draw(st.integers(0, 4)) == 0:  # sometimes the initiator is among the approvers
        people.insert(draw(st.integers(0, len(people))), INITIATOR)
    return {"type": "users", "users": people}


@st.composite
def deadlines(draw: st.DrawFn) -> dict[str, Any]:
    on_timeout = draw(st.sampled_from(["remind", "escalate", "auto_approve", "auto_transfer", "auto_return"]))
    deadline: dict[str, Any] = {"on_timeout": on_timeout}
    if draw(st.booleans()):
        deadline["working_hours"] = draw(st.integers(1, 30))
    else:
        deadline["working_days"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        deadline["remind_before_hours"] = draw(st.sampled_from([0, 1, 2]))
    if on_timeout == "auto_transfer":
        deadline["transfer_to"] = draw(people_rule())
    return deadline


class _Ids:
    def __init__(self) -> None:
        self._count = itertools.count(1)

    def __call__(self, prefix: str = "n") -> str:
        return f"{prefix}{next(self._count)}"


@st.composite
def simple_node(draw: st.DrawFn, node_id: str, next_id: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(SIMPLE_KINDS))
    node: dict[str, Any] = {"id": node_id, "kind": kind, "next": next_id}
    if kind == "timer":
        node["wait"] = {"hours": draw(st.integers(1, 48))}
        return node
    if kind in {"cc", "filing"}:
        node["recipients"] = draw(people_rule())
        return node
    if draw(st.integers(0, 5)) == 0:  # a rule that finds nobody
        node["approvers"] = {"type": "role", "role": "nobody"}
        node["on_empty"] = draw(st.sampled_from(["skip", "admin"]))
    else:
        node["approvers"] = draw(people_rule())
    if kind == "approval":
        node["mode"] = draw(st.sampled_from(["sequential", "all", "any", "ratio"]))
        if node["mode"] == "ratio":
            node["ratio"] = draw(st.sampled_from([0.3, 0.5, 0.6, 2 / 3, 1.0]) | st.floats(0.01, 1.0))
        if draw(st.booleans()):
            node["veto"] = True
        if draw(st.booleans()):
            node["on_reject"] = "return"
            node["reject_to"] = draw(st.sampled_from(["initiator", "previous"]))
    else:
        node["mode"] = draw(st.sampled_from(["sequential", "all", "any"]))
    if draw(st.integers(0, 2)) == 0:
        node["deadline"] = draw(deadlines())
    return node


@st.composite
def sub_chain(draw: st.DrawFn, ids: _Ids, exit_to: str, *, min_size: int = 0) -> tuple[str, list[dict[str, Any]]]:
    """A few simple nodes ending at ``exit_to``; returns (entry id, nodes)."""
    size = draw(st.integers(min_size, 2))
    nodes: list[dict[str, Any]] = []
    entry = exit_to
    for _ in range(size):
        node = draw(simple_node(ids(), entry))
        nodes.append(node)
        entry = node["id"]
    return entry, nodes


CONDITIONS = st.sampled_from(
    ["form.amount > 1000", "form.amount > 5000", "amount > 20000", 'urgency == "特急"', 'urgency != "特急"']
)


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    ids = _Ids()
    segments = draw(st.lists(st.sampled_from(SEGMENT_KINDS), min_size=1, max_size=6))
    nodes: list[dict[str, Any]] = []
    continuation = "end"
    for kind in reversed(segments):  # built backwards: each segment leads on to the one after it
        if kind == "condition":
            node_id = ids("c")
            branches: list[dict[str, Any]] = []
            whens = draw(st.lists(CONDITIONS, min_size=1, max_size=2))
            default_at = draw(st.integers(0, len(whens)))
            for i in range(len(whens) + 1):
                # the default branch always rejoins, so the rest of the chain stays reachable
                exit_to = continuation if i == default_at or draw(st.integers(0, 3)) else "end"
                entry, sub = draw(sub_chain(ids, exit_to))
                nodes.extend(sub)
                if i == default_at:
                    branches.append({"default": True, "next": entry})
                else:
                    branches.append({"when": whens[i if i < default_at else i - 1], "next": entry})
            nodes.append({"id": node_id, "kind": "condition", "branches": branches})
        elif kind == "parallel":
            node_id, join_id = ids("p"), ids("j")
            entries = []
            for _ in range(2):
                entry, sub = draw(sub_chain(ids, join_id, min_size=1))
                nodes.extend(sub)
                entries.append(entry)
            nodes.append({"id": node_id, "kind": "parallel", "branches": entries, "join": join_id})
            nodes.append({"id": join_id, "kind": "join", "next": continuation})
        else:
            node = draw(simple_node(ids(), continuation))
            node_id = node["id"]
            nodes.append(node)
        continuation = node_id
    task_nodes = [n["id"] for n in nodes if n["kind"] in {"approval", "handle"}]
    for node in nodes:  # 驳回退回 to a named node, which may or may not be done in this round when it happens
        if node.get("on_reject") == "return" and draw(st.integers(0, 2)) == 0:
            node["reject_to"] = draw(st.sampled_from(task_nodes))
    nodes.insert(0, {"id": "start", "kind": "start", "next": continuation})
    nodes.append({"id": "end", "kind": "end"})
    return {
        "key": "prop",
        "version": 1,
        "nodes": nodes,
        "admins": draw(st.sampled_from([[ADMIN], []])),
        "on_self": draw(st.sampled_from(["none", "auto_pass", "to_head"])),
        "dedupe": draw(st.sampled_from(["none", "consecutive", "everywhere"])),
        "resubmit": draw(st.sampled_from(["restart", "jump_back"])),
    }


@st.composite
def org_facts(draw: st.DrawFn) -> MemoryFacts:
    heads = draw(st.sampled_from([{}, {INITIATOR: 6}, {INITIATOR: 6, 2: 3, 6: 7}]))
    delegations = draw(st.sampled_from([{}, {3: 5}, {2: 4, 4: 6}]))
    return MemoryFacts(now=START, heads=dict(heads), delegations=dict(delegations))


# --- driving an instance, checking the invariants ------------------------------------------------------


@dataclass
class Driver:
    definition: Definition
    facts: MemoryFacts
    state: State = field(default_factory=State)
    events: list[Event] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    refusal: str = ""

    def do(self, command: Command) -> bool:
        before = self.state.to_dict()
        previous = self.state
        now = self.facts.now
        try:
            decision = decide(self.definition, self.state, command, self.facts)
        except ActionNotAllowedError as refusal:
            assert self.state.to_dict() == before, "a refused command must not change the state"
            self.refusal = refusal.message
            return False
        assert previous.to_dict() == before, "decide must not mutate its input state"
        self.accepted.append(repr(command))
        self._check_events(previous, decision.events, now)
        self.events.extend(decision.events)
        self.state = decision.state
        self._check_state()
        return True

    def _check_events(self, previous: State, events: tuple[Event, ...], now: datetime) -> None:
        state = previous
        for index, event in enumerate(events):
            assert event.at == now, "every event happens at the facts' now"
            if event.type == "approval_withdrawn":
                self._check_withdrawal(event, [*self.events, *events[:index]])
            for data in event.changes.get("new_tasks", ()):
                assert data["id"] not in state.tasks, f"task id {data['id']} reused"
                assert data["id"] >= state.next_task, "new task ids keep counting up"
            if event.type == "node_completed" and self.definition.node(str(event.node)).kind == "approval":
                node = self.definition.node(str(event.node))
                run = state.runs[node.id]
                tasks = [t for t in state.tasks.values() if t.node == node.id and t.visit == run.visit]
                voters = [
                    t
                    for t in tasks
                    if (t.parent is None or t.position == "alongside") and t.status not in {"cancelled", "transferred"}
                ]
                approved = sum(1 for t in voters if t.status == "approved")
                assert voters, f"approval node {node.id} completed without voters"
                assert approved >= node.votes_needed(len(voters)), (
                    f"{node.id} ({node.mode}) completed with {approved}/{len(voters)} approvals"
                )
            after = apply(state, event)
            for task in state.tasks.values():
                if task.status in FINISHED and (event.type != "approval_withdrawn" or task.status == "read"):
                    assert after.tasks[task.id].status == task.status, (
                        f"{event.type} changed finished task {task.id} from {task.status}"
                    )
            state = after

    def _check_withdrawal(self, event: Event, history: list[Event]) -> None:
        """撤回 takes back the withdrawer's own action and what followed from it, never anyone else's (read
        receipts given meanwhile survive it: checked with the finished tasks)."""
        point = max(i for i, e in enumerate(history) if e.changes.get("undo_point"))
        assert history[point].actor == event.actor
        for later in history[point + 1 :]:
            assert later.actor in {None, event.actor} or later.type in {"commented", "urged", "read"}, (
                f"withdrawing {history[point].type} by {event.actor} undid {later.type} by {later.actor}"
            )

    def _check_state(self) -> None:
        state = self.state
        assert [e.seq for e in self.events] == list(range(1, len(self.events) + 1)), "event seqs have gaps"
        assert state.seq == len(self.events)
        live = [t for t in state.tasks.values() if t.status in LIVE]
        open_tasks = [t for t in live if t.status == "open"]
        if state.ended:
            assert not live, f"an ended ({state.status}) instance still has live tasks {live}"
            assert not state.runs, "an ended instance has no runs"
            assert not state.waits, "an ended instance waits on nothing"
        elif state.status == "returned":
            assert not live, f"a returned instance still has live tasks {live}"
        else:
            assert state.status == "running", state.status
            assert open_tasks or state.waits, (
                f"running with nothing to wait for: runs={list(state.runs)} tasks={list(state.tasks.values())}"
            )
        holders: set[tuple[str, int]] = set()
        for task in live:
            run = state.runs.get(task.node)
            assert run is not None, f"live task {task.id} at a node not being worked on"
            assert run.visit == task.visit, f"live task {task.id} from an earlier visit"
            principal = task.on_behalf_of or task.assignee
            assert (task.node, principal) not in holders, f"{principal} holds two live tasks at {task.node}"
            holders.add((task.node, principal))
        groups: dict[tuple[int, str, int], list[Task]] = {}  # a 加签 group that has decided keeps nobody waiting
        for task in state.tasks.values():
            if task.parent is not None and task.position in {"before", "after"}:
                groups.setdefault((task.parent, task.position, task.group), []).append(task)
        for key, members in groups.items():
            voting = [t for t in members if t.status not in {"cancelled", "transferred"}]
            done = [t for t in voting if t.status in {"approved", "done"}]
            decided = bool(done) if members[0].group_mode == "any" else len(done) == len(voting)
            assert not (decided and any(t.live for t in members)), f"a decided 加签 group {key} keeps people waiting"
        for task_id, task in state.tasks.items():
            assert task_id == task.id
            assert task.id < state.next_task
            if task.status == "open":
                assert type(task.assignee) is int
        assert replay(self.events) == state, "replaying the events must rebuild the state"
        assert State.from_dict(state.to_dict()) == state, "to_dict/from_dict must round-trip"


COMMENTS = st.sampled_from(["同意", "请补充材料", " ", ""])
HOURS = st.sampled_from([0.5, 1, 3, 9, 25, 49, 80])


def _task_command(data: st.DataObject, state: State, run: Driver) -> tuple[Command, bool]:  # noqa: PLR0911
    """A command on someone's task: mostly plausible, sometimes not; and whether it must be accepted."""
    approvals = [t for t in state.tasks.values() if t.kind in {"approval", "handle"}]
    live = [t for t in approvals if t.status in LIVE]
    pool = [t for t in live if t.status == "open"] or live or approvals
    task = data.draw(st.sampled_from(sorted(pool, key=lambda t: t.id)))
    actor = data.draw(
        st.sampled_from(
            [task.assignee] * 6 + [p for p in (task.on_behalf_of,) if p] + [data.draw(st.sampled_from(EVERYONE))]
        )
    )
    action = data.draw(
        st.sampled_from(["decide"] * 6 + ["reject"] * 2 + ["return", "transfer", "add", "add", "remove", "wrong_verb"])
    )
    comment = data.draw(COMMENTS)
    # The person whose turn it is may always decide, reject (with a reason) or send it back to the initiator.
    entitled = state.status == "running" and task.status == "open" and actor == task.assignee
    if action == "decide":
        if task.kind == "approval":
            return Approve(actor=actor, task=task.id, comment=comment), entitled
        return Complete(actor=actor, task=task.id, comment=comment), entitled
    if action == "wrong_verb":
        wrong = Complete(actor=actor, task=task.id) if task.kind == "approval" else Approve(actor=actor, task=task.id)
        return wrong, False
    if action == "reject":
        reason = data.draw(st.sampled_from(["不同意", "不同意", "不同意", ""]))
        return Reject(actor=actor, task=task.id, comment=reason), entitled and task.kind == "approval" and bool(reason)
    if action == "return":
        targets = ["initiator", "previous", *state.trail, data.draw(st.sampled_from(list(run.definition.nodes)))]
        to = data.draw(st.sampled_from(targets))
        return Return(actor=actor, task=task.id, to=to, comment="退回重办"), entitled and to == "initiator"
    if action == "transfer":
        return Transfer(actor=actor, task=task.id, to=data.draw(st.sampled_from(EVERYONE))), False
    if action == "add":
        return AddSigners(
            actor=actor,
            task=task.id,
            people=tuple(data.draw(st.lists(st.sampled_from(EVERYONE), min_size=1, max_size=2, unique=True))),
            position=data.draw(st.sampled_from(["before", "after", "alongside"])),
            mode=data.draw(st.sampled_from(["sequential", "all", "any"])),
        ), False
    children = [t.assignee for t in state.tasks.values() if t.parent == task.id]
    people = data.draw(st.lists(st.sampled_from(children or list(EVERYONE)), min_size=1, max_size=2, unique=True))
    return RemoveSigners(actor=actor, task=task.id, people=tuple(people)), False


def _next_command(data: st.DataObject, run: Driver) -> tuple[Command, bool] | None:
    """The next command, and whether it must be accepted."""
    state = run.state
    if state.status == "draft" or (state.status == "returned" and data.draw(st.integers(0, 2))):
        actor = INITIATOR if state.status == "draft" else data.draw(st.sampled_from([INITIATOR] * 5 + [3]))
        submit = Submit(
            actor=actor,
            form={"amount": data.draw(st.sampled_from([0, 500, 3000, 8000, 50000]))},
            urgency=data.draw(st.sampled_from(["", "平急", "特急"])),
        )
        return submit, actor == INITIATOR
    has_tasks = any(t.kind in {"approval", "handle"} for t in state.tasks.values())
    choices = ["task"] * (12 if has_tasks else 0) + ["tick"] * 3
    choices += ["withdraw", "read", "urge", "comment", "cancel"]
    choice = data.draw(st.sampled_from(choices))
    if choice == "task":
        return _task_command(data, state, run)
    if choice == "tick":
        run.facts.now += timedelta(hours=data.draw(HOURS))
        return Tick(), True
    return _other_command(data, run, choice)


def _other_command(data: st.DataObject, run: Driver, choice: str) -> tuple[Command, bool] | None:  # noqa: PLR0911
    state = run.state
    if choice == "withdraw":
        actors = [INITIATOR, data.draw(st.sampled_from(POOL))]
        if state.undo is not None:
            actors += [state.undo.actor] * 2
        return Withdraw(actor=data.draw(st.sampled_from(actors)), comment="撤回"), False
    if choice == "read":
        notices = sorted((t for t in state.tasks.values() if t.kind in {"cc", "filing"}), key=lambda t: t.id)
        if not notices:
            return None
        notice = data.draw(st.sampled_from(notices))
        reader = data.draw(st.sampled_from([notice.assignee, notice.assignee, 6]))
        return MarkRead(actor=reader, task=notice.id), reader == notice.assignee
    if choice == "urge":
        return Urge(actor=data.draw(st.sampled_from([INITIATOR, INITIATOR, 2]))), False
    if choice == "comment":
        return Comment(actor=data.draw(st.sampled_from(EVERYONE)), comment=data.draw(COMMENTS)), False
    if data.draw(st.integers(0, 3)):  # cancelling ends the run early: keep it rare
        return None
    return Cancel(actor=ADMIN, comment=data.draw(COMMENTS)), False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=definitions(), facts=org_facts(), data=st.data())
def test_random_definitions_and_commands_keep_every_invariant(
    spec: dict[str, Any], facts: MemoryFacts, data: st.DataObject
) -> None:
    run = Driver(parse_definition(spec), facts)
    for _ in range(data.draw(st.integers(1, 30))):
        if run.state.ended and data.draw(st.booleans()):
            break
        run.facts.now += timedelta(minutes=data.draw(st.integers(0, 90)))
        drawn = _next_command(data, run)
        if drawn is not None:
            command, must_accept = drawn
            accepted = run.do(command)
            assert accepted or not must_accept, f"{command} was refused: {run.refusal}"


# --- the validator names what is wrong ----------------------------------------------------------------


def _problems(spec: dict[str, Any]) -> list[tuple[str | None, str]]:
    try:
        parse_definition(spec)
    except InvalidDefinitionError as exc:
        return exc.problems
    raise AssertionError("the definition should have been refused")


@settings(max_examples=60, deadline=None)
@given(spec=definitions())
def test_generated_definitions_are_valid(spec: dict[str, Any]) -> None:
    definition = parse_definition(spec)
    assert definition.start == "start"


@settings(max_examples=40, deadline=None)
@given(spec=definitions(), kind=st.sampled_from(SIMPLE_KINDS), data=st.data())
def test_an_unreachable_node_is_named(spec: dict[str, Any], kind: str, data: st.DataObject) -> None:
    orphan = data.draw(simple_node("orphan", data.draw(st.sampled_from([n["id"] for n in spec["nodes"][1:]]))))
    spec["nodes"].append(orphan)
    assert ("orphan", "节点从开始节点不可达") in _problems(spec)


@settings(max_examples=40, deadline=None)
@given(spec=definitions(), defaults=st.sampled_from([0, 2, 3]), data=st.data())
def test_a_condition_without_exactly_one_default_is_named(
    spec: dict[str, Any], defaults: int, data: st.DataObject
) -> None:
    targets = [n["id"] for n in spec["nodes"][1:]]
    branches: list[dict[str, Any]] = [{"when": "form.amount > 10", "next": data.draw(st.sampled_from(targets))}]
    branches += [{"default": True, "next": data.draw(st.sampled_from(targets))} for _ in range(defaults)]
    spec["nodes"].append({"id": "route", "kind": "condition", "branches": branches})
    spec["nodes"][0]["next"] = "route"
    problems = _problems(spec)
    assert any(node == "route" and "默认分支" in message for node, message in problems), problems


@settings(max_examples=40, deadline=None)
@given(spec=definitions(), data=st.data())
def test_a_users_rule_with_nobody_is_named(spec: dict[str, Any], data: st.DataObject) -> None:
    ruled = [n for n in spec["nodes"] if "approvers" in n or "recipients" in n]
    if ruled:
        node = data.draw(st.sampled_from(ruled))
        key = "approvers" if "approvers" in node else "recipients"
    else:
        node = {"id": "blank", "kind": "approval", "next": spec["nodes"][0]["next"]}
        spec["nodes"].append(node)
        spec["nodes"][0]["next"] = "blank"
        key = "approvers"
    node[key] = {"type": "users", "users": []}
    problems = _problems(spec)
    assert any(n == node["id"] and "至少一个人员" in message for n, message in problems), problems


@settings(max_examples=40, deadline=None)
@given(spec=definitions(), when=CONDITIONS)
def test_a_cycle_without_exit_is_named(spec: dict[str, Any], when: str) -> None:
    # start → gate → (loop1 ⇄ loop2 | the original path); loop1 and loop2 can never reach an end.
    spec["nodes"] += [
        {
            "id": "gate",
            "kind": "condition",
            "branches": [{"when": when, "next": "loop1"}, {"default": True, "next": spec["nodes"][0]["next"]}],
        },
        {"id": "loop1", "kind": "approval", "approvers": {"type": "users", "users": [2]}, "next": "loop2"},
        {"id": "loop2", "kind": "approval", "approvers": {"type": "users", "users": [3]}, "next": "loop1"},
    ]
    spec["nodes"][0]["next"] = "gate"
    problems = _problems(spec)
    named = {node for node, message in problems if "没有出口的循环" in message}
    assert named == {"loop1", "loop2"}, problems


@settings(max_examples=40, deadline=None)
@given(spec=definitions(), data=st.data())
def test_a_parallel_branch_that_ends_without_its_join_is_named(spec: dict[str, Any], data: st.DataObject) -> None:
    after = spec["nodes"][0]["next"]
    escape = data.draw(simple_node("escape", "end"))
    stay = data.draw(simple_node("stay", "meet"))
    spec["nodes"] += [
        {"id": "split", "kind": "parallel", "branches": ["stay", "escape"], "join": "meet"},
        stay,
        escape,
        {"id": "meet", "kind": "join", "next": after},
    ]
    spec["nodes"][0]["next"] = "split"
    problems = _problems(spec)
    assert any(node == "split" and "escape" in message and "汇聚" in message for node, message in problems), problems

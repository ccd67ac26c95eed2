"""The efficiency review benchmark's event log: an organisation of 30 departments and a year of instances with
their tasks and events, generated as rows with exactly the shapes the flow engine writes (the services were run
on the same stories and their rows copied: ``submitted``, ``node_entered`` with the new tasks, ``approved`` /
``completed`` / ``rejected`` / ``task_returned`` setting a task's status, ``returned`` and ``ended`` and
``withdrawn`` cancelling the tasks still open, ``resubmitted`` + ``restarted``, ``tasks_opened`` for a 依次
signer, ``overdue`` from the clock, ``node_completed``), and the instance's state as the engine stores it.

The stories (``MATTERS``): 请假 (the department head), 用印申请 (the head, then 办公室: a cross-department hand-off),
采购申请 (the head, then a 会签 of three other departments' heads, all must agree), 收文办理 (the head, then a
办理 task in another department), 出差审批 (the head, then 依次 a deputy leader and the general manager),
费用报销 (the head, then 财务部, then a deputy leader). The head's node has a time limit (some tasks go
overdue); some instances are returned (退回, with a reason) and resubmitted, some rejected, some withdrawn,
and those still going at ``NOW`` keep their open tasks. Most tasks are opened by their holder some time after
they reach them (``seen_at``, written by ``workflow.services.tasks_seen`` when the holder opens the request; its
own random stream, so the stories do not change with it); a few are acted without being opened. Used by
bench/insights.py (its build child) and by tests/insights/test_bench_shapes.py (the same story built through the
services gives the same review)."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SEED = 20261207
DEPARTMENTS = 30
PEOPLE_PER_DEPARTMENT = 20
FIRST_MONTH = (2025, 12)  # twelve months: 2025-12 … 2026-11, all closed at NOW
MONTHS = 12
NOW = int(datetime(2026, 12, 1, 1, 0, tzinfo=UTC).timestamp())  # 2026-12-01 09:00 in the office
LOCAL = 8 * 3600  # Asia/Shanghai: no daylight saving since 1991
HOUR = 3600

RETURN_SHARE = 0.09
REJECT_SHARE = 0.05
WITHDRAW_SHARE = 0.02
RETURN_REASONS = ("缺发票", "材料不全，请补充附件", "金额与附件不符", "请补充情况说明", "事由不清楚")
REJECT_REASONS = ("预算不足", "不符合制度规定", "暂缓办理")
OVERDUE_TEXT = "已超时，再次提醒"  # the engine's comment on an ``overdue`` event (on_timeout = remind)

INSTANCE_COLUMNS = (
    "id",
    "definition_id",
    "title",
    "initiator_id",
    "status",
    "urgency",
    "state",
    "version",
    "wakeup_at",
    "parent_id",
    "parent_node",
    "origin_key",
    "created_at",
    "submitted_at",
    "ended_at",
    "updated_at",
    "confidentiality",
    "unit_id",
    "department_id",
)
TASK_COLUMNS = (
    "id",
    "instance_id",
    "task_no",
    "node",
    "node_name",
    "kind",
    "assignee_id",
    "on_behalf_of_id",
    "status",
    "created_at",
    "due_at",
    "acted_at",
    "overdue",
    "seen_at",
)
EVENT_COLUMNS = (
    "id",
    "instance_id",
    "seq",
    "type",
    "actor_id",
    "on_behalf_of_id",
    "at",
    "node",
    "task_no",
    "comment",
    "changes",
)


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    holders: str  # head | office | countersign | handler | sequential | finance | deputy
    kind: str = "approval"
    deadline_hours: int = 0  # working hours (the spec's ``deadline``)


@dataclass(frozen=True)
class Matter:
    key: str
    name: str
    weight: float
    nodes: tuple[Node, ...]
    versions: int = 1


HEAD = Node("head", "部门负责人审核", "head", deadline_hours=4)
MATTERS = (
    Matter("leave", "请假", 0.50, (HEAD,)),
    Matter("seal", "用印申请", 0.20, (HEAD, Node("office", "办公室审核", "office")), versions=2),
    Matter("purchase", "采购申请", 0.07, (HEAD, Node("sign", "相关部门会签", "countersign"))),
    Matter("receipt", "收文办理", 0.11, (HEAD, Node("handle", "承办部门办理", "handler", kind="handle"))),
    Matter("travel", "出差审批", 0.07, (HEAD, Node("leaders", "领导审批", "sequential"))),
    Matter(
        "expense",
        "费用报销",
        0.05,
        (HEAD, Node("finance", "财务审核", "finance", deadline_hours=8), Node("deputy", "分管领导审批", "deputy")),
    ),
)


def spec_of(matter: Matter, version: int, people: Organisation) -> dict[str, Any]:
    """The matter's definition as published (the approvers' rules only need to parse: the rows name the
    holders)."""

    def users(ids: list[int]) -> dict[str, Any]:
        return {"type": "users", "users": ids}

    nodes: list[dict[str, Any]] = [{"id": "start", "kind": "start", "next": matter.nodes[0].id}]
    for i, node in enumerate(matter.nodes):
        raw: dict[str, Any] = {
            "id": node.id,
            "kind": node.kind,
            "name": node.name,
            "approvers": users([people.heads[1]]),
            "next": matter.nodes[i + 1].id if i + 1 < len(matter.nodes) else "end",
        }
        if node.holders == "countersign":
            raw["mode"] = "all"
            raw["approvers"] = users([people.heads[d] for d in (2, 3, 4)])
        elif node.holders == "sequential":
            raw["approvers"] = users([people.deputies[0], people.gm])
        if node.deadline_hours:
            raw["deadline"] = {"working_hours": node.deadline_hours}
        nodes.append(raw)
    nodes.append({"id": "end", "kind": "end"})
    name = matter.name if version == 1 else f"{matter.name}（第{version}版）"
    return {"key": matter.key, "name": name, "nodes": nodes}


@dataclass
class Organisation:
    """People by department: ``members[d]`` (the head first), the leaders in department 0."""

    unit: int
    departments: list[int]
    members: list[list[int]]
    heads: list[int] = field(default_factory=list)
    deputies: list[int] = field(default_factory=list)
    gm: int = 0
    department_of: dict[int, int] = field(default_factory=dict)  # person → department index

    def __post_init__(self) -> None:
        self.heads = [m[0] for m in self.members]
        self.gm = self.members[0][0]
        self.deputies = self.members[0][1:4]
        self.department_of = {p: d for d, people in enumerate(self.members) for p in people}


# --- times ------------------------------------------------------------------------------------------------


def sqlite_time(t: int | None) -> str | None:
    """Django's SQLite form of an aware datetime: naive UTC text."""
    return None if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def postgresql_time(t: int | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(t))


def iso(t: int | None) -> str | None:
    """The engine's JSON form of a moment: ISO text of ``timezone.now()``, which is UTC."""
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def month_start(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp()) - LOCAL


def span() -> tuple[int, int]:
    year, month = FIRST_MONTH
    end_year, end_month = year + (month - 1 + MONTHS) // 12, (month - 1 + MONTHS) % 12 + 1
    return month_start(year, month), month_start(end_year, end_month)


def office_moment(rng: random.Random, day_start: int) -> int:
    """A moment in office hours (08:30–17:30 local) of the day starting (local midnight) at ``day_start``."""
    return day_start + int(rng.uniform(8.5, 17.5) * HOUR)


# --- one instance -----------------------------------------------------------------------------------------

TASK_TEMPLATE = {
    "id": 0,
    "node": "",
    "visit": 1,
    "kind": "approval",
    "assignee": 0,
    "status": "open",
    "order": 0,
    "on_behalf_of": None,
    "created_at": None,
    "due_at": None,
    "remind_at": None,
    "reminded": False,
    "overdue": False,
    "parent": None,
    "position": None,
    "group_mode": None,
    "group": 0,
    "acted_at": None,
    "comment": "",
    "auto": "",
    "held_at": None,
    "held_due_at": None,
    "held_remind_at": None,
}


class Story:
    """One instance's rows, built step by step as the engine would write them; nothing after ``NOW``."""

    def __init__(self, instance: int, matter: Matter, initiator: int, created: int, department: int) -> None:
        self.instance, self.matter, self.initiator, self.created = instance, matter, initiator, created
        self.department = department  # the initiator's, an index into ``Organisation.members``
        self.events: list[tuple[int, str, int | None, str, int | None, str, dict[str, Any]]] = []
        self.tasks: list[dict[str, Any]] = []  # the engine's task dicts, by task_no - 1
        self.status = "running"
        self.ended: int | None = None
        self.submitted = created
        self.round = 1
        self.visits: dict[str, int] = {}
        self.trail: list[str] = []
        self.approved_people: list[int] = []
        self.last_people: list[int] = []
        self.stopped = False  # NOW was reached: nothing more happens
        self.seen: list[tuple[int, int, int]] = []  # (moment, task_no, holder): first openings, by ``story_rows``

    def emit(  # noqa: PLR0917 (an event's columns, in the table's order)
        self, at: int, type_: str, actor: int | None, node: str, task: int | None, comment: str, **changes: Any
    ) -> None:
        self.events.append((at, type_, actor, node, task, comment, changes))

    def past_now(self, at: int) -> bool:
        if at > NOW:
            self.stopped = True
        return self.stopped

    def submit(self, at: int, again: bool = False) -> None:
        init = {
            "initiator": self.initiator,
            "matter": self.matter.key,
            "form": {},
            "urgency": "",
            "chosen": {},
            "round": self.round,
        }
        if again:
            self.emit(at, "resubmitted", self.initiator, "", None, "", init=init, status="running")
            self.emit(at, "restarted", None, "", None, "", returned_from=None)
            self.submitted = at
        else:
            self.emit(at, "submitted", self.initiator, "", None, "", init=init, status="running")
        self.status = "running"

    def enter(self, at: int, node: Node, holders: list[int], waiting_after_first: bool = False) -> list[dict]:
        self.visits[node.id] = self.visits.get(node.id, 0) + 1
        made = []
        for order, person in enumerate(holders):
            task = dict(TASK_TEMPLATE)
            task.update(
                id=len(self.tasks) + 1,
                node=node.id,
                visit=self.visits[node.id],
                kind=node.kind,
                assignee=person,
                status="waiting" if waiting_after_first and order else "open",
                order=order,
                created_at=iso(at),
                due_at=iso(due_after(at, node.deadline_hours)) if node.deadline_hours else None,
            )
            self.tasks.append(task)
            made.append(task)
        enter = {"node": node.id, "visit": self.visits[node.id], "at": iso(at)}
        new_tasks = [dict(t) for t in made]
        self.emit(at, "node_entered", None, node.id, None, "", new_tasks=new_tasks, enter=enter, approved=[])
        for task in made:
            task["_created"] = at
            if task["status"] == "open":
                task["_reached"] = at
            task["_due"] = due_after(at, node.deadline_hours) if node.deadline_hours else None
        return made

    def overdue_before(self, task: dict, at: int | None) -> None:
        """The clock's ``overdue`` event when the task is still open at its due time."""
        due = task["_due"]
        if due is not None and due <= NOW and (at is None or at > due):
            self.emit(
                due,
                "overdue",
                None,
                task["node"],
                task["id"],
                OVERDUE_TEXT,
                set_tasks={str(task["id"]): {"overdue": True, "reminded": True}},
            )
            task["overdue"] = task["reminded"] = True

    def act(self, at: int, task: dict, status: str, comment: str = "") -> None:
        self.overdue_before(task, at)
        task.update(status=status, acted_at=iso(at), comment=comment)
        task["_acted"] = at
        set_tasks = {str(task["id"]): {"status": status, "acted_at": iso(at), "comment": comment}}
        person = task["assignee"]
        if status in ("approved", "done"):
            type_ = "completed" if status == "done" else "approved"
            self.emit(
                at,
                type_,
                person,
                task["node"],
                task["id"],
                comment,
                set_tasks=set_tasks,
                approved=[person],
                acted=True,
                undo_point=True,
            )
            self.approved_people.append(person)
        elif status == "rejected":
            self.emit(
                at,
                "rejected",
                person,
                task["node"],
                task["id"],
                comment,
                acted=True,
                undo_point=True,
                set_tasks=set_tasks,
            )
        else:  # returned
            self.emit(
                at,
                "task_returned",
                person,
                task["node"],
                task["id"],
                comment,
                acted=True,
                clear_undo=True,
                set_tasks=set_tasks,
            )

    def cancel_open(self, node_tasks: list[dict], at: int | None = None) -> dict[str, dict[str, str]]:
        cancelled = {}
        for task in node_tasks:
            if task["status"] in ("open", "waiting"):
                task["status"] = "cancelled"
                task["_cancelled"] = at
                cancelled[str(task["id"])] = {"status": "cancelled"}
        return cancelled

    def complete_node(self, at: int, node: Node, node_tasks: list[dict]) -> None:
        people = [t["assignee"] for t in node_tasks]
        self.trail.append(node.id)
        self.last_people = people
        self.emit(
            at,
            "node_completed",
            None,
            node.id,
            None,
            f"{len(people)}/{len(people)} 同意",
            set_tasks={},
            exit=[node.id],
            trail=node.id,
            last_people=people,
        )

    def end(  # noqa: PLR0917
        self,
        at: int,
        status: str,
        actor: int | None = None,
        node: str = "end",
        comment: str = "",
        cancelled: dict | None = None,
    ) -> None:
        self.status, self.ended = status, at
        self.emit(
            at,
            "ended",
            actor,
            node,
            None,
            comment,
            status=status,
            set_tasks=cancelled or {},
            exit=[] if node == "end" else [node],
            unwait=[],
            joins={},
            clear_undo=True,
        )

    def state(self) -> dict[str, Any]:
        """The instance's stored state (as ``fastpath.save`` writes it)."""
        return {
            "status": self.status,
            "initiator": self.initiator,
            "matter": self.matter.key,
            "form": {},
            "urgency": "",
            "chosen": {},
            "round": self.round,
            "runs": [],
            "joins": {},
            "waits": {},
            "trail": self.trail,
            "visits": self.visits,
            "approved_people": self.approved_people,
            "last_people": self.last_people,
            "next_task": len(self.tasks) + 1,
            "returned_from": None,
            "returned_trail": [],
            "acted": bool(self.approved_people),
            "last_urged_at": None,
            "seq": len(self.events),
            "tasks": [{k: v for k, v in t.items() if not k.startswith("_")} for t in self.tasks],
            "undo": None,  # an instance still running may hold its last step's undo point; ended ones never
        }


def due_after(at: int, working_hours: int) -> int:
    """A due time about ``working_hours`` of office time later (the afternoon's rest carries to the next day)."""
    local = (at + LOCAL) % 86400
    end_of_day = int(17.5 * HOUR)
    left = max(0, end_of_day - local)
    need = working_hours * HOUR
    if need <= left:
        return at + need
    return at + left + (86400 - end_of_day) + int(8.5 * HOUR) + (need - left)


class Generator:
    """Instances in order of creation, each a ``Story``; ``rows`` yields them as table rows in batches."""

    return_share, reject_share, withdraw_share = RETURN_SHARE, REJECT_SHARE, WITHDRAW_SHARE

    def __init__(
        self,
        org: Organisation,
        definitions: dict[tuple[str, int], int],
        instances: int,
        matters: tuple[Matter, ...] = MATTERS,
    ) -> None:
        self.org, self.definitions, self.count, self.matters = org, definitions, instances, matters
        self.rng = random.Random(SEED)
        # each person's own pace: some answer within the hour, some sit on things for days
        self.pace = {p: self.rng.lognormvariate(0, 0.5) for people in org.members for p in people}
        self.events = self.tasks = 0
        self.opening = random.Random(SEED + 1)  # when holders open their tasks: apart, so the stories stay

    def opened(self, task: dict) -> int | None:
        """When the holder first opened ``task``: some time between reaching them and its end (acted, cancelled,
        or ``NOW`` for one still open); None for one acted from a list without opening it, or never reached."""
        reached = task.get("_reached")
        end = task.get("_acted") or task.get("_cancelled") or (NOW if task["status"] in ("open", "waiting") else None)
        if reached is None or end is None or self.opening.random() < 0.1:
            return None
        moment = reached + int(self.opening.uniform(0.05, 0.9) * (end - reached))
        return moment if reached < moment < end else None

    def delay(self, person: int) -> int:
        hours = min(240.0, self.rng.lognormvariate(math.log(2.5), 1.1) * self.pace[person])
        return max(60, int(hours * HOUR))

    def holders(self, node: Node, initiator_department: int) -> list[int]:  # noqa: PLR0911 (one per kind)
        rng, org = self.rng, self.org
        if node.holders == "head":
            staff = org.members[initiator_department]
            return [staff[0] if rng.random() < 0.8 else staff[1]]
        if node.holders == "office":
            return [rng.choice(org.members[1][:4])]
        if node.holders == "countersign":
            return [org.heads[d] for d in rng.sample(range(2, 8), 3)]
        if node.holders == "handler":
            other = rng.choice([d for d in range(2, len(org.members)) if d != initiator_department])
            return [rng.choice(org.members[other])]
        if node.holders == "sequential":
            return [rng.choice(org.deputies), org.gm]
        if node.holders == "finance":
            return [rng.choice(org.members[2][:5])]
        return [rng.choice(org.deputies)]  # deputy

    def story(self, instance: int, created: int) -> Story:  # noqa: PLR0912, PLR0915 (one story, step by step)
        rng, org = self.rng, self.org
        matter = rng.choices(self.matters, weights=[m.weight for m in self.matters])[0]
        department = rng.randrange(1, len(org.members))
        initiator = rng.choice(org.members[department][2:])
        story = Story(instance, matter, initiator, created, department)
        fate = rng.random()
        fate_at = rng.randrange(len(matter.nodes))
        shares = (self.return_share, self.reject_share, self.withdraw_share)
        returned = fate < shares[0]
        rejected = shares[0] <= fate < shares[0] + shares[1]
        withdrawn = shares[0] + shares[1] <= fate < sum(shares)
        story.submit(created)
        at = created
        k = 0
        while k < len(matter.nodes):
            node = matter.nodes[k]
            sequential = node.holders == "sequential"
            made = story.enter(at, node, self.holders(node, department), waiting_after_first=sequential)
            if withdrawn and k == 0:  # the initiator takes it back before the head decides
                when = at + rng.randrange(600, 8 * HOUR)
                if story.past_now(when):
                    break
                story.overdue_before(made[0], when)
                cancelled = story.cancel_open(made, when)
                story.status, story.ended = "withdrawn", when
                story.emit(
                    when,
                    "withdrawn",
                    initiator,
                    "",
                    None,
                    "",
                    status="withdrawn",
                    set_tasks=cancelled,
                    exit=[node.id],
                    unwait=[],
                    joins={},
                    clear_undo=True,
                )
                break
            acts = []  # (moment, task) in the order they happen
            if sequential:
                moment = at
                for i, task in enumerate(made):
                    if i:
                        if story.past_now(moment):
                            break
                        story.emit(
                            moment,
                            "tasks_opened",
                            None,
                            node.id,
                            None,
                            "",
                            set_tasks={str(task["id"]): {"status": "open"}},
                        )
                        task["status"] = "open"  # its row keeps the time it was made, waiting
                        task["_reached"] = moment
                    moment += self.delay(task["assignee"])
                    acts.append((moment, task))
                    if moment > NOW:
                        break
                    story.act(
                        moment,
                        task,
                        "approved" if not (rejected and k == fate_at and i) else "rejected",
                        rng.choice(REJECT_REASONS) if rejected and k == fate_at and i else "",
                    )
                    if rejected and k == fate_at and i:
                        break
                if story.stopped or acts[-1][0] > NOW:
                    story.stopped = True
                    self.still_open(story, made)
                    break
                if rejected and k == fate_at:
                    story.end(acts[-1][0], "rejected", made[-1]["assignee"], node.id, made[-1]["comment"])
                    break
                at = acts[-1][0]
                story.complete_node(at, node, made)
                k += 1
                continue
            acts = sorted(((at + self.delay(t["assignee"]), t) for t in made), key=lambda a: a[0])
            if returned and k == fate_at:  # one holder sends it back to the initiator
                when, task = acts[rng.randrange(len(acts))]
                before = [(m, t) for m, t in acts if m < when]
                for moment, other in before:
                    if story.past_now(moment):
                        break
                    story.act(moment, other, "approved" if node.kind == "approval" else "done")
                if story.stopped or story.past_now(when):
                    self.still_open(story, made)
                    break
                reason = rng.choice(RETURN_REASONS)
                story.act(when, task, "returned", reason)
                for _, other in acts:
                    if other["status"] == "open":
                        story.overdue_before(other, when)
                cancelled = story.cancel_open(made, when)
                story.status = "returned"
                story.emit(
                    when,
                    "returned",
                    task["assignee"],
                    node.id,
                    None,
                    "",
                    status="returned",
                    trail_cut=0,
                    set_tasks=cancelled,
                    exit=[node.id],
                    unwait=[],
                    joins={},
                    returned_from=node.id,
                )
                again = when + int(rng.uniform(0.5, 48) * HOUR)
                if story.past_now(again):
                    break
                story.round += 1
                story.submit(again, again=True)
                returned = False
                at, k = again, 0
                continue
            if rejected and k == fate_at and node.kind == "approval":  # 办理 is done, never rejected
                when, task = acts[0]
                if story.past_now(when):
                    self.still_open(story, made)
                    break
                reason = rng.choice(REJECT_REASONS)
                story.act(when, task, "rejected", reason)
                for _, other in acts[1:]:
                    story.overdue_before(other, when)
                cancelled = story.cancel_open(made, when)
                story.end(when, "rejected", task["assignee"], node.id, reason, cancelled)
                break
            for moment, task in acts:
                if story.past_now(moment):
                    break
                story.act(moment, task, "approved" if node.kind == "approval" else "done")
            if story.stopped:
                self.still_open(story, made)
                break
            at = acts[-1][0]
            story.complete_node(at, node, made)
            k += 1
        else:
            story.end(at, "approved")
        return story

    @staticmethod
    def still_open(story: Story, made: list[dict]) -> None:
        for task in made:
            if task["status"] == "open":
                story.overdue_before(task, None)

    def created_moments(self) -> list[int]:
        """Creation moments spread over the span's working days (a few at weekends), in order."""
        first, last = span()
        days = (last - first) // 86400
        moments = []
        for _ in range(self.count):
            day = self.rng.randrange(days)
            weekday = time.gmtime(first + LOCAL + day * 86400).tm_wday
            if weekday >= 5 and self.rng.random() < 0.9:
                day = max(0, day - (weekday - 4))  # most weekend requests are really Friday's
            moments.append(office_moment(self.rng, first + day * 86400))
        return sorted(moments)

    def rows(self, *, postgresql: bool, batch: int = 5000) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
        fmt = postgresql_time if postgresql else sqlite_time
        instances: list[tuple] = []
        tasks: list[tuple] = []
        events: list[tuple] = []
        for i, created in enumerate(self.created_moments(), start=1):
            instance, its_tasks, its_events = self.story_rows(self.story(i, created), fmt)
            instances.append(instance)
            tasks += its_tasks
            events += its_events
            if len(instances) >= batch:
                yield instances, tasks, events
                instances, tasks, events = [], [], []
        if instances:
            yield instances, tasks, events

    def story_rows(self, story: Story, fmt: Any) -> tuple[tuple, list[tuple], list[tuple]]:
        """The story's instance row, task rows and event rows (ids go on from the last story's)."""
        first, last = span()
        matter = story.matter
        version = 1 + (matter.versions > 1 and story.created >= first + (last - first) // 2)
        i = story.instance
        events = []
        for seq, (at, type_, actor, node, task_no, comment, changes) in enumerate(
            sorted(story.events, key=lambda e: e[0]), start=1
        ):
            self.events += 1
            events.append(
                (self.events, i, seq, type_, actor, None, fmt(at), node, task_no, comment, json.dumps(changes))
            )
        tasks = []
        story.seen = []
        for task in story.tasks:
            self.tasks += 1
            seen = self.opened(task)
            if seen is not None:
                story.seen.append((seen, task["id"], task["assignee"]))
            tasks.append(
                (
                    self.tasks,
                    i,
                    task["id"],
                    task["node"],
                    node_name(matter, task["node"]),
                    task["kind"],
                    task["assignee"],
                    None,
                    task["status"],
                    fmt(task["_created"]),
                    fmt(task["_due"]),
                    fmt(task.get("_acted")),
                    task["overdue"],
                    fmt(seen),
                )
            )
        instance = (
            i,
            self.definitions[(matter.key, version)],
            f"{matter.name} {i}",
            story.initiator,
            story.status,
            "",
            json.dumps(story.state()),
            len(story.events),
            None,
            None,
            "",
            None,
            fmt(story.created),
            fmt(story.submitted),
            fmt(story.ended),
            fmt(max(e[0] for e in story.events)),
            "internal",
            self.org.unit,
            self.org.departments[story.department],
        )
        return instance, tasks, events


def node_name(matter: Matter, node_id: str) -> str:
    return next(n.name for n in matter.nodes if n.id == node_id)

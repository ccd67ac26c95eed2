"""The benchmark's generated log (bench/insights_log.py) has the engine's shapes: the same stories replayed through
the workflow services write the same tasks and events, and the review of the generated rows equals the review of
the replayed ones. The stories are the generator's own (returns with their reasons, 会签, 依次, 办理, rejections,
withdrawals, cross-department hand-offs), squeezed into June 2026; the time limits are left out (the generator
approximates the engine's working-hours due times, so its ``overdue`` events would not line up)."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection

from sanfu.insights import measures, services
from sanfu.insights.facts import Month
from sanfu.org.models import Department, PostRole, Rank
from sanfu.workflow import services as flow
from sanfu.workflow.models import Instance, InstanceEvent, Task
from tests.conftest import make_department, make_staff, make_unit
from tests.worlds import built_once

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import insights_log as log  # the benchmark's generator lives beside the benchmark

STORIES = 24
JUNE = Month(2026, 6)
MATTERS = tuple(replace(m, nodes=tuple(replace(n, deadline_hours=0) for n in m.nodes)) for m in log.MATTERS)


class JuneGenerator(log.Generator):
    """The generator's stories, more of them sent back, rejected or withdrawn, all begun in June 2026, each node
    held by the people its published definition names."""

    return_share, reject_share, withdraw_share = 0.25, 0.15, 0.1

    def __init__(self, org: log.Organisation, definitions: dict[tuple[str, int], int]) -> None:
        super().__init__(org, definitions, STORIES, MATTERS)
        members = org.members
        self.fixed = {
            "head": [members[3][0]],
            "office": [members[1][1]],
            "sign": [org.heads[2], org.heads[4], org.heads[5]],
            "handle": [members[6][2]],
            "leaders": [org.deputies[0], org.gm],
            "finance": [members[2][1]],
            "deputy": [org.deputies[1]],
        }

    def holders(self, node: log.Node, initiator_department: int) -> list[int]:
        return list(self.fixed[node.id])

    def created_moments(self) -> list[int]:
        first, _ = JUNE.bounds_ms
        return sorted(log.office_moment(self.rng, first // 1000 + day * 86400) for day in range(1, STORIES + 1))


def organisation() -> log.Organisation:
    unit = make_unit("bench-shapes", name="基准单位")
    members = []
    for d in range(8):
        department = make_department(unit, f"部门{d}")
        people = []
        for i in range(4):
            ranks = (Rank.LEADER, Rank.DEPUTY_LEADER) if d == 0 else (Rank.HEAD, Rank.STAFF)
            rank = ranks[0] if i == 0 else ranks[1]
            role = PostRole.HEAD if i == 0 else PostRole.MEMBER
            people.append(make_staff(department, role=role, rank=rank, username=f"b{d}{i}").pk)
        members.append(people)
    departments = list(Department.objects.filter(unit=unit).order_by("pk").values_list("pk", flat=True))
    return log.Organisation(unit=unit.pk, departments=departments, members=members)


def publish(generator: JuneGenerator) -> dict[tuple[str, int], int]:
    definitions = {}
    for matter in MATTERS:
        spec = log.spec_of(matter, 1, generator.org)
        for node in spec["nodes"]:
            if node["id"] in generator.fixed:
                node["approvers"] = {"type": "users", "users": generator.fixed[node["id"]]}
        pk = flow.definition_publish(actor=None, spec=spec).pk
        definitions.update({(matter.key, v): pk for v in (1, 2)})
    return definitions


def insert(generator: JuneGenerator) -> list[log.Story]:
    """The generated rows, written as the benchmark writes them (SQLite or PostgreSQL text times)."""
    fmt = log.postgresql_time if connection.vendor == "postgresql" else log.sqlite_time
    stories = [generator.story(i, created) for i, created in enumerate(generator.created_moments(), start=1)]
    tables = (
        ("workflow_instance", log.INSTANCE_COLUMNS),
        ("workflow_task", log.TASK_COLUMNS),
        ("workflow_instanceevent", log.EVENT_COLUMNS),
    )
    base = {t: _max_id(t) for t, _ in tables}
    generator.tasks, generator.events = base["workflow_task"], base["workflow_instanceevent"]
    rows: list[list[tuple]] = [[], [], []]
    for story in stories:
        story.instance += base["workflow_instance"]
        instance, tasks, events = generator.story_rows(story, fmt)
        rows[0].append(instance)
        rows[1] += tasks
        rows[2] += events
    with connection.cursor() as cur:
        for (table, columns), data in zip(tables, rows, strict=True):
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)  # noqa: S608
    return stories


def _max_id(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
        return cur.fetchone()[0]


def _moment(t: int) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def replay(story: log.Story, users: dict[int, Any]) -> Instance:
    """The story's actions through the services at their moments, the holders opening their tasks among them;
    the engine does the rest."""
    instance: Instance | None = None
    openings = [(at, "opened", holder, "", task_no, "", {}) for at, task_no, holder in story.seen]
    for at, type_, actor, _node, task_no, comment, _changes in sorted([*story.events, *openings], key=lambda e: e[0]):
        now = _moment(at)
        if type_ == "submitted":
            instance = flow.instance_start(
                actor=users[actor], definition_key=story.matter.key, title=f"{story.matter.name}", now=now
            )
            continue
        assert instance is not None
        task = Task.objects.filter(instance=instance, task_no=task_no).first() if task_no else None
        if type_ == "opened":
            assert flow.tasks_seen(actor=users[actor], instance_id=instance.pk, now=now) == 1
        elif type_ in ("approved", "completed"):
            flow.task_approve(actor=users[actor], task_id=task.pk, now=now)
        elif type_ == "rejected":
            flow.task_reject(actor=users[actor], task_id=task.pk, comment=comment, now=now)
        elif type_ == "task_returned":
            flow.task_return(actor=users[actor], task_id=task.pk, comment=comment, now=now)
        elif type_ == "resubmitted":
            flow.instance_resubmit(actor=users[actor], instance_id=instance.pk, now=now)
        elif type_ == "withdrawn":
            with time_machine.travel(now, tick=False):
                flow.instance_withdraw(actor=users[actor], instance_id=instance.pk)
    assert instance is not None
    return instance


def _review(unit: int, month: Month, ids: dict[int, int]) -> dict[str, Any]:
    figures = measures.review(services.spine_for(unit_id=unit, month=month))
    for reason in figures["reasons"]:
        reason["instance"] = ids.get(reason["instance"], reason["instance"])
    return figures


def build() -> dict[str, Any]:
    from sanfu.accounts.models import User

    org = organisation()
    generator = JuneGenerator(org, {})
    generator.definitions = publish(generator)
    stories = insert(generator)
    generated = {m.text: _review(org.unit, m, {}) for m in (JUNE, JUNE.next)}
    rows = {
        s.instance: (
            list(Task.objects.filter(instance_id=s.instance).order_by("task_no").values(*TASK_FIELDS)),
            list(InstanceEvent.objects.filter(instance_id=s.instance).order_by("seq").values(*EVENT_FIELDS)),
            Instance.objects.filter(pk=s.instance).values(*INSTANCE_FIELDS).get(),
        )
        for s in stories
    }
    InstanceEvent.objects.filter(instance__unit_id=org.unit).delete()
    Task.objects.filter(instance__unit_id=org.unit).delete()
    Instance.objects.filter(unit_id=org.unit).delete()
    users = {u.pk: u for u in User.objects.all()}
    replayed = {s.instance: replay(s, users).pk for s in stories}
    real_rows = {
        s.instance: (
            list(Task.objects.filter(instance_id=replayed[s.instance]).order_by("task_no").values(*TASK_FIELDS)),
            list(InstanceEvent.objects.filter(instance_id=replayed[s.instance]).order_by("seq").values(*EVENT_FIELDS)),
            Instance.objects.filter(pk=replayed[s.instance]).values(*INSTANCE_FIELDS).get(),
        )
        for s in stories
    }
    back = {real: generated_id for generated_id, real in replayed.items()}
    real = {m.text: _review(org.unit, m, back) for m in (JUNE, JUNE.next)}
    return {"stories": stories, "generated": generated, "real": real, "rows": rows, "real_rows": real_rows}


TASK_FIELDS = (
    "task_no",
    "node",
    "node_name",
    "kind",
    "assignee_id",
    "status",
    "created_at",
    "acted_at",
    "overdue",
    "seen_at",
)
EVENT_FIELDS = ("seq", "type", "actor_id", "node", "task_no", "comment", "at", "changes")
INSTANCE_FIELDS = ("status", "initiator_id", "created_at", "submitted_at", "ended_at", "state")


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    yield from built_once(django_db_blocker, tmp_path_factory, build)


pytestmark = pytest.mark.django_db


def test_the_stories_cover_what_the_measures_read(scene: dict[str, Any]) -> None:
    types = {e[1] for s in scene["stories"] for e in s.events}
    assert {"task_returned", "returned", "resubmitted", "rejected", "withdrawn", "tasks_opened", "completed"} <= types
    assert any(len([t for t in s.tasks if t["node"] == "sign"]) == 3 for s in scene["stories"])  # a 会签
    # most tasks opened by their holders before they acted, a few not: both sides of the queue / handling split
    opened = sum(len(s.seen) for s in scene["stories"])
    assert 0 < opened < sum(len(s.tasks) for s in scene["stories"])
    assert 0 < scene["generated"][JUNE.text]["total"]["seen_rate"] < 100


def test_generated_rows_are_the_rows_the_services_write(scene: dict[str, Any]) -> None:
    for story in scene["stories"]:
        tasks, events, instance = scene["rows"][story.instance]
        real_tasks, real_events, real_instance = scene["real_rows"][story.instance]
        assert tasks == real_tasks, story.matter.key
        for generated, real in zip(events, real_events, strict=False):
            assert generated == real, story.matter.key
        assert len(events) == len(real_events), story.matter.key
        for key in ("status", "initiator_id", "created_at", "submitted_at", "ended_at"):
            assert instance[key] == real_instance[key], (story.matter.key, key)
        state, real_state = instance["state"], real_instance["state"]
        assert set(state) == set(real_state), (story.matter.key, real_state, [e["type"] for e in real_events])
        for key in ("status", "trail", "visits", "approved_people", "round", "next_task", "tasks"):
            assert state[key] == real_state[key], (story.matter.key, key)


def test_the_review_of_the_generated_log_is_the_review_of_the_real_one(scene: dict[str, Any]) -> None:
    for month, figures in scene["generated"].items():
        assert figures["total"]["ended"] > 0 or month != JUNE.text
        assert figures == scene["real"][month], month

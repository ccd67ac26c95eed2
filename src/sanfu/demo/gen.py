"""A group at scale for benchmarks (``sanfu gen``): the demo organisation and catalogue, then second-level units
laid out like the demo's power plant until the group has ``staff`` people, then ``instances`` requests.

The people are made as the demo makes its own (``org._plan`` / ``_ensure_people``: three bulk INSERTs per unit,
the pinyin keys and the mobile's blind index computed as ``Staff.save`` would). The requests come two ways:

- **prototypes**, made through the services (``matter_submit``, then each step acted on by its holder with
  ``task_approve`` / ``task_reject`` / ``request_return_for_materials`` / ``instance_resubmit``, each at its
  moment), by applicants drawn from every unit, over the last nine months: requests at every stage (running at
  any node, returned for materials, approved, rejected);
- **copies** of prototypes, written in bulk: every row the services wrote for a prototype's request (instance,
  tasks, events, outbox, request, attachments, material returns) copied under new ids, with a new request
  number (its day's sequence moved past it) and the outbox keys renamed. A copy is the same request made again
  by the same people at the same moments; ``tests/demo/test_gen.py`` replays a prototype through the services and
  finds the same rows as its copy. Copies of running requests are kept to ``open_share`` of all requests, so
  open to-dos stay a realistic share while the history grows.

Refuses to run on a database that has requests or a generated group already (run it once, on a fresh one)."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from sanfu.accounts.models import Role, User
from sanfu.approvals import services
from sanfu.approvals.models import Attachment, MaterialReturn, MatterType, NumberSequence, Request
from sanfu.core.errors import ApplicationError
from sanfu.demo import history
from sanfu.demo.org import (
    DEMO_PASSWORD,
    MAIN_DEPARTMENTS,
    MAIN_SEATS,
    _Counts,
    _ensure_departments,
    _ensure_leaders_in_charge,
    _ensure_people,
    _ensure_positions,
    _ensure_unit,
    _grant_all,
    _plan,
)
from sanfu.demo.seed import seed_all
from sanfu.org.models import Department, Post, PostRole, Rank, Staff, Unit
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task

UNIT_PREFIX = "gen"  # generated units' codes: gen0001, gen0002, …
CITIES = "南宁柳州桂林梧州北海钦州防城港玉林百色贺州河池来宾崇左广州深圳佛山湛江茂名肇庆韶关清远云浮"
KINDS = ("发电有限公司", "供电分公司", "检修有限公司", "燃料有限公司", "新能源有限公司", "电力工程公司")
DAYS = 270
BATCH = 2000  # copies per transaction


class AlreadyGeneratedError(Exception):
    """The database holds a generated group, or requests made otherwise, already."""


@dataclass(frozen=True)
class Step:
    """One action on a prototype, as the services were called."""

    verb: str  # approve, reject, return, resubmit
    task_no: int
    actor: int
    comment: str
    moment: datetime
    materials: tuple[str, ...] = ()


@dataclass
class Prototype:
    """A request made through the services and how it was walked (enough to make it again)."""

    request: int
    instance: int
    matter: int
    applicant: int
    title: str
    urgency: str
    data: dict[str, Any]
    moment: datetime
    steps: list[Step] = field(default_factory=list)


@dataclass
class Generated:
    units: int = 0
    people: int = 0
    prototypes: list[Prototype] = field(default_factory=list)
    copies: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _say(stdout: TextIO | Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


# --- the group ------------------------------------------------------------------------------------------


def _unit_name(i: int) -> tuple[str, str]:
    city = CITIES[(i - 1) % len(CITIES)]
    if city == "防":  # a three-character name split by the modulo: keep it whole
        city = "防城港"
    kind = KINDS[((i - 1) // len(CITIES)) % len(KINDS)]
    n = (i - 1) // (len(CITIES) * len(KINDS)) + 1
    short = f"{city}{kind[:2]}" + (str(n) if n > 1 else "")
    return f"华南能源集团{city}{kind}" + (f"（{n}）" if n > 1 else ""), short


def _build_units(staff: int, stdout: TextIO | Any) -> tuple[int, int]:
    """Second-level units like the demo's plant, under the group, until it has ``staff`` people."""
    have = Staff.objects.count()
    per_unit = sum(seat.count for seat in MAIN_SEATS)
    wanted = max(0, staff - have)
    units = math.ceil(wanted / per_unit)
    password_hash = make_password(DEMO_PASSWORD)
    group = Unit.objects.get(code="group")
    roles = {r.code: r for r in Role.objects.filter(code__in=["leader", "dept-head", "clerk", "hr-officer"])}
    made = 0
    for i in range(1, units + 1):
        counts = _Counts()
        name, short = _unit_name(i)
        with transaction.atomic():
            unit = _ensure_unit(f"{UNIT_PREFIX}{i:04d}", name, short, parent=group, sort=100 + i, counts=counts)
            positions = _ensure_positions(unit)
            depts = _ensure_departments(unit, MAIN_DEPARTMENTS, counts)
            people = _plan(MAIN_SEATS, prefix=f"G{i:04d}", rng=random.Random(3000 + i))
            people = people[: min(per_unit, wanted - made)]  # the last unit takes what is left (leaders first)
            refs = {p.ref for p in people}
            by_ref = _ensure_people(unit, people, depts, positions, password_hash=password_hash, counts=counts)
            spec = [row for row in MAIN_DEPARTMENTS if row[3] is None or row[3] in refs]
            _ensure_leaders_in_charge(depts, spec, by_ref)
            wanted_grants = [
                (by_ref[r], roles["leader"]) for r in ("gm", "deputy1", "deputy2", "deputy3") if r in by_ref
            ]
            heads = Post.objects.filter(
                department__unit=unit, department__parent__isnull=True, role=PostRole.HEAD, staff__rank=Rank.HEAD
            ).select_related("staff__user")
            wanted_grants += [(post.staff.user, roles["dept-head"]) for post in heads]
            wanted_grants += [(by_ref[r], roles["clerk"]) for r in ("clerk", "clerk2") if r in by_ref]
            if "hr" in by_ref:
                wanted_grants.append((by_ref["hr"], roles["hr-officer"]))
            _grant_all(wanted_grants, unit, counts)
        made += len(people)
        if i % 50 == 0:
            _say(stdout, f"  单位 {i}/{units}，人员 {made}")
    return units, made


# --- prototypes through the services --------------------------------------------------------------------


def _applicants(rng: random.Random, count: int) -> list[User]:
    """Up to ``count`` people below the leaders, drawn from every unit."""
    ids = list(
        Staff.objects.filter(rank__lt=Rank.DEPUTY_LEADER, user__is_active=True).values_list("user_id", flat=True)
    )
    chosen = rng.sample(ids, min(count, len(ids)))
    return list(User.objects.filter(pk__in=chosen))


def make_prototypes(
    count: int, *, open_share: float = 0.02, seed: int = 2026, now: datetime | None = None
) -> list[Prototype]:
    """``count`` requests through the services over the last ``DAYS`` days, oldest first, each walked as its
    approvers would (the demo history's habits: ``history._step_hours``, 4% rejected, 6% returned for
    materials once); those still open at ``now`` stay where they are, and ``open_share`` of them stop earlier,
    at a random step (requests still waiting somewhere: the backlog every inbox has)."""
    rng = random.Random(seed)
    end = now or timezone.now()
    matters = list(MatterType.objects.filter(is_active=True).order_by("sort"))
    applicants = _applicants(rng, max(1, min(count, 5000)))
    users = {u.pk: u for u in applicants}
    people = list(users)
    departments = list(Department.objects.values_list("pk", flat=True)[:200])
    made: list[Prototype] = []
    for plan in history._plans(rng, count=count, days=DAYS, end=end, matters=matters, users=users):
        data = history._form(plan.matter, rng, history._Context(plan.moment.date(), people, departments))
        try:
            request = services.matter_submit(
                actor=plan.applicant,
                matter=plan.matter,
                title=plan.title,
                urgency=plan.urgency,
                data=data,
                materials=_materials(plan.matter),
                now=plan.moment,
            )
        except ApplicationError:
            continue  # a generated form the rules refuse is skipped, as in the demo history
        proto = Prototype(
            request.pk,
            request.instance_id,
            plan.matter.pk,
            plan.applicant.pk,
            plan.title,
            plan.urgency,
            data,
            plan.moment,
        )
        stop = rng.randint(0, 3) if rng.random() < open_share else None
        _walk(proto, request, rng, end, stop)
        made.append(proto)
    # History is history: its notices are not sent (as the demo history does).
    OutboxMessage.objects.filter(delivered_at__isnull=True, kind="notify").update(delivered_at=end)
    return made


def _materials(matter: MatterType) -> dict[str, list[Any]]:
    return {str(m["code"]): [history._material(m)] for m in matter.materials if m.get("required", True)}


def _walk(proto: Prototype, request: Request, rng: random.Random, end: datetime, stop: int | None) -> None:
    moment = proto.moment
    returned = False
    for step_no in range(12):
        if stop is not None and step_no >= stop:
            return
        instance = Instance.objects.get(pk=request.instance_id)
        if instance.status == "returned":
            moment += timedelta(hours=rng.uniform(2, 30))
            if moment >= end:
                return
            step = Step("resubmit", 0, proto.applicant, "已补正材料", moment)
        elif instance.status != "running":
            return
        else:
            task = Task.objects.filter(instance=instance, status="open").order_by("task_no").first()
            if task is None:
                return
            moment += timedelta(hours=history._step_hours(rng, task.node, request.matter.code))
            if moment >= end:
                return
            roll = rng.random()
            if roll < 0.04:
                step = Step("reject", task.task_no, task.assignee_id, "不符合规定，不予同意。", moment)
            elif roll < 0.10 and not returned and request.matter.materials:
                returned = True
                codes = tuple(str(m["code"]) for m in request.matter.materials)[:1]
                step = Step("return", task.task_no, task.assignee_id, "请补充盖章件。", moment, codes)
            else:
                comment = rng.choice(["同意", "同意。", "拟同意", "请按规定办理。"])
                step = Step("approve", task.task_no, task.assignee_id, comment, moment)
        try:
            act(step, instance_id=instance.pk)
        except ApplicationError:
            return
        proto.steps.append(step)


def act(step: Step, *, instance_id: int) -> None:
    """Do ``step`` on the instance through the services (also how the test replays a prototype)."""
    actor = User.objects.get(pk=step.actor)
    if step.verb == "resubmit":
        workflow.instance_resubmit(actor=actor, instance_id=instance_id, comment=step.comment, now=step.moment)
        return
    task_id = Task.objects.get(instance_id=instance_id, task_no=step.task_no).pk
    if step.verb == "reject":
        workflow.task_reject(actor=actor, task_id=task_id, comment=step.comment, now=step.moment)
    elif step.verb == "return":
        services.request_return_for_materials(
            actor=actor, task_id=task_id, materials=list(step.materials), comment=step.comment, now=step.moment
        )
    else:
        workflow.task_approve(actor=actor, task_id=task_id, comment=step.comment, now=step.moment)


def replay(proto: Prototype) -> Request:
    """Make ``proto``'s request again through the services, with the same form and the same steps."""
    matter = MatterType.objects.get(pk=proto.matter)
    request = services.matter_submit(
        actor=User.objects.get(pk=proto.applicant),
        matter=matter,
        title=proto.title,
        urgency=proto.urgency,
        data=proto.data,
        materials=_materials(matter),
        now=proto.moment,
    )
    for step in proto.steps:
        act(step, instance_id=request.instance_id)
    return request


# --- copies in bulk -------------------------------------------------------------------------------------

# The tables a request's services write, each with the column that ties a row to the request or instance.
TABLES: tuple[tuple[type[Any], str], ...] = (
    (Instance, "id"),
    (Task, "instance_id"),
    (InstanceEvent, "instance_id"),
    (OutboxMessage, "instance_id"),
    (Request, "instance_id"),
    (Attachment, "request_id"),
    (MaterialReturn, "request_id"),
)


@dataclass
class _Rows:
    """A prototype's rows as the database holds them (raw column values)."""

    by_table: dict[str, list[dict[str, Any]]]


def _columns(model: type[Any]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _select(model: type[Any], where: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    table = model._meta.db_table
    columns = _columns(model)
    out: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {cols} FROM {table} WHERE {where} IN ({marks}) ORDER BY id", chunk)  # noqa: S608
            out += [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return out


def load_prototypes(instance_ids: Sequence[int]) -> dict[int, _Rows]:
    """Every row of each prototype, keyed by its instance id."""
    found: dict[int, _Rows] = {i: _Rows({}) for i in instance_ids}
    requests = _select(Request, "instance_id", instance_ids)
    request_of = {r["id"]: r["instance_id"] for r in requests}
    for model, key in TABLES:
        table = model._meta.db_table
        if model is Request:
            rows = requests
        elif key == "request_id":
            rows = _select(model, "request_id", list(request_of))
        else:
            rows = _select(model, key, instance_ids)
        for row in rows:
            owner = request_of[row["request_id"]] if key == "request_id" else row[key]
            found[owner].by_table.setdefault(table, []).append(row)
    return found


class _Ids:
    """The next free id of each table (copies are written with explicit ids)."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}
        for model, _key in TABLES:
            table = model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                self.next[table] = int(cursor.fetchone()[0]) + 1

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _json_out(value: Any) -> Any:
    """A JSON column's value as read back, ready to write again (PostgreSQL hands back Python objects)."""
    if connection.vendor == "postgresql" and isinstance(value, dict | list):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


class _Numbers:
    """Request numbers for copies: the next of the prototype's prefix and day, the day's sequence moved on."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], int] = {}

    def next(self, number: str) -> str:
        prefix, day, _n = number.rsplit("-", 2)
        key = (prefix, day)
        if key not in self.last:
            row = NumberSequence.objects.filter(
                prefix=prefix, day=date(int(day[:4]), int(day[4:6]), int(day[6:]))
            ).first()
            self.last[key] = row.last if row else 0
        self.last[key] += 1
        return f"{prefix}-{day}-{self.last[key]:04d}"

    def save(self) -> None:
        for (prefix, day), last in self.last.items():
            NumberSequence.objects.update_or_create(
                prefix=prefix, day=date(int(day[:4]), int(day[4:6]), int(day[6:])), defaults={"last": last}
            )


def _copy_one(rows: _Rows, ids: _Ids, numbers: _Numbers, out: dict[str, list[dict[str, Any]]]) -> None:
    t = rows.by_table
    old_instance = t[Instance._meta.db_table][0]["id"]
    new_instance = ids.take(Instance._meta.db_table)
    task_ids: dict[int, int] = {}
    request_ids: dict[int, int] = {}
    for model, _key in TABLES:
        table = model._meta.db_table
        json_columns = {f.column for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"}
        for row in t.get(table, []):
            new = {k: (_json_out(v) if k in json_columns else v) for k, v in row.items()}
            if model is Instance:
                new["id"] = new_instance
            else:
                new["id"] = ids.take(table)
            if "instance_id" in new:
                new["instance_id"] = new_instance
            if model is Task:
                task_ids[row["id"]] = new["id"]
            elif model is Request:
                request_ids[row["id"]] = new["id"]
                new["number"] = numbers.next(row["number"])
            elif model is OutboxMessage:
                prefix = f"wf:{old_instance}:"
                if not row["key"].startswith(prefix):
                    continue  # only the flow's own messages are a request's (none other is written for one)
                new["key"] = f"wf:{new_instance}:" + row["key"][len(prefix) :]
                payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
                if isinstance(payload.get("task"), int):
                    payload["task"] = task_ids.get(payload["task"], payload["task"])
                new["payload"] = _json_out(payload) if connection.vendor == "postgresql" else json.dumps(payload)
            elif "request_id" in new and new["request_id"] is not None:
                new["request_id"] = request_ids[row["request_id"]]
            out.setdefault(table, []).append(new)


def _insert(out: dict[str, list[dict[str, Any]]]) -> None:
    with connection.cursor() as cursor:
        for model, _key in TABLES:  # parents first
            table = model._meta.db_table
            rows = out.get(table)
            if not rows:
                continue
            columns = list(rows[0])
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
            if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs over the socket
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(tuple(r[c] for c in columns))
                continue
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608
                [tuple(r[c] for c in columns) for r in rows],
            )


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id written
    with connection.cursor() as cursor:
        for model, _key in TABLES:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
            )


def make_copies(
    prototypes: Sequence[Prototype], count: int, *, open_share: float, seed: int = 7, stdout: TextIO | Any = None
) -> int:
    """``count`` copies of ``prototypes`` in bulk; copies of requests still open at most ``open_share`` of all."""
    if count <= 0 or not prototypes:
        return 0
    loaded = load_prototypes([p.instance for p in prototypes])
    statuses = dict(Instance.objects.filter(pk__in=list(loaded)).values_list("pk", "status"))
    ended = [i for i, s in statuses.items() if s not in {"running", "returned"}]
    still_open = [i for i, s in statuses.items() if s in {"running", "returned"}]
    total = count + len(prototypes)
    open_copies = max(0, min(count, int(open_share * total) - len(still_open))) if still_open else 0
    rng = random.Random(seed)
    picks = [rng.choice(still_open) for _ in range(open_copies)]
    picks += [rng.choice(ended or still_open) for _ in range(count - open_copies)]
    rng.shuffle(picks)
    ids = _Ids()
    numbers = _Numbers()
    done = 0
    for start in range(0, len(picks), BATCH):
        out: dict[str, list[dict[str, Any]]] = {}
        for instance_id in picks[start : start + BATCH]:
            _copy_one(loaded[instance_id], ids, numbers, out)
        with transaction.atomic():
            _insert(out)
        done += len(picks[start : start + BATCH])
        if done % 50_000 < BATCH:
            _say(stdout, f"  复制 {done}/{count}")
    with transaction.atomic():
        numbers.save()
        _reset_sequences()
    return done


# --- the command's work ---------------------------------------------------------------------------------


def generate(
    *,
    staff: int,
    instances: int,
    prototypes: int,
    open_share: float = 0.02,
    stdout: TextIO | Any = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Generated:
    """The whole group; raises ``AlreadyGeneratedError`` on a database that has one."""
    if Unit.objects.filter(code__startswith=UNIT_PREFIX).exists() or Request.objects.exists():
        raise AlreadyGeneratedError
    result = Generated()
    t = clock()
    seed_all(history=0, stdout=None)
    result.seconds["demo"] = clock() - t
    t = clock()
    result.units, result.people = _build_units(staff, stdout)
    result.seconds["staff"] = clock() - t
    _say(stdout, f"人员：新增单位 {result.units}，新增人员 {result.people}（{result.seconds['staff']:.0f} 秒）")
    t = clock()
    result.prototypes = make_prototypes(min(prototypes, instances), open_share=open_share, now=now)
    result.seconds["prototypes"] = clock() - t
    _say(stdout, f"经服务层办理的申请：{len(result.prototypes)} 件（{result.seconds['prototypes']:.0f} 秒）")
    t = clock()
    result.copies = make_copies(
        result.prototypes, instances - len(result.prototypes), open_share=open_share, stdout=stdout
    )
    result.seconds["copies"] = clock() - t
    _say(stdout, f"批量复制的申请：{result.copies} 件（{result.seconds['copies']:.0f} 秒）")
    return result


def stage_counts() -> dict[str, int]:
    """The requests' instances by status."""
    rows = (
        Instance.objects.filter(pk__in=Request.objects.values("instance_id"))
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return dict(rows)

"""R4: the server is killed (SIGKILL) while people approve, 100 times; nothing acknowledged is lost and nothing
is left half-done.

A real gunicorn server (a preloaded master and two sync workers) runs on the test database. Four people sign
in through the login page and approve over HTTP, several at once and on the same instances (a countersign
step: three people act on one instance at the same moment), with a double click now and then. In every
round a random worker is killed while the requests are in flight; every tenth round the whole server (master
and workers) is killed and started again. Afterwards:

- every approval the client saw acknowledged (302 back to the instance page) is in the event log, by its
  person, on its task, with its own comment, exactly once;
- no task was approved twice, and every instance's state, status and to-do rows are what its event log
  says (``sanfu flow verify``);
- every effect written with a step (its outbox message) belongs to an event that was written, and after the
  sweep each was delivered once: one notice per person, none missing, none twice;
- on SQLite the file passes ``PRAGMA integrity_check``.

Requests that were cut by a kill are not acknowledged: each of them may have been applied or not, but only
as a whole (the checks above see every row, acknowledged or not).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.core.models import Notification
from sanfu.org.models import PostRole
from sanfu.workflow import outbox, services
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskStatus
from tests.conftest import PASSWORD, make_department, make_staff, make_unit
from tests.reliability.server import Browser, Gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 100
WHOLE_SERVER_EVERY = 10  # every tenth round kills the master and all its workers, then starts it again
WORKERS = 2
INSTANCES = 120  # more than the rounds can finish: every round finds open tasks
INSTANCES_PER_ROUND = 2
KEY = "r4-countersign"


@pytest.fixture
def people(transactional_db: None) -> dict[str, User]:
    """An applicant, three people who countersign (会签) and the one who approves last."""
    unit = make_unit("r4", name="可靠性测试公司")
    office = make_department(unit, "办公室")
    found = {"applicant": make_staff(office, username="r4_applicant")}
    for name in ("r4_a", "r4_b", "r4_c"):
        found[name] = make_staff(office, username=name)
    found["r4_head"] = make_staff(office, role=PostRole.HEAD, username="r4_head")
    return found


def _publish(people: dict[str, User]) -> None:
    signers = [people[n].pk for n in ("r4_a", "r4_b", "r4_c")]
    services.definition_publish(
        actor=None,
        spec={
            "key": KEY,
            "name": "会签后审批",
            "nodes": [
                {"id": "start", "kind": "start", "next": "sign"},
                {
                    "id": "sign",
                    "kind": "approval",
                    "name": "会签",
                    "mode": "all",
                    "approvers": {"type": "users", "users": signers},
                    "next": "head",
                },
                {
                    "id": "head",
                    "kind": "approval",
                    "name": "负责人审批",
                    "approvers": {"type": "users", "users": [people["r4_head"].pk]},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )


@dataclass(frozen=True)
class Approval:
    """One approval the client sent: whose, on which task of which instance, with a comment of its own."""

    username: str
    task_id: int
    instance_id: int
    comment: str


@dataclass
class Tally:
    """What the client saw."""

    sent: int = 0
    cut: int = 0  # the connection died with the worker: no answer at all
    worker_kills: int = 0
    server_kills: int = 0
    acknowledged: list[Approval] = field(default_factory=list)  # 302 back to the instance page
    # the page again with a reason (a lost race, a task already done): nothing may have been applied
    refused: list[Approval] = field(default_factory=list)
    unexpected: list[tuple[Approval, Any]] = field(default_factory=list)

    def record(self, approval: Approval, outcome: str, detail: Any) -> None:
        self.sent += 1
        if outcome == "cut":
            self.cut += 1
            return
        status, location = detail
        if status == 302 and location.endswith(f"/approvals/instances/{approval.instance_id}/"):
            self.acknowledged.append(approval)
        elif status == 200:
            self.refused.append(approval)
        else:  # a server error, a lost session (302 to the login page), a CSRF refusal
            self.unexpected.append((approval, detail))


def _send(browser: Browser, approval: Approval) -> tuple[str, Any]:
    """Post one approval; ("ok", status, location) or ("cut", the error)."""
    try:
        status, headers, _body = browser.post(
            f"/approvals/instances/{approval.instance_id}/approve/",
            {"task": str(approval.task_id), "comment": approval.comment},
        )
    except (OSError, http.client.HTTPException) as exc:
        return "cut", exc
    return "ok", (status, headers.get("Location", ""))


def _round_of_approvals(pool: list[int], rng: random.Random, round_no: int) -> list[Approval]:
    """Every open task of a few random instances, and one of them twice (a double click)."""
    open_tasks = list(
        Task.objects.filter(instance_id__in=pool, status=TaskStatus.OPEN).values_list(
            "pk", "instance_id", "assignee__username"
        )
    )
    # among the oldest live instances, so that instances go through both steps to the end
    live = sorted({instance for _pk, instance, _who in open_tasks})[: INSTANCES_PER_ROUND * 2]
    chosen = set(rng.sample(live, min(INSTANCES_PER_ROUND, len(live))))
    approvals = [
        Approval(who, pk, instance, f"r{round_no}-{pk}-1") for pk, instance, who in open_tasks if instance in chosen
    ]
    twice = rng.choice(approvals)
    approvals.append(Approval(twice.username, twice.task_id, twice.instance_id, f"r{round_no}-{twice.task_id}-2"))
    rng.shuffle(approvals)
    return approvals


def _fire(
    browsers: dict[str, Browser], approvals: list[Approval], kill: Callable[[], None]
) -> list[tuple[Approval, tuple[str, Any]]]:
    """Send the approvals at once, each from its person's browser, and kill while they are in flight."""
    results: list[tuple[Approval, tuple[str, Any]] | None] = [None] * len(approvals)
    start = threading.Barrier(len(approvals) + 1)

    def run(index: int, approval: Approval) -> None:
        start.wait()
        results[index] = (approval, _send(browsers[approval.username], approval))

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(approvals)]
    for thread in threads:
        thread.start()
    start.wait()
    kill()
    for thread in threads:
        thread.join(60)
    assert all(r is not None for r in results), "a request neither finished nor failed"
    return [r for r in results if r is not None]


@contextlib.contextmanager
def _server() -> Iterator[Gunicorn]:
    server = Gunicorn(workers=WORKERS)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if connection.vendor == "postgresql":
            # a killed worker's backend ends when PostgreSQL notices; the test database is dropped after this
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


def _serve_and_kill(server: Gunicorn, pool: list[int], rng: random.Random) -> Tally:
    """The rounds: approvals at once, a kill while they are in flight."""
    tally = Tally()
    browsers = {}
    for username in ("r4_a", "r4_b", "r4_c", "r4_head"):
        browsers[username] = Browser(server.port)
        browsers[username].sign_in(username, PASSWORD)
    for round_no in range(1, ROUNDS + 1):
        whole = round_no % WHOLE_SERVER_EVERY == 0
        delay = rng.uniform(0.0, 0.08)  # into the requests: some in the transaction, some before or after

        def kill(whole: bool = whole, delay: float = delay) -> None:
            time.sleep(delay)
            if whole:
                server.kill_all()
                tally.server_kills += 1
                return
            workers = server.worker_pids()
            if workers:
                server.kill_worker(rng.choice(workers))
                tally.worker_kills += 1

        for approval, (outcome, detail) in _fire(browsers, _round_of_approvals(pool, rng, round_no), kill):
            tally.record(approval, outcome, detail)
        if whole and round_no < ROUNDS:
            server.start()
    return tally


def _check_the_log(pool: list[int], tally: Tally) -> int:
    """Each acknowledged approval is in the log (its person, its task, its own comment) and its task is done;
    no refused one is; no task was approved twice. Returns how many approvals were applied whose request
    was cut by a kill."""
    logged = {
        e.comment: e
        for e in InstanceEvent.objects.filter(type="approved", instance_id__in=pool).select_related("actor")
    }
    task_numbers = dict(Task.objects.filter(instance_id__in=pool).values_list("pk", "task_no"))
    statuses = dict(Task.objects.filter(instance_id__in=pool).values_list("pk", "status"))
    for approval in tally.refused:
        assert approval.comment not in logged, f"refused but applied: {approval}"
    for approval in tally.acknowledged:
        event = logged.get(approval.comment)
        assert event is not None, f"acknowledged but lost: {approval}"
        assert event.actor.username == approval.username, approval
        assert (event.instance_id, event.task_no) == (approval.instance_id, task_numbers[approval.task_id]), approval
        assert statuses[approval.task_id] == TaskStatus.APPROVED, approval
    twice = (
        InstanceEvent.objects.filter(type="approved", instance_id__in=pool)
        .values("instance_id", "task_no")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists(), list(twice)
    return len(logged) - len(tally.acknowledged)


def _check_effects(pool: list[int]) -> int:
    """Every effect belongs to a written step, every step that opened tasks or ended wrote its notice, and
    after the sweep (a minute later: the claims of killed deliveries have expired) each was delivered: one
    notice per person, none missing, none twice. Returns how many effects there were."""
    steps = set(InstanceEvent.objects.filter(instance_id__in=pool).values_list("instance_id", "seq"))
    messages = list(OutboxMessage.objects.filter(instance_id__in=pool))
    for message in messages:
        _wf, instance_id, seq, _index = message.key.split(":")
        assert (int(instance_id), int(seq)) in steps, f"an effect without its step: {message.key}"
    notices: dict[tuple[int, str], list[int]] = {}
    for m in messages:
        if m.payload.get("kind") == "task":
            where = (m.instance_id, m.payload["node"])
            assert where not in notices, f"two task notices for one step: {where}"
            notices[where] = m.payload["people"]
    tasks = list(Task.objects.filter(instance_id__in=pool).values_list("instance_id", "node", "assignee_id"))
    for instance_id, node, assignee in tasks:
        assert assignee in notices.get((instance_id, node), []), f"a task of #{instance_id} at {node} without notice"
    ended = {m.instance_id for m in messages if m.payload.get("kind") == "ended"}
    assert ended == set(Instance.objects.filter(pk__in=pool, status="approved").values_list("pk", flat=True))
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        outbox.deliver_pending(limit=100_000)
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    expected = {f"{m.key}:{person}" for m in messages if m.kind == "notify" for person in m.payload["people"]}
    assert set(Notification.objects.filter(key__startswith="wf:").values_list("key", flat=True)) == expected
    return len(messages)


def test_R4_killing_the_server_during_approvals_loses_nothing_acknowledged_and_leaves_nothing_half_done(
    people: dict[str, User], figures: Callable[[str], None]
) -> None:
    began = time.monotonic()
    rng = random.Random(20261207)  # a fixed seed: a failing run can be repeated
    _publish(people)
    pool = [
        services.instance_start(actor=people["applicant"], definition_key=KEY, title=f"会签事项{i}").pk
        for i in range(INSTANCES)
    ]
    with _server() as server:
        tally = _serve_and_kill(server, pool, rng)
    assert not tally.unexpected, tally.unexpected[:5]
    assert tally.cut > 0, "no kill landed on a request in flight"

    applied_unacknowledged = _check_the_log(pool, tally)
    out = io.StringIO()
    call_command("flow", "verify", stdout=out)  # raises CommandError naming each instance that differs
    assert f"{Instance.objects.count()} instances agree with their event log" in out.getvalue()
    effects = _check_effects(pool)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchall() == [("ok",)]

    finished = Instance.objects.filter(pk__in=pool, status="approved").count()
    figures(
        f"R4: {ROUNDS} rounds, {tally.worker_kills} worker kills + {tally.server_kills} whole-server kills "
        f"({server.starts} starts); {tally.sent} approvals sent, {len(tally.acknowledged)} acknowledged and "
        f"found, {len(tally.refused)} refused, {tally.cut} cut by a kill ({applied_unacknowledged} of those applied); "
        f"{finished} instances finished; {effects} effects delivered once; "
        f"{time.monotonic() - began:.1f} s in all, {server.seconds_starting:.1f} s of it starting servers"
    )

"""R1: one task completed by two people at the same moment. On the run's database (SQLite or PostgreSQL),
1,000 races through the flow's services and a few dozen through the pages: every race has exactly one
winner, and the loser is told in words that someone else handled it — never a server error, never two
approvals of one task."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanfu.core.errors import ConflictError, ErrorCode
from sanfu.org.models import Delegation
from sanfu.workflow import outbox, services
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskStatus
from sanfu.workflow.verify import instances_verify
from tests.approvals.test_inbox import submit

pytestmark = pytest.mark.django_db(transaction=True)

RACES = 1000  # through the services, on each database
HTTP_RACES = 40  # through the pages (a request costs ten times a service call)
# What a loser may be told: the task was handled by someone (named), or the flow moved on.
CONFLICT_WORDS = re.compile(r"已由 .+ 处理|刚刚办理了该流程|刚刚被他人处理|可能已由他人办理")


@dataclass
class Round:
    """One race: what each side got (a value or the exception it raised) and when each call ran."""

    results: list[Any] = field(default_factory=lambda: [None, None])
    spans: list[tuple[float, float]] = field(default_factory=lambda: [(0.0, 0.0), (0.0, 0.0)])

    @property
    def one_winner_one_told_loser(self) -> bool:
        """One side's step went through; the other got the conflict refusal, in words saying someone acted."""
        won = [r for r in self.results if isinstance(r, Instance)]
        lost = [r for r in self.results if isinstance(r, ConflictError) and r.code == ErrorCode.CONFLICT]
        return len(won) == len(lost) == 1 and bool(CONFLICT_WORDS.search(lost[0].message))

    @property
    def overlapped(self) -> bool:
        """Both calls were running at one moment (not one finished before the other began)."""
        return max(s for s, _ in self.spans) < min(e for _, e in self.spans)


def race_rounds(
    items: Sequence[Any], sides: tuple[Callable[[Any], Any], Callable[[Any], Any]], *, pairs: int = 4
) -> list[Round]:
    """For each item, run both sides on it at the same moment. ``pairs`` pairs of threads share the items and
    race at once (a busy office); the two threads of a pair keep their database connections for the whole
    series and meet at a barrier before every round (a thread and a connection per call would measure thread
    and connection start-up, not the race)."""
    rounds = [Round() for _ in items]

    def run(side: int, mine: range, barrier: threading.Barrier) -> None:
        action = sides[side]
        try:
            for index in mine:
                barrier.wait(timeout=60)
                began = time.perf_counter()
                try:
                    rounds[index].results[side] = action(items[index])
                except Exception as exc:  # the loser's refusal is the point; anything else fails the checks
                    rounds[index].results[side] = exc
                rounds[index].spans[side] = (began, time.perf_counter())
        finally:
            connections.close_all()

    threads = []
    for pair in range(pairs):
        barrier = threading.Barrier(2)
        mine = range(pair, len(items), pairs)
        threads += [threading.Thread(target=run, args=(side, mine, barrier)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return rounds


def in_parallel(count: int, make: Callable[[int], Any], *, threads: int = 4) -> list[Any]:
    """``make(0)`` … ``make(count - 1)`` spread over ``threads`` threads, each with its own connection."""
    made: list[Any] = [None] * count

    def run(first: int) -> None:
        try:
            for index in range(first, count, threads):
                made[index] = make(index)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(first,)) for first in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(600)
    return made


def _delegate_section_head_to_office_head(org: dict[str, Any]) -> None:
    """The head's tasks go to the office head (委托代理), and the head may still act on them himself: two
    people, one task."""
    now = timezone.now()
    Delegation.objects.create(
        principal=org["section_head"],
        delegate=org["office_head"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )


def parallel_writers() -> int:
    """PostgreSQL takes writers side by side; SQLite one at a time, its waiting writers sleeping in steps, so
    more threads there only add waiting."""
    return 4 if connection.vendor == "postgresql" else 1


@pytest.mark.usefixtures("reference")
def test_R1_a_thousand_races_on_one_task_each_have_one_winner_and_a_told_loser(org, figures, monkeypatch):
    # No worker runs: what a step sends stays in the outbox, where it is counted below. (The test settings
    # otherwise deliver synchronously after every commit: twice the time, and not what is raced.)
    monkeypatch.setattr(outbox, "nudge", lambda: None)
    _delegate_section_head_to_office_head(org)
    head, delegate = org["section_head"], org["office_head"]
    sent_by_one_approval = {}  # what a start and one uncontested approval send, by who approves
    for approver in (head, delegate):
        control = services.instance_start(
            actor=org["clerk"], definition_key="expense", title="对照", form={"amount": 5}
        )
        services.task_approve(actor=approver, task_id=Task.objects.get(instance=control, status=TaskStatus.OPEN).pk)
        sent_by_one_approval[approver.pk] = OutboxMessage.objects.filter(instance=control).count()
    # the head's to-do at the start, the leader's after the approval (and a delegate tells the head he acted)
    assert sent_by_one_approval == {head.pk: 2, delegate.pk: 3}
    started, cpu_started = time.perf_counter(), time.process_time()
    instances = in_parallel(
        RACES,
        lambda i: services.instance_start(
            actor=org["clerk"], definition_key="expense", title=f"报销{i}", form={"amount": 5}
        ),
        threads=parallel_writers(),
    )
    tasks = list(Task.objects.filter(instance__in=instances, status=TaskStatus.OPEN).order_by("instance_id"))
    assert len(tasks) == RACES
    assert {(t.assignee_id, t.on_behalf_of_id) for t in tasks} == {(delegate.pk, head.pk)}
    prepared = time.perf_counter()

    # Even rounds: the head and his delegate press 同意 together; odd rounds: the head's double click.
    def first(task: Task) -> Instance:
        return services.task_approve(actor=head, task_id=task.pk, comment="本人批")

    def second(task: Task) -> Instance:
        actor = delegate if task.instance_id % 2 == 0 else head
        return services.task_approve(actor=actor, task_id=task.pk, comment="同时批")

    rounds = race_rounds(tasks, (first, second), pairs=parallel_writers())
    raced = time.perf_counter()

    names = {head.pk: head.display_name, delegate.pk: delegate.display_name}
    one_winner = sum(this.one_winner_one_told_loser for this in rounds)
    odd = [
        (task.pk, this.results) for task, this in zip(tasks, rounds, strict=True) if not this.one_winner_one_told_loser
    ]
    assert not odd, odd[:5]
    # The database agrees with every result: one approval per task, each event log replays to its state.
    approvals = list(
        InstanceEvent.objects.filter(instance__in=instances, type="approved").values_list("instance_id", "actor_id")
    )
    assert len(approvals) == RACES
    assert len({instance_id for instance_id, _ in approvals}) == RACES
    assert {actor for _, actor in approvals} <= set(names)
    assert not Task.objects.filter(pk__in=[t.pk for t in tasks]).exclude(status=TaskStatus.APPROVED).exists()
    report = instances_verify(instance_ids=[i.pk for i in instances])
    assert (report.checked, report.mismatches) == (RACES, [])
    # The losers sent nothing: each instance has in its outbox what one uncontested approval by its winner sends.
    sent = Counter(OutboxMessage.objects.filter(instance__in=instances).values_list("instance_id", flat=True))
    expected = {instance_id: sent_by_one_approval[actor] for instance_id, actor in approvals}
    assert sent == expected, [(i, n, expected.get(i)) for i, n in sent.items() if n != expected.get(i)][:5]
    # A loser named in a message is the winner: check on the rounds where the two sides were different people.
    for task, this in zip(tasks, rounds, strict=True):
        if task.instance_id % 2 == 0:
            won_by = next(i for i, r in enumerate(this.results) if isinstance(r, Instance))
            winner = head if won_by == 0 else delegate
            assert names[winner.pk] in this.results[1 - won_by].message, this.results[1 - won_by].message

    overlapped = sum(this.overlapped for this in rounds)
    delegated = sum(task.instance_id % 2 == 0 for task in tasks)
    figures(
        f"R1 services: {len(rounds)} races ({delegated} head against delegate, {len(rounds) - delegated}"
        f" double clicks), {one_winner} with one winner and one loser told who acted; {overlapped} overlapped "
        f"in time; prepared {RACES} instances in {prepared - started:.1f} s, raced in {raced - prepared:.1f} s, "
        f"checked in {time.perf_counter() - raced:.1f} s; {time.process_time() - cpu_started:.1f} s of CPU here"
    )


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_R1_over_http_the_loser_of_a_race_sees_who_handled_it_not_a_server_error(org, flows, figures):
    _delegate_section_head_to_office_head(org)
    instances = [submit(org["clerk"], flows["leave"], f"年假{i}") for i in range(HTTP_RACES)]
    tasks = {t.instance_id: t.pk for t in Task.objects.filter(instance__in=instances, status=TaskStatus.OPEN)}
    head, delegate = _signed_in(org["section_head"]), _signed_in(org["office_head"])
    for client in (head, delegate):  # the first page of a session writes it; the race is about the task
        assert client.get(reverse("approvals:inbox")).status_code == 200
    started = time.perf_counter()

    def press(client: Client) -> Callable[[Instance], Any]:
        def post(instance: Instance) -> Any:
            url = reverse("approvals:instance_approve", args=[instance.pk])
            return client.post(url, {"task": tasks[instance.pk], "comment": "同意"})

        return post

    rounds = race_rounds(instances, (press(head), press(delegate)), pairs=1)  # a test client is one browser
    took = time.perf_counter() - started

    for instance, this in zip(instances, rounds, strict=True):
        codes = sorted(r.status_code for r in this.results)
        assert codes == [200, 302], (instance.pk, codes)  # one back to the page, one shown the page again
        loser = next(r for r in this.results if r.status_code == 200)
        # (the winners' 已提交 messages of earlier rounds wait in the session: no page showed them)
        errors = [str(m) for m in loser.context["messages"] if m.level_tag == "error"]
        assert len(errors) == 1, errors
        assert CONFLICT_WORDS.search(errors[0]), errors
        assert errors[0] in loser.content.decode()
        assert InstanceEvent.objects.filter(instance=instance, type="approved").count() == 1
    report = instances_verify(instance_ids=[i.pk for i in instances])
    assert (report.checked, report.mismatches) == (HTTP_RACES, [])
    figures(
        f"R1 pages: {len(rounds)} races over HTTP, each one 302 and one page with the conflict message; "
        f"{sum(r.overlapped for r in rounds)} overlapped in time; raced in {took:.1f} s"
    )

"""R11: random sequences of what people do in the 审批中心, through its pages (the Django test client), with the
invariants checked after every step.

Seven signed-in people — the two applicants, the approvers, and others who have nothing to do with a request —
start 请假 requests and press 同意, 驳回, 退回, 转交, 撤回, 催办, 评论 and 重新提交 on them, often where they may
not. After each press:

- no answer is a server error;
- a press by someone not entitled to it (同意 / 驳回 / 退回 / 转交: not holding an open task of the request;
  撤回 / 催办 / 重新提交: not its applicant; anything: not allowed to see it) is refused;
- every refused press leaves the request exactly as it was (instance, events, tasks, request row, outbox,
  notifications);
- the holder of an open task who presses 同意 with an acceptable comment moves the request on;
- every request's stored state is what its event log replays to (``sanfu flow verify``).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sanfu.accounts.models import User
from sanfu.approvals.models import Request
from sanfu.core.models import Notification
from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task, TaskKind, TaskStatus
from sanfu.workflow.selectors import visible_instances
from sanfu.workflow.services import COMMENT_MAX_LENGTH
from sanfu.workflow.verify import instances_verify

APPLICANTS = ("clerk", "accountant")
PEOPLE = (*APPLICANTS, "section_head", "finance_head", "deputy", "office_head", "gm")
BY_TASK_HOLDER = ("approve", "reject", "return", "transfer")
BY_APPLICANT = ("withdraw", "urge", "resubmit")
ACTIONS = (*BY_TASK_HOLDER, *BY_APPLICANT, "comment")
COMMENTS = st.sampled_from(["同意", "请补充休假交接安排", "已阅，同意", "", "长" * (COMMENT_MAX_LENGTH + 1)])
MAX_REQUESTS = 3  # per example: enough to interleave, few enough that each sees many steps
EXAMPLES, STEPS = 12, 20


def snapshot(instance_id: int) -> dict[str, Any]:
    """What any press may change about one request."""
    return {
        "instance": Instance.objects.filter(pk=instance_id).values("version", "status", "state").get(),
        "events": list(
            InstanceEvent.objects.filter(instance_id=instance_id).order_by("seq").values_list("seq", "type", "actor")
        ),
        "tasks": list(
            Task.objects.filter(instance_id=instance_id)
            .order_by("task_no")
            .values_list("task_no", "status", "assignee")
        ),
        "request": list(Request.objects.filter(instance_id=instance_id).values()),
        "outbox": OutboxMessage.objects.count(),
        "notifications": Notification.objects.count(),
    }


def task_holders(instance_id: int) -> set[int]:
    """Who holds an open 审批 / 办理 task of the request (for himself or for someone else)."""
    rows = Task.objects.filter(
        instance_id=instance_id, status=TaskStatus.OPEN, kind__in=[TaskKind.APPROVAL, TaskKind.HANDLE]
    ).values_list("assignee_id", "on_behalf_of_id")
    return {pk for row in rows for pk in row if pk is not None}


def entitled(action: str, actor: User, instance_id: int) -> bool:
    """May ``actor`` possibly have ``action`` accepted (the rules below the pages, stated independently)?"""
    if not visible_instances(actor).filter(pk=instance_id).exists():
        return False
    if action in BY_TASK_HOLDER:
        return actor.pk in task_holders(instance_id)
    if action in BY_APPLICANT:
        return Instance.objects.filter(pk=instance_id, initiator=actor).exists()
    return True  # 评论: whoever sees the request


class PressesThroughThePages(RuleBasedStateMachine):
    people: ClassVar[dict[str, User]]
    clients: ClassVar[dict[str, Client]]
    seen: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.mine: list[int] = []
        self.seen["examples"] += 1

    def _start(self, who: str, urgency: str) -> None:
        response = self.clients[who].post(
            reverse("approvals:start", args=["leave"]), {"title": f"{who} 年假", "urgency": urgency}
        )
        assert response.status_code == 302, response.status_code
        match = resolve(urlsplit(response["Location"]).path)
        assert match.url_name == "instance", response["Location"]
        self.mine.append(int(match.kwargs["instance_id"]))
        self.seen["requests started"] += 1

    @initialize(who=st.sampled_from(APPLICANTS), urgency=st.sampled_from(["平急", "加急"]))
    def first_request(self, who: str, urgency: str) -> None:
        self._start(who, urgency)

    @precondition(lambda self: len(self.mine) < MAX_REQUESTS)
    @rule(who=st.sampled_from(APPLICANTS), urgency=st.sampled_from(["平急", "加急", "特急"]))
    def start(self, who: str, urgency: str) -> None:
        self._start(who, urgency)

    @rule(data=st.data(), action=st.sampled_from(ACTIONS), comment=COMMENTS, anyone=st.booleans())
    def press(self, data: st.DataObject, action: str, comment: str, anyone: bool) -> None:
        """Half the presses come from someone the action is for (a task holder, the applicant), half from
        anyone at all."""
        instance_id = data.draw(st.sampled_from(self.mine))
        likely = [name for name, person in self.people.items() if entitled(action, person, instance_id)]
        who = data.draw(st.sampled_from(PEOPLE if anyone or not likely else likely))
        actor = self.people[who]
        form: dict[str, Any] = {"comment": comment}
        if action == "return":
            form["to"] = data.draw(st.sampled_from(["initiator", "previous"]))
        if action == "transfer":
            form["to"] = self.people[data.draw(st.sampled_from(PEOPLE))].pk
        may = entitled(action, actor, instance_id)
        before = snapshot(instance_id)

        response = self.clients[who].post(reverse(f"approvals:instance_{action}", args=[instance_id]), form)

        assert response.status_code < 500, (action, who, response.status_code)
        after = snapshot(instance_id)
        accepted = response.status_code == 302
        self.seen[f"{action} {'accepted' if accepted else 'refused'}"] += 1
        self.seen[f"HTTP {response.status_code}"] += 1
        if not accepted:
            assert after == before, (action, who, response.status_code)
        if not may:
            assert not accepted, (action, who, "accepted from someone not entitled")
        if action == "approve" and may and len(comment) <= COMMENT_MAX_LENGTH:
            assert accepted, (who, [str(m) for m in response.context["messages"]])
            assert after != before

    @invariant()
    def every_request_is_what_its_events_say(self) -> None:
        self.seen["steps"] += 1
        report = instances_verify(instance_ids=self.mine)
        assert report.checked == len(self.mine)
        assert report.ok, report.mismatches


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("approvals:inbox")).status_code == 200  # the session's first page is written
    return client


def test_R11_random_presses_through_the_pages_keep_every_invariant(org, flows, figures):
    people = {name: org[name] for name in PEOPLE}
    PressesThroughThePages.people = people
    PressesThroughThePages.clients = {name: _signed_in(person) for name, person in people.items()}
    PressesThroughThePages.seen = Counter()
    started = time.perf_counter()
    run_state_machine_as_test(
        PressesThroughThePages,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    seen = PressesThroughThePages.seen
    took = time.perf_counter() - started
    accepted = sum(n for key, n in seen.items() if key.endswith("accepted"))
    refused = sum(n for key, n in seen.items() if key.endswith("refused"))
    assert accepted  # the run did both
    assert refused
    assert seen["approve accepted"]
    figures(
        f"R11: {seen['examples']} examples, {seen['steps']} invariant checks, {seen['requests started']} requests "
        f"started, {accepted} presses accepted and {refused} refused "
        f"({', '.join(f'{k} {v}' for k, v in sorted(seen.items()) if k.startswith('HTTP'))}) in {took:.1f} s"
    )

"""A hypothesis state machine driving the persisted service layer with random people and commands,
checking after every step that the database tells one consistent story."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.workflow import services
from sanfu.workflow.engine import replay
from sanfu.workflow.engine.events import Event
from sanfu.workflow.engine.statuses import ENDED
from sanfu.workflow.models import Instance, InstanceEvent, Task


def _events(instance: Instance) -> list[Event]:
    return [
        Event.from_dict(
            {
                "seq": e.seq,
                "type": e.type,
                "at": e.at,
                "actor": e.actor_id,
                "on_behalf_of": e.on_behalf_of_id,
                "node": e.node or None,
                "task": e.task_no,
                "comment": e.comment,
                "changes": e.changes,
            }
        )
        for e in InstanceEvent.objects.filter(instance=instance).order_by("seq")
    ]


class PersistedFlow(RuleBasedStateMachine):
    org: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.people = list(User.objects.filter(staff__isnull=False).order_by("pk"))
        self.mine: list[int] = []

    def _open_tasks(self) -> list[Task]:
        return list(Task.objects.filter(instance_id__in=self.mine, status="open").order_by("pk"))

    @rule(amount=st.sampled_from([10, 20000]), with_finance=st.booleans())
    def start(self, amount: int, with_finance: bool) -> None:
        departments = [self.org["finance"].pk, self.org["office"].pk] if with_finance else [self.org["finance"].pk]
        initiator = self.org["clerk"] if amount < 1000 else self.org["accountant"]
        instance = services.instance_start(
            actor=initiator, definition_key="expense", title="报销", form={"amount": amount, "departments": departments}
        )
        self.mine.append(instance.pk)

    @rule(data=st.data(), action=st.sampled_from(["approve", "reject", "return", "transfer", "add"]))
    def act(self, data: st.DataObject, action: str) -> None:
        tasks = self._open_tasks()
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks))
        actor = task.assignee
        other = data.draw(st.sampled_from([p for p in self.people if p.pk != actor.pk]))
        try:
            if action == "approve":
                services.task_approve(actor=actor, task_id=task.pk, comment="同意")
            elif action == "reject":
                services.task_reject(actor=actor, task_id=task.pk, comment="不同意")
            elif action == "return":
                services.task_return(actor=actor, task_id=task.pk, to="initiator", comment="补充材料")
            elif action == "transfer":
                services.task_transfer(actor=actor, task_id=task.pk, to=other, comment="转交")
            else:
                services.task_add_signers(actor=actor, task_id=task.pk, people=[other], position="before")
        except ApplicationError:
            pass  # refusals are allowed; the invariants check they changed nothing

    @rule(data=st.data(), resubmit=st.booleans())
    def initiator_acts(self, data: st.DataObject, resubmit: bool) -> None:
        if not self.mine:
            return
        instance = Instance.objects.get(pk=data.draw(st.sampled_from(self.mine)))
        try:
            if resubmit:
                services.instance_resubmit(actor=instance.initiator, instance_id=instance.pk)
            else:
                services.instance_withdraw(actor=instance.initiator, instance_id=instance.pk)
        except ApplicationError:
            pass

    @invariant()
    def the_database_tells_one_story(self) -> None:
        for instance in Instance.objects.filter(pk__in=self.mine):
            state = replay(_events(instance))
            assert state.to_dict() == instance.state, "events replayed must rebuild the snapshot"
            assert instance.status == state.status
            projected = {t.task_no: t.status for t in Task.objects.filter(instance=instance)}
            assert projected == {t.id: t.status for t in state.tasks.values()}
            if state.status in ENDED or state.status == "returned":
                assert not any(s in {"open", "waiting"} for s in projected.values())
            if state.status == "running":
                assert "open" in projected.values() or state.waits


@pytest.mark.usefixtures("reference")
def test_random_people_and_commands_through_the_services(org):
    PersistedFlow.org = org
    run_state_machine_as_test(
        PersistedFlow,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )

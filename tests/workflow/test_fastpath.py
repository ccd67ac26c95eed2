"""The flow step's hand-written SQL (``sanfu.workflow.fastpath``) reads and writes exactly the rows the ORM
would: the same steps run once through it and once through plain ORM reads and writes leave the same
instance, event, task and outbox rows, and its reads return what the ORM returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfu.accounts.models import User
from sanfu.core.errors import ConflictError
from sanfu.org.models import Delegation
from sanfu.org.selectors import active_delegations
from sanfu.workflow import fastpath, repository, services
from sanfu.workflow.engine import Decision, Definition, State
from sanfu.workflow.models import (
    DefinitionStatus,
    Instance,
    InstanceEvent,
    OutboxMessage,
    ProcessDefinition,
    Task,
    TaskStatus,
)

MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday: deadlines in working time


def _orm_load_task(task_id: int) -> Task | None:
    return (
        Task.objects.select_related("instance__definition")
        .defer("instance__definition__spec")
        .filter(pk=task_id)
        .first()
    )


def _orm_latest_published(key: str) -> ProcessDefinition | None:
    published = ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED)
    return published.defer("spec").order_by("-version").first()


def _orm_save(instance: Instance, definition: Definition, before: State, decision: Decision) -> None:
    """``fastpath.save`` as plain ORM writes (what its statements stand for)."""
    updates = repository.instance_updates(instance, before, decision)
    if instance.pk is None:
        for name, value in updates.items():
            setattr(instance, name, value)
        instance.save(force_insert=True)
    else:
        if Instance.objects.filter(pk=instance.pk, version=instance.version).update(**updates) != 1:
            raise ConflictError("conflict")
        for name, value in updates.items():
            setattr(instance, name, value)
    InstanceEvent.objects.bulk_create(
        InstanceEvent(
            instance=instance,
            seq=e.seq,
            type=e.type,
            actor_id=e.actor or None,
            on_behalf_of_id=e.on_behalf_of,
            at=e.at,
            node=e.node or "",
            task_no=e.task,
            comment=e.comment,
            changes=dict(e.changes),
        )
        for e in decision.events
    )
    state = decision.state
    changed = [t for t in state.tasks.values() if before.tasks.get(t.id) != t]
    if changed:
        columns = [
            f"{name}_id" if name in {"instance", "assignee", "on_behalf_of"} else name
            for name in fastpath._TASK_COLUMNS
        ]
        Task.objects.bulk_create(
            [Task(**dict(zip(columns, fastpath._task_values(instance, definition, t), strict=True))) for t in changed],
            update_conflicts=True,
            unique_fields=["instance", "task_no"],
            update_fields=list(fastpath._TASK_UPDATED),
        )
    OutboxMessage.objects.bulk_create(
        OutboxMessage(key=key, kind=kind, instance=instance, payload=payload)
        for key, kind, payload in repository.outbox_rows(instance, before, decision)
    )


def _open(instance: Instance, user: Any) -> Task:
    return Task.objects.get(instance=instance, assignee=user, status=TaskStatus.OPEN)


def _run(org: dict[str, Any]) -> Instance:
    """A flow with every kind of write: a start, a return and a resubmission, a countersign, a transfer (an
    updated task and a new one), an urge (a notice to send), the end."""
    form = {"amount": 50000, "departments": [org["finance"].pk, org["office"].pk], "note": "赴京“三服务”", "n": 2**70}
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="设备采购", form=form)
    services.task_return(actor=org["section_head"], task_id=_open(instance, org["section_head"]).pk, comment="补材料")
    services.instance_resubmit(actor=org["clerk"], instance_id=instance.pk, form={**form, "amount": 60000})
    services.task_approve(actor=org["section_head"], task_id=_open(instance, org["section_head"]).pk, comment="同意")
    services.task_transfer(
        actor=org["finance_head"], task_id=_open(instance, org["finance_head"]).pk, to=org["accountant"]
    )
    services.instance_urge(actor=org["clerk"], instance_id=instance.pk, comment="请尽快")
    services.task_approve(actor=org["accountant"], task_id=_open(instance, org["accountant"]).pk)
    services.task_approve(actor=org["office_head"], task_id=_open(instance, org["office_head"]).pk)
    services.task_approve(actor=org["deputy"], task_id=_open(instance, org["deputy"]).pk, comment="可")
    return instance


def _rows(instance: Instance) -> dict[str, Any]:
    """Every row of the instance, without row ids (the instance's own id is replaced in outbox keys)."""
    key = f"wf:{instance.pk}:"

    def rows(model: Any, order: str) -> list[dict[str, Any]]:
        found = model.objects.filter(instance=instance).order_by(order).values()
        return [{k: v for k, v in row.items() if k not in {"id", "instance_id"}} for row in found]

    outbox = rows(OutboxMessage, "key")
    for row in outbox:
        row["key"] = row["key"].replace(key, "wf:I:")
    (own,) = Instance.objects.filter(pk=instance.pk).values()
    del own["id"]
    return {
        "instance": own,
        "events": rows(InstanceEvent, "seq"),
        "tasks": rows(Task, "task_no"),
        "outbox": outbox,
    }


def test_the_fast_path_writes_the_rows_the_orm_writes(org, reference, monkeypatch):
    with time_machine.travel(MOMENT, tick=False):
        fast = _run(org)
    with monkeypatch.context() as patched, time_machine.travel(MOMENT, tick=False):
        patched.setattr(fastpath, "save", _orm_save)
        patched.setattr(fastpath, "load_task", _orm_load_task)
        patched.setattr(fastpath, "latest_published", _orm_latest_published)
        plain = _run(org)
    assert fast.pk != plain.pk
    fast_rows, plain_rows = _rows(fast), _rows(plain)
    assert fast_rows["instance"]["status"] == "approved"
    assert len(fast_rows["tasks"]) >= 6
    assert any(row["kind"] == "notify" for row in fast_rows["outbox"])
    assert fast_rows == plain_rows


def test_the_fast_path_reads_what_the_orm_reads(org, reference):
    with time_machine.travel(MOMENT, tick=False):
        instance = _run(org)
    fastpath._KNOWN.clear()  # the state decoded from its stored text, not the one this process remembers
    tasks = list(Task.objects.filter(instance=instance))
    for task in tasks:
        fast = fastpath.load_task(task.pk)
        plain = _orm_load_task(task.pk)
        assert fast is not None
        assert plain is not None
        deferred = fast.get_deferred_fields()
        assert {"instance_id", "task_no", "node", "kind", "assignee_id", "status"}.isdisjoint(deferred)
        assert {
            f.attname: getattr(fast, f.attname) for f in Task._meta.concrete_fields if f.attname not in deferred
        } == {f.attname: getattr(plain, f.attname) for f in Task._meta.concrete_fields if f.attname not in deferred}
        assert _fields(fast.instance) == _fields(plain.instance)
        assert _fields(fast.instance.definition, "spec") == _fields(plain.instance.definition, "spec")
    assert fastpath.load_task(max(t.pk for t in tasks) + 1) is None
    fast_definition = fastpath.latest_published("expense")
    assert fast_definition is not None
    assert _fields(fast_definition, "spec") == _fields(_orm_latest_published("expense"), "spec")
    assert fastpath.latest_published("no-such-key") is None


def _fields(row: Any, *leave_out: str) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields if f.name not in leave_out}


def test_the_step_questions_about_people_mean_their_orm_filters(org):
    now = MOMENT
    org["accountant"].is_active = False
    org["accountant"].save()
    Delegation.objects.create(
        principal=org["section_head"], delegate=org["office_head"], starts_at=now - timedelta(hours=1), ends_at=now
    )  # ends at the moment asked: not active
    Delegation.objects.create(
        principal=org["finance_head"], delegate=org["deputy"], starts_at=now, ends_at=now + timedelta(days=1)
    )
    Delegation.objects.create(
        principal=org["gm"],
        delegate=org["deputy"],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        revoked_at=now - timedelta(hours=2),
    )
    people = [org[name].pk for name in ("clerk", "accountant", "gm", "deputy")] + [10**9]
    active = set(User.objects.filter(pk__in=people, is_active=True).values_list("pk", flat=True))
    principals = set(active_delegations(at=now).values_list("principal_id", flat=True))
    assert active == {org[name].pk for name in ("clerk", "gm", "deputy")}
    assert principals == {org["finance_head"].pk}
    assert fastpath.active_user_ids(people) == active
    assert fastpath.active_user_ids([]) == set()
    assert fastpath.active_users_and_principals(people, at=now) == (active, principals)
    assert fastpath.active_users_and_principals([], at=now) == (set(), principals)


def test_a_step_s_raw_statements_are_in_django_s_query_log(org, reference):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 10})
    task = _open(instance, org["section_head"])
    with CaptureQueriesContext(connection) as captured:
        services.task_approve(actor=org["section_head"], task_id=task.pk, comment="同意")
    statements = [q["sql"] for q in captured.captured_queries]
    assert statements[0] == fastpath._task_sql(connection.vendor)  # the step's one joined read
    writes = [s.split(" ")[0] for s in statements if s.startswith(("UPDATE", "INSERT"))]
    assert writes[:2] == ["UPDATE", "INSERT"]  # the version-checked instance, then its events, tasks, outbox
    assert any(Task._meta.db_table in s and "ON CONFLICT" in s for s in statements)

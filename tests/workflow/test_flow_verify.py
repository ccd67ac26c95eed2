"""`sanfu flow verify`: every instance's state, status and to-do rows agree with its event log, and any
that do not are named (security issue, R4: what operators run after a crash or a restore)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from sanfu.workflow import services
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.verify import instances_verify

pytestmark = pytest.mark.usefixtures("reference")


def _expense(org, title: str = "差旅报销") -> Instance:
    return services.instance_start(actor=org["clerk"], definition_key="expense", title=title, form={"amount": 800})


def test_instances_written_by_the_services_agree_with_their_log(org, capsys) -> None:
    first = _expense(org)
    _expense(org, "第二份")
    task = Task.objects.get(instance=first, status="open")
    services.task_approve(actor=task.assignee, task_id=task.pk, comment="同意")
    report = instances_verify(batch_size=1)  # batches of one: the paging is exercised too
    assert report.ok
    assert report.checked == 2
    call_command("flow", "verify")
    assert "2 instances agree" in capsys.readouterr().out


def test_a_changed_status_a_changed_snapshot_and_a_lost_task_row_are_each_named(org) -> None:
    status, snapshot, task_row, _untouched = (_expense(org, f"#{i}") for i in range(4))
    Instance.objects.filter(pk=status.pk).update(status="approved")
    changed = dict(snapshot.state, urgency="特急")
    Instance.objects.filter(pk=snapshot.pk).update(state=changed)
    Task.objects.filter(instance=task_row).delete()
    report = instances_verify()
    assert report.checked == 4
    problems = dict(report.mismatches)
    assert set(problems) == {status.pk, snapshot.pk, task_row.pk}
    assert "状态列" in problems[status.pk]
    assert "快照" in problems[snapshot.pk]
    assert "待办表" in problems[task_row.pk]
    with pytest.raises(CommandError, match="3 of 4"):
        call_command("flow", "verify")

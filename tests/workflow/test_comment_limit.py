"""Comments, opinions and reasons have one length limit, enforced by every flow service before any write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sanfu.accounts.models import Role
from sanfu.accounts.permissions import Perm
from sanfu.core.errors import ApplicationError
from sanfu.workflow import services
from sanfu.workflow.models import Instance, InstanceEvent, Task, TaskStatus
from tests.conftest import grant

LIMIT = services.COMMENT_MAX_LENGTH
TOO_LONG = "长" * (LIMIT + 1)


def _open_task(instance: Instance) -> Task:
    return Task.objects.get(instance=instance, status=TaskStatus.OPEN)


def _as_admin(org: dict[str, Any]) -> Any:
    role, created = Role.objects.get_or_create(
        code="flow-admin",
        defaults={"name": "流程管理员", "permissions": [Perm.MANAGE_PROCESSES.value], "data_scope": "all"},
    )
    if created:
        grant(org["gm"], role)
    return org["gm"]


STEPS: dict[str, Callable[[dict[str, Any], Instance, str], Any]] = {
    "approve": lambda org, i, text: services.task_approve(
        actor=org["section_head"], task_id=_open_task(i).pk, comment=text
    ),
    "reject": lambda org, i, text: services.task_reject(
        actor=org["section_head"], task_id=_open_task(i).pk, comment=text
    ),
    "return": lambda org, i, text: services.task_return(
        actor=org["section_head"], task_id=_open_task(i).pk, comment=text
    ),
    "transfer": lambda org, i, text: services.task_transfer(
        actor=org["section_head"], task_id=_open_task(i).pk, to=org["office_head"], comment=text
    ),
    "add_signers": lambda org, i, text: services.task_add_signers(
        actor=org["section_head"], task_id=_open_task(i).pk, people=[org["office_head"]], comment=text
    ),
    "withdraw": lambda org, i, text: services.instance_withdraw(actor=org["clerk"], instance_id=i.pk, comment=text),
    "urge": lambda org, i, text: services.instance_urge(actor=org["clerk"], instance_id=i.pk, comment=text),
    "comment": lambda org, i, text: services.instance_comment(actor=org["clerk"], instance_id=i.pk, comment=text),
    "cancel": lambda org, i, text: services.instance_cancel(actor=_as_admin(org), instance_id=i.pk, reason=text),
}


@pytest.mark.usefixtures("reference")
@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_comment_over_the_limit_is_refused_before_anything_is_written(org, step):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 9})
    events = InstanceEvent.objects.filter(instance=instance).count()
    with pytest.raises(ApplicationError, match=f"意见不能超过 {LIMIT} 个字"):
        STEPS[step](org, instance, TOO_LONG)
    assert InstanceEvent.objects.filter(instance=instance).count() == events
    STEPS[step](org, instance, "长" * LIMIT)  # the limit itself is allowed
    assert InstanceEvent.objects.filter(instance=instance).count() > events


@pytest.mark.usefixtures("reference")
def test_a_resubmission_and_the_removal_of_signers_keep_the_limit_too(org):
    instance = services.instance_start(actor=org["clerk"], definition_key="expense", title="报销", form={"amount": 9})
    task = _open_task(instance)
    services.task_add_signers(actor=org["section_head"], task_id=task.pk, people=[org["office_head"]])
    with pytest.raises(ApplicationError, match="意见不能超过"):
        services.task_remove_signers(
            actor=org["section_head"], task_id=task.pk, people=[org["office_head"]], comment=TOO_LONG
        )
    services.task_remove_signers(actor=org["section_head"], task_id=task.pk, people=[org["office_head"]])
    services.task_return(actor=org["section_head"], task_id=task.pk, comment="补发票")
    with pytest.raises(ApplicationError, match="意见不能超过"):
        services.instance_resubmit(actor=org["clerk"], instance_id=instance.pk, comment=TOO_LONG)
    instance.refresh_from_db()
    assert instance.status == "returned"

"""The typed service API the rest of Sanfu uses to run processes.

Each write loads the instance (no lock), asks the pure engine to ``decide`` (computing before the write
transaction keeps SQLite's single write lock short), then writes state + events + tasks + outbox in one
durable transaction guarded by the instance's version: of two people acting at once, exactly one wins and
the other gets a clear conflict. Notifications and other effects leave through the outbox after commit.

The package: ``base`` (the shared machinery and publication), ``steps`` (a person's steps), ``interventions``
(the process administrator's), ``clock`` (time, subprocesses, migration and the outbox receivers). Callers
write ``services.<name>``.
"""

from sanfu.workflow.services.base import (
    COMMENT_MAX_LENGTH,
    definition_draft_save,
    definition_publish,
    definition_publish_if_changed,
    definitions_publish_missing,
)
from sanfu.workflow.services.clock import (
    MigrationReport,
    instance_tick,
    instances_migrate,
    instances_tick_due,
    subprocess_ended,
)
from sanfu.workflow.services.deadlines import task_deadline_hold, task_deadline_resume
from sanfu.workflow.services.interventions import (
    instance_cancel,
    instance_restart_from,
    instance_skip_node,
    task_reassign,
)
from sanfu.workflow.services.seen import tasks_seen
from sanfu.workflow.services.steps import (
    instance_comment,
    instance_resubmit,
    instance_start,
    instance_urge,
    instance_withdraw,
    task_add_signers,
    task_approve,
    task_mark_read,
    task_reject,
    task_remove_signers,
    task_return,
    task_transfer,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "MigrationReport",
    "definition_draft_save",
    "definition_publish",
    "definition_publish_if_changed",
    "definitions_publish_missing",
    "instance_cancel",
    "instance_comment",
    "instance_restart_from",
    "instance_resubmit",
    "instance_skip_node",
    "instance_start",
    "instance_tick",
    "instance_urge",
    "instance_withdraw",
    "instances_migrate",
    "instances_tick_due",
    "subprocess_ended",
    "task_add_signers",
    "task_approve",
    "task_deadline_hold",
    "task_deadline_resume",
    "task_mark_read",
    "task_reassign",
    "task_reject",
    "task_remove_signers",
    "task_return",
    "task_transfer",
    "tasks_seen",
]

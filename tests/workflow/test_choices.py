"""The Django choices name exactly the statuses the engine writes, so a filter on ``TaskStatus`` or
``InstanceStatus`` finds every row the engine can produce."""

from sanfu.workflow.engine import statuses
from sanfu.workflow.models import LIVE_STATUSES, InstanceStatus, TaskStatus


def _task_statuses() -> set[str]:
    names = ("OPEN", "WAITING", "UNREAD", "READ", "T_APPROVED", "T_REJECTED", "T_DONE", "T_RETURNED")
    return {getattr(statuses, n) for n in (*names, "T_CANCELLED", "T_TRANSFERRED")} | set(statuses.TASK_DONE)


def test_task_statuses_match_the_engine() -> None:
    assert {s.value for s in TaskStatus} == _task_statuses()
    assert set(LIVE_STATUSES) == set(statuses.LIVE)


def test_instance_statuses_match_the_engine() -> None:
    engine = {statuses.DRAFT, statuses.RUNNING, statuses.RETURNED} | set(statuses.ENDED)
    assert {s.value for s in InstanceStatus} == engine

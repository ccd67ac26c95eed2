"""Commands: what a person (or the clock) asks of an instance. ``decide`` takes one at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Submit:
    """Start (or, after a return to the initiator, resubmit) the instance."""

    actor: int
    form: Mapping[str, Any] = field(default_factory=dict)
    urgency: str = ""
    chosen: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # 自选: node id → people
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Approve:
    actor: int
    task: int
    comment: str = ""
    form: Mapping[str, Any] | None = None  # fields this node may write


@dataclass(frozen=True, slots=True)
class Reject:
    actor: int
    task: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Complete:
    """办理: the handler replies and finishes their part."""

    actor: int
    task: int
    comment: str = ""
    form: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Return:
    """退回: to ``"initiator"``, ``"previous"`` or the id of a node already completed in this round."""

    actor: int
    task: int
    to: str = "initiator"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Withdraw:
    """撤回: the initiator before anyone acted, or an approver before the next person acted."""

    actor: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Transfer:
    """转交: hand one's task to another person."""

    actor: int
    task: int
    to: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class AddSigners:
    """加签: ``position`` before (前) | after (后) | alongside (并); ``mode`` among the added people."""

    actor: int
    task: int
    people: tuple[int, ...]
    position: str = "before"
    mode: str = "sequential"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class RemoveSigners:
    """减签: remove people one added, who have not acted yet."""

    actor: int
    task: int
    people: tuple[int, ...]
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Urge:
    """催办: remind the people the instance is waiting on."""

    actor: int
    comment: str = ""
    min_interval_hours: float = 1.0


@dataclass(frozen=True, slots=True)
class Comment:
    actor: int
    comment: str


@dataclass(frozen=True, slots=True)
class MarkRead:
    """A 抄送/备案 recipient has read the instance (read receipt)."""

    actor: int
    task: int


@dataclass(frozen=True, slots=True)
class Cancel:
    """The process administrator cancels a running instance, with a reason. The caller checks the role."""

    actor: int
    comment: str
    token: str = ""


@dataclass(frozen=True, slots=True)
class Reassign:
    """改派: the process administrator hands a person's live task to another person, with a reason (a
    holder who left, or is away). The caller checks the role and the data scope."""

    actor: int
    task: int
    to: int
    comment: str
    token: str = ""  # the form's one-time token, recorded on the event: a doubled submit is applied once


@dataclass(frozen=True, slots=True)
class SkipNode:
    """跳过: the process administrator ends the open tasks of a node being worked on and moves the flow on
    as if the node had passed, with a reason. The caller checks the role and the data scope."""

    actor: int
    node: str
    comment: str
    token: str = ""


@dataclass(frozen=True, slots=True)
class RestartFrom:
    """重办: the process administrator moves a running or returned instance back to a task node it has
    already reached, whose people get fresh tasks (like a return, by the administrator), with a reason."""

    actor: int
    node: str
    comment: str
    token: str = ""


@dataclass(frozen=True, slots=True)
class HoldDeadline:
    """挂起计时: stop the clock of an open task while the office waits for the requester (补正期间不计时), with a
    reason. Its reminder and deadline do not fire while held. By default only the task's holder may; with
    ``checked`` the caller has decided that ``actor`` may (the process administrator, or a domain acting on
    the requester's behalf)."""

    actor: int
    task: int
    reason: str
    checked: bool = False


@dataclass(frozen=True, slots=True)
class ResumeDeadline:
    """恢复计时: start a held task's clock again; its deadline (and reminder) move on by the working time that
    passed while it was held, on the deadline's own calendar (working days or working hours)."""

    actor: int
    task: int
    comment: str = ""
    checked: bool = False


@dataclass(frozen=True, slots=True)
class Tick:
    """Time has passed: fire due reminders, deadlines and timers."""


@dataclass(frozen=True, slots=True)
class SubprocessEnded:
    node: str
    outcome: str  # approved | rejected | withdrawn | cancelled


Command = (
    Submit
    | Approve
    | Reject
    | Complete
    | Return
    | Withdraw
    | Transfer
    | AddSigners
    | RemoveSigners
    | Urge
    | Comment
    | MarkRead
    | Cancel
    | Reassign
    | SkipNode
    | RestartFrom
    | HoldDeadline
    | ResumeDeadline
    | Tick
    | SubprocessEnded
)

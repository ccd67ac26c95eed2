"""The flow engine: a pure core for Chinese approval processes.

The model in one page
---------------------
A **definition** (:mod:`.definition`) is versioned JSON: a graph of nodes — start, end, approval (依次 /
会签 / 或签 / 比例会签 with optional 一票否决), handle (办理), cc (抄送), filing (备案), condition (CEL
branches with exactly one default), parallel + join, subprocess, timer. It is parsed once, validated with
every problem named (unreachable node, missing default branch, a rule that can never resolve, a cycle
without exit, a parallel branch that escapes its join), and never changes once published; an instance
keeps the version it started on.

An **instance** is a :class:`~.state.State`: its status, form, the nodes being worked on (*runs*), and
its **tasks** — one per person per visit of a node, each ``open``, ``waiting`` (a later signer in 依次, or a
holder waiting on 前加签), or finished (approved, rejected, done, returned, transferred, cancelled);
cc/filing notices are ``unread``/``read`` and never block.

Everything happens through one pure function::

    decide(definition, state, command, facts) -> Decision(state, events, effects, wakeup)

``command`` is what a person (or the clock) does: Submit, Approve, Reject, Complete, Return (退回: to the
initiator, the previous node or any node done in this round), Withdraw (撤回: the initiator before anyone
acted; an approver before the next person acted), Transfer (转交), AddSigners (加签 before / after /
alongside, each with a mode), RemoveSigners (减签), Urge (催办), Comment, MarkRead, Cancel (作废), the
process administrator's interventions Reassign (改派), SkipNode (跳过) and RestartFrom (重办), HoldDeadline /
ResumeDeadline (挂起计时 / 恢复计时: a task's deadline waits while the office waits for the requester, and moves
on by the working time held), Tick (deadlines, reminders, timers) and SubprocessEnded. ``facts``
(:mod:`.facts`) answers the questions the engine asks of the organisation — who an approver rule names, a
person's head, their delegate (委托代理), working-day arithmetic — and carries ``now``. The engine imports
nothing from Django or the rest of Sanfu, reads no clock and touches no database, so the same inputs always
give the same decision.

``decide`` never mutates its input. It builds the next state only by emitting **events** and applying each
with :func:`~.transition.apply_in_place`; the events carry everything that was resolved at the time (people,
deadlines), so :func:`~.transition.replay` rebuilds the state from the events alone, without facts. Effects
(notifications, subprocess starts) are what must leave the process; the caller delivers them through an
outbox after the state and events are committed. ``wakeup`` is when the instance next needs a Tick.

Graded approval and the green channel are just definitions: a condition on ``amount`` chooses one review +
one check (一审一核) or adds finance and a leader; ``urgency == "特急"`` routes straight to the final
approver through filing nodes that record the skipped reviewers. Per-node rules cover an empty approver
(skip, the process administrator, or refuse to start), the initiator as approver (auto-pass or their
head) and repeated approvers (auto-pass on consecutive nodes or everywhere) — on the forward path only: a node
returned to, or jumped back to after a return, is always put before its people again.
"""

from sanfu.workflow.engine.commands import (
    AddSigners,
    Approve,
    Cancel,
    Comment,
    Complete,
    HoldDeadline,
    MarkRead,
    Reassign,
    Reject,
    RemoveSigners,
    RestartFrom,
    ResumeDeadline,
    Return,
    SkipNode,
    Submit,
    SubprocessEnded,
    Tick,
    Transfer,
    Urge,
    Withdraw,
)
from sanfu.workflow.engine.decide import (
    decide,
    next_wakeup,
    path_ahead,
    path_nodes,
    restart_nodes,
    skippable_nodes,
)
from sanfu.workflow.engine.definition import Definition, Node, parse_definition
from sanfu.workflow.engine.errors import ActionNotAllowedError, FlowError, InvalidDefinitionError
from sanfu.workflow.engine.events import Decision, Event, Notify, StartSubprocess
from sanfu.workflow.engine.facts import Facts, MemoryFacts
from sanfu.workflow.engine.state import State
from sanfu.workflow.engine.tasks import Task
from sanfu.workflow.engine.transition import apply, replay

__all__ = [
    "ActionNotAllowedError",
    "AddSigners",
    "Approve",
    "Cancel",
    "Comment",
    "Complete",
    "Decision",
    "Definition",
    "Event",
    "Facts",
    "FlowError",
    "HoldDeadline",
    "InvalidDefinitionError",
    "MarkRead",
    "MemoryFacts",
    "Node",
    "Notify",
    "Reassign",
    "Reject",
    "RemoveSigners",
    "RestartFrom",
    "ResumeDeadline",
    "Return",
    "SkipNode",
    "StartSubprocess",
    "State",
    "Submit",
    "SubprocessEnded",
    "Task",
    "Tick",
    "Transfer",
    "Urge",
    "Withdraw",
    "apply",
    "decide",
    "next_wakeup",
    "parse_definition",
    "path_ahead",
    "path_nodes",
    "replay",
    "restart_nodes",
    "skippable_nodes",
]

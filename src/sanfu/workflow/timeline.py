"""A process's history in the office's words: what each event is called, which were a person's acts, and
the timeline every domain's pages show (the 审批中心's instance page, 公文's 流转记录)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.workflow.models import InstanceEvent

EVENT_LABELS = {
    "submitted": gettext_lazy("提交申请"),
    "resubmitted": gettext_lazy("重新提交"),
    "approved": gettext_lazy("同意"),
    "completed": gettext_lazy("办理完成"),
    "auto_approved": gettext_lazy("自动通过"),
    "rejected": gettext_lazy("驳回"),
    "task_returned": gettext_lazy("退回"),
    "returned": gettext_lazy("流程退回"),
    "returned_node_done": gettext_lazy("退回节点办结"),
    "jumped_back": gettext_lazy("跳回退回节点"),
    "transferred": gettext_lazy("转交"),
    "signers_added": gettext_lazy("加签"),
    "signers_removed": gettext_lazy("减签"),
    "withdrawn": gettext_lazy("撤回申请"),
    "approval_withdrawn": gettext_lazy("撤回审批"),
    "urged": gettext_lazy("催办"),
    "commented": gettext_lazy("评论"),
    "read": gettext_lazy("已阅"),
    "copied": gettext_lazy("抄送"),
    "filed": gettext_lazy("备案"),
    "node_entered": gettext_lazy("到达节点"),
    "node_completed": gettext_lazy("节点办结"),
    "node_skipped": gettext_lazy("跳过节点"),
    "tasks_opened": gettext_lazy("生成待办"),
    "timer_started": gettext_lazy("开始计时"),
    "timer_fired": gettext_lazy("计时到期"),
    "deadline_reminded": gettext_lazy("到期提醒"),
    "overdue": gettext_lazy("已超时"),
    "deadline_held": gettext_lazy("暂停计时"),
    "deadline_resumed": gettext_lazy("恢复计时"),
    "parallel_started": gettext_lazy("并行分支开始"),
    "parallel_joined": gettext_lazy("并行分支汇合"),
    "branch_joined": gettext_lazy("分支汇合"),
    "subprocess_started": gettext_lazy("启动子流程"),
    "subprocess_ended": gettext_lazy("子流程结束"),
    "restarted": gettext_lazy("重新开始"),
    "ended": gettext_lazy("流程结束"),
    "cancelled": gettext_lazy("作废"),
    "admin_reassigned": gettext_lazy("管理员改派"),
    "admin_skipped": gettext_lazy("管理员跳过"),
    "admin_restarted": gettext_lazy("管理员重办"),
}
# What a person did (shown prominently); the rest is the engine's bookkeeping (shown quietly).
PERSON_EVENTS = {
    "submitted",
    "resubmitted",
    "approved",
    "completed",
    "auto_approved",
    "rejected",
    "task_returned",
    "transferred",
    "signers_added",
    "signers_removed",
    "withdrawn",
    "approval_withdrawn",
    "urged",
    "commented",
    "ended",
    "admin_reassigned",
    "admin_skipped",
    "admin_restarted",
    "deadline_held",
    "deadline_resumed",
}
# The events that make the approval record on the printed form.
RECORD_EVENTS = {
    "submitted",
    "resubmitted",
    "approved",
    "completed",
    "auto_approved",
    "rejected",
    "task_returned",
    "transferred",
    "withdrawn",
    "read",
}


# The engine is pure (no translation) and writes its own reasons into the events it makes, in Chinese
# (decide.py). Events are immutable, so those reasons are translated when shown: the exact texts, and the
# patterns with numbers. Only events nobody made are read this way; a person's own words stay as typed.
SYSTEM_REASONS = {
    "审批人为空，按规则自动跳过": gettext_lazy("审批人为空，按规则自动跳过"),
    "审批人为空，转交流程管理员": gettext_lazy("审批人为空，转交流程管理员"),
    "发起人即审批人，自动通过": gettext_lazy("发起人即审批人，自动通过"),
    "与上一节点审批人相同，自动通过": gettext_lazy("与上一节点审批人相同，自动通过"),
    "已审批过，自动通过": gettext_lazy("已审批过，自动通过"),
    "即将到期提醒": gettext_lazy("即将到期提醒"),
    "已超时，再次提醒": gettext_lazy("已超时，再次提醒"),
    "已超时，提醒并上报其上级": gettext_lazy("已超时，提醒并上报其上级"),
    "已超时，按规则自动通过": gettext_lazy("已超时，按规则自动通过"),
    "已超时，按规则自动转交": gettext_lazy("已超时，按规则自动转交"),
    "已超时，按规则自动退回": gettext_lazy("已超时，按规则自动退回"),
    "超时自动通过": gettext_lazy("超时自动通过"),
    "超时自动转交": gettext_lazy("超时自动转交"),
    "超时自动退回": gettext_lazy("超时自动退回"),
    "超时自动退回发起人": gettext_lazy("超时自动退回发起人"),
    "子流程已通过": gettext_lazy("子流程已通过"),
    "子流程被驳回": gettext_lazy("子流程被驳回"),
    "子流程已撤回": gettext_lazy("子流程已撤回"),
    "子流程已作废": gettext_lazy("子流程已作废"),
    "子流程未通过": gettext_lazy("子流程未通过"),
}
SYSTEM_PATTERNS = (
    # 会签/或签/比例 votes when a node completes: f"{approvals}/{total} 同意"
    (re.compile(r"(?P<approvals>\d+)/(?P<total>\d+) 同意"), gettext_lazy("%(approvals)s/%(total)s 同意")),
)


def system_reason(text: str) -> str:
    """One of the engine's own reasons in the current language; any other text as it is."""
    known = SYSTEM_REASONS.get(text)
    if known is not None:
        return str(known)
    for pattern, message in SYSTEM_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return str(message) % match.groupdict()
    return text


def duration_text(delta: timedelta) -> str:
    """A span in words: 2天3小时, 45分钟, 不到1分钟."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return _("不到1分钟")
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d天") % {"n": days})
    if hours:
        parts.append(_("%(n)d小时") % {"n": hours})
    if mins and not days:
        parts.append(_("%(n)d分钟") % {"n": mins})
    return "".join(parts)


@dataclass
class TimelineEntry:
    event: InstanceEvent
    label: str
    who: str
    on_behalf_of: str
    node_name: str
    comment: str
    system: bool
    person_event: bool
    spent: str = ""


def timeline(events: list[InstanceEvent], node_names: dict[str, str]) -> list[TimelineEntry]:
    entered: dict[str, datetime] = {}
    entries = []
    for e in events:
        spent = ""
        if e.type == "node_entered" and e.node:
            entered[e.node] = e.at
        elif e.type == "node_completed" and e.node and e.node in entered:
            spent = duration_text(e.at - entered.pop(e.node))
        system = e.actor_id is None
        entries.append(
            TimelineEntry(
                event=e,
                label=str(EVENT_LABELS.get(e.type, e.type)),
                who=_("系统") if system else e.actor.display_name,  # type: ignore[union-attr]
                on_behalf_of=e.on_behalf_of.display_name if e.on_behalf_of_id else "",  # type: ignore[union-attr]
                node_name=node_names.get(e.node, "") if e.node else "",
                comment=system_reason(e.comment) if system else e.comment,
                system=system,
                person_event=e.type in PERSON_EVENTS,
                spent=spent,
            )
        )
    return entries

"""离职交接 for the 审批中心 (registered with ``core.handover`` in ``ApprovalsConfig.ready``): listed only.

- 草稿: request forms the person saved and never submitted are theirs alone; the successor starts his own.
- 退回待重新提交: requests the person applied for that were returned to them. Only the applicant may resubmit
  (the flow's rule), so nobody moves them: the process administrator withdraws, cancels or restarts them
  (重办) from the 流程监控. Their open steps, if any, are to-dos, handed over with the to-dos."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.approvals.models import Draft, Request
from sanfu.core import handover
from sanfu.core.handover import HandoverItem
from sanfu.workflow.models import InstanceStatus


def draft_items(person: User) -> list[HandoverItem]:
    drafts = Draft.objects.filter(owner=person).select_related("matter").order_by("-updated_at", "-pk")
    return [
        HandoverItem(
            key=f"draft:{d.pk}",
            title=d.title or d.matter.name,
            detail=_("%(matter)s · 保存于 %(at)s")
            % {"matter": d.matter.name, "at": timezone.localtime(d.updated_at).strftime("%Y-%m-%d %H:%M")},
        )
        for d in drafts
    ]


def returned_items(person: User) -> list[HandoverItem]:
    requests = (
        Request.objects.filter(applicant=person, instance__status=InstanceStatus.RETURNED)
        .select_related("matter")
        .order_by("pk")
    )
    return [
        HandoverItem(
            key=f"request:{r.pk}",
            title=r.title,
            detail=f"{r.number} · {r.matter.name}",
            url=reverse("approvals:instance", args=[r.instance_id]),
        )
        for r in requests
    ]


def register() -> None:
    handover.register(
        name="approval_drafts",
        label=gettext_lazy("未提交的申请草稿"),
        list=draft_items,
        order=70,
        effect=gettext_lazy("仅列出：草稿属于本人，接任者另行填报"),
    )
    handover.register(
        name="returned_requests",
        label=gettext_lazy("退回本人待重新提交的申请"),
        list=returned_items,
        order=65,
        effect=gettext_lazy("仅列出：只有申请人能重新提交，请流程管理员在流程监控中处理"),
    )

"""Demo 草稿推演: after the history, the first streamlining suggestion the advice finds for the main unit is saved
as a draft of the next version (what 精简建议's 按建议生成草稿 does: the process administrator's draft, through
``workflow.services.definition_draft_save``), and the office's clerk replays that draft over the last three months,
so the 推演 page shows a stored prediction on a fresh demo. Does nothing when a prediction exists."""

from __future__ import annotations

from typing import Any, TextIO

from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.demo.org import MAIN_UNIT_CODE, PROCESS_ADMIN
from sanfu.insights import redesign, rights, services, whatif
from sanfu.insights.models import WhatIfPrediction
from sanfu.insights.period import parse_period
from sanfu.workflow import services as workflow
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition

OFFICE_CLERK = "clerk"  # 办公室文书: the office, reads the unit's review and runs the replay


def _draft(admin: User, suggestion: dict[str, Any]) -> ProcessDefinition | None:
    current = ProcessDefinition.objects.filter(
        key=suggestion["matter"], version=suggestion["version"], status=DefinitionStatus.PUBLISHED
    ).first()
    if current is None:
        return None
    existing = (
        ProcessDefinition.objects.filter(key=current.key, status=DefinitionStatus.DRAFT, version__gt=current.version)
        .order_by("-version")
        .first()
    )
    if existing is not None:
        return existing
    try:
        if suggestion["kind"] == "filing":
            spec = redesign.as_filing(current.spec, suggestion["node"])
            reason = _("精简建议：节点“%(node)s”改为备案") % {"node": suggestion["node_name"]}
        else:
            threshold = next(
                t
                for t in redesign.thresholds(current.spec)
                if (t.condition, t.branch) == (suggestion["condition"], suggestion["branch"])
            )
            spec = redesign.with_threshold(current.spec, threshold, suggestion["proposed"])
            reason = _("精简建议：分级阈值由 %(old)s 调整为 %(new)s") % {
                "old": f"{threshold.value:g}",
                "new": f"{suggestion['proposed']:g}",
            }
        return workflow.definition_draft_save(actor=admin, spec=spec, based_on=current, reason=reason)
    except (redesign.RedesignError, StopIteration, ApplicationError):
        return None


def seed_whatif(*, stdout: TextIO | Any = None) -> int:
    """Store one prediction for a draft made from the advice; returns how many were stored (0 or 1)."""
    if WhatIfPrediction.objects.exists():
        return 0
    admin = User.objects.filter(username=PROCESS_ADMIN).first()
    reader = User.objects.filter(username=OFFICE_CLERK, staff__unit__code=MAIN_UNIT_CODE).first()
    unit_id = rights.reviewed_unit(reader) if reader is not None else None
    if admin is None or reader is None or unit_id is None:
        return 0
    suggestions = services.advice_of(unit_id=unit_id, span=parse_period(None, None))["suggestions"]
    suggestions.sort(key=lambda s: s["kind"] != "filing")  # a node turned into filing first
    for suggestion in suggestions:
        draft = _draft(admin, suggestion)
        if draft is None:
            continue
        made = whatif.prediction_run(actor=reader, unit_id=unit_id, key=draft.key, draft=draft.version, months=3)
        if stdout is not None:
            stdout.write(
                f"草稿推演：{draft.name} 第 {draft.version} 版草稿，"
                f"按近三个月 {made.figures['instances']} 件办结流程推演。"
            )
        return 1
    return 0

"""流程效能评估 as a document: the month's review written out as a 报告 in the national layout (``core.gbt9704``,
the generator the 公文 and the 督办 bulletin use), for the monthly process review meeting. The same figures as
the page and the Excel (``measures.review``); nothing is computed here but the order in which they are told."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from sanfu.core import gbt9704
from sanfu.core.gbt9704 import BodyBlock, OfficialDocument

LISTED = 5  # slowest nodes, departments and returns told by name


def _number(value: Any) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:g}%"


def review_document(
    figures: dict[str, Any], *, issuer: str, as_of: date, beside: list[dict[str, Any]] | None = None
) -> OfficialDocument:
    """The review of ``figures`` (``selectors.review_for``) as a 报告 of ``issuer`` (the unit's office) dated
    ``as_of``: the whole, each matter type, the slowest nodes, the departments, the reasons for returns and the
    other domains' figures of the month (``beside``: ``selectors.beside_for``)."""
    year, month = (int(part) for part in str(figures["month"]).split("-"))
    t = figures["total"]
    blocks = [
        BodyBlock(_("现将%(y)d年%(m)d月流程运行效能评估情况报告如下。") % {"y": year, "m": month}),
        BodyBlock(_("一、总体情况"), 1),
        BodyBlock(
            _(
                "本月办结流程%(ended)s件（同意%(approved)s件），总用时中位数%(p50)s小时、九成在%(p90)s小时内；"
                "有时限的待办%(due)s件，按时办理%(on_time)s件，按时率%(sla)s；一次通过率%(fpy)s，退回%(returns)s次；"
                "每件跨部门流转%(handoffs)s次；月末在办%(backlog)s件。"
            )
            % {
                "ended": _number(t.get("throughput", 0)),
                "approved": _number(t.get("approved", 0)),
                "p50": _number(t.get("elapsed_p50")),
                "p90": _number(t.get("elapsed_p90")),
                "due": _number(t.get("sla_due", 0)),
                "on_time": _number(t.get("sla_on_time", 0)),
                "sla": _percent(t.get("sla_rate")),
                "fpy": _percent(t.get("first_pass_rate")),
                "returns": _number(t.get("returns", 0)),
                "handoffs": _number(t.get("handoffs_mean")),
                "backlog": _number(t.get("backlog", 0)),
            }
        ),
    ]
    if t.get("seen_acted"):
        blocks.append(
            BodyBlock(
                _(
                    "办理人打开待办的时间已记录的待办占本月办理待办的%(share)s；据此，办结流程的在办时间中位数中"
                    "排队等待%(queue)s小时、实际办理%(work)s小时（%(n)s件流程有完整记录）。"
                )
                % {
                    "share": _percent(t.get("seen_rate")),
                    "queue": _number(t.get("queue_p50")),
                    "work": _number(t.get("work_p50")),
                    "n": _number(t.get("split_ended", 0)),
                }
            )
        )
    blocks.append(BodyBlock(_("二、各类事项"), 1))
    matters = sorted(figures["matters"], key=lambda r: -(r.get("ended") or 0))
    if not matters:
        blocks.append(BodyBlock(_("本月没有办结或在办的流程。")))
    for n, r in enumerate(matters, start=1):
        blocks.append(
            BodyBlock(
                _(
                    "%(n)d. %(name)s：办结%(ended)s件，总用时中位数%(p50)s小时（其中在办%(handling)s小时、退回待改"
                    "%(back)s小时），按时率%(sla)s，一次通过率%(fpy)s，月末在办%(backlog)s件。"
                )
                % {
                    "n": n,
                    "name": r.get("matter_name") or r.get("matter"),
                    "ended": _number(r.get("ended", 0)),
                    "p50": _number(r.get("elapsed_p50")),
                    "handling": _number(r.get("handling_p50")),
                    "back": _number(r.get("with_initiator_p50")),
                    "sla": _percent(r.get("sla_rate")),
                    "fpy": _percent(r.get("first_pass_rate")),
                    "backlog": _number(r.get("backlog", 0)),
                },
                3,
            )
        )
    blocks.append(BodyBlock(_("三、用时较长的环节"), 1))
    nodes = sorted(
        (r for r in figures["nodes"] if r.get("handling_p50") is not None), key=lambda r: -r["handling_p50"]
    )[:LISTED]
    if not nodes:
        blocks.append(BodyBlock(_("本月没有办理的环节。")))
    for n, r in enumerate(nodes, start=1):
        blocks.append(
            BodyBlock(
                _("%(n)d. %(matter)s“%(node)s”：办理%(acted)s件，工作时间用时中位数%(p50)s小时，按时率%(sla)s。")
                % {
                    "n": n,
                    "matter": r.get("matter_name") or r.get("matter"),
                    "node": r.get("node_name") or r.get("node"),
                    "acted": _number(r.get("acted", 0)),
                    "p50": _number(r.get("handling_p50")),
                    "sla": _percent(r.get("sla_rate")),
                },
                3,
            )
        )
    blocks.append(BodyBlock(_("四、各部门办理情况"), 1))
    departments = sorted(figures["departments"], key=lambda r: -(r.get("acted") or 0))
    if not departments:
        blocks.append(BodyBlock(_("本月没有部门办理待办。")))
    for n, r in enumerate(departments, start=1):
        blocks.append(
            BodyBlock(
                _(
                    "%(n)d. %(name)s：办理%(acted)s件，工作时间用时中位数%(p50)s小时，按时率%(sla)s，"
                    "月末待办%(open)s件。"
                )
                % {
                    "n": n,
                    "name": r.get("department_name") or _("未知部门"),
                    "acted": _number(r.get("acted", 0)),
                    "p50": _number(r.get("handling_p50")),
                    "sla": _percent(r.get("sla_rate")),
                    "open": _number(r.get("open_tasks", 0)),
                },
                3,
            )
        )
    blocks.append(BodyBlock(_("五、退回原因"), 1))
    reasons = figures["reasons"]
    if not reasons:
        blocks.append(BodyBlock(_("本月没有退回。")))
    for n, r in enumerate(reasons[:LISTED], start=1):
        blocks.append(
            BodyBlock(
                _("%(n)d. %(matter)s“%(node)s”：%(reason)s")
                % {
                    "n": n,
                    "matter": r.get("matter_name") or r.get("matter"),
                    "node": r.get("node"),
                    "reason": r["comment"],
                },
                3,
            )
        )
    if len(reasons) > LISTED:
        blocks.append(BodyBlock(_("另有%(n)d次退回，见附表。") % {"n": len(reasons) - LISTED}))
    if beside:
        blocks.append(BodyBlock(_("六、相关领域情况"), 1))
        for n, b in enumerate(beside, start=1):
            value = "—" if b["value"] is None else f"{_number(b['value'])}{b['unit']}"
            blocks.append(
                BodyBlock(
                    _("%(n)d. %(label)s%(value)s（%(note)s）。")
                    % {"n": n, "label": b["label"], "value": value, "note": b["note"]},
                    3,
                )
            )
    blocks.append(BodyBlock(_("各项指标的口径见流程效能评估页面；明细见同月 Excel 附表。")))
    return OfficialDocument(
        issuer_mark=_("%(issuer)s办公室") % {"issuer": issuer},
        doc_number="",
        title=_("关于%(y)d年%(m)d月流程运行效能评估情况的报告") % {"y": year, "m": month},
        main_recipients=_("公司领导"),
        body=tuple(blocks),
        issuer_signature=_("%(issuer)s办公室") % {"issuer": issuer},
        date=as_of,
        seal=False,
    )


def review_docx(
    figures: dict[str, Any], *, issuer: str, as_of: date, beside: list[dict[str, Any]] | None = None
) -> bytes:
    return gbt9704.render_docx(review_document(figures, issuer=issuer, as_of=as_of, beside=beside))

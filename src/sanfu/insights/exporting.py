"""流程效能评估 as .xlsx: the same figures as the page (``measures.review``), one sheet per table."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sanfu.core import xlsx


def _split(row: dict[str, Any], name: str) -> list[Any]:
    return [row.get(f"{name}_p50"), row.get(f"{name}_p90")]


def _matter_row(label: str, row: dict[str, Any]) -> list[Any]:
    return [
        label,
        row.get("ended", 0),
        *_split(row, "elapsed"),
        *_split(row, "handling"),
        row.get("split_ended", 0),
        *_split(row, "queue"),
        *_split(row, "work"),
        *_split(row, "with_initiator"),
        *_split(row, "off_hours"),
        row.get("backlog", 0),
        row.get("sla_due", 0),
        row.get("sla_on_time", 0),
        row.get("sla_rate"),
        row.get("returns", 0),
        row.get("first_pass_rate"),
        row.get("handoffs", 0),
        row.get("handoffs_mean"),
        row.get("seen_acted", 0),
        row.get("seen_rate"),
    ]


def _task_row(labels: list[Any], row: dict[str, Any]) -> list[Any]:
    return [
        *labels,
        row.get("acted", 0),
        *_split(row, "elapsed"),
        *_split(row, "handling"),
        *_split(row, "off_hours"),
        row.get("seen_acted", 0),
        row.get("seen_rate"),
        *_split(row, "queue"),
        *_split(row, "work"),
        row.get("sla_due", 0),
        row.get("sla_on_time", 0),
        row.get("sla_rate"),
        row.get("open_tasks", 0),
        row.get("returns", 0),
    ]


def review_workbook(figures: dict[str, Any], beside: list[dict[str, Any]] | None = None) -> bytes:
    """The month's review: per matter type (and the whole unit), per node, per department, per person (every
    one of them), the returns with their reasons, and the other domains' figures of the month (``beside``)."""
    matter_header = [
        _("事项类型"),
        _("办结件数"),
        _("总用时 P50（小时）"),
        _("总用时 P90（小时）"),
        _("在办时间 P50（小时）"),
        _("在办时间 P90（小时）"),
        _("有打开时间的办结流程"),
        _("排队时间 P50（小时）"),
        _("排队时间 P90（小时）"),
        _("办理时间 P50（小时）"),
        _("办理时间 P90（小时）"),
        _("退回待改时间 P50（小时）"),
        _("退回待改时间 P90（小时）"),
        _("非工作时间 P50（小时）"),
        _("非工作时间 P90（小时）"),
        _("月末在办件数"),
        _("有时限的待办"),
        _("按时办理"),
        _("按时率（%）"),
        _("退回次数"),
        _("一次通过率（%）"),
        _("跨部门流转次数"),
        _("每件跨部门流转"),
        _("有打开时间的待办"),
        _("有打开时间的待办比例（%）"),
    ]
    task_tail = [
        _("办理件数"),
        _("用时 P50（小时）"),
        _("用时 P90（小时）"),
        _("工作时间 P50（小时）"),
        _("工作时间 P90（小时）"),
        _("非工作时间 P50（小时）"),
        _("非工作时间 P90（小时）"),
        _("有打开时间的待办"),
        _("有打开时间的待办比例（%）"),
        _("排队时间 P50（小时）"),
        _("排队时间 P90（小时）"),
        _("办理时间 P50（小时）"),
        _("办理时间 P90（小时）"),
        _("有时限的待办"),
        _("按时办理"),
        _("按时率（%）"),
        _("月末待办"),
        _("退回次数"),
    ]
    matters = [_matter_row(r["matter_name"], r) for r in figures["matters"]]
    matters.append(_matter_row(_("全部"), figures["total"]))
    return xlsx.workbook(
        xlsx.Sheet(_("按事项类型"), matter_header, matters, [18] + [12] * (len(matter_header) - 1)),
        xlsx.Sheet(
            _("按节点"),
            [_("事项类型"), _("节点"), *task_tail],
            [_task_row([r["matter_name"], r.get("node_name") or r["node"]], r) for r in figures["nodes"]],
        ),
        xlsx.Sheet(
            _("按部门"),
            [_("部门"), *task_tail],
            [_task_row([r["department_name"] or _("未知部门")], r) for r in figures["departments"]],
        ),
        xlsx.Sheet(
            _("按人员"),
            [_("人员"), *task_tail],
            [_task_row([r["person_name"]], r) for r in figures["people"]],
        ),
        xlsx.Sheet(
            _("退回原因"),
            [_("流程编号"), _("事项类型"), _("节点"), _("退回人"), _("部门"), _("理由")],
            [
                [r["instance"], r["matter_name"], r["node"], r["person_name"], r["department_name"], r["comment"]]
                for r in figures["reasons"]
            ],
            [10, 18, 12, 12, 14, 50],
        ),
        xlsx.Sheet(
            _("相关领域"),
            [_("指标"), _("数值"), _("单位"), _("口径"), _("来源"), _("明细")],
            [[b["label"], b["value"], b["unit"], b["note"], b["source"], b["url"]] for b in beside or []],
            [18, 10, 6, 30, 12, 40],
        ),
    )


def advice_workbook(result: dict[str, Any]) -> bytes:
    """精简建议: the suggestions with their evidence, the node necessity test, 秒批, 压件 and the conformance
    findings, one sheet each."""
    kinds = {"filing": _("改为备案"), "threshold": _("调整分级阈值")}
    suggestions = [
        [
            kinds.get(s["kind"], s["kind"]),
            s["matter_name"],
            s["node_name"],
            s.get("threshold"),
            s.get("proposed"),
            s["evidence"]["acted"],
            s["evidence"]["approval_rate"],
            s["evidence"]["commented"],
            s["evidence"]["hours_p50"],
            s["evidence"]["changed"],
            s["evidence"].get("routed_rate"),
        ]
        for s in result["suggestions"]
    ]
    nodes = [
        [
            r["matter_name"],
            r["node_name"],
            r["acted"],
            r["approval_rate"],
            r["commented"],
            r["comment_rate"],
            r["hours_p50"],
            r["said_no"],
            r["overruled"],
        ]
        for r in result["nodes"]
    ]
    quick = [
        [r["person_name"], r["matter_name"], r["node_name"], r["instance"], r["seconds"]] for r in result["quick_tasks"]
    ]
    held = [
        [r["person_name"], r["matter_name"], r["node_name"], r["instance"], r["held"], r["node_p50"], r["node_p90"]]
        for r in result["held"]
    ]
    conformance = (
        [
            [_("自批"), r["matter_name"], r["instance"], r["person_name"], r["node_name"]]
            for r in result["self_approvals"]
        ]
        + [
            [_("拆单"), r["matter_name"], f"{r['instance']}, {r['instance_2']}", r["initiator_name"], r["total"]]
            for r in result["splits"]
        ]
        + [
            [_("绿色通道用于非紧急事项"), r["matter_name"], r["instance"], r["initiator_name"], r["hours"]]
            for r in result["green"]
        ]
        + [
            [_("规则外审批"), r["matter_name"], r["instance"], r["person_name"], r["node_name"]]
            for r in result["outside"]
        ]
    )
    return xlsx.workbook(
        xlsx.Sheet(
            _("精简建议"),
            [
                _("建议"),
                _("事项类型"),
                _("节点"),
                _("现阈值"),
                _("建议阈值"),
                _("办理件数"),
                _("同意率（%）"),
                _("有内容的意见"),
                _("停留时间 P50（小时）"),
                _("改变结果次数"),
                _("超过阈值的比例（%）"),
            ],
            suggestions,
        ),
        xlsx.Sheet(
            _("节点必要性"),
            [
                _("事项类型"),
                _("节点"),
                _("办理件数"),
                _("同意率（%）"),
                _("有内容的意见"),
                _("有内容的意见比例（%）"),
                _("停留时间 P50（小时）"),
                _("不同意或退回"),
                _("同意后最终不同意"),
            ],
            nodes,
        ),
        xlsx.Sheet(_("秒批"), [_("人员"), _("事项类型"), _("节点"), _("流程编号"), _("用时（秒）")], quick),
        xlsx.Sheet(
            _("压件"),
            [
                _("办理人"),
                _("事项类型"),
                _("节点"),
                _("流程编号"),
                _("停留（工作小时）"),
                _("节点中位数"),
                _("节点 P90"),
            ],
            held,
        ),
        xlsx.Sheet(_("合规检查"), [_("问题"), _("事项类型"), _("流程编号"), _("人员"), _("说明")], conformance),
    )

"""The demo matter catalogue: a dozen matters with real-looking forms, materials and graded processes
(一审一核 for routine amounts, more reviewers above a threshold, a green channel for 特急 that turns skipped
reviews into filing). Idempotent: a definition is republished only when its content changed."""

from __future__ import annotations

from typing import Any, TextIO

from django.db import transaction

from sanfu.accounts.models import User
from sanfu.approvals.models import MatterType, ServiceArea
from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Department, Unit
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition
from sanfu.workflow.services import definition_publish

HEAD: dict[str, Any] = {"type": "head"}
LEADER: dict[str, Any] = {"type": "leader_in_charge"}
CLERKS: dict[str, Any] = {"type": "role", "role": "clerk"}


def _heads(*departments: int) -> dict[str, Any]:
    return {"type": "department_heads", "departments": list(departments)}


def _approval(node_id: str, name: str, rule: dict[str, Any], nxt: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "approval",
        "name": name,
        "approvers": rule,
        "next": nxt,
        "deadline": {"working_days": extra.pop("days", 2), "remind_before_hours": 4, "on_timeout": "escalate"},
        **extra,
    }


def _graded(
    key: str,
    name: str,
    *,
    threshold: int,
    review: dict[str, Any],
    check: dict[str, Any],
    extra: list[tuple[str, str, dict[str, Any]]],
    final: tuple[str, dict[str, Any]],
    fields: list[dict[str, Any]],
    admins: list[int],
) -> dict[str, Any]:
    """Graded approval: ≤ threshold → one review + one check (一审一核); above → review, then the extra
    reviewers, then the final approver; 特急 → straight to the final approver, the reviews become filing."""
    big = [f"big_{i}" for i in range(len(extra))]
    nodes: list[dict[str, Any]] = [
        {"id": "start", "kind": "start", "next": "route"},
        {
            "id": "route",
            "kind": "condition",
            "name": "分级",
            "branches": [
                {"when": 'urgency == "特急"', "next": "green_filing"},
                {"when": f"form.amount > {float(threshold)}", "next": "big_review"},  # money is a double in CEL
                {"default": True, "next": "review"},
            ],
        },
        _approval("review", "审核", review, "check"),
        _approval("check", "复核", check, "end", batch=True),
        _approval("big_review", "审核", review, big[0] if big else "final"),
    ]
    for i, (node_id, label, rule) in enumerate(extra):
        del node_id
        nodes.append(_approval(big[i], label, rule, big[i + 1] if i + 1 < len(big) else "final"))
    nodes += [
        _approval("final", final[0], final[1], "end", days=1),
        {
            # 特急 goes straight to the final approver: every review it passes over is filed (备案) under its
            # own name, and its people are told.
            "id": "green_filing",
            "kind": "filing",
            "name": "审核备案（绿色通道）",
            "passes_over": ["big_review", *big],
            "next": "green_final",
        },
        _approval("green_final", final[0], final[1], "end", days=1),
        {"id": "end", "kind": "end"},
    ]
    return {
        "key": key,
        "name": name,
        "fields": [{"name": f["name"]} for f in fields],
        "nodes": nodes,
        "admins": admins,
        "dedupe": "consecutive",
        "on_self": "to_head",
        "resubmit": "jump_back",
    }


def _simple(
    key: str,
    name: str,
    steps: list[dict[str, Any]],
    fields: list[dict[str, Any]],
    admins: list[int],
    *,
    cc: dict[str, Any] | None = None,
) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "start", "kind": "start", "next": steps[0]["id"]}]
    for i, step in enumerate(steps):
        nxt = steps[i + 1]["id"] if i + 1 < len(steps) else ("cc" if cc else "end")
        nodes.append({**step, "next": nxt})
    if cc:
        nodes.append({"id": "cc", "kind": "cc", "name": "抄送", "recipients": cc, "next": "end"})
    nodes.append({"id": "end", "kind": "end"})
    return {
        "key": key,
        "name": name,
        "fields": [{"name": f["name"]} for f in fields],
        "nodes": nodes,
        "admins": admins,
        "dedupe": "consecutive",
        "on_self": "to_head",
        "resubmit": "jump_back",
    }


def _handle(node_id: str, name: str, rule: dict[str, Any], days: int = 1) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "handle",
        "name": name,
        "approvers": rule,
        "mode": "any",
        "deadline": {"working_days": days, "remind_before_hours": 2, "on_timeout": "escalate"},
    }


def _materials(*items: tuple[str, str, bool, list[str], str]) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": name,
            "required": required,
            "formats": formats,
            "copies": 1,
            "standard": standard,
            "max_mb": 20,
            **({"signer": "经办人"} if required else {}),
        }
        for code, name, required, formats, standard in items
    ]


AMOUNT = {"name": "amount", "type": "money", "label": "金额（元）", "required": True, "min": 0}
REASON = {"name": "reason", "type": "textarea", "label": "事由", "required": True, "max_length": 1000}


def _first_leave(fields: list[dict[str, Any]], admins: list[int], hr: int) -> dict[str, Any]:
    """请假 as it was first published: every leave, however short, waited for 人力资源部审核 after the head's
    approval. The streamlined version turned that review into filing (人力资源部备案) after the leader, for
    long leaves only."""
    return {
        "key": "leave",
        "name": "请假",
        "fields": [{"name": f["name"]} for f in fields] + [{"name": "period_working_days"}],
        "admins": admins,
        "dedupe": "consecutive",
        "on_self": "to_head",
        "resubmit": "jump_back",
        "nodes": [
            {"id": "start", "kind": "start", "next": "head"},
            _approval("head", "部门负责人审批", HEAD, "hr_review", days=1, batch=True),
            _approval("hr_review", "人力资源部审核", _heads(hr), "long", days=1),
            {
                "id": "long",
                "kind": "condition",
                "name": "天数",
                "branches": [
                    {"when": "form.period_working_days > 3", "next": "leader"},
                    {"default": True, "next": "end"},
                ],
            },
            _approval("leader", "分管领导审批", LEADER, "end", days=1),
            {"id": "end", "kind": "end"},
        ],
    }


def _catalogue(ids: dict[str, int], gm: int, admins: list[int]) -> list[dict[str, Any]]:
    finance, office, hr = ids["finance"], ids["office"], ids["hr"]
    gm_rule = {"type": "users", "users": [gm]}
    expense_fields: list[dict[str, Any]] = [
        {
            "name": "kind",
            "type": "select",
            "label": "费用类别",
            "required": True,
            "options": [{"value": v, "label": v} for v in ("差旅费", "办公费", "会议费", "培训费", "招待费", "其他")],
        },
        {
            "name": "items",
            "type": "table",
            "label": "费用明细",
            "min_rows": 1,
            "sum": ["money"],
            "columns": [
                {"name": "item", "type": "text", "label": "项目", "required": True},
                {"name": "date", "type": "date", "label": "发生日期", "required": True},
                {"name": "money", "type": "money", "label": "金额", "required": True, "min": 0},
            ],
        },
        AMOUNT,
        REASON,
    ]
    travel_fields: list[dict[str, Any]] = [
        {"name": "destination", "type": "text", "label": "出差地点", "required": True},
        {"name": "period", "type": "date_range", "label": "起止日期", "required": True, "count_working_days": True},
        {
            "name": "transport",
            "type": "select",
            "label": "交通方式",
            "required": True,
            "options": [{"value": v, "label": v} for v in ("火车", "飞机", "公务车", "自驾")],
        },
        {
            "name": "flight_reason",
            "type": "text",
            "label": "乘飞机理由",
            "visible_if": 'form.transport == "飞机"',
            "required_if": 'form.transport == "飞机"',
        },
        {"name": "amount", "type": "money", "label": "预计费用（元）", "required": True, "min": 0},
        REASON,
    ]
    leave_fields: list[dict[str, Any]] = [
        {
            "name": "kind",
            "type": "select",
            "label": "请假类别",
            "required": True,
            "options": [{"value": v, "label": v} for v in ("年休假", "事假", "病假", "婚假", "产假", "丧假")],
        },
        {"name": "period", "type": "date_range", "label": "起止日期", "required": True, "count_working_days": True},
        {"name": "handover", "type": "person", "label": "工作交接人", "required": True},
        REASON,
    ]
    return [
        {
            "code": "expense",
            "name": "费用报销",
            "area": ServiceArea.OPERATIONS,
            "group": "财务",
            "days": 3,
            "prefix": "BX",
            "description": "差旅、办公、会议等费用的报销。5000 元以下一审一核；以上增加财务与分管领导审批。",
            "fields": expense_fields,
            "materials": _materials(
                ("invoice", "发票", True, ["pdf", "jpg", "png", "ofd"], "增值税发票或电子发票，抬头为本公司"),
                ("list", "费用清单", True, ["pdf", "xlsx"], "逐项列明，与发票一致"),
                ("approval", "事前审批单", False, ["pdf"], "超标准费用须附"),
            ),
            "definition": _graded(
                "expense",
                "费用报销",
                threshold=5000,
                review=HEAD,
                check=_heads(finance),
                extra=[("finance", "财务审核", _heads(finance))],
                final=("分管领导审批", LEADER),
                fields=expense_fields,
                admins=admins,
            ),
            # The first version sent everything above 1000 元 to finance and the leader in charge; the
            # streamlined one moved the graded threshold to 5000 元.
            "first_definition": _graded(
                "expense",
                "费用报销",
                threshold=1000,
                review=HEAD,
                check=_heads(finance),
                extra=[("finance", "财务审核", _heads(finance))],
                final=("分管领导审批", LEADER),
                fields=expense_fields,
                admins=admins,
            ),
        },
        {
            "code": "contract",
            "name": "合同审批",
            "area": ServiceArea.OPERATIONS,
            "group": "经营",
            "days": 5,
            "prefix": "HT",
            "description": "采购、服务、工程等合同签订前的审批。",
            "fields": [
                {"name": "counterparty", "type": "text", "label": "合同相对方", "required": True},
                {"name": "amount", "type": "money", "label": "合同金额（元）", "required": True, "min": 0},
                {"name": "term", "type": "date_range", "label": "合同期限", "required": True},
                REASON,
            ],
            "materials": _materials(
                ("draft", "合同文本", True, ["pdf", "docx"], "定稿版本"),
                ("qualification", "相对方资质证明", True, ["pdf"], "营业执照、资质证书"),
                ("quote", "比价或招标资料", False, ["pdf"], "5 万元以上须附"),
            ),
            "definition": _graded(
                "contract",
                "合同审批",
                threshold=50000,
                review=HEAD,
                check=_heads(finance),
                extra=[("finance", "财务审核", _heads(finance)), ("leader", "分管领导审批", LEADER)],
                final=("总经理审批", gm_rule),
                fields=[AMOUNT],
                admins=admins,
            ),
        },
        {
            "code": "purchase",
            "name": "采购申请",
            "area": ServiceArea.OPERATIONS,
            "group": "经营",
            "days": 3,
            "prefix": "CG",
            "description": "办公用品、设备和服务的采购申请。",
            "fields": [
                {
                    "name": "items",
                    "type": "table",
                    "label": "采购清单",
                    "min_rows": 1,
                    "sum": ["total"],
                    "columns": [
                        {"name": "item", "type": "text", "label": "物品", "required": True},
                        {"name": "qty", "type": "number", "label": "数量", "required": True, "min": 1, "integer": True},
                        {"name": "total", "type": "money", "label": "金额", "required": True, "min": 0},
                    ],
                },
                AMOUNT,
                REASON,
            ],
            "materials": _materials(("quote", "报价单", True, ["pdf", "jpg", "png"], "至少一家供应商报价")),
            "definition": _graded(
                "purchase",
                "采购申请",
                threshold=20000,
                review=HEAD,
                check=_heads(office),
                extra=[("finance", "财务审核", _heads(finance))],
                final=("分管领导审批", LEADER),
                fields=[AMOUNT],
                admins=admins,
            ),
        },
        {
            "code": "travel",
            "name": "出差申请",
            "area": ServiceArea.PUBLIC,
            "group": "人事",
            "days": 1,
            "prefix": "CC",
            "description": "公务出差事前申请。",
            "fields": travel_fields,
            "materials": _materials(("notice", "会议或任务通知", False, ["pdf", "jpg", "png"], "有通知的须附")),
            "definition": _graded(
                "travel",
                "出差申请",
                threshold=5000,
                review=HEAD,
                check=LEADER,
                extra=[],
                final=("分管领导审批", LEADER),
                fields=travel_fields,
                admins=admins,
            ),
        },
        {
            "code": "leave",
            "name": "请假",
            "area": ServiceArea.PUBLIC,
            "group": "人事",
            "days": 1,
            "prefix": "QJ",
            "description": "3 个工作日以内部门负责人审批；超过的增加分管领导审批，并报人力资源部备案。",
            "fields": leave_fields,
            "materials": _materials(("proof", "证明材料", False, ["pdf", "jpg", "png"], "病假须附医院证明")),
            "definition": {
                "key": "leave",
                "name": "请假",
                "fields": [{"name": f["name"]} for f in leave_fields] + [{"name": "period_working_days"}],
                "admins": admins,
                "dedupe": "consecutive",
                "on_self": "to_head",
                "resubmit": "jump_back",
                "nodes": [
                    {"id": "start", "kind": "start", "next": "head"},
                    _approval("head", "部门负责人审批", HEAD, "long", days=1, batch=True),
                    {
                        "id": "long",
                        "kind": "condition",
                        "name": "天数",
                        "branches": [
                            {"when": "form.period_working_days > 3", "next": "leader"},
                            {"default": True, "next": "end"},
                        ],
                    },
                    _approval("leader", "分管领导审批", LEADER, "hr_filing", days=1),
                    {
                        "id": "hr_filing",
                        "kind": "filing",
                        "name": "人力资源部备案",
                        "recipients": _heads(hr),
                        "next": "end",
                    },
                    {"id": "end", "kind": "end"},
                ],
            },
            "first_definition": _first_leave(leave_fields, admins, hr),
        },
        {
            "code": "seal",
            "name": "用印申请",
            "area": ServiceArea.OPERATIONS,
            "group": "行政",
            "days": 1,
            "prefix": "YY",
            "description": "使用公司公章、合同专用章、法人章。",
            "fields": [
                {
                    "name": "seal",
                    "type": "select",
                    "label": "印章",
                    "required": True,
                    "options": [{"value": v, "label": v} for v in ("公章", "合同专用章", "法定代表人章", "党委章")],
                },
                {"name": "copies", "type": "number", "label": "用印份数", "required": True, "min": 1, "integer": True},
                {"name": "document", "type": "text", "label": "文件名称", "required": True},
                REASON,
            ],
            "materials": _materials(("document", "用印文件", True, ["pdf", "docx"], "最终版本")),
            "definition": _simple(
                "seal",
                "用印申请",
                [
                    _approval("head", "部门负责人审核", HEAD, "", days=1),
                    _approval("office", "办公室审核", _heads(office), "", days=1),
                    _handle("stamp", "用印登记", CLERKS),
                ],
                [],
                admins,
            ),
        },
        {
            "code": "vehicle",
            "name": "用车申请",
            "area": ServiceArea.PUBLIC,
            "group": "行政",
            "days": 1,
            "prefix": "YC",
            "description": "公务用车的申请与派车。",
            "fields": [
                {"name": "when", "type": "date", "label": "用车日期", "required": True},
                {"name": "destination", "type": "text", "label": "目的地", "required": True},
                {
                    "name": "passengers",
                    "type": "number",
                    "label": "乘车人数",
                    "required": True,
                    "min": 1,
                    "integer": True,
                },
                REASON,
            ],
            "materials": [],
            "definition": _simple(
                "vehicle",
                "用车申请",
                [_approval("head", "部门负责人审批", HEAD, "", days=1), _handle("dispatch", "办公室派车", CLERKS)],
                [],
                admins,
            ),
        },
        {
            "code": "room",
            "name": "会议室申请",
            "area": ServiceArea.OPERATIONS,
            "group": "行政",
            "days": 1,
            "prefix": "HYS",
            "description": "预订公司会议室。",
            "fields": [
                {"name": "when", "type": "date", "label": "会议日期", "required": True},
                {
                    "name": "room",
                    "type": "select",
                    "label": "会议室",
                    "required": True,
                    "options": [
                        {"value": v, "label": v} for v in ("第一会议室", "第二会议室", "视频会议室", "党员活动室")
                    ],
                },
                {
                    "name": "attendees",
                    "type": "number",
                    "label": "参会人数",
                    "required": True,
                    "min": 1,
                    "integer": True,
                },
                {"name": "topic", "type": "text", "label": "会议主题", "required": True},
            ],
            "materials": [],
            "definition": _simple("room", "会议室申请", [_handle("arrange", "办公室安排", CLERKS)], [], admins),
        },
        {
            "code": "report",
            "name": "信息报送",
            "area": ServiceArea.LEADERSHIP,
            "group": "综合",
            "days": 2,
            "prefix": "XX",
            "description": "向公司领导报送工作动态、重要情况。",
            "fields": [
                {
                    "name": "category",
                    "type": "select",
                    "label": "信息类别",
                    "required": True,
                    "options": [{"value": v, "label": v} for v in ("工作动态", "重要情况", "经验做法", "问题建议")],
                },
                {"name": "content", "type": "textarea", "label": "信息内容", "required": True, "max_length": 5000},
            ],
            "materials": _materials(("attachment", "相关材料", False, ["pdf", "docx", "jpg"], "")),
            "definition": _simple(
                "report",
                "信息报送",
                [
                    _approval("head", "部门负责人审核", HEAD, "", days=1),
                    _approval("office", "办公室编审", _heads(office), "", days=1),
                ],
                [],
                admins,
                cc=gm_rule,
            ),
        },
        {
            "code": "reception",
            "name": "公务接待",
            "area": ServiceArea.OPERATIONS,
            "group": "行政",
            "days": 2,
            "prefix": "JD",
            "description": "公务接待事前审批，标准按公司接待管理办法执行。",
            "fields": [
                {
                    "name": "guests",
                    "type": "table",
                    "label": "来宾名单",
                    "min_rows": 1,
                    "columns": [
                        {"name": "name", "type": "text", "label": "姓名", "required": True},
                        {"name": "org", "type": "text", "label": "单位", "required": True},
                        {"name": "title", "type": "text", "label": "职务"},
                    ],
                },
                {"name": "when", "type": "date", "label": "接待日期", "required": True},
                AMOUNT,
                REASON,
            ],
            "materials": _materials(("letter", "公函", True, ["pdf", "jpg", "png"], "来访单位公函")),
            "definition": _graded(
                "reception",
                "公务接待",
                threshold=3000,
                review=HEAD,
                check=_heads(office),
                extra=[("office", "办公室审核", _heads(office))],
                final=("分管领导审批", LEADER),
                fields=[AMOUNT],
                admins=admins,
            ),
        },
        {
            "code": "supplies",
            "name": "办公用品领用",
            "area": ServiceArea.PUBLIC,
            "group": "行政",
            "days": 1,
            "prefix": "LY",
            "description": "领用办公用品和耗材。",
            "fields": [
                {
                    "name": "items",
                    "type": "table",
                    "label": "领用清单",
                    "min_rows": 1,
                    "columns": [
                        {"name": "item", "type": "text", "label": "物品", "required": True},
                        {"name": "qty", "type": "number", "label": "数量", "required": True, "min": 1, "integer": True},
                    ],
                }
            ],
            "materials": [],
            "definition": _simple("supplies", "办公用品领用", [_handle("issue", "行政科发放", CLERKS)], [], admins),
        },
        {
            "code": "suggestion",
            "name": "意见建议",
            "area": ServiceArea.PUBLIC,
            "group": "综合",
            "days": 5,
            "prefix": "JY",
            "description": "对公司管理和服务的意见建议，办公室限时答复。",
            "fields": [
                {"name": "topic", "type": "text", "label": "主题", "required": True},
                {"name": "content", "type": "textarea", "label": "内容", "required": True, "max_length": 3000},
            ],
            "materials": [],
            "definition": _simple(
                "suggestion", "意见建议", [_handle("reply", "办公室答复", CLERKS, days=5)], [], admins
            ),
        },
    ]


def _latest(key: str) -> ProcessDefinition | None:
    return ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED).order_by("-version").first()


def _same(definition: ProcessDefinition | None, spec: dict[str, Any]) -> bool:
    return definition is not None and {k: v for k, v in definition.spec.items() if k != "version"} == spec


def _demo_catalogue() -> list[dict[str, Any]]:
    unit = Unit.objects.get(code=MAIN_UNIT_CODE)
    ids = dict(Department.objects.filter(unit=unit, code__in=["finance", "office", "hr"]).values_list("code", "pk"))
    gm = User.objects.get(username="gm")
    office_head = User.objects.get(username="office_head")  # handles what finds no approver (definition admins)
    return _catalogue(ids, gm.pk, [office_head.pk])


def streamlined_matters() -> list[str]:
    """The matters whose first version the demo's history runs on before the streamlined one."""
    return [str(item["code"]) for item in _demo_catalogue() if "first_definition" in item]


def seed_matters(*, stdout: TextIO | Any = None, first_versions: bool = False) -> int:
    """Publish the demo processes (when changed) and create or update the matter types. Returns how many
    definitions were published in this run.

    ``first_versions``: on a fresh database, publish the first version of the matters that have one (费用报销
    and 请假) and leave their streamlined version to the history (``streamline``), which publishes it six
    months in, so the review can compare the two."""
    catalogue = _demo_catalogue()
    published = 0
    with transaction.atomic():
        for sort, item in enumerate(catalogue):
            spec = item["definition"]
            first = item.get("first_definition")
            latest = _latest(spec["key"])
            if first_versions and first is not None and (latest is None or _same(latest, first)):
                if latest is None:
                    definition_publish(actor=None, spec=first)
                    published += 1
            elif not _same(latest, spec):
                definition_publish(actor=None, spec=spec)
                published += 1
            MatterType.objects.update_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "area": item["area"],
                    "group": item["group"],
                    "description": item["description"],
                    "promised_days": item["days"],
                    "definition_key": spec["key"],
                    "form_schema": {"version": 1, "fields": item["fields"]},
                    "materials": item["materials"],
                    "number_prefix": item["prefix"],
                    "sort": sort,
                    "is_active": True,
                },
            )
    if stdout is not None:
        stdout.write(f"审批事项：{len(catalogue)} 个，本次发布流程定义 {published} 个。")
    return published


def streamline() -> list[ProcessDefinition]:
    """Publish the streamlined (current) version of each matter still on its first version: what the process
    administrator did after six months of the first. Returns the versions published."""
    made = []
    for item in _demo_catalogue():
        if "first_definition" in item and not _same(_latest(item["definition"]["key"]), item["definition"]):
            made.append(definition_publish(actor=None, spec=item["definition"]))
    return made

"""The smart-form engine: schema parsing, every field type, conditions, access, money capitals."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanfu.approvals.formschema import (
    NON_FIELD,
    FileInfo,
    SchemaError,
    money_in_capitals,
    parse_schema,
    sniff,
    validate,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
PDF = b"%PDF-1.7\n%\xe2\xe3"
ZIP = b"PK\x03\x04" + b"\x14" * 12
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8


def schema(*fields: dict[str, Any], validations: list[dict[str, Any]] | None = None) -> Any:
    return parse_schema({"version": 1, "fields": list(fields), "validations": validations or []})


def messages(result: Any) -> list[str]:
    return [e.message for e in result.errors]


# ---------------------------------------------------------------------------------------------- money capitals


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("100", "壹佰元整"),
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("1005.01", "壹仟零伍元零壹分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1000", "壹仟元整"),
        ("1001", "壹仟零壹元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10000", "壹万元整"),
        ("10001", "壹万零壹元整"),
        ("10010", "壹万零壹拾元整"),
        ("100500", "壹拾万零伍佰元整"),
        ("1000000", "壹佰万元整"),
        ("10000000", "壹仟万元整"),
        ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("101000000", "壹亿零壹佰万元整"),
        ("120000000", "壹亿贰仟万元整"),
        ("1000000000000", "壹万亿元整"),
        ("1000100000000", "壹万零壹亿元整"),
        ("0.5", "伍角"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("1.50", "壹元伍角"),
        ("1.05", "壹元零伍分"),
        ("20.30", "贰拾元叁角"),
        ("-100", "负壹佰元整"),
        ("0.004", "零元整"),
        ("0.005", "壹分"),
        (Decimal("3.14159"), "叁元壹角肆分"),
        (7, "柒元整"),
    ],
)
def test_money_in_capitals(amount: Any, expected: str) -> None:
    assert money_in_capitals(amount) == expected


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "1e16"])
def test_money_in_capitals_refuses(amount: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        money_in_capitals(amount)


# ---------------------------------------------------------------------------------------------- schema errors


def test_schema_error_lists_every_problem() -> None:
    with pytest.raises(SchemaError) as caught:
        parse_schema(
            {
                "fields": [
                    {"name": "a", "type": "nope", "label": "甲"},
                    {"name": "b", "type": "text", "label": "乙"},
                    {"name": "b", "type": "text", "label": "乙二"},
                    {"name": "c", "type": "text", "label": "丙", "visible_if": "form.b =="},
                    {"name": "d", "type": "select", "label": "丁"},
                    {"name": "e", "type": "table", "label": "戊"},
                    {"name": "f", "type": "computed", "label": "己"},
                    {"name": "g", "type": "text", "label": "庚", "visible_if": "form.missing == 1"},
                    {"name": "1x", "type": "text"},
                    {"name": "h", "type": "text", "visible_if": "secret.x"},
                ],
                "validations": [{"expr": "form.b != ''"}],
            }
        )
    problems = "\n".join(caught.value.problems)
    for fragment in (
        "未知类型 'nope'",
        "字段名 b 重复",
        "表达式有误",
        "选择项（options）不能为空",
        "表格没有列",
        "表达式为空",
        "不存在的字段 missing",
        "字段名 '1x' 无效",
        "未知变量 secret",
        "需要 expr 和 message",
    ):
        assert fragment in problems
    assert len(caught.value.problems) >= 10


def test_schema_from_json_and_bad_json() -> None:
    parsed = parse_schema(json.dumps({"fields": [{"name": "a", "type": "text", "label": "甲"}]}))
    assert parsed.names == ("a",)
    with pytest.raises(SchemaError):
        parse_schema("{nope")


def test_table_schema_problems() -> None:
    with pytest.raises(SchemaError) as caught:
        schema(
            {
                "name": "items",
                "type": "table",
                "label": "明细",
                "columns": [{"name": "q", "type": "number"}, {"name": "f", "type": "attachment"}],
                "sum": ["nope", "q"],
            },
            {"name": "items_sum_q", "type": "number"},
        )
    problems = "\n".join(caught.value.problems)
    assert "表格列只能是简单类型" in problems
    assert "sum 中的列 nope 不存在" in problems
    assert "与已有字段重名" in problems


# ---------------------------------------------------------------------------------------------- simple types


def test_text_rules() -> None:
    s = schema(
        {"name": "t", "type": "text", "label": "标题", "required": True, "max_length": 5, "min_length": 2},
        {
            "name": "code",
            "type": "text",
            "label": "编号",
            "pattern": r"[A-Z]{2}\d+",
            "pattern_message": "编号格式如 AB12",
        },
        {"name": "note", "type": "textarea", "label": "说明", "max_length": 3},
    )
    ok = validate(s, {"t": "  请假 ", "code": "AB12", "note": "a\r\nb"})
    assert ok.ok
    assert ok.cleaned == {"t": "请假", "code": "AB12", "note": "a\nb"}
    bad = validate(s, {"t": "太长的标题啊", "code": "ab", "note": "太长了吧"})
    assert messages(bad) == ["“标题”不能超过 5 个字", "编号格式如 AB12", "“说明”不能超过 3 个字"]
    assert messages(validate(s, {"t": "一"})) == ["“标题”至少需要 2 个字"]
    assert messages(validate(s, {})) == ["“标题”为必填项"]
    assert messages(validate(s, {"t": ["a"]})) == ["“标题”必须是文字"]


def test_number_rules() -> None:
    s = schema(
        {"name": "n", "type": "number", "label": "天数", "integer": True, "min": 1, "max": 30},
        {"name": "r", "type": "number", "label": "比例"},
    )
    ok = validate(s, {"n": "3", "r": "0.5"})
    assert ok.cleaned == {"n": 3, "r": 0.5}
    assert messages(validate(s, {"n": "3.5"})) == ["“天数”必须是整数"]
    assert messages(validate(s, {"n": "abc", "r": "x"})) == ["“天数”必须是数字", "“比例”必须是数字"]
    assert messages(validate(s, {"n": 0})) == ["“天数”不能小于 1"]
    assert messages(validate(s, {"n": 31})) == ["“天数”不能大于 30"]
    assert messages(validate(s, {"n": True})) == ["“天数”必须是数字"]
    assert messages(validate(s, {"r": "NaN"})) == ["“比例”必须是数字"]
    assert validate(s, {"n": ""}).cleaned == {"n": None, "r": None}


def test_money_rules() -> None:
    s = schema({"name": "amount", "type": "money", "label": "金额", "required": True, "min": 0, "max": 100000})
    assert validate(s, {"amount": "1,234.5"}).cleaned == {"amount": "1234.50"}
    assert validate(s, {"amount": "¥12"}).cleaned == {"amount": "12.00"}
    assert validate(s, {"amount": Decimal("8.10")}).cleaned == {"amount": "8.10"}
    assert messages(validate(s, {"amount": ""})) == ["“金额”为必填项"]
    assert messages(validate(s, {"amount": "-1"})) == ["“金额”不能小于 0"]
    assert messages(validate(s, {"amount": "100000.01"})) == ["“金额”不能大于 100000"]
    assert messages(validate(s, {"amount": "1.234"})) == ["“金额”最多保留两位小数"]
    assert messages(validate(s, {"amount": "很多"})) == ["“金额”必须是金额（数字）"]
    json.dumps(validate(s, {"amount": "1"}).cleaned)


def test_dates_and_ranges() -> None:
    s = schema(
        {"name": "d", "type": "date", "label": "日期"},
        {"name": "leave", "type": "date_range", "label": "请假时间", "count_working_days": True, "required": True},
    )
    calls: list[tuple[date, date]] = []

    def working_days(start: date, end: date) -> int:
        calls.append((start, end))
        return 4

    ok = validate(
        s, {"d": "2024-10-01", "leave": {"start": "2024-09-30", "end": "2024-10-08"}}, working_days=working_days
    )
    assert ok.cleaned == {
        "d": "2024-10-01",
        "leave": {"start": "2024-09-30", "end": "2024-10-08"},
        "leave_working_days": 4,
    }
    assert calls == [(date(2024, 9, 30), date(2024, 10, 8))]
    # without a calendar, Monday to Friday
    assert validate(s, {"leave": {"start": "2024-06-03", "end": "2024-06-09"}}).cleaned["leave_working_days"] == 5
    assert messages(validate(s, {"d": "2024-02-30", "leave": {"start": "2024-06-03", "end": "2024-06-01"}})) == [
        "“日期”不是有效的日期",
        "“请假时间”的结束日期不能早于开始日期",
    ]
    assert messages(validate(s, {"leave": {"start": "2024-06-03", "end": ""}})) == ["“请假时间”需要填写开始和结束日期"]
    assert messages(validate(s, {"leave": {"start": "", "end": ""}})) == ["“请假时间”为必填项"]
    assert messages(validate(s, {"leave": "2024"})) == ["“请假时间”不是有效的日期范围"]


def test_people_and_departments() -> None:
    s = schema(
        {"name": "who", "type": "person", "label": "经办人"},
        {"name": "cc", "type": "person", "label": "抄送", "multiple": True},
        {"name": "dept", "type": "department", "label": "部门"},
    )
    people = lambda ids: {i for i in ids if i < 100}  # noqa: E731
    depts = lambda ids: {1}  # noqa: E731
    ok = validate(s, {"who": "7", "cc": ["3", 4, "3"], "dept": 1}, people_exist=people, departments_exist=depts)
    assert ok.cleaned == {"who": 7, "cc": [3, 4], "dept": 1}
    bad = validate(s, {"who": ["1", "2"], "cc": [5, 500], "dept": "2"}, people_exist=people, departments_exist=depts)
    assert messages(bad) == ["“经办人”只能选择一个人员", "“抄送”中有不存在的人员", "“部门”中有不存在的部门"]
    assert messages(validate(s, {"who": "-1", "cc": ["x"]})) == ["“经办人”的取值无效", "“抄送”的取值无效"]
    assert validate(s, {}).cleaned == {"who": None, "cc": [], "dept": None}


def test_select_and_multiselect() -> None:
    opts = [{"value": "annual", "label": "年假"}, {"value": "sick", "label": "病假"}, {"value": 3, "label": "三"}]
    s = schema(
        {"name": "kind", "type": "select", "label": "假别", "options": opts, "required": True},
        {"name": "tags", "type": "multiselect", "label": "标签", "options": opts},
    )
    assert validate(s, {"kind": "sick", "tags": ["3", "annual", "3"]}).cleaned == {
        "kind": "sick",
        "tags": [3, "annual"],
    }
    assert messages(validate(s, {"kind": "holiday", "tags": ["x"]})) == ["“假别”的选项无效", "“标签”的选项无效"]
    assert messages(validate(s, {"tags": []})) == ["“假别”为必填项"]


def test_signature() -> None:
    s = schema({"name": "sig", "type": "signature", "label": "签名", "required": True})
    good = "data:image/png;base64," + base64.b64encode(PNG + b"x" * 100).decode()
    assert validate(s, {"sig": good}).cleaned == {"sig": good}
    assert messages(validate(s, {"sig": "data:image/jpeg;base64,AAAA"})) == ["“签名”的签名格式无效"]
    assert messages(validate(s, {"sig": "data:image/png;base64,@@@"})) == ["“签名”的签名格式无效"]
    not_png = "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode()
    assert messages(validate(s, {"sig": not_png})) == ["“签名”的签名格式无效"]
    huge = "data:image/png;base64," + base64.b64encode(PNG + b"x" * 210 * 1024).decode()
    assert messages(validate(s, {"sig": huge})) == ["“签名”的签名过大（不能超过 200 KB）"]
    assert messages(validate(s, {"sig": ""})) == ["“签名”为必填项"]


# ---------------------------------------------------------------------------------------------- attachments


@pytest.mark.parametrize(
    ("head", "kind"),
    [(PDF, "pdf"), (PNG, "png"), (b"\xff\xd8\xff\xe0JFIF", "jpeg"), (b"GIF89a..", "gif"), (b"GIF87a..", "gif"),
     (ZIP, "zip"), (OLE, "ole2"), (b"hello", None), (b"", None), (b"MZ\x90\x00", None)],
)  # fmt: skip
def test_sniff(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind


def test_attachments() -> None:
    s = schema(
        {"name": "doc", "type": "attachment", "label": "附件", "accept": ["pdf", ".DOCX", "doc", "txt"], "max_mb": 1},
        {"name": "pics", "type": "attachment", "label": "照片", "accept": ["png", "jpg"], "multiple": True},
    )
    ok = validate(s, {}, files={"doc": [FileInfo("合同.docx", 1000, ZIP)], "pics": [FileInfo("a.png", 10, PNG)]})
    assert ok.ok
    assert ok.cleaned["doc"][0]["name"] == "合同.docx"
    assert ok.cleaned["pics"] == [{"name": "a.png", "size": 10, "content_type": "image/png"}]
    for info, fragment in [
        (FileInfo("fake.pdf", 10, PNG), "内容与扩展名不符"),
        (FileInfo("old.doc", 10, ZIP), "内容与扩展名不符"),
        (FileInfo("virus.exe", 10, b"MZ"), "类型不允许"),
        (FileInfo("big.pdf", 2 * 1024 * 1024, PDF), "超过 1 MB"),
        (FileInfo("note.txt", 10, b"MZ\x90\x00\x03\x00"), "内容与扩展名不符"),
        (FileInfo("noext", 10, PDF), "类型不允许"),
    ]:
        result = validate(s, {}, files={"doc": [info]})
        assert [e.field for e in result.errors] == ["doc"]
        assert fragment in result.errors[0].message
    assert validate(s, {}, files={"doc": [FileInfo("note.txt", 5, b"hello")]}).ok
    two = validate(s, {}, files={"doc": [FileInfo("a.pdf", 1, PDF), FileInfo("b.pdf", 1, PDF)]})
    assert messages(two) == ["“附件”只能上传一个文件"]


def test_attachment_required_and_previous() -> None:
    s = schema({"name": "doc", "type": "attachment", "label": "附件", "required": True, "multiple": True})
    assert messages(validate(s, {"doc": [{"name": "forged.pdf"}]})) == ["“附件”为必填项"]  # posted metadata ignored
    kept = [{"name": "old.pdf", "size": 3, "content_type": "application/pdf", "id": 9}]
    assert validate(s, {}, previous={"doc": kept}).cleaned == {"doc": kept}
    more = validate(s, {}, previous={"doc": kept}, files={"doc": [FileInfo("new.pdf", 4, PDF)]})
    assert [f["name"] for f in more.cleaned["doc"]] == ["old.pdf", "new.pdf"]


# ---------------------------------------------------------------------------------------------- tables


def items_schema(**extra: Any) -> Any:
    return schema(
        {
            "name": "items",
            "type": "table",
            "label": "明细",
            "columns": [
                {"name": "name", "type": "text", "label": "品名", "required": True},
                {"name": "qty", "type": "number", "label": "数量", "integer": True, "min": 1},
                {"name": "price", "type": "money", "label": "单价"},
                {
                    "name": "total",
                    "type": "computed",
                    "label": "小计",
                    "format": "money",
                    "expr": "double(row.qty) * row.price",
                },
            ],
            "sum": ["qty", "total"],
            **extra,
        }
    )


def test_table_rows_sums_and_computed_columns() -> None:
    s = items_schema(min_rows=1, max_rows=3)
    result = validate(
        s,
        {
            "items": [
                {"name": "纸", "qty": "2", "price": "3.5", "total": "999"},
                {},
                {"name": "笔", "qty": 1, "price": "1"},
            ]
        },
    )
    assert result.ok, result.errors
    assert result.cleaned["items"] == [
        {"name": "纸", "qty": 2, "price": "3.50", "total": "7.00"},
        {"name": "笔", "qty": 1, "price": "1.00", "total": "1.00"},
    ]
    assert result.cleaned["items_sum_qty"] == 3
    assert result.cleaned["items_sum_total"] == "8.00"


def test_table_errors_name_the_row() -> None:
    s = items_schema(min_rows=1, max_rows=2)
    result = validate(s, {"items": [{"name": "纸", "qty": "2"}, {"name": "", "qty": "两个"}, {"qty": "0"}]})
    assert messages(result) == [
        "“明细”最多 2 行",
        "第2行“品名”为必填项",
        "第2行“数量”必须是数字",
        "第3行“品名”为必填项",
        "第3行“数量”不能小于 1",
    ]
    assert (result.errors[2].row, result.errors[2].column) == (1, "qty")
    assert messages(validate(s, {"items": []})) == ["“明细”至少需要 1 行"]
    assert messages(validate(s, {"items": "x"})) == ["“明细”的明细格式无效", "“明细”至少需要 1 行"]


def test_table_sum_feeds_form_computed_and_conditions() -> None:
    s = parse_schema(
        {
            "fields": [
                {"name": "items", "type": "table", "label": "明细", "sum": ["amount"],
                 "columns": [{"name": "amount", "type": "money", "label": "金额"}]},
                {"name": "total", "type": "computed", "label": "总额", "format": "money",
                 "expr": "form.items_sum_amount * 1.1"},
                {"name": "why", "type": "textarea", "label": "超支说明", "required_if": "form.total > 1000.0"},
            ]
        }
    )  # fmt: skip
    small = validate(s, {"items": [{"amount": "100"}]})
    assert small.ok
    assert small.cleaned["total"] == "110.00"
    big = validate(s, {"items": [{"amount": "1000"}]})
    assert messages(big) == ["“超支说明”为必填项"]
    assert "why" in big.required


# ---------------------------------------------------------------------------------------------- conditions


def test_visible_if_drops_fields_and_never_requires_them() -> None:
    s = schema(
        {"name": "kind", "type": "select", "label": "类别", "options": [{"value": "a"}, {"value": "b"}]},
        {"name": "detail", "type": "text", "label": "说明", "required": True, "visible_if": "form.kind == 'b'"},
        {"name": "more", "type": "text", "label": "补充", "required": True, "visible_if": "has(form.detail)"},
    )
    hidden = validate(s, {"kind": "a", "detail": "posted anyway", "more": "x"})
    assert hidden.ok
    assert hidden.cleaned == {"kind": "a"}
    assert hidden.visible == {"kind"}
    shown = validate(s, {"kind": "b"})
    assert messages(shown) == ["“说明”为必填项", "“补充”为必填项"]


def test_required_if_and_initiator() -> None:
    s = schema(
        {"name": "amount", "type": "money", "label": "金额"},
        {"name": "reason", "type": "text", "label": "理由", "required_if": "form.amount >= 5000.0"},
        {"name": "boss", "type": "text", "label": "领导意见", "visible_if": "initiator.rank >= 3"},
    )
    assert validate(s, {"amount": "100"}).ok
    assert messages(validate(s, {"amount": "5000"})) == ["“理由”为必填项"]
    assert validate(s, {"amount": "5000", "reason": "采购"}).ok
    assert "boss" not in validate(s, {}).visible
    assert "boss" in validate(s, {}, initiator={"id": 1, "rank": 4}).visible


def test_computed_is_never_taken_from_input() -> None:
    s = schema(
        {"name": "days", "type": "number", "label": "天数", "integer": True},
        {
            "name": "allowance",
            "type": "computed",
            "label": "补助",
            "format": "money",
            "expr": "double(form.days) * 80.5",
        },
        {
            "name": "label",
            "type": "computed",
            "label": "摘要",
            "format": "text",
            "expr": "'共' + string(form.days) + '天'",
        },
        {"name": "broken", "type": "computed", "label": "坏", "expr": "form.days / 0"},
    )
    result = validate(s, {"days": "3", "allowance": "1000000", "label": "x", "broken": 5})
    assert result.cleaned == {"days": 3, "allowance": "241.50", "label": "共3天", "broken": None}


def test_schema_validations_run_last() -> None:
    s = schema(
        {"name": "start", "type": "date", "label": "开始"},
        {"name": "end", "type": "date", "label": "结束"},
        {"name": "n", "type": "number", "label": "数", "min": 0},
        validations=[
            {"expr": "form.end >= form.start", "message": "结束日期不能早于开始日期", "field": "end"},
            {"expr": "form.n < 10", "message": "数必须小于 10"},
        ],
    )
    assert validate(s, {"start": "2024-01-02", "end": "2024-01-01", "n": 3}).errors[0].field == "end"
    result = validate(s, {"start": "2024-01-02", "end": "2024-01-01", "n": 30})
    assert messages(result) == ["结束日期不能早于开始日期", "数必须小于 10"]
    assert result.errors[1].field == NON_FIELD
    # a validation over an empty or invalid field does not apply; the field error is reported alone
    assert messages(validate(s, {"start": "2024-01-02", "n": -1})) == ["“数”不能小于 0"]


def test_all_errors_at_once() -> None:
    s = schema(
        {"name": "a", "type": "text", "label": "甲", "required": True},
        {"name": "b", "type": "number", "label": "乙"},
        {"name": "c", "type": "date", "label": "丙"},
    )
    assert [e.field for e in validate(s, {"b": "x", "c": "y"}).errors] == ["a", "b", "c"]


# ---------------------------------------------------------------------------------------------- access


def test_access_read_write_hidden() -> None:
    s = schema(
        {"name": "amount", "type": "money", "label": "金额", "required": True},
        {"name": "opinion", "type": "textarea", "label": "意见", "required": True},
        {"name": "secret", "type": "text", "label": "密", "required": True},
        {"name": "other", "type": "text", "label": "其他"},
        {"name": "double", "type": "computed", "label": "两倍", "format": "money", "expr": "form.amount * 2.0"},
    )
    previous = {"amount": "100.00", "secret": "s", "other": "o"}
    access = {"amount": "read", "opinion": "write", "secret": "hidden", "double": "read"}
    result = validate(s, {"amount": "99999", "opinion": "同意", "secret": "changed", "other": "hacked"}, access=access,
                      previous=previous)  # fmt: skip
    assert result.ok
    assert result.cleaned == {"amount": "100.00", "opinion": "同意", "other": "o", "double": "200.00"}
    assert "secret" not in result.visible
    # read and hidden fields are never required of this node
    assert messages(validate(s, {}, access=access, previous={})) == ["“意见”为必填项"]


def test_hidden_values_still_feed_conditions() -> None:
    s = schema(
        {"name": "amount", "type": "money", "label": "金额"},
        {"name": "note", "type": "text", "label": "备注", "required_if": "form.amount > 10.0"},
    )
    result = validate(s, {}, access={"amount": "hidden", "note": "write"}, previous={"amount": "50"})
    assert messages(result) == ["“备注”为必填项"]


# ---------------------------------------------------------------------------------------------- idempotence


SIMPLE = schema(
    {"name": "t", "type": "text", "label": "文", "max_length": 20},
    {"name": "n", "type": "number", "label": "整", "integer": True, "min": -1000, "max": 1000},
    {"name": "r", "type": "number", "label": "实"},
    {"name": "m", "type": "money", "label": "钱", "min": 0},
    {"name": "d", "type": "date", "label": "日"},
    {"name": "dr", "type": "date_range", "label": "期", "count_working_days": True},
    {"name": "s", "type": "select", "label": "选", "options": [{"value": "x"}, {"value": 2}]},
    {"name": "ms", "type": "multiselect", "label": "多", "options": [{"value": "x"}, {"value": "y"}]},
    {"name": "p", "type": "person", "label": "人", "multiple": True},
    {"name": "c", "type": "computed", "label": "算", "format": "money", "expr": "form.m * 2.0"},
    {"name": "rows", "type": "table", "label": "表", "sum": ["q"],
     "columns": [{"name": "q", "type": "money", "label": "额"}, {"name": "w", "type": "text", "label": "注"}]},
)  # fmt: skip

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
money = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


@settings(max_examples=150, deadline=None)
@given(
    t=st.text(max_size=20).filter(lambda s: s == s.strip()),
    n=st.integers(-1000, 1000) | st.none(),
    r=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9) | st.none(),
    m=money.map(str) | money | st.none(),
    d=dates.map(date.isoformat) | st.none(),
    dr=st.tuples(dates, dates).map(lambda p: {"start": min(p).isoformat(), "end": max(p).isoformat()}) | st.none(),
    s=st.sampled_from(["x", "2", 2, None]),
    ms=st.lists(st.sampled_from(["x", "y"])),
    p=st.lists(st.integers(1, 10_000).map(str)),
    rows=st.lists(st.fixed_dictionaries({"q": money.map(str), "w": st.text(max_size=5)}), max_size=4),
)
def test_validate_is_idempotent(**data: Any) -> None:
    first = validate(SIMPLE, data)
    assert first.ok, first.errors
    json.dumps(first.cleaned)
    second = validate(SIMPLE, first.cleaned)
    assert second.ok
    assert second.cleaned == first.cleaned

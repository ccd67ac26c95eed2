"""A refused submission speaks the reader's language: the smart form's messages are translated (the
field labels are the matter's data and stay as written)."""

from __future__ import annotations

from django.utils import translation

from sanfu.approvals.formschema import parse_schema, validate

SCHEMA = parse_schema(
    {
        "fields": [
            {"name": "t", "type": "text", "label": "标题", "required": True, "max_length": 5},
            {"name": "n", "type": "number", "label": "天数", "min": 1},
            {
                "name": "lines",
                "type": "table",
                "label": "明细",
                "min_rows": 1,
                "columns": [{"name": "amount", "type": "money", "label": "金额", "required": True}],
            },
        ]
    }
)


def _messages(data: dict[str, object]) -> list[str]:
    return [e.message for e in validate(SCHEMA, data).errors]


def test_messages_in_english() -> None:
    with translation.override("en"):
        assert _messages({"n": 0, "lines": [{"amount": "abc"}]}) == [
            "“标题” is required",
            "“天数” may not be less than 1",
            "Row 1: “金额” must be an amount (a number)",
        ]


def test_messages_in_chinese_are_unchanged() -> None:
    with translation.override("zh-hans"):
        assert _messages({"n": 0, "lines": [{"amount": "abc"}]}) == [
            "“标题”为必填项",
            "“天数”不能小于 1",
            "第1行“金额”必须是金额（数字）",
        ]

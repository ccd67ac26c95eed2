"""Smart-form expressions (visible_if, required_if, computed fields, validations) are CEL too: the flow's
bound on their work and on shadowing loop variables applies to them (security issue, hole 10)."""

from __future__ import annotations

import pytest

from sanfu.approvals.formschema import SchemaError, parse_schema

SIXTY = "[" + ",".join(str(i) for i in range(60)) + "]"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        (f"{SIXTY}.all(a, {SIXTY}.all(b, {SIXTY}.all(c, a + b + c >= 0)))", "嵌套"),
        ("[1].exists(form, form > 0)", "循环变量"),
        ("form.b == '" + "x" * 1200 + "'", "过长"),
    ],
)
def test_costly_or_shadowing_expressions_are_refused(expression: str, reason: str) -> None:
    with pytest.raises(SchemaError) as refused:
        parse_schema(
            {
                "fields": [
                    {"name": "b", "type": "text", "label": "乙"},
                    {"name": "c", "type": "text", "label": "丙", "visible_if": expression},
                ]
            }
        )
    assert any(reason in problem for problem in refused.value.problems)


def test_an_ordinary_comprehension_over_a_table_is_kept() -> None:
    parse_schema(
        {
            "fields": [
                {
                    "name": "lines",
                    "type": "table",
                    "label": "明细",
                    "columns": [{"name": "amount", "type": "money", "label": "金额"}],
                },
                {"name": "c", "type": "text", "label": "丙", "visible_if": "form.lines.exists(l, l.amount > 1000.0)"},
            ]
        }
    )

"""The designer's rules outside its views: the tree shown for a version, sample fields, the preview state."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.approvals.designer import drafting, preview
from sanfu.approvals.models import MatterType

FORM: dict[str, Any] = {
    "fields": [
        {"name": "amount", "type": "money", "label": "金额"},
        {"name": "days", "type": "number", "label": "天数", "integer": True},
        {"name": "tags", "type": "multiselect", "label": "标签", "options": [{"value": "a"}, {"value": "b"}]},
        {"name": "leave", "type": "date_range", "label": "假期", "count_working_days": True},
        {"name": "note", "type": "textarea", "label": "备注"},
    ]
}


def _matter(form: dict[str, Any] | None = None) -> MatterType:
    return MatterType(code="m", name="事项", definition_key="m_flow", form_schema=form or FORM)


def test_a_version_that_is_no_tree_opens_blank_with_the_reason() -> None:
    loop = {
        "key": "m_flow",
        "nodes": [
            {"id": "start", "kind": "start", "next": "a"},
            {"id": "a", "kind": "approval", "approvers": {"type": "head"}, "next": "a"},
            {"id": "end", "kind": "end"},
        ],
    }
    tree, error = drafting.tree_of(_matter(), loop)
    assert tree == drafting.blank_tree(_matter())
    assert error
    assert drafting.tree_of(_matter(), None) == (drafting.blank_tree(_matter()), "")


def test_sample_fields_are_the_ones_conditions_read() -> None:
    schema = drafting.form_schema_of(_matter())
    names = [f["name"] for f in drafting.sample_fields(schema)]
    assert names == ["amount", "days", "tags", "leave_working_days"]
    assert drafting.sample_fields(None) == []
    assert drafting.form_schema_of(_matter({"fields": [{"name": "1bad", "type": "text"}]})) is None


def test_build_definition_takes_the_matters_key_and_fields() -> None:
    spec = drafting.build_definition(_matter(), {"options": {"key": "other", "fields": ["x"]}, "nodes": []})
    assert spec["key"] == "m_flow"
    assert spec["name"] == "事项"
    assert [f["name"] for f in spec["fields"]] == ["amount", "days", "tags", "leave", "leave_working_days", "note"]
    assert drafting.definition_problems(spec) == []


@pytest.mark.parametrize(
    ("values", "form"),
    [
        ({"amount": "300", "days": "2", "tags": "a, b", "note": "x"}, {"amount": 300.0, "days": 2, "tags": ["a", "b"]}),
        ({"amount": "lots", "days": "", "leave_working_days": "3"}, {"leave_working_days": 3}),
    ],
)
def test_preview_state_types_the_sample_values(values: dict[str, Any], form: dict[str, Any]) -> None:
    state = preview.preview_state(_matter(), values, initiator=7, urgency="特急")
    expected = {**form, "note": "x"} if "note" in values else form
    assert state.form == expected
    assert (state.initiator, state.urgency, state.matter) == (7, "特急", "m")

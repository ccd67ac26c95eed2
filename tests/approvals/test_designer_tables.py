"""流程设计, the form panel: a detail table's (明细表) columns are edited, checked by the form schema and kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from sanfu.approvals import designer, formschema, services
from sanfu.approvals.models import MatterType
from sanfu.core.errors import ApplicationError
from sanfu.workflow.models import ProcessDefinition
from sanfu.workflow.selectors import latest_definition

TOPIC = {"name": "topic", "type": "text", "label": "主题", "required": True}
CONTENT = {"name": "content", "type": "textarea", "label": "内容", "required": True, "max_length": 3000}
COSTS = {
    "name": "costs",
    "type": "table",
    "label": "费用明细",
    "min_rows": 1,
    "max_rows": 20,
    "sum": ["total"],
    "columns": [
        {"name": "what", "type": "text", "label": "事项", "required": True, "max_length": 50},
        {"name": "kind", "type": "select", "label": "类别", "options": [{"value": "差旅", "label": "差旅"}]},
        {"name": "qty", "type": "number", "label": "数量", "integer": True, "min": 1},
        {"name": "total", "type": "money", "label": "金额", "required": True, "min": 0},
        {
            "name": "price",
            "type": "computed",
            "label": "单价",
            "expr": "row.total / double(row.qty)",
            "format": "money",
        },
    ],
}


def _post(client: Any, name: str, body: dict[str, Any], code: str = "suggestion") -> Any:
    return client.post(
        reverse(f"approvals:{name}", args=[code]), data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def admin_client(demo: dict[str, Any], login: Any) -> Any:
    return login(demo["people"]["flowadmin"])


# ------------------------------------------------------------------------------ the schema says where


def test_schema_problems_name_the_field_and_column_they_are_about() -> None:
    bad_table = {
        **COSTS,
        "sum": ["what"],  # a text column cannot be summed: the table's own problem
        "columns": [
            {"name": "what", "type": "text", "label": "事项"},
            {"name": "when", "type": "date_range", "label": "期间"},  # not a column type
            {"name": "what", "type": "text", "label": "重复"},
            {"name": "x", "type": "computed", "label": "x", "expr": "row.nope * 2.0"},  # unknown column
        ],
    }
    with pytest.raises(formschema.SchemaError) as caught:
        formschema.parse_schema({"fields": [TOPIC, bad_table, {"name": "topic", "type": "text"}]})
    located = dict(zip(caught.value.problems, caught.value.locations, strict=True))
    assert len(located) == len(caught.value.problems)

    def where(fragment: str) -> Any:
        return next(at for problem, at in located.items() if fragment in problem)

    assert where("表格列只能是简单类型") == (1, 1)
    assert where("引用了不存在的字段 nope") == (1, 3)
    assert where("列名 what 重复") == (1, None)
    assert where("sum 中的列 what 不是数字或金额") == (1, None)
    assert where("字段名 topic 重复") == (2, None)


def test_a_schema_error_without_locations_still_has_one_per_problem() -> None:
    error = formschema.SchemaError(["a", "b"])
    assert error.locations == [None, None]


# ------------------------------------------------------------------------------ the service and the view


def test_a_table_with_every_column_type_option_is_saved(demo: dict[str, Any]) -> None:
    matter = MatterType.objects.get(code="suggestion")
    designer.form_schema_save(actor=demo["people"]["flowadmin"], matter=matter, fields=[TOPIC, CONTENT, COSTS])
    matter.refresh_from_db()
    saved = matter.form_schema["fields"][2]
    assert saved == COSTS
    schema = formschema.parse_schema(matter.form_schema)
    assert [c.name for c in schema.field("costs").columns] == ["what", "kind", "qty", "total", "price"]
    assert designer.field_types(schema)["costs_sum_total"] == "money"


def test_bad_columns_are_refused_with_their_position_and_nothing_changes(admin_client: Any) -> None:
    matter = MatterType.objects.get(code="suggestion")
    before = matter.form_schema
    renamed = {**COSTS, "columns": [*COSTS["columns"][:3], {**COSTS["columns"][3], "name": "1total"}]}
    response = _post(admin_client, "designer_form", {"fields": [TOPIC, CONTENT, renamed]})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "表单有误，未保存。"
    # the renamed column is invalid and the sum still names the old one: both point into the table
    bad_name = next(p for p in body["problems"] if "1total" in p["message"])
    assert (bad_name["field"], bad_name["column"]) == (2, 3)
    missing_sum = next(p for p in body["problems"] if "sum 中的列 total 不存在" in p["message"])
    assert (missing_sum["field"], missing_sum["column"]) == (2, None)
    matter.refresh_from_db()
    assert matter.form_schema == before


def test_columns_round_trip_through_the_editor_publishing_and_a_request(
    admin_client: Any, demo: dict[str, Any]
) -> None:
    # add the table, reorder and retype its columns as the panel does, then save
    columns = [
        {"name": "amount", "type": "money", "label": "金额", "required": True},
        {"name": "item", "type": "text", "label": "项目", "required": True},
    ]
    table = {"name": "lines", "type": "table", "label": "明细", "sum": ["amount"], "columns": columns}
    assert _post(admin_client, "designer_form", {"fields": [TOPIC, CONTENT, table]}).json()["ok"] is True

    page = admin_client.get(reverse("approvals:designer_edit", args=["suggestion"]))
    data = page.context["data"]
    assert data["form"][2]["columns"] == columns
    assert data["types"]["lines_sum_amount"] == "money"
    assert "table" not in data["column_types"]
    assert set(data["column_types"]) == set(formschema.COLUMN_TYPES)
    assert data["strings"]["field_types"]["table"] == "明细表"

    # the sum of a column is a field the process can use: publish a condition on it
    tree = data["tree"]
    tree["nodes"].insert(
        0,
        {
            "id": "big",
            "kind": "condition",
            "name": "金额",
            "branches": [
                {
                    "name": "大额",
                    "mode": "simple",
                    "when": "",
                    "clauses": [{"field": "lines_sum_amount", "op": ">", "value": "1000"}],
                    "nodes": [{"id": "boss", "kind": "approval", "name": "领导", "approvers": {"type": "head"}}],
                },
                {"default": True, "name": "", "nodes": []},
            ],
        },
    )
    before = latest_definition("suggestion").version
    assert _post(admin_client, "designer_publish", {"tree": tree}).json()["ok"] is True
    spec = ProcessDefinition.objects.get(key="suggestion", version=before + 1).spec
    assert {"name": "lines_sum_amount"} in spec["fields"]
    branch = next(n for n in spec["nodes"] if n["id"] == "big")["branches"][0]
    assert branch["when"] == "form.lines_sum_amount > 1000.0"

    # a request started with it shows the columns, and its rows are kept column by column
    start = admin_client.get(reverse("approvals:start", args=["suggestion"])).content.decode()
    assert start.index(">金额") < start.index(">项目")  # in the order the panel left them
    request = services.matter_submit(
        actor=demo["people"]["staff"],
        matter=MatterType.objects.get(code="suggestion"),
        title="复印纸",
        data={"topic": "复印纸", "content": "请采购", "lines": [{"amount": "1200", "item": "复印纸"}]},
    )
    form = request.instance.state["form"]  # as conditions see it: money is a double
    assert form["lines"] == [{"amount": 1200.0, "item": "复印纸"}]
    assert form["lines_sum_amount"] == 1200.0
    assert request.instance.definition.version == before + 1
    assert set(request.instance.tasks.filter(status="open").values_list("node", flat=True)) == {"boss"}


def test_a_request_refused_for_a_bad_row_names_the_column(admin_client: Any, demo: dict[str, Any]) -> None:
    table = {"name": "lines", "type": "table", "label": "明细", "columns": COSTS["columns"][:1]}
    assert _post(admin_client, "designer_form", {"fields": [TOPIC, table]}).json()["ok"] is True
    with pytest.raises(ApplicationError) as caught:
        services.matter_submit(
            actor=demo["people"]["staff"],
            matter=MatterType.objects.get(code="suggestion"),
            title="太长",
            data={"topic": "x", "lines": [{"what": "长" * 51}]},
        )
    assert any(e["field"] == "lines" and e["row"] == 0 and "事项" in e["message"] for e in caught.value.errors)

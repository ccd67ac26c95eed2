"""流程设计: tree ⇄ definition, validation on nodes, path preview, publishing, compare, BPMN, form schema."""

from __future__ import annotations

import copy
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from sanfu.approvals import designer
from sanfu.approvals.models import MatterType
from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.demo import matters as demo_module
from sanfu.workflow.engine import parse_definition
from sanfu.workflow.models import ProcessDefinition
from sanfu.workflow.selectors import latest_definition

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _catalogue() -> list[dict[str, Any]]:
    return demo_module._catalogue({"finance": 1, "office": 2, "hr": 3}, 9, [5])


@pytest.mark.parametrize("code", [item["code"] for item in _catalogue()])
def test_every_demo_definition_survives_the_round_trip(code: str) -> None:
    spec = next(item["definition"] for item in _catalogue() if item["code"] == code)
    parse_definition(spec)
    tree = designer.definition_to_tree(spec)
    back = designer.tree_to_definition(json.loads(json.dumps(tree)))  # as the browser sends it back
    parse_definition(back)
    assert designer.graph_of(back) == designer.graph_of(spec)


PARALLEL: dict[str, Any] = {
    "key": "p",
    "name": "并行",
    "fields": [{"name": "amount"}, {"name": "due"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "p1"},
        {"id": "p1", "kind": "parallel", "name": "会审", "branches": ["a", "b"], "join": "j"},
        {"id": "a", "kind": "approval", "name": "财务", "approvers": {"type": "head"}, "next": "j"},
        {"id": "b", "kind": "cc", "name": "抄送", "recipients": {"type": "initiator"}, "next": "c"},
        {
            "id": "c",
            "kind": "condition",
            "name": "急",
            "branches": [{"when": 'urgency == "特急"', "next": "t"}, {"default": True, "next": "j"}],
        },
        {"id": "t", "kind": "timer", "name": "等一等", "wait": {"hours": 2}, "next": "j"},
        {"id": "j", "kind": "join", "next": "sub"},
        {"id": "sub", "kind": "subprocess", "name": "归档", "definition": "archive", "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


def test_parallel_and_nested_branches_round_trip() -> None:
    tree = designer.definition_to_tree(PARALLEL)
    par = tree["nodes"][0]
    assert par["kind"] == "parallel"
    assert par["join"]["id"] == "j"
    assert [n["id"] for n in par["branches"][1]["nodes"]] == ["b", "c"]
    assert par["branches"][1]["nodes"][1]["branches"][0]["clauses"] == [
        {"field": "urgency", "op": "==", "value": "特急"}
    ]
    back = designer.tree_to_definition(tree)
    parse_definition(back)
    assert designer.graph_of(back) == designer.graph_of(PARALLEL)


def test_a_loop_is_not_a_tree() -> None:
    spec = copy.deepcopy(PARALLEL)
    spec["nodes"][5]["next"] = "b"
    with pytest.raises(designer.NotATreeError):
        designer.definition_to_tree(spec)


def test_clauses_write_typed_cel() -> None:
    types = {"amount": "money", "copies": "number", "kind": "select", "tags": "multiselect"}
    assert designer.clauses_to_cel([{"field": "amount", "op": ">", "value": "5000"}], types) == "form.amount > 5000.0"
    assert designer.clauses_to_cel([{"field": "copies", "op": ">=", "value": "3"}], types) == "form.copies >= 3"
    assert (
        designer.clauses_to_cel(
            [{"field": "kind", "op": "==", "value": "差旅费"}, {"field": "urgency", "op": "!=", "value": "特急"}], types
        )
        == 'form.kind == "差旅费" && urgency != "特急"'
    )
    assert designer.clauses_to_cel([{"field": "tags", "op": "contains", "value": "a"}], types) == '"a" in form.tags'
    assert designer.clauses_to_cel([{"field": "kind", "op": "contains", "value": "差"}], types) == (
        'form.kind.contains("差")'
    )
    assert designer.cel_to_clauses('form.amount > 5000.0 && urgency == "特急"') == [
        {"field": "amount", "op": ">", "value": "5000.0"},
        {"field": "urgency", "op": "==", "value": "特急"},
    ]
    assert designer.cel_to_clauses("initiator.rank >= 40 || form.a") is None


# ------------------------------------------------------------------------------ views


@pytest.fixture
def admin_client(demo: dict[str, Any], login: Any) -> Any:
    return login(demo["people"]["flowadmin"])


def _tree(client: Any, code: str = "expense") -> dict[str, Any]:
    response = client.get(reverse("approvals:designer_edit", args=[code]))
    assert response.status_code == 200
    return response.context["data"]["tree"]


def _post(client: Any, name: str, body: dict[str, Any], code: str = "expense") -> Any:
    return client.post(
        reverse(f"approvals:{name}", args=[code]), data=json.dumps(body), content_type="application/json"
    )


def test_others_get_404(demo: dict[str, Any], login: Any) -> None:
    client = login(demo["people"]["staff"])
    assert client.get(reverse("approvals:designer")).status_code == 404
    assert client.get(reverse("approvals:designer_edit", args=["expense"])).status_code == 404
    assert client.get(reverse("approvals:designer_bpmn", args=["expense", 1])).status_code == 404
    assert _post(client, "designer_publish", {"tree": {}}).status_code == 404
    assert _post(client, "designer_form", {"fields": []}).status_code == 404
    with pytest.raises(PermissionDeniedError):
        designer.form_schema_save(actor=demo["people"]["staff"], matter=demo["matters"]["expense"], fields=[])


def test_list_and_nav(admin_client: Any) -> None:
    response = admin_client.get(reverse("approvals:designer"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "费用报销" in text
    assert "<code>expense</code>" in text
    assert "v1" in text
    assert reverse("approvals:designer") in admin_client.get("/").content.decode()


def test_editor_page_carries_the_tree_and_form(admin_client: Any) -> None:
    response = admin_client.get(reverse("approvals:designer_edit", args=["expense"]))
    data = response.context["data"]
    assert data["tree"]["nodes"][0]["kind"] == "condition"
    assert [f["name"] for f in data["form"]] == ["kind", "items", "amount", "reason"]
    assert data["types"]["amount"] == "money"
    assert 'id="designer-data"' in response.content.decode()


def test_validation_errors_land_on_their_nodes(admin_client: Any) -> None:
    tree = _tree(admin_client)
    route = tree["nodes"][0]
    route["branches"][0]["default"] = True  # two defaults
    route["branches"][1]["nodes"][0]["approvers"] = {"type": "users", "users": []}  # big_review: nobody
    tree["nodes"].append({"id": "big_review", "kind": "cc", "name": "重复", "recipients": {"type": "initiator"}})
    body = _post(admin_client, "designer_validate", {"tree": tree}).json()
    assert body["ok"] is False
    nodes = {p["node"] for p in body["problems"]}
    assert "route" in nodes
    assert "big_review" in nodes
    assert any("默认分支" in p["message"] for p in body["problems"] if p["node"] == "route")


def test_validate_accepts_the_unchanged_tree(admin_client: Any) -> None:
    body = _post(admin_client, "designer_validate", {"tree": _tree(admin_client)}).json()
    assert body == {"ok": True, "problems": [], "definition": body["definition"]}
    assert body["definition"]["key"] == "expense"
    assert {"name": "items_sum_money"} in body["definition"]["fields"]


def _names(html: str) -> list[str]:
    import re

    return re.findall(r'data-node="([^"]+)"', html)


def test_preview_follows_the_conditions(admin_client: Any, demo: dict[str, Any]) -> None:
    tree = _tree(admin_client)
    small = _post(admin_client, "designer_preview", {"tree": tree, "values": {"amount": "300"}}).json()
    assert small["ok"]
    assert _names(small["html"]) == ["start", "route", "review", "check", "end"]
    big = _post(admin_client, "designer_preview", {"tree": tree, "values": {"amount": "8000"}}).json()
    assert _names(big["html"]) == ["start", "route", "big_review", "big_0", "final", "end"]
    urgent = _post(
        admin_client,
        "designer_preview",
        {"tree": tree, "values": {"amount": "300"}, "urgency": "特急", "initiator": demo["people"]["staff"].pk},
    ).json()
    assert _names(urgent["html"]) == ["start", "route", "green_filing", "green_final", "end"]
    assert demo["people"]["staff"].display_name in urgent["html"]
    # people are named: the staff member's head reviews
    assert "preview-step" in small["html"]


def test_publish_adds_a_version_with_a_new_branch(admin_client: Any, demo: dict[str, Any]) -> None:
    before = latest_definition("expense").version
    tree = _tree(admin_client)
    route = tree["nodes"][0]
    route["branches"].insert(
        2,
        {
            "name": "办公费",
            "mode": "simple",
            "when": "",
            "clauses": [
                {"field": "kind", "op": "==", "value": "办公费"},
                {"field": "amount", "op": ">", "value": "100"},
            ],
            "nodes": [{"id": "office_ok", "kind": "approval", "name": "办公室审核", "approvers": {"type": "head"}}],
        },
    )
    response = _post(admin_client, "designer_publish", {"tree": tree})
    body = response.json()
    assert body["ok"]
    assert body["version"] == before + 1
    published = ProcessDefinition.objects.get(key="expense", version=before + 1)
    branches = next(n for n in published.spec["nodes"] if n["id"] == "route")["branches"]
    assert branches[2] == {
        "when": 'form.kind == "办公费" && form.amount > 100.0',
        "next": "office_ok",
        "name": "办公费",
    }
    assert ProcessDefinition.objects.get(key="expense", version=before).spec != published.spec  # old one unchanged
    assert AuditRecord.objects.filter(action="workflow.publish").exists()
    page = admin_client.get(body["url"]).content.decode()
    assert f"v{before + 1}" in page

    compare = admin_client.get(reverse("approvals:designer_compare", args=["expense"]), {"a": before, "b": before + 1})
    text = compare.content.decode()
    diff = compare.context["diff"]
    statuses = {row.node_id: row.status for row in diff["rows"]}
    assert statuses["office_ok"] == "added"
    assert statuses["route"] == "changed"
    assert statuses["review"] == "same"
    assert "办公室审核" in text
    assert "form.kind" in text


def test_publish_refuses_an_invalid_tree(admin_client: Any) -> None:
    tree = _tree(admin_client)
    tree["nodes"][0]["branches"][0]["when"] = "form.amount >"
    tree["nodes"][0]["branches"][0]["mode"] = "cel"
    before = ProcessDefinition.objects.filter(key="expense").count()
    response = _post(admin_client, "designer_publish", {"tree": tree})
    assert response.status_code == 400
    assert ProcessDefinition.objects.filter(key="expense").count() == before
    assert response.json()["problems"]


def test_compare_describes_removed_and_changed_nodes() -> None:
    a = _catalogue()[0]["definition"]
    b = copy.deepcopy(a)
    b["nodes"] = [n for n in b["nodes"] if n["id"] != "green_filing"]
    next(n for n in b["nodes"] if n["id"] == "route")["branches"][0]["next"] = "green_final"
    next(n for n in b["nodes"] if n["id"] == "check")["mode"] = "all"
    with translation.override("zh-hans"):
        diff = designer.compare(a, b)
    rows = {r.node_id: r for r in diff["rows"]}
    assert rows["green_filing"].status == "removed"
    assert rows["check"].status == "changed"
    assert ("审批方式", "依次审批", "会签") in rows["check"].changes
    assert designer.compare(a, a)["same"] is True


def test_bpmn_export(admin_client: Any) -> None:
    response = admin_client.get(reverse("approvals:designer_bpmn", args=["expense", 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)  # noqa: S314  # our own output
    assert root.tag == f"{BPMN}definitions"
    process = root.find(f"{BPMN}process")
    assert process is not None
    assert process.get("id") == "expense"
    assert len(process.findall(f"{BPMN}startEvent")) == 1
    assert len(process.findall(f"{BPMN}endEvent")) == 1
    tasks = {t.get("id") for t in process.findall(f"{BPMN}userTask")}
    assert {"review", "check", "big_review", "final", "green_final"} <= tasks
    assert process.find(f"{BPMN}sendTask[@id='green_filing']") is not None
    gateway = process.find(f"{BPMN}exclusiveGateway[@id='route']")
    assert gateway is not None
    flows = {f.get("id"): f for f in process.findall(f"{BPMN}sequenceFlow")}
    assert gateway.get("default") in flows
    assert flows[gateway.get("default")].get("targetRef") == "review"
    conditions = [f.find(f"{BPMN}conditionExpression") for f in flows.values() if f.get("sourceRef") == "route"]
    assert sorted(c.text for c in conditions if c is not None) == ["form.amount > 5000.0", 'urgency == "特急"']
    ids = {e.get("id") for e in process}
    assert all(f.get("sourceRef") in ids and f.get("targetRef") in ids for f in flows.values())
    review = process.find(f"{BPMN}userTask[@id='review']")
    assert review is not None
    assert "上级" in (review.findtext(f"{BPMN}documentation") or "")


def test_bpmn_parallel_timer_and_subprocess() -> None:
    root = ET.fromstring(designer.bpmn_xml(PARALLEL))  # noqa: S314  # our own output
    process = root.find(f"{BPMN}process")
    assert process is not None
    gateways = process.findall(f"{BPMN}parallelGateway")
    assert {g.get("id"): g.get("gatewayDirection") for g in gateways} == {"p1": "Diverging", "j": "Converging"}
    timer = process.find(f"{BPMN}intermediateCatchEvent[@id='t']")
    assert timer is not None
    assert timer.findtext(f"{BPMN}timerEventDefinition/{BPMN}timeDuration") == "PT2H"
    call = process.find(f"{BPMN}callActivity[@id='sub']")
    assert call is not None
    assert call.get("calledElement") == "archive"
    assert len(process.findall(f"{BPMN}sequenceFlow")) == 10


def test_form_schema_save_refuses_a_bad_schema(admin_client: Any, demo: dict[str, Any]) -> None:
    matter = demo["matters"]["expense"]
    fields = list(matter.form_schema["fields"])
    bad = [*fields, {"name": "amount", "type": "money", "label": "重复"}, {"name": "x", "type": "nope", "label": "x"}]
    response = _post(admin_client, "designer_form", {"fields": bad})
    assert response.status_code == 400
    assert len(response.json()["problems"]) >= 2
    matter.refresh_from_db()
    assert [f["name"] for f in matter.form_schema["fields"]] == ["kind", "items", "amount", "reason"]

    good = [*fields, {"name": "project", "type": "text", "label": "项目", "required": True}]
    response = _post(admin_client, "designer_form", {"fields": good})
    assert response.json()["ok"] is True
    assert response.json()["types"]["project"] == "text"
    matter.refresh_from_db()
    assert matter.form_schema["fields"][-1]["name"] == "project"
    assert AuditRecord.objects.filter(action="approvals.form_schema_save", target="matter:expense").exists()
    # the new field can be used in the process straight away
    tree = _tree(admin_client)
    tree["nodes"][0]["branches"][0].update(
        {"mode": "simple", "when": "", "clauses": [{"field": "project", "op": "==", "value": "A"}]}
    )
    assert _post(admin_client, "designer_validate", {"tree": tree}).json()["ok"] is True


def test_form_schema_save_service_reports_problems(demo: dict[str, Any]) -> None:
    matter = MatterType.objects.get(code="seal")
    with pytest.raises(ApplicationError) as caught:
        designer.form_schema_save(
            actor=demo["people"]["flowadmin"], matter=matter, fields=[{"name": "1bad", "type": "text"}]
        )
    assert caught.value.errors

"""流程设计 and the engine's own keys: a filing node's ``passes_over`` (绿色通道) and a task node's
``exclude_initiator`` (发起人不办理, 职责分离) survive the tree, the preview, compare and BPMN; the urgency
shown in the designer is translated while its value stays Chinese."""

from __future__ import annotations

import copy
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from sanfu.approvals import designer
from sanfu.workflow.engine import parse_definition
from sanfu.workflow.models import ProcessDefinition
from sanfu.workflow.selectors import latest_definition

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SANFU = "{https://sanfu.example/bpmn}"
CLERKS = {"type": "role", "role": "clerk", "unit": "initiator"}

# 核稿 excludes the drafter; 特急 skips 核稿 and 会签 and files them, each to its own people.
SPEC: dict[str, Any] = {
    "key": "draft",
    "name": "拟稿",
    "fields": [{"name": "amount"}],
    "nodes": [
        {"id": "start", "kind": "start", "next": "route"},
        {
            "id": "route",
            "kind": "condition",
            "branches": [
                {"when": 'urgency == "特急"', "next": "green"},
                {"default": True, "next": "review"},
            ],
        },
        {
            "id": "review",
            "kind": "handle",
            "name": "核稿",
            "approvers": CLERKS,
            "mode": "any",
            "exclude_initiator": True,
            "on_empty": "admin",
            "next": "countersign",
        },
        {"id": "countersign", "kind": "approval", "name": "会签", "approvers": {"type": "head"}, "next": "sign"},
        {"id": "green", "kind": "filing", "name": "备案", "passes_over": ["review", "countersign"], "next": "sign"},
        {"id": "sign", "kind": "approval", "name": "签发", "approvers": {"type": "head", "levels": 2}, "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


def _node(tree_or_spec: Any, node_id: str) -> dict[str, Any]:
    """A node of a definition, or of a tree (which has a start of its own and nodes inside branches)."""
    if "start" not in tree_or_spec:
        return next(n for n in tree_or_spec["nodes"] if n["id"] == node_id)
    stack = list(tree_or_spec["nodes"])
    while stack:
        n = stack.pop()
        if n["id"] == node_id:
            return n
        for b in n.get("branches") or []:
            stack.extend(b.get("nodes") or [])
    raise KeyError(node_id)


def test_both_keys_survive_the_tree_as_the_browser_sends_it_back() -> None:
    parse_definition(SPEC)
    tree = json.loads(json.dumps(designer.definition_to_tree(SPEC)))
    assert _node(tree, "green")["passes_over"] == ["review", "countersign"]
    assert "recipients" not in _node(tree, "green")  # files only to the people of what it passes over
    assert _node(tree, "review")["exclude_initiator"] is True
    back = designer.tree_to_definition(tree)
    parse_definition(back)
    assert designer.graph_of(back) == designer.graph_of(SPEC)


def test_compare_names_the_passed_over_steps_and_the_exclusion() -> None:
    after = copy.deepcopy(SPEC)
    _node(after, "green")["passes_over"] = ["review"]
    del _node(after, "review")["exclude_initiator"]
    _node(after, "countersign")["exclude_initiator"] = False  # written as off: the same as not written
    with translation.override("zh-hans"):
        diff = designer.compare(SPEC, after)
    rows = {r.node_id: r for r in diff["rows"]}
    assert rows["green"].changes == [("绿色通道略过的节点", "核稿、会签", "核稿")]
    assert rows["review"].changes == [("发起人不办理本节点（职责分离）", "是", "—")]
    assert rows["countersign"].status == "same"
    with translation.override("zh-hans"):
        added = designer.compare({**SPEC, "nodes": [n for n in SPEC["nodes"] if n["id"] != "green"]}, SPEC)
    green = next(r for r in added["rows"] if r.node_id == "green")
    assert green.status == "added"
    assert ("绿色通道略过的节点", "", "核稿、会签") in green.changes


def test_bpmn_carries_both_keys() -> None:
    with translation.override("zh-hans"):
        root = ET.fromstring(designer.bpmn_xml(SPEC))  # noqa: S314  # our own output
    process = root.find(f"{BPMN}process")
    assert process is not None
    green = process.find(f"{BPMN}sendTask[@id='green']")
    assert green is not None
    assert green.findtext(f"{BPMN}documentation") == "略过：核稿、会签（各自备案给其人员）"
    settings = json.loads(green.findtext(f"{BPMN}extensionElements/{SANFU}settings") or "{}")
    assert settings == {"passes_over": ["review", "countersign"]}
    assert green.find(f"{BPMN}extensionElements/{SANFU}rule") is None  # it has no people of its own
    review = process.find(f"{BPMN}userTask[@id='review']")
    assert review is not None
    assert "发起人不办理本节点（职责分离）" in (review.findtext(f"{BPMN}documentation") or "")
    review_settings = json.loads(review.findtext(f"{BPMN}extensionElements/{SANFU}settings") or "{}")
    assert review_settings["exclude_initiator"] is True
    assert review_settings["on_empty"] == "admin"


# ------------------------------------------------------------------------------ views


@pytest.fixture
def admin_client(demo: dict[str, Any], login: Any) -> Any:
    return login(demo["people"]["flowadmin"])


def _post(client: Any, name: str, body: dict[str, Any], code: str = "expense") -> Any:
    return client.post(
        reverse(f"approvals:{name}", args=[code]), data=json.dumps(body), content_type="application/json"
    )


def _tree(client: Any, code: str = "expense") -> dict[str, Any]:
    return client.get(reverse("approvals:designer_edit", args=[code])).context["data"]["tree"]


def test_the_preview_shows_what_the_green_channel_passes_over(admin_client: Any, demo: dict[str, Any]) -> None:
    body = _post(
        admin_client,
        "designer_preview",
        {"tree": _tree(admin_client), "values": {"amount": "300"}, "urgency": "特急"},
    ).json()
    assert body["ok"]
    html = body["html"]
    assert "略过：审核、财务审核（各自备案给其人员）" in html
    # the filing reaches the people of the reviews it passes over: 财务审核 is the finance department's head
    green = html[html.index('data-node="green_filing"') : html.index('data-node="green_final"')]
    assert "step-passes-over" in green
    assert demo["people"]["finance_head"].display_name in green


def test_excluding_the_initiator_is_published_and_shown_in_the_preview(admin_client: Any) -> None:
    tree = _tree(admin_client)
    route = tree["nodes"][0]
    review = next(n for n in route["branches"][-1]["nodes"] if n["id"] == "review")
    review["exclude_initiator"] = True
    preview = _post(admin_client, "designer_preview", {"tree": tree, "values": {"amount": "300"}}).json()
    step = preview["html"][preview["html"].index('data-node="review"') : preview["html"].index('data-node="check"')]
    assert "step-excludes-initiator" in step
    assert "发起人不办理" in step

    before = latest_definition("expense").version
    assert _post(admin_client, "designer_publish", {"tree": tree}).json()["ok"] is True
    published = ProcessDefinition.objects.get(key="expense", version=before + 1).spec
    assert _node(published, "review")["exclude_initiator"] is True
    assert _node(published, "green_filing")["passes_over"] == ["big_review", "big_0"]
    # and it opens again with both keys
    again = _tree(admin_client)
    assert _node(again, "review")["exclude_initiator"] is True
    assert _node(again, "green_filing")["passes_over"] == ["big_review", "big_0"]


def test_passing_over_a_node_that_is_no_task_is_reported_on_the_filing_node(admin_client: Any) -> None:
    tree = _tree(admin_client)
    _node(tree, "green_filing")["passes_over"] = ["route"]
    body = _post(admin_client, "designer_validate", {"tree": tree}).json()
    assert body["ok"] is False
    assert any(p["node"] == "green_filing" and "略过" in p["message"] for p in body["problems"])


def test_the_node_panel_offers_both_settings(admin_client: Any) -> None:
    page = admin_client.get(reverse("approvals:designer_edit", args=["expense"])).content.decode()
    assert 'id="node-passes-over"' in page
    assert 'id="node-exclude-initiator"' in page
    assert "发起人不办理本节点（职责分离）" in page


# ------------------------------------------------------------------------------ urgency labels


def test_urgency_is_translated_in_english_and_its_value_stays_chinese(admin_client: Any) -> None:
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = admin_client.get(reverse("approvals:designer_edit", args=["expense"]))
    page = response.content.decode()
    sample = page[page.index('id="sample-urgency"') :]
    sample = sample[: sample.index("</select>")]
    assert '<option value="平急">Normal</option>' in sample
    assert '<option value="特急">Most urgent</option>' in sample
    strings = response.context["data"]["strings"]
    assert strings["urgencies"] == ["平急", "加急", "特急"]  # what conditions compare with
    assert strings["urgency_labels"]["加急"] == "Urgent"
    preview = _post(
        admin_client, "designer_preview", {"tree": _tree(admin_client), "values": {}, "urgency": "特急"}
    ).json()
    assert "Most urgent" in preview["html"]
    assert "特急" not in preview["html"].split("</div>")[0]

"""流程设计 opens drafts: a draft saved by 精简建议's 按建议生成草稿 (``workflow.services.definition_draft_save``)
is listed beside the published versions and opens in the editor, to be changed and published as the next
version; the published version stays in use until then."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from sanfu.insights import redesign
from sanfu.workflow import services as flow
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition
from sanfu.workflow.selectors import latest_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(demo: dict[str, Any], login: Any) -> Any:
    return login(demo["people"]["flowadmin"])


def _draft(demo: dict[str, Any]) -> ProcessDefinition:
    current = ProcessDefinition.objects.get(key="expense", version=latest_definition("expense").version)
    node = next(n["id"] for n in current.spec["nodes"] if n.get("kind") == "approval" and n.get("approvers"))
    spec = redesign.as_filing(current.spec, node)
    draft = flow.definition_draft_save(actor=demo["people"]["flowadmin"], spec=spec, based_on=current)
    draft.filing_node = node  # type: ignore[attr-defined]
    return draft


def test_a_draft_opens_in_the_designer_and_publishes_as_the_next_version(
    admin_client: Any, demo: dict[str, Any]
) -> None:
    published = latest_definition("expense").version
    draft = _draft(demo)
    edit = reverse("approvals:designer_edit", args=["expense"])
    listed = admin_client.get(edit)
    assert listed.context["shown"].version == published  # the editor still opens on the version in use
    assert f'href="?v={draft.version}"' in listed.content.decode()  # … and offers the draft

    response = admin_client.get(edit, {"v": draft.version})
    assert response.status_code == 200
    assert response.context["shown"] == draft
    assert 'id="draft-version"' in response.content.decode()
    tree = response.context["data"]["tree"]
    assert draft.filing_node in json.dumps(tree)  # type: ignore[attr-defined]

    body = admin_client.post(
        reverse("approvals:designer_publish", args=["expense"]),
        data=json.dumps({"tree": tree}),
        content_type="application/json",
    ).json()
    assert body["ok"], body
    assert body["version"] == draft.version + 1
    made = ProcessDefinition.objects.get(key="expense", version=body["version"])
    assert made.status == DefinitionStatus.PUBLISHED
    kinds = {n["id"]: n["kind"] for n in made.spec["nodes"]}
    assert kinds[draft.filing_node] == "filing"  # type: ignore[attr-defined]


def test_a_version_that_is_not_there_is_a_404(admin_client: Any, demo: dict[str, Any], login: Any) -> None:
    draft = _draft(demo)
    edit = reverse("approvals:designer_edit", args=["expense"])
    assert admin_client.get(edit, {"v": draft.version + 5}).status_code == 404
    assert admin_client.get(edit, {"v": "x"}).status_code == 404
    assert login(demo["people"]["staff"]).get(edit, {"v": draft.version}).status_code == 404

"""A domain's built-in definitions, published when their content changed (``definition_publish_if_changed``) and
when they are missing (``definitions_publish_missing``): setting them up again publishes nothing new, a change
publishes the next version, and the ``version`` a stored spec carries is not a change."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord
from sanfu.workflow import services
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition

pytestmark = pytest.mark.django_db

SPEC: dict[str, Any] = {
    "key": "builtin",
    "name": "内置流程",
    "fields": [{"name": "approver"}],
    "admins": [],
    "nodes": [
        {"id": "start", "kind": "start", "next": "approve"},
        {
            "id": "approve",
            "kind": "approval",
            "name": "审批",
            "approvers": {"type": "field", "field": "approver"},
            "next": "end",
            "on_empty": "admin",
        },
        {"id": "end", "kind": "end"},
    ],
}


def _renamed(name: str, spec: dict[str, Any] = SPEC) -> dict[str, Any]:
    nodes = [{**node, "name": name} if node["id"] == "approve" else node for node in spec["nodes"]]
    return {**spec, "nodes": nodes}


def _versions(key: str = "builtin") -> list[int]:
    return list(ProcessDefinition.objects.filter(key=key).order_by("version").values_list("version", flat=True))


def test_a_new_key_is_published_as_version_one() -> None:
    published = services.definition_publish_if_changed(spec=SPEC)
    assert published is not None
    assert (published.version, published.status, published.created_by) == (1, DefinitionStatus.PUBLISHED, None)
    assert published.spec == {**SPEC, "version": 1}


def test_an_unchanged_spec_publishes_nothing() -> None:
    services.definition_publish_if_changed(spec=SPEC)
    audited = AuditRecord.objects.filter(action="workflow.publish").count()
    assert services.definition_publish_if_changed(spec=SPEC) is None
    assert services.definition_publish_if_changed(spec=dict(SPEC)) is None  # equal content, another dict
    assert _versions() == [1]
    assert AuditRecord.objects.filter(action="workflow.publish").count() == audited


def test_a_changed_spec_publishes_the_next_version_and_keeps_the_earlier_ones() -> None:
    services.definition_publish(actor=None, spec=SPEC)
    services.definition_publish(actor=None, spec=_renamed("复核"))
    published = services.definition_publish_if_changed(spec=_renamed("领导审批"))
    assert published is not None
    assert published.version == 3
    assert published.spec["nodes"][1]["name"] == "领导审批"
    assert _versions() == [1, 2, 3]
    assert ProcessDefinition.objects.get(key="builtin", version=2).spec["nodes"][1]["name"] == "复核"


def test_it_compares_with_the_latest_version_not_an_earlier_one() -> None:
    services.definition_publish(actor=None, spec=SPEC)
    services.definition_publish(actor=None, spec=_renamed("复核"))
    published = services.definition_publish_if_changed(spec=SPEC)  # as version 1 was: a change from version 2
    assert published is not None
    assert published.version == 3
    assert services.definition_publish_if_changed(spec=SPEC) is None


def test_a_changed_list_of_administrators_is_a_change() -> None:
    services.definition_publish_if_changed(spec=SPEC)
    published = services.definition_publish_if_changed(spec={**SPEC, "admins": [7]})
    assert published is not None
    assert published.spec["admins"] == [7]


def test_the_version_key_is_not_content() -> None:
    stored = services.definition_publish_if_changed(spec=SPEC)
    assert stored is not None
    assert services.definition_publish_if_changed(spec=stored.spec) is None  # the stored spec, "version": 1 in it
    assert services.definition_publish_if_changed(spec={**SPEC, "version": 9}) is None
    changed = services.definition_publish_if_changed(spec={**_renamed("复核"), "version": 9})
    assert changed is not None
    assert changed.version == 2  # the next number, whatever the spec said
    assert changed.spec["version"] == 2


def test_a_draft_with_the_same_content_does_not_count_as_published() -> None:
    ProcessDefinition.objects.create(
        key="builtin", version=1, spec={**SPEC, "version": 1}, status=DefinitionStatus.DRAFT
    )
    published = services.definition_publish_if_changed(spec=SPEC)
    assert published is not None
    assert published.version == 2


def test_an_invalid_changed_spec_is_refused_and_nothing_is_published() -> None:
    services.definition_publish_if_changed(spec=SPEC)
    broken = {**SPEC, "nodes": [{"id": "start", "kind": "start", "next": "nowhere"}]}
    with pytest.raises(ApplicationError):
        services.definition_publish_if_changed(spec=broken)
    with pytest.raises(ApplicationError):
        services.definition_publish_if_changed(spec={**SPEC, "key": " "})
    assert _versions() == [1]
    assert ProcessDefinition.objects.count() == 1


def test_only_the_missing_keys_are_published() -> None:
    services.definition_publish(actor=None, spec=SPEC)
    other = {**SPEC, "key": "builtin-other", "name": "另一个"}
    published = services.definitions_publish_missing(specs=[_renamed("复核"), other])
    assert [(d.key, d.version) for d in published] == [("builtin-other", 1)]
    # a key that has a published version keeps it, even though the spec given differs
    assert _versions() == [1]
    assert ProcessDefinition.objects.get(key="builtin").spec["nodes"][1]["name"] == "审批"
    assert services.definitions_publish_missing(specs=[SPEC, other]) == []
    assert _versions("builtin-other") == [1]


def test_nothing_missing_costs_one_query(django_assert_num_queries: Any) -> None:
    services.definition_publish(actor=None, spec=SPEC)
    services.definition_publish(actor=None, spec=_renamed("复核"))
    other = {**SPEC, "key": "builtin-other"}
    services.definition_publish(actor=None, spec=other)
    with django_assert_num_queries(1):
        assert services.definitions_publish_missing(specs=[SPEC, other]) == []

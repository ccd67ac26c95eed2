"""发文's 核稿 is never the drafter's own: the flow rule, on the demo organisation."""

from __future__ import annotations

import pytest

from sanfu.accounts.models import User
from sanfu.demo.org import seed_demo
from sanfu.documents.flows import OUTGOING_KEY, publish_definitions
from sanfu.workflow import services
from sanfu.workflow.models import ProcessDefinition, Task, TaskStatus

pytestmark = pytest.mark.django_db


def test_a_clerk_who_drafts_does_not_review_his_own_draft():
    seed_demo()
    publish_definitions()
    clerk = User.objects.get(username="clerk")
    instance = services.instance_start(actor=clerk, definition_key=OUTGOING_KEY, title="关于冬季防冻的通知")
    reviewers = set(
        Task.objects.filter(instance=instance, node="review", status=TaskStatus.OPEN).values_list(
            "assignee__username", flat=True
        )
    )
    assert reviewers
    assert "clerk" not in reviewers


def test_the_changed_outgoing_flow_is_published_once_as_a_new_version():
    services.definition_publish(actor=None, spec={"key": OUTGOING_KEY, "nodes": _old_outgoing_nodes()})
    publish_definitions()
    publish_definitions()
    versions = ProcessDefinition.objects.filter(key=OUTGOING_KEY).order_by("version")
    assert versions.count() == 2
    review = next(n for n in versions.last().spec["nodes"] if n["id"] == "review")
    assert review["exclude_initiator"] is True


def _old_outgoing_nodes() -> list[dict[str, object]]:
    from sanfu.documents.flows import OUTGOING_SPEC

    nodes = [dict(n) for n in OUTGOING_SPEC["nodes"]]
    for node in nodes:
        node.pop("exclude_initiator", None)
    return nodes

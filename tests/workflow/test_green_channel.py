"""特急 through the services: the nodes the green channel passes over show as 备案 and their people are told."""

from __future__ import annotations

import pytest

from sanfu.core.models import Notification
from sanfu.workflow import outbox, selectors, services
from sanfu.workflow.timeline import timeline

pytestmark = pytest.mark.django_db


def test_a_green_channel_files_every_node_it_passes_over(org):
    def approval(node_id: str, name: str, people: list[int], nxt: str) -> dict[str, object]:
        return {
            "id": node_id,
            "kind": "approval",
            "name": name,
            "approvers": {"type": "users", "users": people},
            "next": nxt,
        }

    finance = [org["finance_head"].pk, org["accountant"].pk]
    services.definition_publish(
        actor=None,
        spec={
            "key": "green",
            "nodes": [
                {"id": "start", "kind": "start", "next": "grade"},
                {
                    "id": "grade",
                    "kind": "condition",
                    "branches": [{"when": 'urgency == "特急"', "next": "green"}, {"default": True, "next": "review"}],
                },
                approval("review", "审核", [org["section_head"].pk], "finance"),
                approval("finance", "财务审核", finance, "final"),
                {
                    "id": "green",
                    "kind": "filing",
                    "name": "绿色通道",
                    "passes_over": ["review", "finance"],
                    "next": "final",
                },
                approval("final", "审批", [org["gm"].pk], "end"),
                {"id": "end", "kind": "end"},
            ],
        },
    )
    instance = services.instance_start(actor=org["clerk"], definition_key="green", title="抢修", urgency="特急")
    outbox.deliver_pending()
    for person in ("section_head", "finance_head", "accountant"):
        assert [t.node for t in selectors.tasks_of(org[person], "cc")] == [
            "finance" if person != "section_head" else "review"
        ]
        assert Notification.objects.filter(user=org[person], kind="filing").count() == 1
    names = {"review": "审核", "finance": "财务审核", "final": "审批", "green": "绿色通道"}
    entries = timeline(selectors.history_of(instance), names)
    assert [e.node_name for e in entries if e.event.type == "filed"] == ["审核", "财务审核"]
    assert {e.label for e in entries if e.event.type == "filed"} == {"备案"}

"""Gaps closed on the 公文 pages: a 发文 returned to its drafter (at 核稿 or 签发) and sent again from the
page; the office's 文号 register with every number of a prefix and year, voids with their reasons; the flow
history on the document page itself, with the link to the flow's own page only for its participants."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sanfu.documents import services
from sanfu.documents.models import DocumentNumber
from sanfu.workflow.models import Instance, Task
from tests.documents.conftest import client_for
from tests.documents.test_incoming import register
from tests.documents.test_outgoing import draft, take_to_signoff


def _open_nodes(instance: Instance | None) -> set[str]:
    return set(Task.objects.filter(instance=instance, status="open").values_list("node", flat=True))


def test_office_returns_a_draft_and_the_drafter_resubmits_from_the_page(org: dict[str, Any]) -> None:
    document = draft(org)
    clerk = client_for(org["people"]["clerk"])
    drafter = client_for(org["people"]["office_head"])
    url = reverse("documents:outgoing", args=[document.pk])
    assert 'id="form-return"' in clerk.get(url).content.decode()

    refused = clerk.post(reverse("documents:outgoing_act", args=[document.pk, "return"]), {"comment": ""}, follow=True)
    assert "退回时请写明理由" in refused.content.decode()
    clerk.post(reverse("documents:outgoing_act", args=[document.pk, "return"]), {"comment": "请补充具体措施。"})
    document.instance.refresh_from_db()
    assert document.instance.status == "returned"
    assert not _open_nodes(document.instance)

    page = drafter.get(url).content.decode()
    assert 'id="returned"' in page
    assert "请补充具体措施。" in page
    assert 'id="form-resubmit"' in page
    assert 'id="form-revise"' in page
    assert 'id="form-resubmit"' not in clerk.get(url).content.decode()  # only the drafter sends it again
    clerk.post(reverse("documents:outgoing_act", args=[document.pk, "resubmit"]))
    document.instance.refresh_from_db()
    assert document.instance.status == "returned"

    drafter.post(
        reverse("documents:outgoing_act", args=[document.pk, "revise"]),
        {"title": document.title, "body": document.body + "\n\n三、落实值班制度。", "comment": "补充措施"},
    )
    response = drafter.post(
        reverse("documents:outgoing_act", args=[document.pk, "resubmit"]), {"comment": "已补充"}, follow=True
    )
    assert "已重新送核稿。" in response.content.decode()
    document.instance.refresh_from_db()
    assert document.instance.status == "running"
    assert _open_nodes(document.instance) == {"review"}
    assert document.revisions.count() == 2
    assert 'id="returned"' not in drafter.get(url).content.decode()


def test_signing_leader_returns_to_the_drafter(org: dict[str, Any]) -> None:
    document = draft(org)
    services.outgoing_review(actor=org["people"]["clerk"], document_id=document.pk)
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=org["heads"][code], document_id=document.pk)
    assert _open_nodes(document.instance) == {"signoff"}
    gm = client_for(org["people"]["gm"])
    assert 'id="form-return"' in gm.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    gm.post(reverse("documents:outgoing_act", args=[document.pk, "return"]), {"comment": "措施不具体，请修改。"})
    document.instance.refresh_from_db()
    assert document.instance.status == "returned"
    services.outgoing_resubmit(actor=org["people"]["office_head"], document_id=document.pk)
    assert _open_nodes(document.instance) == {"review"}


def test_number_register_lists_numbers_with_documents_and_void_reasons(org: dict[str, Any]) -> None:
    clerk_user = org["people"]["clerk"]
    document = take_to_signoff(org, draft(org))
    spare = services.number_claim(actor=clerk_user, prefix=document.prefix, year=2026)
    services.number_void(actor=clerk_user, number_id=spare.pk, reason="取号后发现重复，作废。")
    services.outgoing_assign_number(actor=clerk_user, document_id=document.pk, year=2026)
    clerk = client_for(clerk_user)

    page = clerk.get(reverse("documents:numbers"), {"prefix": document.prefix, "year": 2026}).content.decode()
    assert f"{document.prefix}〔2026〕1号" in page
    assert f"{document.prefix}〔2026〕2号" in page
    assert "取号后发现重复，作废。" in page
    assert clerk_user.display_name in page
    assert document.title in page
    assert page.index("〔2026〕1号") < page.index("〔2026〕2号")
    assert reverse("documents:numbers") in clerk.get(reverse("documents:outgoing_list")).content.decode()
    assert (
        "尚未取号"
        in clerk.get(reverse("documents:numbers"), {"prefix": document.prefix, "year": 2025}).content.decode()
    )

    used = DocumentNumber.objects.get(document=document, status="assigned")
    response = clerk.post(reverse("documents:number_void", args=[used.pk]), {"reason": "文号印错", "next": "register"})
    assert response.status_code == 302
    assert reverse("documents:numbers") in response["Location"]
    assert "文号印错" in clerk.get(response["Location"]).content.decode()

    for outsider in ("staff", "gm"):
        assert client_for(org["people"][outsider]).get(reverse("documents:numbers")).status_code == 404


def test_detail_pages_show_the_flow_history_and_link_only_participants(org: dict[str, Any]) -> None:
    document = register(org)
    services.incoming_propose(
        actor=org["people"]["clerk"], document_id=document.pk, text="拟请总经理阅示。", leader=org["people"]["gm"]
    )
    flow_url = reverse("approvals:instance", args=[document.instance.pk])
    deputy = client_for(org["people"]["deputy1"])  # a leader sees every document but took no part in this one
    page = deputy.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert 'id="flow-history"' in page
    assert "拟请总经理阅示。" in page
    assert flow_url not in page
    assert deputy.get(flow_url).status_code == 404
    assert (
        flow_url
        in client_for(org["people"]["clerk"]).get(reverse("documents:incoming", args=[document.pk])).content.decode()
    )

    outgoing = draft(org)
    page = deputy.get(reverse("documents:outgoing", args=[outgoing.pk])).content.decode()
    assert 'id="flow-history"' in page
    assert reverse("approvals:instance", args=[outgoing.instance.pk]) not in page

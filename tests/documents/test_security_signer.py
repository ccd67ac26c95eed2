"""Security issue, hole 4: the 签发人 of a 发文 is whoever the form posts. Now the 签发领导 must hold the signing
right (``documents.sign``, the built-in 公司领导 role) for the document's unit: the services check it at 拟稿, at
核稿 and at 签发 itself, and the forms offer only the leaders who hold it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from sanfu.accounts.bootstrap import BUSINESS_ROLES
from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.documents import rights, services
from sanfu.documents.models import OutgoingDocument
from sanfu.org.models import PostRole, Rank
from sanfu.workflow.models import Task
from tests.conftest import grant, make_department, make_staff, make_unit
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft, take_to_signoff


def _signer_choices(html: str, select_id: str) -> set[int]:
    """The user ids the 签发领导 <select> offers."""
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, flags=re.DOTALL)
    assert match, select_id
    return {int(v) for v in re.findall(r'value="(\d+)"', match.group(1))}


def _other_unit() -> dict[str, User]:
    """A second company with its own leader (公司领导 granted within that unit) and a department head there."""
    unit = make_unit("other-co", name="另一发电公司")
    department = make_department(unit, "综合部")
    leader = make_staff(department, rank=Rank.LEADER, username="other_gm", full_name="另一公司总经理")
    head = make_staff(department, role=PostRole.HEAD, rank=Rank.HEAD, username="other_head", full_name="综合部主任")
    grant(leader, Role.objects.get(code="leader"), unit)
    grant(head, Role.objects.get(code="dept-head"), unit)
    return {"leader": leader, "head": head}


def test_hole4_the_built_in_leader_role_carries_the_signing_right() -> None:
    roles = {code: perms for code, _name, perms, _scope in BUSINESS_ROLES}
    assert Perm.SIGN_DOCUMENTS in roles["leader"]
    assert [code for code, perms in roles.items() if Perm.SIGN_DOCUMENTS in perms] == ["leader"]


def test_hole4_a_draft_names_only_a_leader_with_the_signing_right(org: dict[str, Any]) -> None:
    p = org["people"]
    before = OutgoingDocument.objects.count()
    for not_a_leader in (p["office_head"], p["staff"], p["hr"]):
        with pytest.raises(ApplicationError, match="签发权限"):
            draft(org, signer=not_a_leader)
    assert OutgoingDocument.objects.count() == before
    document = draft(org, signer=p["deputy1"])
    assert document.instance is not None
    assert document.instance.state["form"]["signer"] == [p["deputy1"].pk]


def test_hole4_the_draft_page_refuses_a_posted_non_leader_and_offers_only_leaders(org: dict[str, Any]) -> None:
    p = org["people"]
    drafter = client_for(p["office_head"])
    form = drafter.get(reverse("documents:outgoing_new")).content.decode()
    leaders = {u.pk for u in User.objects.filter(username__in=["gm", "deputy1", "deputy2", "deputy3", "deputy4"])}
    assert _signer_choices(form, "o-signer") == leaders
    values = {"kind": "notice", "title": "关于签发人的通知", "body": "各部门：\n\n试。", "signer": p["staff"].pk}
    response = drafter.post(reverse("documents:outgoing_new"), values)
    assert response.status_code == 200
    assert "没有本单位发文的签发权限" in response.content.decode()
    assert not OutgoingDocument.objects.filter(title="关于签发人的通知").exists()


def test_hole4_review_refuses_a_non_leader_as_signer(org: dict[str, Any]) -> None:
    p = org["people"]
    document = draft(org)
    clerk = client_for(p["clerk"])
    page = clerk.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert p["staff"].pk not in _signer_choices(page, "rv-signer")
    assert p["gm"].pk in _signer_choices(page, "rv-signer")
    response = clerk.post(
        reverse("documents:outgoing_act", args=[document.pk, "review"]),
        {"signer": p["staff"].pk, "countersign_set": "1", "comment": "核稿"},
        follow=True,
    )
    assert any("签发权限" in str(m) for m in response.context["messages"])
    with pytest.raises(ApplicationError, match="签发权限"):
        services.outgoing_review(actor=p["clerk"], document_id=document.pk, signer=p["office_head"])
    document.refresh_from_db()
    assert document.instance is not None
    assert document.instance.state["form"]["signer"] == [p["gm"].pk]  # unchanged
    assert Task.objects.filter(instance=document.instance, node="review", status="open").exists()


def test_hole4_the_default_signer_is_the_leader_in_charge_only_when_he_may_sign(org: dict[str, Any]) -> None:
    """The drafter's 分管领导 (the GM, for the 办公室) is the default 签发领导 while he holds the right; without it
    the draft carries none and 核稿 must choose one who does."""
    p = org["people"]
    assert draft(org, signer=None).instance.state["form"]["signer"] == [p["gm"].pk]  # type: ignore[union-attr]
    RoleGrant.objects.filter(user=p["gm"], role__code="leader").delete()
    document = draft(org, signer=None)
    assert document.instance is not None
    assert document.instance.state["form"]["signer"] == []
    with pytest.raises(ApplicationError, match="请选择签发领导"):
        services.outgoing_review(actor=p["clerk"], document_id=document.pk)
    services.outgoing_review(actor=p["clerk"], document_id=document.pk, signer=p["deputy1"])
    document.refresh_from_db()
    assert document.instance is not None
    assert document.instance.state["form"]["signer"] == [p["deputy1"].pk]


def test_hole4_sign_off_is_refused_to_whoever_lost_the_right(org: dict[str, Any]) -> None:
    """The service checks the person who signs, not the form: a leader whose role was revoked while the task
    waited cannot sign it."""
    p = org["people"]
    document = draft(org)
    services.outgoing_review(actor=p["clerk"], document_id=document.pk)
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=org["heads"][code], document_id=document.pk)
    RoleGrant.objects.filter(user=p["gm"], role__code="leader").delete()
    with pytest.raises(PermissionDeniedError, match="签发权限"):
        services.outgoing_sign_off(actor=p["gm"], document_id=document.pk)
    document.refresh_from_db()
    assert (document.frozen_revision_id, document.digest, document.signed_by_id) == (None, "", None)


def test_hole4_a_leader_of_another_unit_may_not_sign_here_nor_is_offered(org: dict[str, Any]) -> None:
    p = org["people"]
    other = _other_unit()
    with pytest.raises(ApplicationError, match="签发权限"):
        draft(org, signer=other["leader"])
    assert other["leader"].pk not in _signer_choices(
        client_for(p["office_head"]).get(reverse("documents:outgoing_new")).content.decode(), "o-signer"
    )
    # …and the other unit's drafter is offered his own leader only (the demo's leaders hold it within theirs)
    assert _signer_choices(
        client_for(other["head"]).get(reverse("documents:outgoing_new")).content.decode(), "o-signer"
    ) == {other["leader"].pk}
    assert rights.may_sign(other["leader"], rights.place_of_drafter(other["head"]))
    assert not rights.may_sign(p["gm"], rights.place_of_drafter(other["head"]))


def test_hole4_the_whole_loop_still_signs_with_a_leader(org: dict[str, Any]) -> None:
    document = take_to_signoff(org, draft(org))
    assert document.signed_by == org["people"]["gm"]
    assert services.verify_frozen(document)

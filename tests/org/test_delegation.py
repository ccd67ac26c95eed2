"""委托代理: who may set it up, what is refused, and that both people see it while it is in force."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.org import selectors, services
from sanfu.org.models import Delegation, Secretary


def _window(hours_from_now: int = 0, days: int = 3):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return start, start + timedelta(days=days)


def test_a_person_delegates_for_a_period_and_it_is_audited(org):
    start, end = _window(-1)
    d = services.delegation_create(
        actor=org["office_head"],
        principal=org["office_head"],
        delegate=org["section_head"],
        starts_at=start,
        ends_at=end,
        reason="出差",
    )
    assert selectors.active_delegate(org["office_head"], at=timezone.now()) == org["section_head"]
    assert AuditRecord.objects.filter(action="delegation.create", target=f"delegation:{d.pk}").exists()


@pytest.mark.parametrize(
    ("delegate_key", "start_offset", "length", "message"),
    [
        ("office_head", 0, 1, "不能委托给自己"),
        ("section_head", 0, 0, "结束时间必须晚于开始时间"),
        ("section_head", -100, 1, "结束时间已过"),
    ],
)
def test_bad_delegations_are_refused_with_a_reason_and_nothing_is_saved(
    org, delegate_key, start_offset, length, message
):
    start = timezone.now() + timedelta(days=start_offset)
    with pytest.raises(ApplicationError, match=message):
        services.delegation_create(
            actor=org["office_head"],
            principal=org["office_head"],
            delegate=org[delegate_key],
            starts_at=start,
            ends_at=start + timedelta(days=length),
        )
    assert Delegation.objects.count() == 0


def test_overlapping_delegations_are_refused_unless_for_different_matters(org):
    start, end = _window()
    head = org["office_head"]
    services.delegation_create(
        actor=head, principal=head, delegate=org["section_head"], starts_at=start, ends_at=end, matter_types=["leave"]
    )
    services.delegation_create(
        actor=head, principal=head, delegate=org["clerk"], starts_at=start, ends_at=end, matter_types=["contract"]
    )
    with pytest.raises(ApplicationError, match="重叠"):
        services.delegation_create(
            actor=head, principal=head, delegate=org["clerk"], starts_at=start, ends_at=end
        )  # "every matter" overlaps both
    assert Delegation.objects.count() == 2


def test_a_secretary_may_set_up_the_leaders_delegation_but_an_outsider_may_not(org):
    Secretary.objects.create(secretary=org["clerk"], leader=org["deputy"])
    start, end = _window()
    services.delegation_create(
        actor=org["clerk"], principal=org["deputy"], delegate=org["office_head"], starts_at=start, ends_at=end
    )
    with pytest.raises(PermissionDeniedError):
        services.delegation_create(
            actor=org["accountant"], principal=org["gm"], delegate=org["accountant"], starts_at=start, ends_at=end
        )


def test_revoke_ends_it_once_and_strangers_cannot_see_it(org):
    start, end = _window(-1)
    head = org["office_head"]
    d = services.delegation_create(
        actor=head, principal=head, delegate=org["section_head"], starts_at=start, ends_at=end
    )
    with pytest.raises(NotFoundError):
        services.delegation_revoke(actor=org["accountant"], delegation_id=d.pk)
    services.delegation_revoke(actor=head, delegation_id=d.pk)
    assert selectors.active_delegate(head, at=timezone.now()) is None
    with pytest.raises(ApplicationError, match="已撤销"):
        services.delegation_revoke(actor=head, delegation_id=d.pk)


def test_both_people_see_the_delegation_on_their_home_page(org, login):
    start, end = _window(-1)
    head = org["office_head"]
    services.delegation_create(actor=head, principal=head, delegate=org["section_head"], starts_at=start, ends_at=end)
    principal_page = login(head).get("/").content.decode()
    delegate_page = login(org["section_head"]).get("/").content.decode()
    assert "我委托" in principal_page
    assert str(org["section_head"]) in principal_page
    assert "受托" in delegate_page
    assert str(head) in delegate_page
    assert "我委托" not in login(org["accountant"]).get("/").content.decode()


def test_delegation_page_creates_and_revokes(org, login):
    from sanfu.approvals.models import MatterType

    MatterType.objects.create(code="leave", name="请假", definition_key="leave")
    MatterType.objects.create(code="contract", name="合同审批", definition_key="contract")
    client = login(org["office_head"])
    form = client.get("/org/delegations/").content.decode()
    assert ">请假</option>" in form  # the matters are offered by name, not typed as codes
    assert ">合同审批</option>" in form
    start, end = _window(1)
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(
        "/org/delegations/",
        {
            "delegate": org["section_head"].pk,
            "starts_at": timezone.localtime(start).strftime(fmt),
            "ends_at": timezone.localtime(end).strftime(fmt),
            "matter_types": ["leave", "contract"],
            "reason": "培训",
        },
    )
    assert response.status_code == 302
    d = Delegation.objects.get()
    assert d.matter_types == ["contract", "leave"]
    assert "限定事项：合同审批、请假" in client.get("/org/delegations/").content.decode()
    unknown = client.post("/org/delegations/", {"delegate": org["clerk"].pk, "matter_types": ["no-such-matter"]})
    assert "no-such-matter" in unknown.content.decode()  # refused: not one of the choices
    bad = client.post(
        "/org/delegations/",
        {"delegate": org["office_head"].pk, "starts_at": "2026-01-01T09:00", "ends_at": "2025-01-01T09:00"},
    )
    assert bad.status_code == 200
    assert "结束时间必须晚于开始时间" in bad.content.decode()
    assert client.post(f"/org/delegations/{d.pk}/revoke/").status_code == 302
    d.refresh_from_db()
    assert d.revoked_at is not None

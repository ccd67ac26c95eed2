"""Approver rules answered from the real organisation tables (OrgFacts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.org.models import Delegation, Rank
from sanfu.workflow.facts import OrgFacts
from tests.conftest import grant


def facts() -> OrgFacts:
    return OrgFacts(now=timezone.now())


def test_users_rule_drops_inactive_people(org):
    org["accountant"].is_active = False
    org["accountant"].save()
    ids = [org["clerk"].pk, org["accountant"].pk]
    assert facts().resolve({"type": "users", "users": ids}, initiator=org["gm"].pk, form={}) == [org["clerk"].pk]


def test_head_rule_walks_levels_and_stops_at_a_rank(org):
    f = facts()
    clerk = org["clerk"].pk
    assert f.resolve({"type": "head"}, initiator=clerk, form={}) == [org["section_head"].pk]
    assert f.resolve({"type": "head", "levels": 3}, initiator=clerk, form={}) == [
        org["section_head"].pk,
        org["office_head"].pk,
        org["deputy"].pk,
    ]
    assert f.resolve({"type": "head", "levels": 5, "stop_at_rank": Rank.HEAD}, initiator=clerk, form={}) == [
        org["section_head"].pk,
        org["office_head"].pk,
    ]


def test_leader_in_charge_of_the_initiators_department_or_a_chosen_one(org):
    f = facts()
    assert f.resolve({"type": "leader_in_charge"}, initiator=org["clerk"].pk, form={}) == [org["deputy"].pk]
    rule = {"type": "leader_in_charge", "department": {"field": "dept"}}
    assert f.resolve(rule, initiator=org["clerk"].pk, form={"dept": org["finance"].pk}) == [org["deputy"].pk]
    assert f.resolve(rule, initiator=org["clerk"].pk, form={"dept": org["leaders"].pk}) == []


def test_department_heads_from_a_list_or_a_form_field(org):
    f = facts()
    fixed = {"type": "department_heads", "departments": [org["finance"].pk, org["office"].pk]}
    assert f.resolve(fixed, initiator=org["clerk"].pk, form={}) == [org["finance_head"].pk, org["office_head"].pk]
    field = {"type": "department_heads", "departments": {"field": "depts"}}
    assert f.resolve(field, initiator=org["clerk"].pk, form={"depts": [str(org["office"].pk)]}) == [
        org["office_head"].pk
    ]


def test_role_in_the_initiators_unit(org):
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="clerk"), org["unit"])
    rule = {"type": "role", "role": "clerk"}
    assert facts().resolve(rule, initiator=org["accountant"].pk, form={}) == [org["office_head"].pk]


def test_person_in_a_form_field_and_the_initiator(org):
    f = facts()
    assert f.resolve({"type": "field", "field": "who"}, initiator=1, form={"who": org["gm"].pk}) == [org["gm"].pk]
    assert f.resolve({"type": "field", "field": "who"}, initiator=1, form={"who": "nobody"}) == []
    assert f.resolve({"type": "initiator"}, initiator=org["clerk"].pk, form={}) == [org["clerk"].pk]


def test_delegate_attributes_and_the_calendar_in_local_time(org):
    now = timezone.now()
    Delegation.objects.create(
        principal=org["gm"],
        delegate=org["deputy"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        matter_types=["expense"],
    )
    f = facts()
    assert f.delegate_of(org["gm"].pk, "expense") == org["deputy"].pk
    assert f.delegate_of(org["gm"].pk, "leave") is None
    attrs = f.attributes(org["clerk"].pk)
    assert attrs["department"] == org["section"].pk
    assert attrs["unit"] == org["unit"].pk
    shanghai = ZoneInfo("Asia/Shanghai")
    # Wed 2026-09-30 16:30 in Shanghai is 08:30 UTC; two office hours later is 09:30 on Thu Oct 8 (holiday week).
    moment = datetime(2026, 9, 30, 16, 30, tzinfo=shanghai).astimezone(ZoneInfo("UTC"))
    assert f.add_working_hours(moment, 2) == datetime(2026, 10, 8, 9, 30, tzinfo=shanghai)
    assert f.add_working_days(moment, 3).date().isoformat() == "2026-10-10"

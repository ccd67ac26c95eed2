"""The office and the company leaders (org.roles): one rule each, read once per user object, and the rule every
domain's rights ask."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.org import roles
from sanfu.org.models import PostRole, Rank
from tests.conftest import grant, make_staff, make_user


@pytest.fixture
def people(org: dict[str, Any]) -> dict[str, Any]:
    """The ``org`` company with its roles: the clerk holds ``clerk``, a 流程管理员 of the office manages processes,
    a second one has no staff record, the finance head holds ``dept-head`` and the office head the ``leader`` role
    (without a leader's rank)."""
    ensure_admin_roles()
    role = {r.code: r for r in Role.objects.all()}
    grant(org["clerk"], role["clerk"], org["unit"])
    org["flow_admin"] = make_staff(org["office"], username="flow_admin")
    grant(org["flow_admin"], role["process-admin"], org["unit"])
    org["flow_admin_account"] = make_user("flowadmin")  # a stand-alone account, as in the demo
    grant(org["flow_admin_account"], role["process-admin"], org["unit"])
    grant(org["finance_head"], role["dept-head"], org["unit"])
    grant(org["office_head"], role["leader"], org["unit"])
    org["departed_clerk"] = make_staff(org["section"], username="departed_clerk")
    grant(org["departed_clerk"], role["clerk"], org["unit"])
    org["departed_deputy"] = make_staff(org["leaders"], rank=Rank.DEPUTY_LEADER, username="departed_deputy")
    User.objects.filter(pk__in=[org["departed_clerk"].pk, org["departed_deputy"].pk]).update(is_active=False)
    return org


def fresh(user: User) -> User:
    """The person as a request would load them: nothing read about them yet."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    ("persona", "office", "leader"),
    [
        ("clerk", True, False),  # the role ``clerk``
        ("flow_admin", True, False),  # manages processes (流程管理), on the office's staff
        ("accountant", False, False),  # ordinary staff
        ("deputy", False, True),  # 公司副职
        ("gm", False, True),  # 公司正职
        ("finance_head", False, False),  # 部门正职 with the ``dept-head`` role
        ("office_head", False, False),  # 部门正职 holding the ``leader`` role: a role does not make a leader
    ],
)
def test_who_is_the_office_and_who_is_a_leader(people: dict[str, Any], persona: str, office: bool, leader: bool):
    user = fresh(people[persona])
    assert roles.is_office(user) is office
    assert roles.is_leader(user) is leader
    assert roles.unit_of(user) == people["unit"].pk


def test_an_account_without_a_staff_record_is_nobodys_office(people):
    admin = fresh(people["flow_admin_account"])
    assert roles.unit_of(admin) is None
    assert roles.is_office(admin) is False
    assert roles.is_leader(admin) is False


def test_an_inactive_person_is_neither_the_office_nor_a_leader(people):
    assert roles.is_office(fresh(people["departed_clerk"])) is False
    assert roles.is_leader(fresh(people["departed_deputy"])) is False
    assert roles.is_office(AnonymousUser()) is False
    assert roles.is_leader(AnonymousUser()) is False


def test_the_units_leaders_are_the_active_ones_of_leader_rank_most_senior_first(people):
    another = make_staff(people["leaders"], role=PostRole.MEMBER, rank=Rank.DEPUTY_LEADER, username="deputy_b")
    leaders = list(roles.unit_leaders(people["unit"].pk))
    assert leaders[0] == people["gm"]
    assert set(leaders) == {people["gm"], people["deputy"], another}
    assert all(roles.is_leader(fresh(u)) for u in leaders)


def test_the_rule_is_read_once_per_user_object(people, django_assert_num_queries):
    user = fresh(people["flow_admin"])
    with django_assert_num_queries(2):  # the staff record's unit and rank, the role grants
        assert roles.is_office(user)
    with django_assert_num_queries(0):
        assert roles.is_office(user)
        assert not roles.is_leader(user)
        assert roles.unit_of(user) == people["unit"].pk
    deputy = fresh(people["deputy"])
    with django_assert_num_queries(1):
        assert roles.is_leader(deputy)
    with django_assert_num_queries(0):
        assert roles.is_leader(deputy)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("sanfu.schedules.rights", ["is_office", "is_leader", "unit_of"]),
        ("sanfu.supervision.rights", ["is_office"]),  # its leaders: the org's and whoever signs 公文
        ("sanfu.meetings.rights", ["is_office", "unit_of"]),
        ("sanfu.duty.rights", ["is_office", "unit_of"]),
        ("sanfu.suggestions.rights", ["is_office", "unit_of"]),
        ("sanfu.announcements.rights", ["is_office", "unit_of"]),
        ("sanfu.servicedesk.rights", ["is_office", "is_clerk", "is_leader", "unit_of"]),
        ("sanfu.resources.rights", ["is_manager", "unit_of"]),
        ("sanfu.hardship.rights", ["unit_of"]),
        ("sanfu.documents.selectors", ["is_office"]),
    ],
)
def test_every_domain_asks_the_org_rule(module: str, names: list[str]):
    rights = importlib.import_module(module)
    for name in names:
        org_name = {"is_clerk": "is_office", "is_manager": "is_office"}.get(name, name)
        assert getattr(rights, name) is getattr(roles, org_name), f"{module}.{name}"


def test_supervision_counts_the_org_leaders_and_whoever_signs(people):
    """督办 builds on the org rule: a company leader, or a holder of the ``leader`` role (who signs 公文)."""
    from sanfu.supervision import rights

    assert rights.is_leader(fresh(people["deputy"]))  # 公司副职 without the role
    assert rights.is_leader(fresh(people["office_head"]))  # the role without the rank
    assert not rights.is_leader(fresh(people["accountant"]))
    assert not rights.is_leader(fresh(people["departed_deputy"]))

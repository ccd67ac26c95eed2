"""The org queries the flow engine relies on, checked on hand-made cases and on random trees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.org import selectors
from sanfu.org.models import Delegation, Post, PostRole, Rank, Staff
from tests.conftest import grant, make_department, make_staff, make_unit


def test_head_of_a_member_is_their_department_head(org):
    assert selectors.head_of(org["clerk"]) == org["section_head"]
    assert selectors.head_of(org["accountant"]) == org["finance_head"]


def test_head_of_a_head_is_the_head_above_then_the_leader_in_charge_then_the_gm(org):
    assert selectors.head_of(org["section_head"]) == org["office_head"]
    assert selectors.head_of(org["office_head"]) == org["deputy"]  # 办公室 is a top department: its 分管领导
    assert selectors.head_of(org["deputy"]) == org["gm"]
    assert selectors.head_of(org["gm"]) is None


def test_heads_up_walks_level_by_level_and_stops_at_a_rank(org):
    assert selectors.heads_up(org["clerk"], levels=2) == [org["section_head"], org["office_head"]]
    assert selectors.heads_up(org["clerk"], levels=10) == [
        org["section_head"],
        org["office_head"],
        org["deputy"],
        org["gm"],
    ]
    assert selectors.heads_up(org["clerk"], levels=10, stop_at_rank=Rank.HEAD) == [
        org["section_head"],
        org["office_head"],
    ]
    assert selectors.heads_up(org["clerk"], levels=10, stop_at_rank=Rank.DEPUTY_LEADER)[-1] == org["deputy"]


def test_leader_in_charge_is_inherited_by_sub_departments(org):
    assert selectors.leader_in_charge(org["office"]) == org["deputy"]
    assert selectors.leader_in_charge(org["section"]) == org["deputy"]
    assert selectors.leader_in_charge(org["leaders"]) is None


def test_heads_of_several_departments_in_one_query(org, django_assert_num_queries):
    departments = [org["office"], org["section"], org["finance"], org["leaders"]]
    with django_assert_num_queries(1):
        heads = selectors.heads_of_departments(departments)
    assert heads == {
        org["office"].pk: [org["office_head"]],
        org["section"].pk: [org["section_head"]],
        org["finance"].pk: [org["finance_head"]],
        org["leaders"].pk: [org["gm"]],
    }


def test_department_heads_lists_deputies_after_heads_when_asked(org):
    deputy_head = make_staff(org["office"], role=PostRole.DEPUTY, rank=Rank.DEPUTY_HEAD)
    assert selectors.department_heads(org["office"]) == [org["office_head"]]
    assert selectors.department_heads(org["office"], include_deputies=True) == [org["office_head"], deputy_head]


def test_concurrent_post_counts_for_departments_but_head_of_follows_the_primary_post(org):
    staff = Staff.objects.get(user=org["accountant"])
    Post.objects.create(staff=staff, department=org["office"], is_primary=False)
    assert [d.pk for d in selectors.departments_of(org["accountant"])] == [org["finance"].pk, org["office"].pk]
    assert selectors.head_of(org["accountant"]) == org["finance_head"]
    assert selectors.head_of(org["accountant"], from_department=org["office"]) == org["office_head"]


def test_an_inactive_head_is_passed_over(org):
    org["section_head"].is_active = False
    org["section_head"].save()
    assert selectors.head_of(org["clerk"]) == org["office_head"]


def test_people_with_a_role_in_a_unit(org):
    ensure_admin_roles()
    clerk_role = Role.objects.get(code="clerk")
    other_unit = make_unit("other")
    outsider = make_staff(make_department(other_unit))
    grant(org["clerk"], clerk_role, org["unit"])
    grant(org["office_head"], clerk_role)  # unit-less grant: counts in the unit they belong to
    grant(outsider, clerk_role, other_unit)
    in_unit = selectors.people_with_role("clerk", unit_id=org["unit"].pk)
    assert sorted(u.pk for u in in_unit) == sorted([org["clerk"].pk, org["office_head"].pk])
    assert [u.pk for u in selectors.people_with_role("clerk", unit_id=other_unit.pk)] == [outsider.pk]


def test_active_delegate_respects_period_matter_types_revocation_and_chains(org):
    now = timezone.now()
    head, clerk, accountant = org["office_head"], org["clerk"], org["accountant"]
    Delegation.objects.create(
        principal=head,
        delegate=clerk,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        matter_types=["leave"],
    )
    assert selectors.active_delegate(head, at=now, matter_type="leave") == clerk
    assert selectors.active_delegate(head, at=now, matter_type="contract") is None
    assert selectors.active_delegate(head, at=now + timedelta(days=3), matter_type="leave") is None
    assert selectors.active_delegate(head, at=now - timedelta(hours=2), matter_type="leave") is None
    # A chain: the clerk is away too and delegated everything to the accountant.
    chained = Delegation.objects.create(
        principal=clerk, delegate=accountant, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    assert selectors.active_delegate(head, at=now, matter_type="leave") == accountant
    # A cycle back to the head ends the walk rather than looping.
    Delegation.objects.create(
        principal=accountant, delegate=head, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    assert selectors.active_delegate(head, at=now, matter_type="leave") == accountant
    chained.revoked_at = now
    chained.save()
    assert selectors.active_delegate(head, at=now, matter_type="leave") == clerk


# --- Random trees --------------------------------------------------------------------------------------


@st.composite
def trees(draw: Any) -> dict[str, Any]:
    size = draw(st.integers(min_value=1, max_value=7))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    heads = [draw(st.lists(st.sampled_from([Rank.SUPERVISOR, Rank.HEAD]), max_size=2)) for _ in range(size)]
    members = [draw(st.integers(0, 2)) for _ in range(size)]
    leaders = [draw(st.booleans()) for _ in range(size)]
    return {"parents": parents, "heads": heads, "members": members, "leaders": leaders}


def reference_head_of(person: int, model: dict[str, Any]) -> int | None:
    """Head-of, computed on plain Python data: nearest ancestor head that is not the person, else the
    nearest leader in charge that is not the person."""
    dept = model["dept_of"][person]
    current: int | None = dept
    while current is not None:
        heads = [h for h in model["heads_of"][current] if h != person]
        if heads:
            return heads[0]
        current = model["parent"][current]
    current = dept
    while current is not None:
        leader = model["leader_of"][current]
        if leader is not None:
            return leader if leader != person else None
        current = model["parent"][current]
    return None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees())
@pytest.mark.django_db
def test_head_of_and_heads_up_agree_with_a_reference_on_random_trees(tree):
    with transaction.atomic():
        unit = make_unit()
        leader_dept = make_department(unit, "公司领导")
        leader = make_staff(leader_dept, role=PostRole.HEAD, rank=Rank.LEADER)
        depts = []
        for i, parent_index in enumerate(tree["parents"]):
            parent = depts[parent_index] if parent_index is not None else None
            depts.append(
                make_department(unit, f"d{i}", parent=parent, leader_in_charge=leader if tree["leaders"][i] else None)
            )
        model: dict[str, Any] = {
            "dept_of": {leader.pk: leader_dept.pk},
            "heads_of": {leader_dept.pk: [leader.pk]},
            "parent": {leader_dept.pk: None},
            "leader_of": {leader_dept.pk: None},
        }
        people = [leader]
        for i, dept in enumerate(depts):
            model["parent"][dept.pk] = dept.parent_id
            model["leader_of"][dept.pk] = leader.pk if tree["leaders"][i] else None
            heads = [make_staff(dept, role=PostRole.HEAD, rank=rank) for rank in tree["heads"][i]]
            # department_heads orders by rank (senior first), then employee number (creation order here).
            ordered = sorted(
                heads, key=lambda u: (-Staff.objects.get(user=u).rank, Staff.objects.get(user=u).employee_no)
            )
            model["heads_of"][dept.pk] = [h.pk for h in ordered]
            members = [make_staff(dept) for _ in range(tree["members"][i])]
            for person in heads + members:
                model["dept_of"][person.pk] = dept.pk
            people += heads + members
        for person in people:
            found = selectors.head_of(person)
            assert (found.pk if found else None) == reference_head_of(person.pk, model)
            chain = selectors.heads_up(person, levels=6)
            assert len({u.pk for u in chain}) == len(chain)
            assert person.pk not in {u.pk for u in chain}
            previous = person
            for step in chain:
                assert selectors.head_of(previous) == step
                previous = step
            stopped = selectors.heads_up(person, levels=6, stop_at_rank=Rank.HEAD)
            assert all(Staff.objects.get(user=u).rank < Rank.HEAD for u in stopped[:-1])
        transaction.set_rollback(True)


def test_department_tree_lists_parents_before_children_and_siblings_by_sort(db):
    unit = make_unit()
    b = make_department(unit, "B")
    a = make_department(unit, "A")
    a.sort, b.sort = 1, 2
    a.save()
    b.save()
    b_child = make_department(unit, "B1", parent=b)
    a_child = make_department(unit, "A1", parent=a)
    for _ in range(10):  # ids past 10 used to sort before 2 as text
        make_department(unit, parent=a_child)
    tree = selectors.department_tree(unit.pk)
    names = [d.name for d in tree]
    assert names[:2] == ["A", "A1"]
    assert names[-2:] == ["B", "B1"]
    assert tree.index(b_child) > tree.index(b)

"""The demo organisation (``sanfu demo``): its shape, its sign-ins, and that a second run changes nothing."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import AdminKind
from sanfu.core.models import AuditRecord
from sanfu.demo.org import DEMO_PASSWORD, MAIN_UNIT_CODE, seed_demo
from sanfu.org import selectors
from sanfu.org.models import CalendarDay, DayKind, Department, Post, PostRole, Rank, Secretary, Staff, Unit


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "departments": Department.objects.count(),
        "users": User.objects.count(),
        "staff": Staff.objects.count(),
        "posts": Post.objects.count(),
        "secretaries": Secretary.objects.count(),
        "grants": RoleGrant.objects.count(),
        "calendar": CalendarDay.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


@pytest.fixture
def demo(db: None) -> dict[str, tuple[str, str, str, str]]:
    """The seeded demo; the sign-in rows by username."""
    return {row[1]: row for row in seed_demo()}


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_seeding_twice_changes_nothing(demo):
    before = _counts()
    hashes = dict(User.objects.values_list("username", "password"))
    out = StringIO()
    rows = seed_demo(stdout=out)
    assert _counts() == before
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert {row[1] for row in rows} == set(demo)
    assert "未作任何修改" in out.getvalue()


def test_units_form_group_plant_and_subsidiary(demo):
    main = Unit.objects.get(code=MAIN_UNIT_CODE)
    assert (main.name, main.short_name, main.level) == ("贵港发电有限公司", "贵港发电", 2)
    assert main.parent is not None
    assert (main.parent.name, main.parent.level) == ("华南能源集团", 1)
    sub = Unit.objects.get(parent=main)
    assert (sub.name, sub.level) == ("贵港发电检修分公司", 3)
    assert 3 <= Department.objects.filter(unit=sub).count() <= 5
    assert 8 <= Staff.objects.filter(unit=sub).count() <= 15


def test_main_unit_has_about_150_people_each_with_one_primary_post(demo):
    main = Unit.objects.get(code=MAIN_UNIT_CODE)
    staff = Staff.objects.filter(unit=main)
    assert 140 <= staff.count() <= 160
    assert Post.objects.filter(staff__unit=main, is_primary=True).count() == staff.count()
    assert Post.objects.filter(staff__unit=main, is_primary=False).count() >= 2  # 兼职
    sample = staff.get(employee_no="GG0042")
    assert sample.user.username == "gg0042"
    assert sample.mobile.isdigit()
    assert len(sample.mobile) == 11
    assert sample.title
    names = list(staff.values_list("user__full_name", flat=True))
    assert all(2 <= len(n) <= 3 for n in names)
    assert len(set(names)) == len(names)


def test_departments_reach_three_levels_and_have_leaders_in_charge(demo):
    main = Unit.objects.get(code=MAIN_UNIT_CODE)
    depts = Department.objects.filter(unit=main)
    assert depts.count() >= 12
    assert max(d.depth for d in depts) == 3
    for dept in depts:  # the materialised path agrees with the parents
        expected = f"{dept.parent.path if dept.parent else '/'}{dept.pk}/"
        assert dept.path == expected
    top = depts.filter(parent__isnull=True)
    assert {"公司领导", "办公室", "人力资源部", "财务部", "设备部", "运行部"} <= {d.name for d in top}
    for dept in top.exclude(name="公司领导"):
        assert dept.leader_in_charge is not None, dept.name
        assert dept.leader_in_charge.staff.rank in (Rank.LEADER, Rank.DEPUTY_LEADER)
        assert selectors.department_heads(dept), dept.name


def test_leaders_heads_and_secretaries(demo):
    gm = user("gm")
    leaders = Department.objects.get(unit__code=MAIN_UNIT_CODE, code="leaders")
    assert gm.staff.rank == Rank.LEADER
    assert selectors.department_heads(leaders) == [gm]
    deputies = [user(f"deputy{i}") for i in range(1, 5)]
    assert all(d.staff.rank == Rank.DEPUTY_LEADER for d in deputies)
    assert all(d.departments_in_charge.exists() for d in deputies)
    assert Secretary.objects.filter(leader=gm, secretary=user("secretary")).exists()
    assert all(Secretary.objects.filter(leader=d).exists() for d in deputies)
    office = Department.objects.get(unit__code=MAIN_UNIT_CODE, name="办公室")
    assert selectors.department_heads(office) == [user("office_head")]
    assert Post.objects.filter(department=office, role=PostRole.DEPUTY).exists()


def test_head_of_the_clerk_walks_to_a_real_head(demo):
    clerk = user("clerk")
    head = selectors.head_of(clerk)
    assert head is not None
    assert head != clerk
    assert head.staff.rank >= Rank.SUPERVISOR
    assert selectors.heads_up(clerk, levels=5)[-1] == user("gm")


def test_heads_up_from_a_team_member_ends_at_the_gm(demo):
    staff = user("staff")
    dept = selectors.primary_department(staff)
    assert dept is not None
    assert dept.depth == 3
    chain = selectors.heads_up(staff, levels=5)
    assert chain[-1] == user("gm")
    ranks = [u.staff.rank for u in chain]
    assert ranks == sorted(ranks)  # each step is at least as senior
    assert Rank.DEPUTY_LEADER in ranks
    assert selectors.heads_up(staff, levels=10) == chain  # nobody above the GM


def test_role_grants(demo):
    main = Unit.objects.get(code=MAIN_UNIT_CODE)
    assert set(selectors.people_with_role("leader", unit_id=main.pk)) == {
        user("gm"),
        *(user(f"deputy{i}") for i in range(1, 5)),
    }
    heads = set(selectors.people_with_role("dept-head", unit_id=main.pk))
    assert {user("office_head"), user("finance_head")} <= heads
    assert user("clerk") in selectors.people_with_role("clerk", unit_id=main.pk)
    assert selectors.people_with_role("hr-officer", unit_id=main.pk) == [user("hr")]


def test_three_distinct_administrators_and_demo_passwords(demo):
    admins = {g.admin_kind: g.user for g in RoleGrant.objects.filter(admin_kind__isnull=False)}
    assert set(admins) == {AdminKind.SYSTEM, AdminKind.SECURITY, AdminKind.AUDIT}
    assert len({u.pk for u in admins.values()}) == 3
    assert {u.username for u in admins.values()} == {"sysadmin", "secadmin", "auditadmin"}
    for username in ["sysadmin", "gm", "clerk", "staff", "gg0042", "jx0003"]:
        account = user(username)
        assert account.check_password(DEMO_PASSWORD), username
        assert not account.must_change_password
        assert account.password_changed_at is not None
    assert demo["gm"][3] == DEMO_PASSWORD


def test_an_administrator_entered_calendar_day(demo):
    day = CalendarDay.objects.get(date=date(2027, 1, 1))
    assert (day.kind, day.note) == (DayKind.HOLIDAY, "元旦")
    assert not selectors.working_calendar().is_workday(date(2027, 1, 1))


def test_existing_administrators_keep_their_passwords(db):
    call_command("createadmins", stdout=StringIO())
    rows = {row[1]: row for row in seed_demo()}
    assert rows["sysadmin"][3] != DEMO_PASSWORD
    assert rows["gm"][3] == DEMO_PASSWORD

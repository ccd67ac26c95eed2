"""Shared fixtures: small builders for the organisation and named personas (a clerk, a head, a leader,
an outsider, and the three administrators)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.accounts.permissions import AdminKind
from sanfu.org.models import Department, Post, PostRole, Rank, Staff, Unit
from sanfu.org.services import department_create
from tests.browser import app_server, browser, signed_in  # noqa: F401  # browser-test fixtures, shared by every suite

PASSWORD = "Sanfu-Test-2026!"
_seq = itertools.count(1)


def make_user(username: str | None = None, *, full_name: str = "", must_change: bool = False, **extra: Any) -> User:
    username = username or f"user{next(_seq)}"
    user = User(username=username, full_name=full_name or username, must_change_password=must_change, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_unit(code: str | None = None, *, name: str = "", parent: Unit | None = None) -> Unit:
    code = code or f"unit{next(_seq)}"
    return Unit.objects.create(code=code, name=name or code, parent=parent, level=(parent.level + 1) if parent else 1)


def make_department(
    unit: Unit, name: str | None = None, *, parent: Department | None = None, leader_in_charge: User | None = None
) -> Department:
    name = name or f"dept{next(_seq)}"
    return department_create(
        unit=unit, code=f"d{next(_seq)}", name=name, parent=parent, leader_in_charge=leader_in_charge
    )


def make_staff(
    department: Department,
    *,
    role: str = PostRole.MEMBER,
    rank: int = Rank.STAFF,
    username: str | None = None,
    full_name: str = "",
) -> User:
    user = make_user(username, full_name=full_name)
    staff = Staff.objects.create(user=user, unit=department.unit, employee_no=f"E{next(_seq):06d}", rank=rank)
    Post.objects.create(staff=staff, department=department, role=role, is_primary=True)
    return user


def grant(user: User, role: Role, unit: Unit | None = None) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, unit=unit, admin_kind=role.admin_kind)


# The longest tests start first. pytest-xdist hands the tests out in collection (alphabetical) order, so the
# hostile-input walk of tests/web (minutes on its own) used to start last and run alone at the end of the run
# while the other worker idled. Listed longest first; the order within each file is kept.
LONG_FIRST = (
    "tests/web/test_hostile_input.py",
    "tests/api/test_schemathesis.py",
    "tests/security/test_access.py",
    "tests/reliability/test_r4_kill_server.py",
    "tests/reliability/test_r1_races.py",
    "tests/web/test_read_matrix.py",
    "tests/demo/test_command.py",
    "tests/core/test_backup_drill.py",
    "tests/reliability/test_r11_stateful_http.py",
    "tests/api/test_schemathesis_stateful.py",
)


def _rank(item: pytest.Item) -> int:
    return next((n for n, path in enumerate(LONG_FIRST) if item.nodeid.startswith(path)), len(LONG_FIRST))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)


# Tables made by raw SQL (the archive's full-text index, the shared try limiter) have no model Django manages,
# so the flush after a transactional test leaves their rows behind, naming records that no longer exist.
RAW_TABLES = ("archive_search", "core_throttle")


def _transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _empty_raw_tables(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    yield
    if _transactional(request):
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for table in RAW_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608  # fixed names


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Every test starts in the site's language: a request in English leaves English active on the thread
    (LocaleMiddleware does not switch back), which would leak into the next test's service messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def org(db: None) -> dict[str, Any]:
    """A small company: 公司领导 (GM + deputy), 办公室 with a sub-section, 财务部; heads and members."""
    return build_org()


def build_org() -> dict[str, Any]:
    """The ``org`` fixture's company, for module-wide scenes (tests/worlds.py) that cannot use the fixture."""
    unit = make_unit("demo", name="示例发电公司")
    leaders = make_department(unit, "公司领导")
    gm = make_staff(leaders, role=PostRole.HEAD, rank=Rank.LEADER, username="gm", full_name="总经理")
    deputy = make_staff(leaders, rank=Rank.DEPUTY_LEADER, username="deputy", full_name="副总经理")
    office = make_department(unit, "办公室", leader_in_charge=deputy)
    section = make_department(unit, "文秘科", parent=office)
    finance = make_department(unit, "财务部", leader_in_charge=deputy)
    office_head = make_staff(office, role=PostRole.HEAD, rank=Rank.HEAD, username="office_head", full_name="办公室主任")
    section_head = make_staff(section, role=PostRole.HEAD, rank=Rank.SUPERVISOR, username="section_head")
    clerk = make_staff(section, username="clerk", full_name="文书")
    finance_head = make_staff(finance, role=PostRole.HEAD, rank=Rank.HEAD, username="finance_head")
    accountant = make_staff(finance, username="accountant")
    return {
        "unit": unit,
        "leaders": leaders,
        "office": office,
        "section": section,
        "finance": finance,
        "gm": gm,
        "deputy": deputy,
        "office_head": office_head,
        "section_head": section_head,
        "clerk": clerk,
        "finance_head": finance_head,
        "accountant": accountant,
    }


@pytest.fixture
def admins(db: None) -> dict[str, User]:
    """The three administrators (三员), each with their own account, plus an ordinary outsider."""
    roles = ensure_admin_roles()
    result = {}
    for kind, name in [
        (AdminKind.SYSTEM, "sysadmin"),
        (AdminKind.SECURITY, "secadmin"),
        (AdminKind.AUDIT, "auditadmin"),
    ]:
        user = make_user(name)
        grant(user, roles[kind])
        result[name] = user
    result["outsider"] = make_user("outsider")
    return result


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A test client signed in as ``user`` (second factor marked as passed for administrators)."""

    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return _login

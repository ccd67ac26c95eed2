"""The administrators' list pages run a fixed number of queries, however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanfu.accounts.models import Role, User
from sanfu.core.audit import audit_record
from tests.conftest import grant, make_unit, make_user

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: session, grants and other per-client first-time reads
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_account_list(admins: dict[str, User], login: Any) -> None:
    client = login(admins["sysadmin"])
    few = _queries(client, "/accounts/manage/")
    for _i in range(15):
        make_user()
    assert _queries(client, "/accounts/manage/") == few
    assert _queries(client, "/accounts/manage/?q=user") == _queries(client, "/accounts/manage/?q=user")


def test_role_grants(admins: dict[str, User], login: Any) -> None:
    client = login(admins["secadmin"])
    few = _queries(client, "/accounts/roles/")
    roles = [Role.objects.create(code=f"r{i}", name=f"角色{i}", permissions=[]) for i in range(4)]
    for i in range(12):
        grant(make_user(), roles[i % 4], make_unit() if i % 2 else None)
    assert _queries(client, "/accounts/roles/") == few


def test_audit_list(admins: dict[str, User], login: Any) -> None:
    client = login(admins["auditadmin"])
    url = "/accounts/audit/?who=a"
    few = _queries(client, url)
    for i in range(20):
        audit_record(action="test.event", actor=admins["sysadmin"], target=f"x:{i}")
    assert _queries(client, url) == few

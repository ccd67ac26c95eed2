from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sanfu.accounts.models import User
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.documents.flows import publish_definitions
from sanfu.org.models import Department
from sanfu.org.selectors import heads_of_departments


@pytest.fixture
def org(db: None) -> dict[str, Any]:
    """The demo organisation with the 公文 processes; people by username, departments by code, and each
    department's head under ``heads``."""
    seed_demo()
    publish_definitions()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["gm", "deputy1", "office_head", "clerk", "staff", "hr"])
    }
    departments = {d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    by_id = heads_of_departments(departments.values())  # one query, not two per department
    heads = {code: by_id[d.pk][0] for code, d in departments.items() if by_id[d.pk]}
    return {"people": people, "departments": departments, "heads": heads}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client

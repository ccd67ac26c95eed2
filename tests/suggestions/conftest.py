"""The 意见箱 personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding the role
``clerk``, the finance head answering for 财务部, an ordinary employee (accountant) who makes suggestions, and a
stranger in another unit."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.suggestions import services
from sanfu.suggestions.models import Category
from tests.conftest import build_org, grant, make_department, make_staff, make_unit


def build_world() -> dict[str, Any]:
    world = build_org()
    ensure_admin_roles()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    other = make_unit("other", name="另一公司")
    world["stranger"] = make_staff(make_department(other, "综合部"), username="stranger")
    return world


@pytest.fixture
def sg(db: None) -> dict[str, Any]:
    return build_world()


def submit(actor: Any, *, anonymous: bool = False, **extra: Any) -> services.Submitted:
    return services.suggestion_submit(
        actor=actor,
        title=extra.pop("title", "食堂延长晚餐供应时间"),
        body=extra.pop("body", "夜班职工下班后食堂已关门，建议晚餐延长到20点。"),
        category=extra.pop("category", Category.WELFARE),
        anonymous=anonymous,
        **extra,
    )


__all__ = ["sg", "submit"]

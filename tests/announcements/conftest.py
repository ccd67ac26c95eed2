"""The 通知公告 personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding the role
``clerk`` (publishes for the unit), 财务部's head (publishes for 财务部), and a stranger in another unit."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.announcements import flows, services
from sanfu.announcements.models import Announcement, Kind, Scope
from tests.conftest import build_org, grant, make_department, make_staff, make_unit


def build_world() -> dict[str, Any]:
    world = build_org()
    ensure_admin_roles()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    flows.publish_definitions()
    other = make_unit("other", name="另一公司")
    world["stranger"] = make_staff(make_department(other, "综合部"), username="stranger")
    return world


@pytest.fixture
def ann(db: None) -> dict[str, Any]:
    return build_world()


def notice(actor: Any, *, kind: str = Kind.NOTICE, publish: bool = True, **extra: Any) -> Announcement:
    data = services.AnnouncementIn(
        kind=kind, title=extra.pop("title", "关于元旦放假的通知"), body=extra.pop("body", "元旦放假一天。"), **extra
    )
    made = services.announcement_create(actor=actor, data=data)
    if publish:
        made = services.announcement_publish(actor=actor, announcement_id=made.pk)
    return made


__all__ = ["Scope", "ann", "build_world", "notice"]

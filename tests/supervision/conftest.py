"""The 督办 personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding ``clerk`` and
the general manager ``leader``; the accountant of 财务部 is the usual owner (his head: finance_head), and an
outsider sits in another unit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.supervision import flows, services
from sanfu.supervision.models import Item
from tests.conftest import grant, make_department, make_staff, make_unit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "佐证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def sup(org: dict[str, Any]) -> dict[str, Any]:
    ensure_admin_roles()
    grant(org["clerk"], Role.objects.get(code="clerk"))
    grant(org["gm"], Role.objects.get(code="leader"))
    flows.publish_definitions()
    other = make_department(make_unit("other", name="另一公司"), "综合部")
    org["outsider"] = make_staff(other, username="sup_outsider")
    return org


def new_item(world: dict[str, Any], *, days: int = 30, **extra: Any) -> Item:
    fields: dict[str, Any] = {
        "title": "完成迎峰度夏设备检修",
        "content": "对全部机组开展检修。",
        "owner": world["accountant"],
        "deadline": timezone.localdate() + timedelta(days=days),
        "lead_department": world["finance"],
        "indicators": [services.IndicatorIn(name="检修机组", target=Decimal("4"), unit="台")],
        "milestones": [services.MilestoneIn(title="完成方案", due_on=timezone.localdate() + timedelta(days=5))],
    }
    fields.update(extra)
    return services.item_create(actor=world["gm"], **fields)


def day(text: str) -> date:
    return date.fromisoformat(text)

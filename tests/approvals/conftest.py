from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfu.approvals.models import MatterType
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import seed_demo

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "发票.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png_named(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="application/pdf")


@pytest.fixture
def demo(db: None) -> dict[str, Any]:
    """The demo organisation and matter catalogue; the demo people by username."""
    from sanfu.accounts.models import User

    seed_demo()
    seed_matters()
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "gm",
                "deputy1",
                "deputy3",
                "office_head",
                "flowadmin",  # the 流程管理员
                "clerk",
                "finance_head",
                "hr",
                "staff",
                "secretary",
            ]
        )
    }
    return {"people": people, "matters": {m.code: m for m in MatterType.objects.all()}}


EXPENSE = {
    "kind": "办公费",
    "items": [{"item": "打印纸", "date": "2026-11-20", "money": "300"}],
    "amount": "300",
    "reason": "部门办公用纸",
}

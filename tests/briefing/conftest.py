"""The 服务领导决策 personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding ``clerk``
(the usual owner) and the general manager a leader; 财务部 (finance_head, accountant) and 文秘科 are asked for
material; an outsider sits in another unit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.briefing import services
from sanfu.briefing.models import Request
from tests.conftest import grant, make_department, make_staff, make_unit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def world(org: dict[str, Any]) -> dict[str, Any]:
    ensure_admin_roles()
    grant(org["clerk"], Role.objects.get(code="clerk"))
    other = make_department(make_unit("other", name="另一公司"), "综合部")
    org["outsider"] = make_staff(other, username="brief_outsider")
    return org


def new_request(world: dict[str, Any], *, days: int = 10, **extra: Any) -> Request:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "kind": "research",
        "title": "关于迎峰度夏电力保供的调研",
        "needs": "请各部门提供今夏负荷预测与保供措施。",
        "due_on": today + timedelta(days=days),
        "owner": world["clerk"],
        "asks": [
            services.AskIn(department=world["finance"], deadline=today + timedelta(days=days - 2)),
            services.AskIn(department=world["section"], deadline=today + timedelta(days=days - 2)),
        ],
    }
    fields.update(extra)
    return services.request_file(actor=world["gm"], **fields)


def to_state(world: dict[str, Any], request: Request, state: str) -> Request:
    """Walk a request through the steps up to ``state`` (collecting, analysing, review, approved, issued)."""
    order = ["collecting", "analysing", "review", "approved", "issued"]
    clerk, gm = world["clerk"], world["gm"]
    request.refresh_from_db()
    start = order.index(request.state) + 1 if request.state in order else 0
    for step in order[start : order.index(state) + 1]:
        if step == "collecting":
            services.request_confirm(actor=clerk, request_id=request.pk)
        elif step == "analysing":
            services.material_submit(
                actor=world["accountant"], request_id=request.pk, department_id=world["finance"].pk, text="负荷预测"
            )
            services.material_decline(
                actor=world["clerk"], request_id=request.pk, department_id=world["section"].pk, reason="无此类数据"
            )
            services.collection_close(actor=clerk, request_id=request.pk)
            services.draft_save(actor=clerk, request_id=request.pk, text="初稿：今夏最高负荷预计同比增长 8%。")
        elif step == "review":
            services.review_submit(actor=clerk, request_id=request.pk)
        elif step == "approved":
            services.review_approve(actor=gm, request_id=request.pk, text="同意")
        elif step == "issued":
            services.result_issue(actor=clerk, request_id=request.pk, output="brief", readers=[world["finance_head"]])
    request.refresh_from_db()
    return request

"""The window's personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding the role
``clerk`` (the window clerk), two services — 工作证明开具 handled by 办公室 and 财务部 in parallel with its own
materials list, and 费用报销咨询 naming the 审批中心's matter ``expense`` — and a stranger in another unit."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.approvals.models import MatterType
from sanfu.servicedesk import flows, services
from sanfu.servicedesk.models import Channel
from tests.conftest import grant, make_department, make_staff, make_unit

MATTER_MATERIALS = [
    {"code": "invoice", "name": "发票原件", "required": True, "formats": ["pdf"], "standard": "须有税务监制章"},
    {"code": "list", "name": "费用明细", "required": False, "formats": ["xlsx"], "standard": ""},
]


def setup_window(org: dict[str, Any]) -> dict[str, Any]:
    ensure_admin_roles()
    grant(org["clerk"], Role.objects.get(code="clerk"))
    flows.publish_definitions()
    MatterType.objects.create(
        code="expense", name="费用报销", definition_key="expense", materials=MATTER_MATERIALS, promised_days=3
    )
    proof = services.service_save(
        actor=org["clerk"],
        data=services.ServiceIn(
            code="proof",
            name="工作证明开具",
            department_ids=[org["office"].pk, org["finance"].pk],
            promised_days=2,
            materials=["身份证复印件*：正反面", "单位介绍信"],
            public=True,
        ),
    )
    expense = services.service_save(
        actor=org["clerk"],
        data=services.ServiceIn(
            code="expense-help",
            name="费用报销咨询",
            department_ids=[org["finance"].pk],
            matter_code="expense",
            channels=[Channel.ONLINE, Channel.WINDOW],
        ),
    )
    other_unit = make_unit("other", name="另一公司")
    stranger = make_staff(make_department(other_unit, "综合部"), username="stranger")
    return {**org, "proof": proof, "expense": expense, "stranger": stranger}


@pytest.fixture
def desk(org: dict[str, Any]) -> dict[str, Any]:
    return setup_window(org)


def walk_in(desk: dict[str, Any], now: Any = None, **extra: Any) -> Any:
    """The accountant walks in for a work certificate; the clerk registers it with the ID copy."""
    data: dict[str, Any] = {
        "service_id": desk["proof"].pk,
        "summary": "开具在职证明，用于办理签证",
        "channel": Channel.WINDOW,
        "caller_name": "会计小王",
        "phone": "138-0013-8000",
        "requester_id": desk["accountant"].pk,
        "materials": ["m1"],
    }
    return services.request_register(actor=desk["clerk"], data=services.RequestIn(**{**data, **extra}), now=now)

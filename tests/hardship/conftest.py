"""The 爱心基金 personas: the org of ``tests/conftest.py`` with a committee of the unit — the office head as
member, the deputy as chair — an applicant (accountant), a process administrator (padmin, with
``workflow.manage``), the GM holding the clearance (公司领导), and a stranger in another unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.hardship import services
from sanfu.hardship.models import CHAIR_ROLE, COMMITTEE_ROLE, Application
from sanfu.org.clearance import Level
from tests.conftest import build_org, grant, make_department, make_staff, make_unit


def build_world() -> dict[str, Any]:
    world = build_org()
    ensure_admin_roles()
    roles = services.ensure_committee_roles()
    grant(world["office_head"], roles[COMMITTEE_ROLE], world["unit"])
    grant(world["deputy"], roles[CHAIR_ROLE])
    world["padmin"] = make_staff(world["office"], username="padmin", full_name="流程管理员")
    grant(world["padmin"], Role.objects.get(code="process-admin"))
    grant(world["gm"], Role.objects.get(code="leader"))
    other = make_unit("other", name="另一公司")
    world["stranger"] = make_staff(make_department(other, "综合部"), username="stranger")
    return world


@pytest.fixture
def hs(db: None) -> dict[str, Any]:
    return build_world()


def apply(
    actor: Any, *, amount: str = "5000", level: str = Level.SECRET, files: list[Any] | None = None
) -> Application:
    return services.application_submit(
        actor=actor,
        data=services.ApplicationIn(
            reason="家属重病住院，医疗费用负担重。",
            family_situation="配偶无业，子女在读。",
            amount_requested=Decimal(amount),
            confidentiality=level,
            files=files,
        ),
    )


__all__ = ["apply", "hs"]

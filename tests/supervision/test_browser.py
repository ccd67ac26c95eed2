"""The supervision loop in headless Chromium, as its users live it: the owner opens the item from the ledger,
reports progress with evidence and applies for close-out; the assigning leader scores and approves it, and the
item shows 已完成 and 已销号."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.org.models import PostRole
from sanfu.supervision import flows, services
from sanfu.supervision.models import Item, ItemState
from tests.browser import SHOTS
from tests.conftest import grant, make_department, make_staff, make_unit

pytestmark = pytest.mark.browser


def test_report_apply_and_approve(app_server: str, signed_in: Any, tmp_path: Path) -> None:
    ensure_admin_roles()
    unit = make_unit("sup-browser", name="示例发电公司")
    gm = make_staff(make_department(unit, "公司领导"), role=PostRole.HEAD, username="gm", full_name="总经理")
    grant(gm, Role.objects.get(code="leader"))
    office = make_department(unit, "办公室")
    owner = make_staff(office, role=PostRole.HEAD, username="office_head", full_name="办公室主任")
    grant(make_staff(office, username="clerk", full_name="文书"), Role.objects.get(code="clerk"))
    flows.publish_definitions()
    item = services.item_create(
        actor=gm,
        title="完成办公楼消防设施整改",
        content="按消防检查意见完成整改。",
        owner=owner,
        deadline=timezone.localdate() + timedelta(days=20),
        indicators=[services.IndicatorIn(name="整改项", target=Decimal(5), unit="项")],
    )
    evidence = tmp_path / "整改照片.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = signed_in("office_head")
    page.goto(f"{app_server}/supervision/")
    page.click(f"text={item.title}")
    page.wait_for_url(re.compile(rf".*/supervision/{item.pk}/$"))
    page.fill("#id_text", "五项整改全部完成，已复查。")
    page.fill("#id_percent", "100")
    page.fill(f"#ind-{item.indicators.get().pk}", "5")
    page.set_input_files("#report-files", str(evidence))
    page.click("#report-submit")
    page.wait_for_selector(".alert-success")
    assert "100%" in page.locator("#item-percent").inner_text()
    assert "整改照片.pdf" in page.locator("#history").inner_text()
    page.fill("#id_summary", "整改完成，申请销号。")
    page.click("#apply-submit")
    page.wait_for_selector("#pending-closeout")
    assert not page.locator("#form-report").count()  # no report after applying
    page.screenshot(path=str(SHOTS / "supervision-item-owner.png"), full_page=True)
    page.context.close()

    leader = signed_in("gm")
    leader.goto(f"{app_server}/supervision/{item.pk}/")
    leader.select_option("#id_score", "5")
    leader.fill("#id_comment", "整改到位。")
    leader.click("#approve")
    leader.wait_for_selector(".alert-success")
    assert leader.locator("#item-status").inner_text() == "已完成"
    assert leader.locator("#item-state").inner_text() == "已销号"
    leader.goto(f"{app_server}/supervision/?status=done")
    assert item.title in leader.locator("#ledger").inner_text()
    leader.screenshot(path=str(SHOTS / "supervision-ledger.png"), full_page=True)
    assert Item.objects.get(pk=item.pk).state == ItemState.CLOSED

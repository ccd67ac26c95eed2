"""The duty loop in headless Chromium: the officer on duty now opens the roster, logs what happened on the shift's
page and hands over; the officer of the next shift finds the handover in 我的值班 and confirms receipt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.duty import selectors, services
from sanfu.duty.models import Handover, LogEntry, RotaKind
from tests.browser import SHOTS
from tests.duty.conftest import build_world

pytestmark = pytest.mark.browser


def test_log_hand_over_and_confirm(app_server: str, signed_in: Any) -> None:
    w = build_world()
    rota = services.rota_save(
        actor=w["clerk"],
        data=services.RotaIn(
            name="行政值班", kind=RotaKind.DAILY, phone="0775-8888", officer_ids=[w["a"].pk, w["b"].pk]
        ),
    )
    today = timezone.localdate()
    services.roster_generate(
        actor=w["clerk"], rota_id=rota.pk, start=today - timedelta(days=1), end=today + timedelta(days=1)
    )
    current = selectors.on_duty_now(w["unit"].pk)[0]
    following = services.next_shift_of(current)
    assert following is not None

    officer = signed_in(current.officer.username)
    officer.goto(f"{app_server}/duty/")
    officer.click(f"#on-duty a[href='/duty/shifts/{current.pk}/']")
    officer.wait_for_selector("#log-form")
    officer.fill("#id_content", "接市调度电话，要求加强巡视")
    officer.fill("#id_handling", "已通知运行值长")
    officer.fill("#id_caller", "市调度")
    officer.click("#log-submit")
    officer.wait_for_selector("text=已记录。")
    assert "接市调度电话" in officer.inner_text("#log-entries")
    officer.fill("#id_note", "各系统运行正常，调度要求加强巡视已转达")
    officer.click("#handover-submit")
    officer.wait_for_selector("#handover-note")
    SHOTS.mkdir(parents=True, exist_ok=True)
    officer.screenshot(path=str(SHOTS / "duty-shift.png"), full_page=True)
    assert LogEntry.objects.filter(shift=current, caller="市调度").exists()

    incoming = signed_in(following.officer.username)
    incoming.goto(f"{app_server}/duty/mine/")
    incoming.click("#duty-todos a")
    incoming.wait_for_selector("#incoming-handover")
    assert "各系统运行正常" in incoming.inner_text("#incoming-handover")
    incoming.click("#confirm-receipt")
    incoming.wait_for_selector("#incoming-received")
    handover = Handover.objects.get(shift=current)
    assert handover.received_by_id == following.officer_id
    assert handover.next_shift_id == following.pk

"""值班安排 pages over HTTP: the month with holidays and the 调休 Saturday marked, the Excel, my shifts, a shift's
log and handover, a swap's agreement and approval, the office's rotas and generation; who may see and do what."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
from django.urls import reverse

from sanfu.duty.models import Handover, LogEntry, Rota, RotaKind, Shift, Swap, SwapStatus
from tests.duty.conftest import at, make_rota, roster


def _roster(duty: dict[str, Any]) -> list[Shift]:
    rota = make_rota(duty, kind=RotaKind.BOTH)
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 9, 30), date(2026, 10, 11), duty["clerk"])
    return list(Shift.objects.order_by("starts_at"))


def test_month_marks_holidays_and_the_adjusted_saturday(duty: dict[str, Any], login: Any) -> None:
    _roster(duty)
    page = login(duty["accountant"]).get(reverse("duty:roster"), {"month": "2026-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-day="2026-10-10"' in html
    row = html.split('data-day="2026-10-10"')[1].split("</tr>")[0]
    assert "调休上班" in row
    assert "table-info" in html.split('data-day="2026-10-10"')[0].rsplit("<tr", 1)[1]
    holiday = html.split('data-day="2026-10-01"')[1].split("</tr>")[0]
    assert "国庆节" in holiday
    assert (
        "办公室主任"
        not in html.split('data-day="2026-10-10"')[1].split("</tr>")[0].split("shift-day")[1].split("</td>")[0]
    )
    assert "轮值表与排班" not in html  # not the office
    assert "轮值表与排班" in login(duty["clerk"]).get(reverse("duty:roster"), {"month": "2026-10"}).content.decode()


def test_excel_export(duty: dict[str, Any], login: Any) -> None:
    _roster(duty)
    response = login(duty["accountant"]).get(reverse("duty:export"), {"month": "2026-10"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("日期", "班次", "节假日")
    assert len(rows) == 1 + 19  # Oct 1–11 of the 20 shifts (Sep 30's night is September's)
    assert rows[1][2] == "国庆节"


def test_the_officer_logs_and_hands_over_the_next_confirms(duty: dict[str, Any], login: Any) -> None:
    shifts = _roster(duty)
    day = next(s for s in shifts if s.day == date(2026, 10, 1) and s.kind == "day")
    night = next(s for s in shifts if s.day == date(2026, 10, 1) and s.kind == "night")
    url = reverse("duty:shift", args=[day.pk])
    with at(date(2026, 10, 1), 10):  # signed in at each moment: sessions expire when idle
        officer, nxt = login(day.officer), login(night.officer)
        assert 'id="log-form"' in officer.get(url).content.decode()
        assert 'id="log-form"' not in nxt.get(url).content.decode()
        done = officer.post(url, {"action": "log", "content": "接到调度电话", "caller": "调度", "severity": ""})
        assert done.status_code == 302
        refused = nxt.post(url, {"action": "log", "content": "冒名记录", "severity": ""})
        assert refused.status_code == 302
    assert list(LogEntry.objects.values_list("content", flat=True)) == ["接到调度电话"]
    with at(date(2026, 10, 1), 17, 25):
        officer = login(day.officer)
        officer.post(url, {"action": "handover", "note": "设备正常"})
    with at(date(2026, 10, 1), 17, 40):
        nxt = login(night.officer)
        page = nxt.get(reverse("duty:shift", args=[night.pk])).content.decode()
        assert 'id="confirm-receipt"' in page
        nxt.post(reverse("duty:shift", args=[night.pk]), {"action": "receive", "outgoing": str(day.pk)})
    assert Handover.objects.get(shift=day).received_by_id == night.officer_id


def test_swap_pages(duty: dict[str, Any], login: Any) -> None:
    shifts = _roster(duty)
    mine = next(s for s in shifts if s.officer_id == duty["a"].pk and s.day >= date(2026, 10, 1))
    with at(date(2026, 9, 21), 9):
        asked = login(duty["a"]).post(
            reverse("duty:shift", args=[mine.pk]),
            {"action": "swap", "counterpart": duty["c"].pk, "counter_shift": "", "reason": "培训"},
        )
        swap = Swap.objects.get()
        assert asked["Location"] == reverse("duty:swap", args=[swap.pk])
        url = reverse("duty:swap", args=[swap.pk])
        assert login(duty["stranger"]).get(url).status_code == 404
        assert login(duty["finance_head"]).get(url).status_code == 404
        assert 'id="swap-agree"' in login(duty["c"]).get(url).content.decode()
        login(duty["c"]).post(url, {"action": "agree"})
        clerk = login(duty["clerk"])
        assert 'id="swap-approve"' in clerk.get(url).content.decode()
        clerk.post(url, {"action": "approve", "comment": ""})
    assert Swap.objects.get().status == SwapStatus.APPROVED
    assert Shift.objects.get(pk=mine.pk).officer_id == duty["c"].pk


def test_rotas_are_the_offices(duty: dict[str, Any], login: Any) -> None:
    assert login(duty["accountant"]).get(reverse("duty:rotas")).status_code == 404
    assert login(duty["accountant"]).get(reverse("duty:rota_new")).status_code == 404
    clerk = login(duty["clerk"])
    saved = clerk.post(
        reverse("duty:rota_new"),
        {
            "action": "save",
            "name": "国庆值班",
            "kind": RotaKind.HOLIDAY,
            "day_start": "08:30",
            "day_end": "17:30",
            "night_start": "17:30",
            "night_end": "08:30",
            "phone": "0775-1",
            "officers": "accountant\noffice_head",
            "leaders": "deputy",
        },
    )
    rota = Rota.objects.get()
    assert saved["Location"] == reverse("duty:rota", args=[rota.pk])
    bad = clerk.post(
        reverse("duty:rota_new"),
        {
            "action": "save",
            "name": "坏的",
            "kind": RotaKind.HOLIDAY,
            "day_start": "08:30",
            "day_end": "17:30",
            "night_start": "17:30",
            "night_end": "08:30",
            "officers": "nobody",
        },
    )
    assert "本单位没有这些人员" in bad.content.decode()
    with at(date(2026, 9, 20), 9):
        made = clerk.post(
            reverse("duty:rota", args=[rota.pk]), {"action": "generate", "start": "2026-10-01", "end": "2026-10-11"}
        )
    assert made.status_code == 302
    assert list(Shift.objects.order_by("day").values_list("officer__username", flat=True)) == [
        "accountant",
        "office_head",
        "accountant",
        "office_head",
        "accountant",
        "office_head",
        "accountant",
        "office_head",
    ]  # Oct 1–7 and Sun Oct 11, not Sat Oct 10
    assert login(duty["stranger"]).get(reverse("duty:rota", args=[rota.pk])).status_code == 404


def test_shift_of_another_unit_is_404_and_mine_lists(duty: dict[str, Any], login: Any) -> None:
    shifts = _roster(duty)
    assert login(duty["stranger"]).get(reverse("duty:shift", args=[shifts[0].pk])).status_code == 404
    with at(date(2026, 9, 29), 9):
        page = login(duty["a"]).get(reverse("duty:mine")).content.decode()
    assert page.count("duty/shifts/") >= 1


def test_the_month_costs_the_same_queries_with_many_shifts(duty: dict[str, Any], login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rota = make_rota(duty, kind=RotaKind.BOTH)
    client = login(duty["accountant"])
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 2), duty["clerk"])
    client.get(reverse("duty:roster"))  # the session's first save is not the page's
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("duty:roster"), {"month": "2026-10"}).status_code == 200
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 3), date(2026, 10, 31), duty["clerk"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("duty:roster"), {"month": "2026-10"}).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_unknown_action_on_a_new_rota_is_a_message(duty: dict[str, Any], login: Any) -> None:
    page = login(duty["clerk"]).post(reverse("duty:rota_new"), {"action": "abc"})
    assert page.status_code == 200
    assert "不支持的操作" in page.content.decode()
    assert not Rota.objects.exists()

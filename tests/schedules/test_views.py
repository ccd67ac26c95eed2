"""领导日程 pages: the week (visibility, 「有安排」, the conflict flag), the entry form, delete, the PDF, refusals."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from django.urls import reverse

from sanfu.schedules.models import ScheduleEntry, Visibility
from tests.schedules.conftest import MONDAY, entry

WEEK = reverse("schedules:week") + f"?week={MONDAY:%Y-%m-%d}"


def test_week_shows_what_the_viewer_may_see(sch: dict[str, Any], login: Any) -> None:
    entry(sch["clerk"], sch["gm"], title="公开调研", start=9, end=11)
    entry(sch["secretary"], sch["gm"], title="私人就诊", start=10, end=12, visibility=Visibility.PRIVATE)
    page = login(sch["accountant"]).get(WEEK).content.decode()
    assert "公开调研" in page
    assert "私人就诊" not in page
    assert "有安排" in page
    assert "conflict" in page
    assert sch["deputy"].display_name in page
    assert "录入日程" not in page
    page = login(sch["secretary"]).get(WEEK).content.decode()
    assert "私人就诊" in page
    assert "录入日程" in page
    page = login(sch["stranger"]).get(WEEK).content.decode()
    assert "公开调研" not in page
    assert "有安排" not in page


def test_secretary_enters_edits_and_deletes(sch: dict[str, Any], login: Any) -> None:
    client = login(sch["secretary"])
    form = {
        "leader": sch["gm"].pk,
        "title": "集团年度工作会",
        "starts_at": "2026-12-08T09:00",
        "ends_at": "2026-12-08T08:00",
        "visibility": Visibility.INTERNAL,
    }
    response = client.post(reverse("schedules:new"), form)
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert not ScheduleEntry.objects.exists()
    form["ends_at"] = "2026-12-08T17:00"
    response = client.post(reverse("schedules:new"), form)
    assert response.status_code == 302
    made = ScheduleEntry.objects.get()
    assert made.leader == sch["gm"]
    assert made.created_by == sch["secretary"]
    assert client.get(reverse("schedules:edit", args=[made.pk])).status_code == 200
    assert client.post(reverse("schedules:delete", args=[made.pk])).status_code == 302
    assert not ScheduleEntry.objects.exists()


def test_refusals(sch: dict[str, Any], login: Any) -> None:
    made = entry(sch["clerk"], sch["gm"])
    employee = login(sch["accountant"])
    assert employee.get(reverse("schedules:new")).status_code == 404
    assert employee.get(reverse("schedules:edit", args=[made.pk])).status_code == 404
    employee.post(reverse("schedules:delete", args=[made.pk]))
    assert ScheduleEntry.objects.filter(pk=made.pk).exists()
    secretary = login(sch["secretary"])
    form = {"leader": sch["deputy"].pk, "title": "越权", "starts_at": "2026-12-08T09:00", "ends_at": "2026-12-08T10:00"}
    secretary.post(reverse("schedules:new"), form | {"visibility": Visibility.PUBLIC})
    assert ScheduleEntry.objects.count() == 1
    stranger = login(sch["stranger"])
    assert stranger.post(reverse("schedules:delete", args=[made.pk])).status_code == 404


def test_week_sheet_is_an_a4_landscape_pdf_of_public_entries(sch: dict[str, Any], login: Any) -> None:
    from sanfu.schedules.sheet import week_sheet_html

    entry(sch["clerk"], sch["gm"], title="公开调研")
    entry(sch["clerk"], sch["gm"], title="内部会商", visibility=Visibility.INTERNAL)
    html = week_sheet_html(sch["unit"].pk, MONDAY)
    assert "公开调研" in html
    assert "内部会商" not in html
    response = login(sch["accountant"]).get(reverse("schedules:sheet") + f"?week={MONDAY:%Y-%m-%d}")
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert abs(width - 841.89) < 1  # A4 landscape: 297 mm wide
    assert abs(height - 595.28) < 1  # 210 mm high
    assert "公开调研" in pages[0].extract_text()

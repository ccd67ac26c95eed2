"""A meeting from plan to minutes to 督办 items to close-out, lived through the real pages in headless Chromium by
the demo's people, each in a browser of their own against a real server: the general manager's secretary books a
room on the board and drafts a 总经理办公会 with an agenda; the general manager approves the plan from 我的待办;
the notice reaches an attendee, who replies from it; the secretary signs another attendee in by hand on the
sign-in screen, writes the minutes with two decisions and sends them to 督办 (转督办); both appear in the ledger;
the owner of one reports progress with an evidence file and applies for close-out; the general manager approves
it from 我的待办; the item shows 已完成 / 已销号 in the ledger, and its 一事一档 page keeps the whole history.

Only the demo organisation and its rooms are seeded through services; everything else is done on the pages. The
outbox between 转督办 and the ledger is delivered by the server itself (the test settings run Huey immediately,
so a message goes out right after the commit that wrote it), as in production the worker does."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.meetings import seed_meetings
from sanfu.demo.org import DEMO_PASSWORD, MAIN_UNIT_CODE, seed_demo
from sanfu.meetings import selectors as meeting_selectors
from sanfu.meetings.models import Attendee, Meeting, MeetingStatus, Reply
from sanfu.org.models import Department
from sanfu.supervision.models import Item, ItemState, Source
from tests.meetings.conftest import next_monday

pytestmark = pytest.mark.browser

TITLE = "十二月第二次总经理办公会"
ROOM = "第一会议室"
DECISIONS = ("压降非生产性支出，年底前完成费用清理", "修订会议室管理办法，报总经理办公会审定")


@pytest.fixture
def session(signed_in: Any) -> Any:
    """``session(username)``: a page of a fresh browser context (its own cookies), signed in as ``username`` of the
    demo organisation."""
    return functools.partial(signed_in, password=DEMO_PASSWORD)


def _done(page: Any, text: str) -> None:
    """The page says the action was done (a success message with ``text``), and no error."""
    page.locator(".alert-success", has_text=text).wait_for()
    assert not page.locator(".alert-danger").count(), page.locator(".alert-danger").all_inner_texts()


def _free_slot(secretary: User) -> tuple[Any, int, str]:
    """Next Monday's first free hour of 第一会议室 on the board: (day, room id, "HH:MM")."""
    day = next_monday()
    row = next(r for r in meeting_selectors.board(actor=secretary, first=day).rows if r.room.name == ROOM)
    slot = next(s for s in row.days[0].slots if s.booking is None and not s.past)
    return day, row.room.pk, timezone.localtime(slot.starts_at).strftime("%H:%M")


def test_meeting_from_plan_to_closeout(app_server: str, session: Any, tmp_path: Path) -> None:
    connection.close()
    seed_demo()
    seed_meetings()  # the rooms (and the demo's month of bookings around them)
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["secretary", "gm", "deputy1", "finance_head", "office_head"])
    }
    departments = {d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    day, room_id, start = _free_slot(people["secretary"])
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    evidence = tmp_path / "费用清理明细.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # 1. The secretary books the room on the board, opens her booking and drafts the meeting on it.
    secretary = session("secretary")
    secretary.goto(f"{app_server}/meetings/?day={day.isoformat()}")
    secretary.click(f'[data-slot="{room_id}-{start}"]')
    secretary.wait_for_selector("#booking-form")
    secretary.fill("#id_title", TITLE)
    secretary.click("#submit-booking")
    secretary.wait_for_url(re.compile(r".*/meetings/\?day=.*"))
    _done(secretary, TITLE)
    secretary.locator(f'#room-board td.slot-taken[title*="{TITLE}"] a').first.click()
    secretary.wait_for_selector("#booking-title")
    secretary.click("#arrange-meeting")
    secretary.wait_for_selector("#meeting-form")
    secretary.select_option("#id_kind", label="总经理办公会")
    secretary.fill("#id_title", TITLE)
    assert ROOM in secretary.locator("#id_booking option:checked").inner_text()
    secretary.select_option("#id_approver", str(people["gm"].pk))
    secretary.select_option("#id_attendees", [str(people[n].pk) for n in ("deputy1", "finance_head", "office_head")])
    secretary.fill("#id_agenda", "十二月预算执行分析 | 财务部 | 预算执行表\n会议室管理办法修订 | 办公室")
    secretary.click("#save-meeting")
    secretary.wait_for_url(re.compile(r".*/meetings/meetings/\d+/$"))
    _done(secretary, "会议已草拟")
    meeting = Meeting.objects.get(title=TITLE)
    meeting_url = f"{app_server}/meetings/meetings/{meeting.pk}/"
    agenda = secretary.locator("#agenda").inner_text()
    for words in ("十二月预算执行分析", "财务部", "会议室管理办法修订"):
        assert words in agenda, agenda
    assert secretary.locator("#meeting-status").inner_text() == "草拟"
    secretary.click("#submit-plan")
    _done(secretary, "会议方案已提交审批")
    assert secretary.locator("#meeting-status").inner_text() == "方案审批中"

    # 2. The general manager finds the plan in 我的待办 and approves it; the notices go out.
    gm = session("gm")
    gm.locator("#inbox-list a.title", has_text=TITLE).first.click()
    gm.wait_for_url(meeting_url)
    gm.fill("#f-comment", "同意，请财务部做好汇报准备。")
    gm.click("#approve-plan")
    _done(gm, "已同意会议方案")
    assert gm.locator("#meeting-status").inner_text() == "已通知"

    # 3. An attendee gets the notice, opens it and replies that he attends.
    deputy = session("deputy1")
    deputy.goto(f"{app_server}/approvals/notifications/")
    deputy.locator("form[data-notification] button", has_text=f"会议通知：{TITLE}").click()
    deputy.wait_for_url(meeting_url)
    deputy.check("#reply-attend")
    deputy.click("#send-reply")
    _done(deputy, "已回复会议通知")
    assert Attendee.objects.get(meeting=meeting, user=people["deputy1"]).reply == Reply.ATTEND

    # 4. The secretary sees the reply, opens the sign-in screen and signs the finance head in by hand.
    secretary.goto(meeting_url)
    replies = secretary.locator("#replies").inner_text()
    assert re.search(rf"{people['deputy1'].display_name}\s+参加", replies), replies
    secretary.click("#open-screen")
    secretary.wait_for_selector("#signin-qr")
    finance_row = secretary.locator("#attendance li", has_text=people["finance_head"].display_name)
    finance_row.get_by_role("button", name="代为签到").click()
    _done(secretary, "已代为签到")
    finance_row = secretary.locator("#attendance li", has_text=people["finance_head"].display_name)
    assert "已签到" in finance_row.inner_text()
    assert secretary.locator("#present-count").inner_text() == "已到 1 / 3"

    # 5. The minutes, with two decisions, and 转督办.
    secretary.goto(meeting_url)
    secretary.fill("#minutes textarea[name=minutes]", "会议听取了财务部十二月预算执行分析，研究了会议室管理办法修订。")
    secretary.click("#save-minutes")
    _done(secretary, "纪要已保存")
    for text, owner, department in (
        (DECISIONS[0], "finance_head", "finance"),
        (DECISIONS[1], "office_head", "office"),
    ):
        secretary.fill("#d-text", text)
        secretary.select_option("#d-owner", str(people[owner].pk))
        secretary.select_option("#d-dept", str(departments[department].pk))
        secretary.fill("#d-deadline", deadline)
        secretary.locator("#decision-form button").click()
        _done(secretary, "已添加议定事项")
    assert secretary.locator("#decisions li").count() == 2
    secretary.click("#to-supervision")
    _done(secretary, "已将 2 项议定事项转督办")
    assert secretary.locator("#decisions .badge", has_text="已转督办").count() == 2

    # 6. Both decisions are items of the ledger, from this meeting, with their owners.
    secretary.goto(f"{app_server}/supervision/?source=meeting")
    ledger = secretary.locator("#ledger").inner_text()
    for text in DECISIONS:
        assert text in ledger, ledger
    items = {i.title: i for i in Item.objects.filter(source=Source.MEETING, source_ref__startswith=f"{meeting.pk}:")}
    assert set(items) == set(DECISIONS)
    item = items[DECISIONS[0]]
    assert (item.owner_id, item.lead_department_id) == (people["finance_head"].pk, departments["finance"].pk)
    assert item.deadline.isoformat() == deadline

    # 7. The owner opens his item from the ledger, reports progress with evidence and applies for close-out.
    owner = session("finance_head")
    owner.goto(f"{app_server}/supervision/")
    owner.locator("#ledger a", has_text=DECISIONS[0]).click()
    owner.wait_for_url(f"{app_server}/supervision/{item.pk}/")
    assert owner.locator("#item-state").inner_text() == "办理中"
    owner.locator("#source-link").click()  # the source is this meeting
    owner.wait_for_url(meeting_url)
    owner.go_back()
    owner.wait_for_url(f"{app_server}/supervision/{item.pk}/")
    owner.fill("#id_text", "已清理非生产性支出 23 项，压降费用 41 万元。")
    owner.fill("#id_percent", "100")
    owner.set_input_files("#report-files", str(evidence))
    owner.click("#report-submit")
    _done(owner, "进展已报送")
    assert "100%" in owner.locator("#item-percent").inner_text()
    assert "费用清理明细.pdf" in owner.locator("#history").inner_text()
    owner.fill("#id_summary", "费用清理完成，申请销号。")
    owner.click("#apply-submit")
    _done(owner, "销号申请已提交")
    owner.wait_for_selector("#pending-closeout")
    assert owner.locator("#item-state").inner_text() == "销号审核中"
    assert not owner.locator("#form-report").count()

    # 8. The general manager, who approved the meeting's plan and so assigned its decisions (交办领导), approves the
    # close-out from 我的待办.
    gm.goto(f"{app_server}/")
    close_out = gm.locator("#inbox-list a.title", has_text=DECISIONS[0])
    assert close_out.count() == 1, (
        "the close-out of a decision of the meeting he approved is not in the general manager's 我的待办: "
        f"the item's 交办领导 is {item.assigned_by.display_name if item.assigned_by else None}, who sent it to 督办"
    )
    close_out.click()
    gm.wait_for_url(f"{app_server}/supervision/{item.pk}/")
    gm.select_option("#id_score", "5")
    gm.fill("#id_comment", "清理到位。")
    gm.click("#approve")
    _done(gm, "已同意销号")
    assert gm.locator("#item-status").inner_text() == "已完成"
    assert gm.locator("#item-state").inner_text() == "已销号"

    # 9. The ledger shows it done; its 一事一档 keeps the whole history, evidence included.
    gm.goto(f"{app_server}/supervision/?status=done")
    done_row = gm.locator("#ledger tr", has_text=DECISIONS[0])
    assert done_row.locator(".status-badge").inner_text() == "已完成"
    assert not gm.locator("#ledger tr", has_text=DECISIONS[1]).count()  # the other is still in hand
    done_row.locator("a", has_text=DECISIONS[0]).click()
    gm.wait_for_url(f"{app_server}/supervision/{item.pk}/")
    history = gm.locator("#history")
    assert [history.locator(f".entry-{kind}").count() for kind in ("report", "apply", "decision")] == [1, 1, 1]
    assert "费用清理明细.pdf" in history.locator(".entry-report").inner_text()
    assert "申请销号" in history.locator(".entry-apply").inner_text()
    decided = history.locator(".entry-decision").inner_text()
    for words in ("同意销号", "质量评分 5", people["gm"].display_name):
        assert words in decided, decided
    assert Item.objects.get(pk=item.pk).state == ItemState.CLOSED
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.NOTIFIED

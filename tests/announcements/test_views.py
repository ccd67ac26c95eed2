"""通知公告 pages: the list, reading (the receipt), the publisher's readers and reminder, compose, refusals."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sanfu.announcements.models import Announcement, Kind, Recipient, Scope, SignUp, Status
from tests.announcements.conftest import notice


def test_list_shows_unread_in_bold_and_opening_marks_read(ann: dict[str, Any], login: Any) -> None:
    a = notice(ann["clerk"], title="关于春节值班的通知")
    client = login(ann["accountant"])
    page = client.get(reverse("announcements:list")).content.decode()
    assert "关于春节值班的通知" in page
    assert "fw-bold" in page
    assert client.get(reverse("announcements:detail", args=[a.pk])).status_code == 200
    assert Recipient.objects.get(announcement=a, user=ann["accountant"]).read_at is not None
    assert "关于春节值班的通知" not in client.get(reverse("announcements:list") + "?unread=1").content.decode()


def test_publisher_sees_readers_and_reminds(ann: dict[str, Any], login: Any) -> None:
    a = notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk])
    login(ann["accountant"]).get(reverse("announcements:detail", args=[a.pk]))
    clerk = login(ann["clerk"])
    page = clerk.get(reverse("announcements:detail", args=[a.pk])).content.decode()
    assert "unread-list" in page
    assert ann["finance_head"].display_name in page
    assert "remind-unread" in page
    read_page = clerk.get(reverse("announcements:detail", args=[a.pk]) + "?show=read").content.decode()
    assert ann["accountant"].display_name in read_page
    response = clerk.post(reverse("announcements:act", args=[a.pk]), {"action": "remind"}, follow=True)
    assert "已提醒 1 位未读人员" in response.content.decode()
    again = clerk.post(reverse("announcements:act", args=[a.pk]), {"action": "remind"}, follow=True)
    assert "一小时内已提醒过" in again.content.decode()


def test_others_get_404_and_cannot_act(ann: dict[str, Any], login: Any) -> None:
    a = notice(ann["clerk"], scope=Scope.PEOPLE, people_ids=[ann["gm"].pk])
    for who in ("accountant", "stranger"):
        client = login(ann[who])
        assert client.get(reverse("announcements:detail", args=[a.pk])).status_code == 404
        assert client.post(reverse("announcements:act", args=[a.pk]), {"action": "remind"}).status_code == 404
    gm = login(ann["gm"])
    response = gm.post(reverse("announcements:act", args=[a.pk]), {"action": "remind"}, follow=True)
    assert "只有发布人或办公室" in response.content.decode()
    assert Announcement.objects.get(pk=a.pk).reminded_at is None
    assert "readers" not in gm.get(reverse("announcements:detail", args=[a.pk])).content.decode().split("id=")[-1]


def test_compose_publishes_and_refuses_bad_input(ann: dict[str, Any], login: Any) -> None:
    clerk = login(ann["clerk"])
    assert clerk.get(reverse("announcements:new")).status_code == 200
    bad = clerk.post(
        reverse("announcements:new"),
        {"kind": Kind.NOTICE, "title": "部门通知", "body": "内容", "scope": Scope.DEPARTMENTS, "publish": "1"},
    )
    assert bad.status_code == 200
    assert "请选择接收部门" in bad.content.decode()
    assert not Announcement.objects.exists()
    good = clerk.post(
        reverse("announcements:new"),
        {"kind": Kind.NOTICE, "title": "全员通知", "body": "内容", "scope": Scope.UNIT, "publish": "1"},
    )
    made = Announcement.objects.get()
    assert good.status_code == 302
    assert made.status == Status.PUBLISHED
    assert "全员通知" in clerk.get(reverse("announcements:mine")).content.decode()


def test_an_employee_cannot_compose(ann: dict[str, Any], login: Any) -> None:
    client = login(ann["accountant"])
    assert client.get(reverse("announcements:new")).status_code == 302
    client.post(reverse("announcements:new"), {"kind": Kind.NOTICE, "title": "t", "body": "b", "scope": Scope.UNIT})
    assert not Announcement.objects.exists()


def test_approver_approves_on_the_page(ann: dict[str, Any], login: Any) -> None:
    a = notice(ann["clerk"], kind=Kind.BULLETIN)
    deputy = login(ann["deputy"])
    assert "announcement-approve" in deputy.get(reverse("announcements:detail", args=[a.pk])).content.decode()
    deputy.post(reverse("announcements:act", args=[a.pk]), {"action": "approve"})
    assert Announcement.objects.get(pk=a.pk).status == Status.PUBLISHED


def test_sign_up_on_the_page(ann: dict[str, Any], login: Any) -> None:
    a = notice(ann["clerk"], kind=Kind.ACTIVITY, capacity=1, title="篮球赛")
    gm = login(ann["gm"])
    assert "signup-join" in gm.get(reverse("announcements:detail", args=[a.pk])).content.decode()
    assert (
        "报名成功"
        in gm.post(reverse("announcements:act", args=[a.pk]), {"action": "signup"}, follow=True).content.decode()
    )
    other = login(ann["accountant"])
    page = other.post(reverse("announcements:act", args=[a.pk]), {"action": "signup"}, follow=True).content.decode()
    assert "候补" in page
    assert SignUp.objects.filter(announcement=a).count() == 2
    assert other.post(reverse("announcements:act", args=[a.pk]), {"action": "nonsense"}).status_code == 302


def test_a_returned_announcement_shows_the_reason_and_is_edited(ann: dict[str, Any], login: Any) -> None:
    a = notice(ann["clerk"], kind=Kind.BULLETIN, title="初稿公告")
    login(ann["deputy"]).post(reverse("announcements:act", args=[a.pk]), {"action": "return", "comment": "请补充日期"})
    clerk = login(ann["clerk"])
    page = clerk.get(reverse("announcements:detail", args=[a.pk])).content.decode()
    assert "请补充日期" in page
    assert "announcement-edit" in page
    form = clerk.get(reverse("announcements:edit", args=[a.pk])).content.decode()
    assert "初稿公告" in form
    clerk.post(
        reverse("announcements:edit", args=[a.pk]),
        {"kind": Kind.BULLETIN, "title": "修改后的公告", "body": "内容", "scope": Scope.UNIT, "publish": "1"},
    )
    a.refresh_from_db()
    assert (a.title, a.status) == ("修改后的公告", Status.PENDING)
    assert login(ann["accountant"]).get(reverse("announcements:edit", args=[a.pk])).status_code == 404


def test_posted_owner_state_and_counters_are_ignored(ann: dict[str, Any], login: Any) -> None:
    head = login(ann["finance_head"])
    head.post(
        reverse("announcements:new"),
        {
            "kind": Kind.ACTIVITY,
            "title": "部门活动",
            "body": "内容",
            "scope": Scope.DEPARTMENTS,
            "departments": [ann["finance"].pk],
            "capacity": 3,
            "publisher": ann["gm"].pk,
            "status": Status.PUBLISHED,
            "unit": ann["stranger"].staff.unit_id,
            "enrolled": 3,
            "approver": ann["accountant"].pk,
            "department": ann["office"].pk,
        },
    )
    made = Announcement.objects.get()
    assert made.publisher == ann["finance_head"]
    assert made.status == Status.DRAFT
    assert made.unit_id == ann["unit"].pk
    assert (made.enrolled, made.approver_id, made.department_id) == (0, None, ann["finance"].pk)


def test_a_campaign_links_to_the_suggestion_box_with_its_id(ann: dict[str, Any], login: Any) -> None:
    """A 征集 opens the 献一策 suggestion box with the campaign named, and the box's form takes it."""
    a = notice(ann["clerk"], kind=Kind.CAMPAIGN, title="我为三服务献一策")
    client = login(ann["accountant"])
    page = client.get(reverse("announcements:detail", args=[a.pk])).content.decode()
    link = f"{reverse('suggestions:new')}?campaign={a.pk}"
    assert f'href="{link}"' in page
    assert client.get(link).status_code == 200

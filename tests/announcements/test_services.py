"""通知公告 services: scope resolution, read receipts, reminders, sign-up, the approval path, refusals."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.announcements import selectors, services
from sanfu.announcements.models import Announcement, Attachment, Kind, Recipient, Scope, SignUp, SignUpStatus, Status
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord, Notification
from tests.announcements.conftest import notice
from tests.conftest import make_staff


def _recipients(a: Announcement) -> set[int]:
    return set(Recipient.objects.filter(announcement=a).values_list("user_id", flat=True))


def test_unit_scope_reaches_every_active_person_of_the_unit(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"])
    assert a.status == Status.PUBLISHED
    people = {ann[k].pk for k in ("gm", "deputy", "office_head", "section_head", "clerk", "finance_head", "accountant")}
    assert _recipients(a) == people
    assert ann["stranger"].pk not in _recipients(a)
    assert Notification.objects.filter(key__startswith=f"announcement:{a.pk}:").count() == len(people)
    assert AuditRecord.objects.filter(action="announcements.publish", target=f"announcement:{a.pk}").exists()


def test_department_scope_includes_sub_departments(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["office"].pk])
    assert _recipients(a) == {ann["office_head"].pk, ann["section_head"].pk, ann["clerk"].pk}


def test_people_scope_and_a_head_for_their_department(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], scope=Scope.PEOPLE, people_ids=[ann["gm"].pk, ann["accountant"].pk])
    assert _recipients(a) == {ann["gm"].pk, ann["accountant"].pk}
    b = notice(ann["finance_head"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk])
    assert b.department_id == ann["finance"].pk
    assert _recipients(b) == {ann["finance_head"].pk, ann["accountant"].pk}


@pytest.mark.parametrize(
    ("who", "extra", "message"),
    [
        ("finance_head", {"scope": Scope.UNIT}, "只有办公室可以向全单位发布"),
        ("finance_head", {"scope": Scope.DEPARTMENTS, "department_ids": [1]}, ""),
        ("finance_head", {"scope": Scope.PEOPLE, "people_ids": ["gm"]}, "只能向本人负责部门"),
        ("clerk", {"scope": Scope.PEOPLE, "people_ids": ["stranger"]}, "本单位在职人员"),
        ("clerk", {"scope": Scope.DEPARTMENTS, "department_ids": []}, "请选择接收部门"),
        ("clerk", {"title": "  "}, "请填写标题"),
        ("clerk", {"kind": "rumour"}, "请选择类别"),
        ("clerk", {"kind": Kind.ACTIVITY}, "名额"),
        ("clerk", {"expires_at": "past"}, "须晚于现在"),
        ("accountant", {}, "只有办公室或部门负责人"),
        ("stranger", {}, "只有办公室或部门负责人"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    ann: dict[str, Any], who: str, extra: dict[str, Any], message: str
) -> None:
    extra = dict(extra)
    if extra.get("department_ids") == [1]:
        extra["department_ids"] = [ann["leaders"].pk]
        message = "只能向本人负责的部门"
    if "people_ids" in extra:
        extra["people_ids"] = [ann[p].pk for p in extra["people_ids"]]
    if extra.get("expires_at") == "past":
        extra["expires_at"] = timezone.now() - timedelta(hours=1)
    before = (Announcement.objects.count(), Recipient.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ApplicationError, match=message):
        notice(ann[who], **extra)
    assert (Announcement.objects.count(), Recipient.objects.count(), AuditRecord.objects.count()) == before


def test_a_bad_attachment_stores_nothing(ann: dict[str, Any]) -> None:
    fake = SimpleUploadedFile("报告.pdf", b"not a pdf at all")
    with pytest.raises(ApplicationError, match="内容与扩展名不符"):
        services.announcement_create(
            actor=ann["clerk"], data=services.AnnouncementIn(kind=Kind.NOTICE, title="t", body="b"), files=[fake]
        )
    assert not Announcement.objects.exists()
    assert not Attachment.objects.exists()


def test_attachment_is_stored_and_readable_by_recipients_only(
    ann: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    good = SimpleUploadedFile("安排.pdf", b"%PDF-1.4\n%%EOF\n")
    made = services.announcement_create(
        actor=ann["clerk"],
        data=services.AnnouncementIn(
            kind=Kind.NOTICE, title="t", body="b", scope=Scope.PEOPLE, people_ids=[ann["gm"].pk]
        ),
        files=[good],
    )
    services.announcement_publish(actor=ann["clerk"], announcement_id=made.pk)
    file = Attachment.objects.get(announcement=made)
    assert selectors.access_attachment(actor=ann["gm"], announcement_id=made.pk, attachment_id=file.pk) == file
    with pytest.raises(NotFoundError):
        selectors.access_attachment(actor=ann["accountant"], announcement_id=made.pk, attachment_id=file.pk)


def test_read_receipt_is_written_once(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"])
    assert services.announcement_read(actor=ann["gm"], announcement_id=a.pk) is True
    first = Recipient.objects.get(announcement=a, user=ann["gm"]).read_at
    assert services.announcement_read(actor=ann["gm"], announcement_id=a.pk) is False
    assert Recipient.objects.get(announcement=a, user=ann["gm"]).read_at == first
    readers = selectors.readers_of(a, unread=True)
    assert readers.read == 1
    assert readers.unread == readers.total - 1
    assert ann["gm"].pk not in {r.user_id for r in readers.shown}
    # grouped by the department of their primary post, which each row names
    runs = [name for name, _rows in itertools.groupby(r.department_name for r in readers.shown)]
    assert len(runs) == len(set(runs)) > 1  # each department's people together (the collation orders them)
    accountant = next(r for r in readers.shown if r.user_id == ann["accountant"].pk)
    assert accountant.department_name == ann["finance"].name


def test_reminder_goes_to_the_unread_at_most_once_an_hour(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk])
    services.announcement_read(actor=ann["accountant"], announcement_id=a.pk)
    now = timezone.now()
    assert services.announcement_remind(actor=ann["clerk"], announcement_id=a.pk, now=now) == 1
    reminded = Notification.objects.filter(key__startswith=f"announcement-remind:{a.pk}:")
    assert list(reminded.values_list("user_id", flat=True)) == [ann["finance_head"].pk]
    with pytest.raises(ConflictError, match="一小时内"):
        services.announcement_remind(actor=ann["clerk"], announcement_id=a.pk, now=now + timedelta(minutes=59))
    assert services.announcement_remind(actor=ann["clerk"], announcement_id=a.pk, now=now + timedelta(minutes=61)) == 1
    assert AuditRecord.objects.filter(action="announcements.remind", target=f"announcement:{a.pk}").count() == 2
    with pytest.raises(PermissionDeniedError):
        services.announcement_remind(actor=ann["accountant"], announcement_id=a.pk, now=now + timedelta(hours=3))


def test_visibility_expiry_and_pinning(ann: dict[str, Any]) -> None:
    now = timezone.now()
    old = notice(ann["clerk"], title="旧通知")
    pinned = notice(ann["clerk"], title="置顶通知", pinned_until=now + timedelta(days=3))
    expiring = notice(ann["clerk"], title="即将过期", expires_at=now + timedelta(hours=1))
    titles = [r.announcement.title for r in selectors.received(ann["gm"])]
    assert titles[0] == "置顶通知"
    assert set(titles) == {"旧通知", "置顶通知", "即将过期"}
    later = now + timedelta(hours=2)
    assert "即将过期" not in [r.announcement.title for r in selectors.received(ann["gm"], now=later)]
    with pytest.raises(NotFoundError):
        selectors.access_announcement(actor=ann["gm"], announcement_id=expiring.pk, now=later)
    assert selectors.access_announcement(actor=ann["clerk"], announcement_id=expiring.pk, now=later) == expiring
    assert expiring.pk in {a.pk for a in selectors.published_by(ann["clerk"])}
    with pytest.raises(NotFoundError):
        selectors.access_announcement(actor=ann["stranger"], announcement_id=old.pk)
    count, first = selectors.unread_for(ann["gm"], limit=1)
    assert count == 3
    assert first == [pinned]


def test_bulletin_needs_approval_approve_publishes(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], kind=Kind.BULLETIN, title="关于调整作息时间的公告")
    assert a.status == Status.PENDING
    assert a.approver == ann["deputy"]  # 办公室's leader in charge
    assert not Recipient.objects.filter(announcement=a).exists()
    with pytest.raises(NotFoundError):
        selectors.access_announcement(actor=ann["gm"], announcement_id=a.pk)
    with pytest.raises(ApplicationError):
        services.announcement_approve(actor=ann["clerk"], announcement_id=a.pk)
    services.announcement_approve(actor=ann["deputy"], announcement_id=a.pk, comment="同意")
    a.refresh_from_db()
    assert a.status == Status.PUBLISHED
    assert ann["gm"].pk in _recipients(a)


def test_return_goes_back_to_the_publisher_who_resubmits(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], kind=Kind.BULLETIN)
    before = AuditRecord.objects.count()
    with pytest.raises(ApplicationError, match="写明原因"):
        services.announcement_return(actor=ann["deputy"], announcement_id=a.pk, comment=" ")
    assert AuditRecord.objects.count() == before
    services.announcement_return(actor=ann["deputy"], announcement_id=a.pk, comment="请补充时间")
    a.refresh_from_db()
    assert a.status == Status.RETURNED
    services.announcement_publish(actor=ann["clerk"], announcement_id=a.pk)
    a.refresh_from_db()
    assert a.status == Status.PENDING
    services.announcement_approve(actor=ann["deputy"], announcement_id=a.pk)
    a.refresh_from_db()
    assert a.status == Status.PUBLISHED


def _activity(ann: dict[str, Any], capacity: int) -> Announcement:
    return notice(ann["clerk"], kind=Kind.ACTIVITY, title="羽毛球比赛报名", capacity=capacity)


def test_signup_capacity_waiting_list_and_promotion(ann: dict[str, Any]) -> None:
    a = _activity(ann, 2)
    first = services.signup_join(actor=ann["gm"], announcement_id=a.pk)
    second = services.signup_join(actor=ann["accountant"], announcement_id=a.pk)
    third = services.signup_join(actor=ann["finance_head"], announcement_id=a.pk)
    assert [first.status, second.status, third.status] == [
        SignUpStatus.ENROLLED,
        SignUpStatus.ENROLLED,
        SignUpStatus.WAITING,
    ]
    with pytest.raises(ConflictError):
        services.signup_join(actor=ann["gm"], announcement_id=a.pk)
    promoted = services.signup_cancel(actor=ann["gm"], announcement_id=a.pk)
    assert promoted == ann["finance_head"]
    assert SignUp.objects.get(announcement=a, user=ann["finance_head"]).status == SignUpStatus.ENROLLED
    a.refresh_from_db()
    assert a.enrolled == 2
    services.signup_cancel(actor=ann["accountant"], announcement_id=a.pk)  # nobody waiting: a place frees up
    a.refresh_from_db()
    assert a.enrolled == 1
    again = services.signup_join(actor=ann["gm"], announcement_id=a.pk)
    assert again.status == SignUpStatus.ENROLLED
    with pytest.raises(NotFoundError):
        services.signup_join(actor=ann["stranger"], announcement_id=a.pk)


def test_signup_refused_for_other_kinds_and_after_the_deadline(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"])
    with pytest.raises(ApplicationError, match="不是可报名"):
        services.signup_join(actor=ann["gm"], announcement_id=a.pk)
    b = notice(ann["clerk"], kind=Kind.ACTIVITY, capacity=5, signup_until=timezone.now() + timedelta(hours=1))
    with pytest.raises(ApplicationError, match="已截止"):
        services.signup_join(actor=ann["gm"], announcement_id=b.pk, now=timezone.now() + timedelta(hours=2))
    assert not SignUp.objects.exists()


def test_withdraw_hides_it_from_readers(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"])
    services.announcement_withdraw(actor=ann["clerk"], announcement_id=a.pk)
    assert not selectors.received(ann["gm"]).exists()
    with pytest.raises(ConflictError):
        services.announcement_withdraw(actor=ann["clerk"], announcement_id=a.pk)


def test_an_inactive_person_is_not_a_recipient(ann: dict[str, Any]) -> None:
    gone = make_staff(ann["finance"], username="gone")
    gone.is_active = False
    gone.save()
    a = notice(ann["clerk"], scope=Scope.DEPARTMENTS, department_ids=[ann["finance"].pk])
    assert gone.pk not in _recipients(a)


def test_a_returned_announcement_is_edited_and_resubmitted(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], kind=Kind.BULLETIN, title="初稿")
    services.announcement_return(actor=ann["deputy"], announcement_id=a.pk, comment="请改为只发办公室")
    data = services.AnnouncementIn(
        kind=Kind.BULLETIN, title="修改稿", body="正文", scope=Scope.DEPARTMENTS, department_ids=[ann["office"].pk]
    )
    with pytest.raises(NotFoundError):  # another publisher does not even see a draft
        services.announcement_update(actor=ann["finance_head"], announcement_id=a.pk, data=data)
    before = AuditRecord.objects.count()
    with pytest.raises(ApplicationError, match="请选择接收部门"):
        services.announcement_update(
            actor=ann["clerk"],
            announcement_id=a.pk,
            data=services.AnnouncementIn(kind=Kind.BULLETIN, title="x", body="y", scope=Scope.DEPARTMENTS),
        )
    assert AuditRecord.objects.count() == before
    assert Announcement.objects.get(pk=a.pk).title == "初稿"
    services.announcement_update(actor=ann["clerk"], announcement_id=a.pk, data=data)
    services.announcement_publish(actor=ann["clerk"], announcement_id=a.pk)
    services.announcement_approve(actor=ann["deputy"], announcement_id=a.pk)
    a.refresh_from_db()
    assert (a.title, a.status) == ("修改稿", Status.PUBLISHED)
    assert _recipients(a) == {ann["office_head"].pk, ann["section_head"].pk, ann["clerk"].pk}
    with pytest.raises(ConflictError, match="草稿或被退回"):
        services.announcement_update(actor=ann["clerk"], announcement_id=a.pk, data=data)

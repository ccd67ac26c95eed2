"""通知公告 over the REST API: the holder's received announcements (not expired, newest first, unread only on
request), one announcement (to those who may see it, as on the page) and the read receipt.

Each operation calls the same selector or service as the pages: another person's announcement is a 404."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.announcements import selectors, services
from sanfu.announcements.models import Announcement
from sanfu.api import scopes
from sanfu.api.kit import Page, PageQuery, actor, answers, auth, page_of

READ = scopes.declare("announcements:read", gettext_lazy("查看收到的通知公告"))
WRITE = scopes.declare("announcements:write", gettext_lazy("标记通知公告为已读"))

router = Router(tags=["通知公告"])


class AnnouncementOut(Schema):
    id: int
    kind: str = Field(description="notice 通知、bulletin 公告、activity 文体活动、campaign 征集")
    title: str
    body: str
    publisher: str
    department: str = Field("", description="发布部门（办公室以单位名义发布时为空）")
    published_at: datetime | None
    pinned: bool = Field(description="当前置顶")
    expires_at: datetime | None
    read_at: datetime | None = Field(None, description="本人的阅读时间（未读或非接收人为空）")


def _out(a: Announcement, read_at: datetime | None) -> AnnouncementOut:
    return AnnouncementOut(
        id=a.pk,
        kind=a.kind,
        title=a.title,
        body=a.body,
        publisher=a.publisher.display_name,
        department=a.department.name if a.department else "",
        published_at=a.published_at,
        pinned=a.pinned_until is not None and a.pinned_until > timezone.now(),
        expires_at=a.expires_at,
        read_at=read_at,
    )


class AnnouncementListQuery(PageQuery):
    unread: bool = Field(False, description="只看未读")


@router.get(
    "/",
    response=answers(Page[AnnouncementOut]),
    auth=auth(READ),
    summary="我收到的通知公告",
    operation_id="announcements_received",
)
def announcements_received(request: HttpRequest, paging: Query[AnnouncementListQuery]) -> Page[AnnouncementOut]:
    rows, following = page_of(
        selectors.received(actor(request), unread=paging.unread), cursor=paging.cursor, limit=paging.limit
    )
    return Page[AnnouncementOut](items=[_out(r.announcement, r.read_at) for r in rows], next_cursor=following)


@router.get(
    "/{announcement_id}",
    response=answers(AnnouncementOut),
    auth=auth(READ),
    summary="通知公告",
    operation_id="announcements_detail",
)
def announcement_detail(request: HttpRequest, announcement_id: int) -> AnnouncementOut:
    """收到的人（未过期）、发布人、办公室可见；其他人为 404。读取不记为已读，请用“标记已读”。"""
    user = actor(request)
    found = selectors.access_announcement(actor=user, announcement_id=announcement_id)
    receipt = selectors.receipt_of(found, user)
    return _out(found, receipt.read_at if receipt else None)


@router.post(
    "/{announcement_id}/read",
    response=answers(AnnouncementOut),
    auth=auth(WRITE),
    summary="标记已读",
    operation_id="announcements_read",
)
def announcement_read(request: HttpRequest, announcement_id: int) -> AnnouncementOut:
    """写入本人的阅读回执（只记第一次）；看不到的通知公告为 404。"""
    user = actor(request)
    found = selectors.access_announcement(actor=user, announcement_id=announcement_id)
    services.announcement_read(actor=user, announcement_id=found.pk)
    receipt = selectors.receipt_of(found, user)
    return _out(found, receipt.read_at if receipt else None)

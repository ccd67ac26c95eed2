"""Reads of 通知公告, permission-scoped by construction.

A person sees a published announcement they received (a ``Recipient`` row), until it expires. Its publisher, the
approver while it waits for them, and the office of its unit see it in every state, expired too; anyone else gets
``NotFoundError`` (404). Lists, read counts and the unread list are a constant number of queries, whatever the
number of recipients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.announcements import rights
from sanfu.announcements.models import Announcement, Attachment, Recipient, SignUp, SignUpStatus, Status
from sanfu.core.errors import NotFoundError
from sanfu.org.models import Post


def _pinned_first(now: datetime, prefix: str = "") -> Case:
    return Case(
        When(**{f"{prefix}pinned_until__gt": now}, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def received(actor: User, *, kind: str = "", unread: bool = False, now: datetime | None = None) -> QuerySet[Recipient]:
    """The person's received announcements that have not expired, pinned ones first, then the newest: their
    ``Recipient`` rows with the announcement (``read_at`` is empty while unread). One query."""
    now = now or timezone.now()
    rows = (
        Recipient.objects.filter(user_id=actor.pk, announcement__status=Status.PUBLISHED)
        .exclude(announcement__expires_at__lte=now)
        .select_related("announcement", "announcement__publisher", "announcement__department")
    )
    if kind:
        rows = rows.filter(announcement__kind=kind)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.annotate(pin=_pinned_first(now, "announcement__")).order_by(
        "pin", "-announcement__published_at", "-announcement_id"
    )


def unread_for(user: User, limit: int = 5) -> tuple[int, list[Announcement]]:
    """For the workbench: how many received announcements the person has not read, and the first ``limit`` of
    them (pinned first, newest next; ``pinned_now`` says which are pinned). Two queries."""
    if not getattr(user, "is_authenticated", False):
        return 0, []
    rows = received(user, unread=True)
    first = []
    for row in rows[:limit]:
        row.announcement.pinned_now = row.pin == 0  # type: ignore[attr-defined]  # for the workbench's badge
        first.append(row.announcement)
    return rows.count(), first


def unread_count(user: User) -> int:
    return received(user, unread=True).count() if getattr(user, "is_authenticated", False) else 0


def published_by(actor: User) -> QuerySet[Announcement]:
    """What the person manages: theirs, and for the office every announcement of its unit (every state,
    expired too), each with its recipient and read counts (one query)."""
    if rights.is_office(actor):
        rows = Announcement.objects.filter(Q(unit_id=rights.unit_of(actor)) | Q(publisher_id=actor.pk))
    else:
        rows = Announcement.objects.filter(publisher_id=actor.pk)
    return (
        rows.select_related("department", "publisher")
        .annotate(
            recipient_count=Count("recipients"),
            read_count=Count("recipients", filter=Q(recipients__read_at__isnull=False)),
        )
        .order_by("-created_at", "-id")
    )


def may_manage(actor: User, announcement: Announcement) -> bool:
    """Its publisher, or the office of its unit."""
    return announcement.publisher_id == actor.pk or (
        rights.is_office(actor) and rights.unit_of(actor) == announcement.unit_id
    )


def access_announcement(*, actor: User, announcement_id: int, now: datetime | None = None) -> Announcement:
    """The announcement if ``actor`` may see it (see the module), else ``NotFoundError``."""
    now = now or timezone.now()
    found = Announcement.objects.select_related("publisher", "department", "unit").filter(pk=announcement_id).first()
    if found is None:
        raise NotFoundError(_("没有找到该通知公告。"))
    if may_manage(actor, found):
        return found
    if found.status == Status.PENDING and found.approver_id == actor.pk:
        return found
    live = found.status == Status.PUBLISHED and (found.expires_at is None or found.expires_at > now)
    if live and Recipient.objects.filter(announcement=found, user_id=actor.pk).exists():
        return found
    raise NotFoundError(_("没有找到该通知公告。"))


def receipt_of(announcement: Announcement, user: User) -> Recipient | None:
    return Recipient.objects.filter(announcement=announcement, user_id=user.pk).first()


@dataclass(frozen=True)
class Readers:
    """The read counts of an announcement and one page of its readers or non-readers."""

    total: int
    read: int
    shown: Sequence[Recipient]  # each with ``department_name`` (their primary post's)
    more: int

    @property
    def unread(self) -> int:
        return self.total - self.read


def readers_of(announcement: Announcement, *, unread: bool, limit: int = 500) -> Readers:
    """The counts (one query) and the first ``limit`` readers (by read time) or non-readers (by department,
    then name), with their names and departments (one query), whatever the number of recipients."""
    counts = Recipient.objects.filter(announcement=announcement).aggregate(
        total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False))
    )
    # each with the department of their primary post, in the same query: the publisher chases the unread by
    # department, so they come grouped by it
    department = Post.objects.filter(staff__user_id=OuterRef("user_id"), is_primary=True).values("department__name")
    rows = (
        Recipient.objects.filter(announcement=announcement, read_at__isnull=unread)
        .select_related("user")
        .annotate(department_name=Subquery(department[:1]))
    )
    rows = rows.order_by("department_name", "user__username") if unread else rows.order_by("read_at", "id")
    shown = list(rows[:limit])
    total, read = counts["total"] or 0, counts["read"] or 0
    return Readers(total=total, read=read, shown=shown, more=max(0, (total - read if unread else read) - len(shown)))


def attachments_of(announcement: Announcement) -> list[Attachment]:
    return list(announcement.attachments.all())


def access_attachment(*, actor: User, announcement_id: int, attachment_id: int) -> Attachment:
    announcement = access_announcement(actor=actor, announcement_id=announcement_id)
    found = Attachment.objects.filter(pk=attachment_id, announcement=announcement).first()
    if found is None:
        raise NotFoundError(_("没有找到该附件。"))
    return found


def signups_of(announcement: Announcement) -> list[SignUp]:
    """Enrolled and waiting sign-ups in order (enrolled first), with the people."""
    return list(
        SignUp.objects.filter(announcement=announcement)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("user")
        .order_by(
            Case(When(status=SignUpStatus.ENROLLED, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "signed_at",
            "id",
        )
    )


def signup_of(announcement: Announcement, user: User) -> SignUp | None:
    return SignUp.objects.filter(announcement=announcement, user_id=user.pk).first()

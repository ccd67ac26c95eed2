"""Writes of 通知公告: drafting (with attachments), publishing (to the stored recipients, after approval through
the flow for the kinds that need it), read receipts, reminders to those who have not read, withdrawal, and the
sign-up of a 文体活动.

Every refusal is an ``ApplicationError`` raised before anything is written. Publishing writes the recipients with
``bulk_create``; marking read is one conditional update (a second open changes nothing); the reminder is claimed
by a conditional update on ``reminded_at`` (at most once an hour, whoever presses it); a sign-up takes a place by
``UPDATE … SET enrolled = enrolled + 1 WHERE enrolled < capacity``, so concurrent sign-ups cannot exceed it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.announcements import flows, rights, selectors
from sanfu.announcements.archiving import file_announcement
from sanfu.announcements.models import (
    Announcement,
    Attachment,
    Kind,
    Recipient,
    Scope,
    SignUp,
    SignUpStatus,
    Status,
)
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.core.uploads import read_checked
from sanfu.org.models import Department, Post, Staff
from sanfu.org.selectors import head_of, leader_in_charge, primary_department
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.selectors import open_task_for

MAX_FILES = 10
MAX_UPLOAD_MB = 20
MAX_CAPACITY = 10000
REMIND_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class AnnouncementIn:
    """What the compose form (or the API) gives. ``department_id``: the publishing department (a head's own;
    empty: the office of the unit). ``department_ids`` / ``people_ids``: the scope's choice."""

    kind: str
    title: str
    body: str
    scope: str = Scope.UNIT
    department_id: int | None = None
    department_ids: Sequence[int] = field(default_factory=list)
    people_ids: Sequence[int] = field(default_factory=list)
    pinned_until: datetime | None = None
    expires_at: datetime | None = None
    capacity: int | None = None
    signup_until: datetime | None = None


def _bad(message: str, name: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name}])


def _paths_q(paths: Sequence[str], prefix: str = "department__") -> Q:
    return reduce(or_, (Q(**{f"{prefix}path__startswith": p}) for p in paths))


def _checked_scope(
    data: AnnouncementIn, *, unit_id: int, office: bool, headed: list[Department]
) -> tuple[list[Department], list[int]]:
    """The chosen departments and people of the scope, checked against the unit and, for a head, their
    departments with the sub-departments."""
    allowed_paths = [d.path for d in headed]
    department_ids = list(dict.fromkeys(int(i) for i in data.department_ids))
    people_ids = list(dict.fromkeys(int(i) for i in data.people_ids))
    chosen: list[Department] = []
    if data.scope == Scope.DEPARTMENTS:
        if not department_ids:
            raise _bad(_("请选择接收部门。"), "departments")
        chosen = list(Department.objects.filter(pk__in=department_ids, unit_id=unit_id, is_active=True))
        if len(chosen) != len(department_ids):
            raise _bad(_("接收部门须是本单位的部门。"), "departments")
        if not office and any(not any(d.path.startswith(p) for p in allowed_paths) for d in chosen):
            raise _bad(_("只能向本人负责的部门（含下级部门）发布。"), "departments")
    if data.scope == Scope.PEOPLE:
        if not people_ids:
            raise _bad(_("请选择接收人员。"), "people")
        if len(people_ids) > 10000:
            raise _bad(_("接收人员过多，请改为按部门发布。"), "people")
        people = Staff.objects.filter(user_id__in=people_ids, unit_id=unit_id, user__is_active=True)
        if not office:
            inside = Post.objects.filter(_paths_q(allowed_paths), staff__user_id__in=people_ids)
            people = people.filter(user_id__in=inside.values("staff__user_id"))
        if people.count() != len(people_ids):
            raise _bad(
                _("接收人员须是本单位在职人员。") if office else _("只能向本人负责部门（含下级部门）的人员发布。"),
                "people",
            )
    return chosen, people_ids if data.scope == Scope.PEOPLE else []


def _checked_times(data: AnnouncementIn, now: datetime) -> tuple[int | None, datetime | None]:
    """Pinning and expiry in the future; a 文体活动's capacity and sign-up deadline."""
    for name, moment in (("pinned_until", data.pinned_until), ("expires_at", data.expires_at)):
        if moment is not None and moment <= now:
            raise _bad(_("置顶和有效期的截止时间须晚于现在。"), name)
    if data.pinned_until and data.expires_at and data.pinned_until > data.expires_at:
        raise _bad(_("置顶截止时间不能晚于有效期。"), "pinned_until")
    capacity, signup_until = None, None
    if data.kind == Kind.ACTIVITY:
        if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
            raise _bad(_("文体活动请填写名额（1 至 %(n)d 人）。") % {"n": MAX_CAPACITY}, "capacity")
        if data.signup_until is not None and data.signup_until <= now:
            raise _bad(_("报名截止时间须晚于现在。"), "signup_until")
        capacity, signup_until = data.capacity, data.signup_until
    return capacity, signup_until


def _checked(actor: User, data: AnnouncementIn, now: datetime) -> dict[str, Any]:
    """The validated fields of a draft, or an ``ApplicationError`` naming the first bad one."""
    unit_id = rights.unit_of(actor)
    if unit_id is None or not rights.may_publish(actor):
        raise PermissionDeniedError(_("只有办公室或部门负责人可以发布通知公告。"))
    office = rights.is_office(actor)
    if data.kind not in Kind.values:
        raise _bad(_("请选择类别。"), "kind")
    title, body = data.title.strip(), data.body.strip()
    if not title or len(title) > 200:
        raise _bad(_("请填写标题（不超过 200 个字）。"), "title")
    if not body or len(body) > 20000:
        raise _bad(_("请填写正文（不超过 20000 个字）。"), "body")
    if data.scope not in Scope.values:
        raise _bad(_("请选择发布范围。"), "scope")
    headed = [] if office else rights.headed_departments(actor)
    department = None
    if data.department_id:
        department = Department.objects.filter(pk=data.department_id, unit_id=unit_id).first()
        if department is None or (not office and department.pk not in {d.pk for d in headed}):
            raise _bad(_("只能以本人负责的部门名义发布。"), "department")
    elif not office:
        department = headed[0]
    if data.scope == Scope.UNIT and not office:
        raise _bad(_("只有办公室可以向全单位发布，部门负责人请选择本部门或本部门人员。"), "scope")
    chosen, people_ids = _checked_scope(data, unit_id=unit_id, office=office, headed=headed)
    capacity, signup_until = _checked_times(data, now)
    return {
        "unit_id": unit_id,
        "department": department,
        "kind": data.kind,
        "title": title,
        "body": body,
        "scope": data.scope,
        "chosen": chosen,
        "people_ids": people_ids,
        "pinned_until": data.pinned_until,
        "expires_at": data.expires_at,
        "capacity": capacity,
        "signup_until": signup_until,
    }


def _read_files(files: Sequence[Any]) -> list[tuple[str, bytes]]:
    if len(files) > MAX_FILES:
        raise _bad(_("附件最多 %(n)d 个。") % {"n": MAX_FILES}, "files")
    return read_checked(files, max_mb=MAX_UPLOAD_MB) if files else []


def announcement_create(
    *, actor: User, data: AnnouncementIn, files: Sequence[Any] = (), now: datetime | None = None
) -> Announcement:
    """草拟: a draft with its scope and attachments; nothing reaches anyone until it is published."""
    now = now or timezone.now()
    fields = _checked(actor, data, now)
    checked = _read_files(files)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            unit_id=fields["unit_id"],
            department=fields["department"],
            kind=fields["kind"],
            title=fields["title"],
            body=fields["body"],
            scope=fields["scope"],
            publisher=actor,
            pinned_until=fields["pinned_until"],
            expires_at=fields["expires_at"],
            capacity=fields["capacity"],
            signup_until=fields["signup_until"],
            created_at=now,
        )
        if fields["chosen"]:
            announcement.scope_departments.set(fields["chosen"])
        if fields["people_ids"]:
            announcement.scope_people.set(fields["people_ids"])
        made = _store_files(actor, announcement, checked, now)
        audit_record(
            action="announcements.create",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"kind": announcement.kind, "scope": announcement.scope, "files": made},
        )
    return announcement


def announcement_update(
    *, actor: User, announcement_id: int, data: AnnouncementIn, files: Sequence[Any] = (), now: datetime | None = None
) -> Announcement:
    """修改 a draft, or one the approver returned, before it is published (again): the same checks as drafting;
    new attachments are added to the ones it has."""
    now = now or timezone.now()
    announcement = _managed(actor, announcement_id)
    if announcement.status not in (Status.DRAFT, Status.RETURNED):
        raise ConflictError(_("只有草稿或被退回的通知公告可以修改。"))
    fields = _checked(actor, data, now)
    if fields["unit_id"] != announcement.unit_id:
        raise PermissionDeniedError(_("只有发布人或办公室可以办理此事项。"))
    checked = _read_files(files)
    with transaction.atomic():
        changed = Announcement.objects.filter(pk=announcement.pk, status=announcement.status).update(
            department=fields["department"],
            kind=fields["kind"],
            title=fields["title"],
            body=fields["body"],
            scope=fields["scope"],
            pinned_until=fields["pinned_until"],
            expires_at=fields["expires_at"],
            capacity=fields["capacity"],
            signup_until=fields["signup_until"],
        )
        if changed != 1:
            raise ConflictError(_("该通知公告已被他人办理，请刷新。"))
        announcement.scope_departments.set(fields["chosen"])
        announcement.scope_people.set(fields["people_ids"])
        made = _store_files(actor, announcement, checked, now)
        audit_record(
            action="announcements.update",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"kind": fields["kind"], "scope": fields["scope"], "files": made},
        )
    announcement.refresh_from_db()
    return announcement


def _store_files(actor: User, announcement: Announcement, checked: list[tuple[str, bytes]], now: datetime) -> list[int]:
    made = []
    for name, content in checked:
        record = Attachment(
            announcement=announcement,
            name=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=actor,
            uploaded_at=now,
        )
        record.file.save(name, ContentFile(content), save=False)
        record.save()
        made.append(record.pk)
    return made


def _managed(actor: User, announcement_id: int) -> Announcement:
    announcement = selectors.access_announcement(actor=actor, announcement_id=announcement_id)
    if not selectors.may_manage(actor, announcement):
        raise PermissionDeniedError(_("只有发布人或办公室可以办理此事项。"))
    return announcement


def recipients_of_scope(announcement: Announcement) -> list[int]:
    """The people the scope reaches now (active staff of the unit): two queries whatever their number."""
    rows: Any
    if announcement.scope == Scope.UNIT:
        rows = Staff.objects.filter(unit_id=announcement.unit_id, user__is_active=True).values_list(
            "user_id", flat=True
        )
    elif announcement.scope == Scope.DEPARTMENTS:
        paths = list(announcement.scope_departments.values_list("path", flat=True))
        if not paths:
            return []
        rows = (
            Post.objects.filter(_paths_q(paths), staff__unit_id=announcement.unit_id, staff__user__is_active=True)
            .values_list("staff__user_id", flat=True)
            .distinct()
        )
    else:
        rows = Staff.objects.filter(
            unit_id=announcement.unit_id,
            user__is_active=True,
            user_id__in=announcement.scope_people.values("pk"),
        ).values_list("user_id", flat=True)
    return sorted(set(rows))


def _go_live(actor: User, announcement: Announcement, was: str, now: datetime) -> int:
    """Inside the caller's transaction: store the recipients, mark it published (conditionally on ``was``) and
    notify them. Returns how many it reached."""
    people = recipients_of_scope(announcement)
    if not people:
        raise _bad(_("发布范围内没有在职人员，请调整范围。"), "scope")
    if (
        Announcement.objects.filter(pk=announcement.pk, status=was).update(status=Status.PUBLISHED, published_at=now)
        != 1
    ):
        raise ConflictError(_("该通知公告已被他人办理，请刷新。"))
    Recipient.objects.bulk_create([Recipient(announcement=announcement, user_id=p) for p in people], batch_size=2000)
    announcement.status, announcement.published_at = Status.PUBLISHED, now
    notify_people(
        key=f"announcement:{announcement.pk}",
        people=people,
        kind="announcement",
        title=_("%(kind)s：%(title)s") % {"kind": announcement.get_kind_display(), "title": announcement.title},
        url=reverse("announcements:detail", args=[announcement.pk]),
    )
    return len(people)


def approver_for(actor: User) -> User | None:
    """Who approves ``actor``'s announcements: the leader in charge of their department, else the head above."""
    department = primary_department(actor)
    leader = leader_in_charge(department) if department is not None else None
    if leader is not None and leader.pk != actor.pk:
        return leader
    return head_of(actor)


def announcement_publish(*, actor: User, announcement_id: int, now: datetime | None = None) -> Announcement:
    """发布 a draft (or a returned one): at once, or — for the kinds that need approval — by submitting it to
    the approver through the flow (``announcement-publish``)."""
    now = now or timezone.now()
    announcement = _managed(actor, announcement_id)
    if announcement.status not in (Status.DRAFT, Status.RETURNED):
        raise ConflictError(_("该通知公告已提交或已发布。"))
    if announcement.expires_at is not None and announcement.expires_at <= now:
        raise _bad(_("有效期已过，请先修改有效期。"), "expires_at")
    was = announcement.status
    if not flows.needs_approval(announcement.kind):
        with transaction.atomic():
            reached = _go_live(actor, announcement, was, now)
            audit_record(
                action="announcements.publish",
                actor=actor,
                target=f"announcement:{announcement.pk}",
                detail={"recipients": reached},
            )
        return announcement
    approver = approver_for(actor)
    if approver is None:
        raise _bad(_("没有找到审批人（分管领导或上级负责人），请联系办公室。"), "approver")
    flows.ensure_published()
    with transaction.atomic():
        if announcement.instance is None:
            announcement.instance = workflow.instance_start(
                actor=actor,
                definition_key=flows.PUBLISH_KEY,
                title=_("通知公告发布：%(title)s") % {"title": announcement.title},
                form={"approver": approver.pk},
                in_transaction=True,
            )
        else:
            workflow.instance_resubmit(
                actor=actor, instance_id=announcement.instance.pk, form={"approver": approver.pk}, in_transaction=True
            )
        changed = Announcement.objects.filter(pk=announcement.pk, status=was).update(
            status=Status.PENDING, instance=announcement.instance, approver=approver
        )
        if changed != 1:
            raise ConflictError(_("该通知公告已提交或已发布。"))
        audit_record(
            action="announcements.submit",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"approver": approver.pk},
        )
    announcement.status, announcement.approver = Status.PENDING, approver
    return announcement


def _task(actor: User, announcement: Announcement) -> Any:
    if announcement.instance is None or announcement.status != Status.PENDING:
        raise ApplicationError(_("该通知公告不在审批中。"), code=ErrorCode.CONFLICT)
    return open_task_for(actor=actor, instance_id=announcement.instance.pk, node="approve")


def may_approve(actor: User, announcement: Announcement) -> bool:
    try:
        _task(actor, announcement)
    except ApplicationError:
        return False
    return True


def announcement_approve(
    *, actor: User, announcement_id: int, comment: str = "", now: datetime | None = None
) -> Announcement:
    """审批 the announcement: it is published to its recipients in the same transaction as the flow's step."""
    now = now or timezone.now()
    announcement = selectors.access_announcement(actor=actor, announcement_id=announcement_id)
    task = _task(actor, announcement)
    if announcement.expires_at is not None and announcement.expires_at <= now:
        raise _bad(_("有效期已过，请退回发布人修改。"), "expires_at")
    with transaction.atomic():
        instance = workflow.task_approve(
            actor=actor, task_id=task.pk, comment=comment or _("同意"), in_transaction=True
        )
        if instance.status != InstanceStatus.APPROVED:  # a definition edited to add steps: not yet final
            audit_record(action="announcements.approve_step", actor=actor, target=f"announcement:{announcement.pk}")
            return announcement
        reached = _go_live(actor, announcement, Status.PENDING, now)
        audit_record(
            action="announcements.approve",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"recipients": reached, "comment": comment},
        )
    return announcement


def announcement_return(*, actor: User, announcement_id: int, comment: str) -> Announcement:
    """退回 to the publisher with the reason; they may publish (submit) it again."""
    if not comment.strip():
        raise _bad(_("退回时请写明原因。"), "comment")
    announcement = selectors.access_announcement(actor=actor, announcement_id=announcement_id)
    task = _task(actor, announcement)
    with transaction.atomic():
        workflow.task_return(actor=actor, task_id=task.pk, to="initiator", comment=comment, in_transaction=True)
        if Announcement.objects.filter(pk=announcement.pk, status=Status.PENDING).update(status=Status.RETURNED) != 1:
            raise ConflictError(_("该通知公告已被他人办理，请刷新。"))
        audit_record(
            action="announcements.return",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"comment": comment},
        )
    announcement.status = Status.RETURNED
    return announcement


def announcement_withdraw(*, actor: User, announcement_id: int, now: datetime | None = None) -> Announcement:
    """撤回 a published announcement: it leaves the readers' lists; its receipts stay, and it is filed into the
    archive with them (unless it was filed already)."""
    now = now or timezone.now()
    announcement = _managed(actor, announcement_id)
    with transaction.atomic():
        if (
            Announcement.objects.filter(pk=announcement.pk, status=Status.PUBLISHED).update(status=Status.WITHDRAWN)
            != 1
        ):
            raise ConflictError(_("只有已发布的通知公告可以撤回。"))
        audit_record(action="announcements.withdraw", actor=actor, target=f"announcement:{announcement.pk}")
        file_announcement(announcement=announcement, actor=actor, ending=_("撤回"), now=now)
    announcement.status = Status.WITHDRAWN
    return announcement


def announcement_read(*, actor: User, announcement_id: int, now: datetime | None = None) -> bool:
    """The read receipt: set when a recipient first opens it (one conditional update; later opens change
    nothing). Returns whether this open was the first."""
    now = now or timezone.now()
    return bool(
        Recipient.objects.filter(
            announcement_id=announcement_id,
            announcement__status=Status.PUBLISHED,
            user_id=actor.pk,
            read_at__isnull=True,
        ).update(read_at=now)
    )


def announcement_remind(*, actor: User, announcement_id: int, now: datetime | None = None) -> int:
    """提醒未读: one notice to everyone who has not read it yet, at most once an hour per announcement (claimed
    by a conditional update, so two presses cannot both send). Returns how many were reminded."""
    now = now or timezone.now()
    announcement = _managed(actor, announcement_id)
    if announcement.status != Status.PUBLISHED:
        raise ConflictError(_("只有已发布的通知公告可以提醒。"))
    with transaction.atomic():
        claimed = (
            Announcement.objects.filter(pk=announcement.pk, status=Status.PUBLISHED)
            .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY))
            .update(reminded_at=now)
        )
        if claimed != 1:
            raise ConflictError(_("一小时内已提醒过，请稍后再提醒。"))
        unread = list(
            Recipient.objects.filter(announcement=announcement, read_at__isnull=True).values_list("user_id", flat=True)
        )
        sent = notify_people(
            key=f"announcement-remind:{announcement.pk}:{int(now.timestamp())}",
            people=unread,
            kind="remind",
            title=_("请阅读：%(title)s") % {"title": announcement.title},
            url=reverse("announcements:detail", args=[announcement.pk]),
        )
        audit_record(
            action="announcements.remind",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"reminded": sent},
        )
    return sent


# --- 文体活动报名 -----------------------------------------------------------------------------------------------


def _open_activity(actor: User, announcement_id: int, now: datetime) -> Announcement:
    announcement = selectors.access_announcement(actor=actor, announcement_id=announcement_id, now=now)
    if announcement.kind != Kind.ACTIVITY or announcement.status != Status.PUBLISHED:
        raise ApplicationError(_("该通知公告不是可报名的文体活动。"))
    if not Recipient.objects.filter(announcement=announcement, user_id=actor.pk).exists():
        raise PermissionDeniedError(_("只有发布范围内的人员可以报名。"))
    if announcement.signup_until is not None and announcement.signup_until <= now:
        raise ApplicationError(_("报名已截止。"))
    return announcement


def signup_join(*, actor: User, announcement_id: int, now: datetime | None = None) -> SignUp:
    """报名: a place if one is left (the conditional write on ``enrolled``), else the waiting list."""
    now = now or timezone.now()
    announcement = _open_activity(actor, announcement_id, now)
    existing = selectors.signup_of(announcement, actor)
    if existing is not None and existing.status != SignUpStatus.CANCELLED:
        raise ConflictError(_("您已报名（或在候补名单中）。"))
    with transaction.atomic():
        took = Announcement.objects.filter(pk=announcement.pk, enrolled__lt=F("capacity")).update(
            enrolled=F("enrolled") + 1
        )
        status = SignUpStatus.ENROLLED if took else SignUpStatus.WAITING
        if existing is None:
            try:
                with transaction.atomic():
                    signup = SignUp.objects.create(announcement=announcement, user=actor, status=status, signed_at=now)
            except IntegrityError as exc:  # the same person's two concurrent presses
                raise ConflictError(_("您已报名（或在候补名单中）。")) from exc
        else:
            if (
                SignUp.objects.filter(pk=existing.pk, status=SignUpStatus.CANCELLED).update(
                    status=status, signed_at=now
                )
                != 1
            ):
                raise ConflictError(_("您已报名（或在候补名单中）。"))
            signup = existing
            signup.status, signup.signed_at = status, now
        audit_record(
            action="announcements.signup",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"status": str(status)},
        )
    return signup


def signup_cancel(*, actor: User, announcement_id: int, now: datetime | None = None) -> User | None:
    """取消报名: an enrolled place goes to the first waiting person (who is told); returns them, if any."""
    now = now or timezone.now()
    announcement = selectors.access_announcement(actor=actor, announcement_id=announcement_id, now=now)
    signup = selectors.signup_of(announcement, actor)
    if signup is None or signup.status == SignUpStatus.CANCELLED:
        raise ApplicationError(_("您没有报名该活动。"))
    promoted = None
    with transaction.atomic():
        if SignUp.objects.filter(pk=signup.pk, status=signup.status).update(status=SignUpStatus.CANCELLED) != 1:
            raise ConflictError(_("报名状态已变化，请刷新。"))
        if signup.status == SignUpStatus.ENROLLED:
            waiting = SignUp.objects.filter(announcement=announcement, status=SignUpStatus.WAITING).order_by(
                "signed_at", "id"
            )
            for candidate in waiting[:20]:  # a concurrent cancel may have promoted the first already
                if SignUp.objects.filter(pk=candidate.pk, status=SignUpStatus.WAITING).update(
                    status=SignUpStatus.ENROLLED
                ):
                    promoted = candidate.user
                    break
            if promoted is None:
                Announcement.objects.filter(pk=announcement.pk, enrolled__gt=0).update(enrolled=F("enrolled") - 1)
            else:
                notify_people(
                    key=f"announcement-promoted:{announcement.pk}:{promoted.pk}:{int(now.timestamp())}",
                    people=[promoted.pk],
                    kind="announcement",
                    title=_("候补转正：%(title)s") % {"title": announcement.title},
                    url=reverse("announcements:detail", args=[announcement.pk]),
                )
        audit_record(
            action="announcements.signup_cancel",
            actor=actor,
            target=f"announcement:{announcement.pk}",
            detail={"promoted": promoted.pk if promoted else None},
        )
    return promoted

"""意见箱 writes: submit (named or anonymous), assign a department, answer, decide adoption; and following an
anonymous suggestion by its code. Each write is checked, all-or-nothing, and audited — except the anonymous
submission, which writes nothing but its own row (see ``models``): an audit row would name the person signed in
and the exact moment. Following by code is not audited either, for the same reason."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.core.params import MAX_INT
from sanfu.core.throttle import Throttle, ThrottledError
from sanfu.org.models import Department
from sanfu.org.selectors import heads_of_departments
from sanfu.suggestions import rights
from sanfu.suggestions.models import ADOPTED_STATUSES, Category, Status, Suggestion

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed back without doubt
CODE_LENGTH = 16  # 80 bits
FOLLOW_FAILURES_ALLOWED = 10  # wrong codes per person per window before following is refused for a while
FOLLOW_WINDOW_SECONDS = 15 * 60
# In the database every app process shares (a per-process cache would let each worker allow the full number).
FOLLOW_THROTTLE = Throttle("suggestions.follow", allowed=FOLLOW_FAILURES_ALLOWED, window_seconds=FOLLOW_WINDOW_SECONDS)
MAX_BODY = 5000

NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    Status.PENDING: (Status.ADOPTED, Status.PARTIAL, Status.DECLINED),
    Status.ADOPTED: (Status.DONE,),
    Status.PARTIAL: (Status.DONE,),
    Status.DECLINED: (Status.ADOPTED, Status.PARTIAL),
    Status.DONE: (),
}


@dataclass(frozen=True)
class Submitted:
    suggestion: Suggestion
    code: str = ""  # the follow-up code of an anonymous suggestion, shown once and never stored


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", code.upper())


def code_hash(code: str) -> str:
    """The one-way fingerprint stored for a code (80 random bits: a plain SHA-256 cannot be reversed)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("请填写%(field)s。") % {"field": field})
    if len(value) > limit:
        raise ApplicationError(_("%(field)s不能超过%(limit)s字。") % {"field": field, "limit": limit})
    return value


def _department_in(unit_id: int, department_id: int | None, *, message: str) -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.filter(pk=department_id, unit_id=unit_id).first()
    if department is None:
        raise ApplicationError(message)
    return department


def suggestion_submit(
    *,
    actor: User,
    title: str,
    body: str,
    category: str,
    concerns_id: int | None = None,
    anonymous: bool = False,
    campaign_id: int | None = None,
    today: date | None = None,
) -> Submitted:
    """提出 a suggestion. Anonymous: the row keeps no link to ``actor`` (who is used only to find the unit) and the
    author gets a follow-up code, returned once."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise ApplicationError(_("您不属于任何单位，不能提出建议。"))
    title = _text(title, field=_("标题"), limit=100)
    body = _text(body, field=_("建议内容"), limit=MAX_BODY)
    if category not in Category.values:
        raise ApplicationError(_("请选择建议类别。"))
    if campaign_id is not None and not 0 < campaign_id <= MAX_INT:
        raise ApplicationError(_("征集活动不存在。"))
    concerns = _department_in(unit_id, concerns_id, message=_("请选择本单位的部门。"))
    today = today or timezone.localdate()
    suggestion = Suggestion(
        unit_id=unit_id,
        title=title,
        body=body,
        category=category,
        concerns=concerns,
        anonymous=anonymous,
        submitted_on=today,
        campaign_id=campaign_id,
    )
    code = ""
    if anonymous:
        code = new_code()
        suggestion.code_hash = code_hash(code)
        suggestion.save(force_insert=True)
        return Submitted(suggestion, code)
    suggestion.author = actor
    suggestion.submitted_at = timezone.now()
    with transaction.atomic():
        suggestion.save(force_insert=True)
        audit_record(
            action="suggestions.submit",
            actor=actor,
            target=f"suggestion:{suggestion.pk}",
            detail={"category": category, "campaign": campaign_id},
        )
    return Submitted(suggestion)


def _found(actor: User, suggestion_id: int) -> Suggestion:
    suggestion = Suggestion.objects.filter(pk=suggestion_id).first()
    if suggestion is None or not rights.may_read(actor, suggestion):
        raise NotFoundError(_("建议不存在。"))
    return suggestion


def _managed(actor: User, suggestion_id: int) -> Suggestion:
    suggestion = _found(actor, suggestion_id)
    if not rights.may_manage(actor, suggestion):
        raise PermissionDeniedError(_("只有办公室可以分办建议和确定采纳情况。"))
    return suggestion


def suggestion_assign(*, actor: User, suggestion_id: int, department_id: int) -> Suggestion:
    """分办: the office gives the suggestion to a department of its unit to answer; its heads are told."""
    suggestion = _managed(actor, suggestion_id)
    department = _department_in(suggestion.unit_id, department_id, message=_("请选择本单位的部门。"))
    assert department is not None
    if suggestion.status == Status.DONE:
        raise ConflictError(_("建议已落实，不能再分办。"))
    with transaction.atomic():
        Suggestion.objects.filter(pk=suggestion.pk).update(department=department)
        audit_record(
            action="suggestions.assign",
            actor=actor,
            target=f"suggestion:{suggestion.pk}",
            detail={"department": department.pk},
        )
        heads = [u.pk for u in heads_of_departments([department]).get(department.pk, [])]
        notify_people(
            key=f"suggestion-assign:{suggestion.pk}:{department.pk}",
            people=heads,
            kind="suggestion",
            title=_("请答复建议：%(title)s") % {"title": suggestion.title},
            url=reverse("suggestions:detail", args=[suggestion.pk]),
        )
    suggestion.department = department
    return suggestion


def suggestion_reply(
    *, actor: User, suggestion_id: int, reply: str, public: bool, today: date | None = None
) -> Suggestion:
    """答复 (or correct the answer): the office or a head of the assigned department. ``public``: every staff
    member of the unit reads it. A named author is told; an anonymous one reads it with the code."""
    suggestion = _found(actor, suggestion_id)
    if not rights.may_answer(actor, suggestion):
        raise PermissionDeniedError(_("只有办公室和承办部门负责人可以答复建议。"))
    reply = _text(reply, field=_("答复"), limit=MAX_BODY)
    today = today or timezone.localdate()
    with transaction.atomic():
        Suggestion.objects.filter(pk=suggestion.pk).update(reply=reply, reply_public=public, replied_on=today)
        audit_record(
            action="suggestions.reply",
            actor=actor,
            target=f"suggestion:{suggestion.pk}",
            detail={"public": public},
        )
        if suggestion.author_id is not None:
            notify_people(
                key=f"suggestion-reply:{suggestion.pk}:{today:%Y%m%d}:{code_hash(reply)[:12]}",
                people=[suggestion.author_id],
                kind="suggestion",
                title=_("您的建议已答复：%(title)s") % {"title": suggestion.title},
                url=reverse("suggestions:detail", args=[suggestion.pk]),
            )
    suggestion.reply, suggestion.reply_public, suggestion.replied_on = reply, public, today
    return suggestion


def suggestion_decide(
    *,
    actor: User,
    suggestion_id: int,
    status: str,
    adopting_department_id: int | None = None,
    reason: str = "",
    today: date | None = None,
) -> Suggestion:
    """Set the adoption: 已采纳 / 部分采纳 (with the adopting department), 暂不采纳 (with the reason), then 已落实.
    Two people deciding at once: the second is told it changed (the update is conditional on the status)."""
    suggestion = _managed(actor, suggestion_id)
    if status not in Status.values:
        raise ApplicationError(_("请选择采纳情况。"))
    if status not in NEXT_STATUSES[suggestion.status]:
        raise ConflictError(
            _("建议当前为“%(now)s”，不能改为“%(next)s”。")
            % {"now": Status(suggestion.status).label, "next": Status(status).label}
        )
    today = today or timezone.localdate()
    fields: dict[str, object] = {"status": status}
    if status in (Status.ADOPTED, Status.PARTIAL):
        department = _department_in(suggestion.unit_id, adopting_department_id, message=_("请选择采纳部门。"))
        if department is None:
            raise ApplicationError(_("请选择采纳部门。"))
        fields.update(adopting_department=department, decided_on=today, decline_reason="")
    elif status == Status.DECLINED:
        fields["decline_reason"] = _text(reason, field=_("不采纳理由"), limit=1000)
        fields["decided_on"] = today
    else:
        fields["done_on"] = today
    with transaction.atomic():
        if Suggestion.objects.filter(pk=suggestion.pk, status=suggestion.status).update(**fields) != 1:
            raise ConflictError(_("建议的采纳情况已被他人修改，请刷新。"))
        audit_record(
            action="suggestions.decide",
            actor=actor,
            target=f"suggestion:{suggestion.pk}",
            detail={"from": suggestion.status, "to": status, "department": adopting_department_id},
        )
        if suggestion.author_id is not None and status in ADOPTED_STATUSES:
            notify_people(
                key=f"suggestion-decide:{suggestion.pk}:{status}",
                people=[suggestion.author_id],
                kind="suggestion",
                title=_("您的建议%(status)s：%(title)s") % {"status": Status(status).label, "title": suggestion.title},
                url=reverse("suggestions:detail", args=[suggestion.pk]),
            )
    suggestion.refresh_from_db()
    return suggestion


def _follower(actor: User) -> str:
    return f"user:{actor.pk}"  # stored only as a keyed hash that changes every window (``core.throttle``)


def suggestion_follow(*, actor: User, code: str) -> Suggestion:
    """The anonymous suggestion whose code this is. The lookup is by the code's hash (the database compares
    fingerprints, never codes). Wrong codes are counted per person in the database all app processes share, and
    past ``FOLLOW_FAILURES_ALLOWED`` in a window of ``FOLLOW_WINDOW_SECONDS`` every code — a right one too — is
    refused until the window ends. Each try is counted before the code is looked up (so racing tries cannot
    overshoot the limit) and a right code's try is handed back. Nothing is written about who followed which
    suggestion: a right code leaves the count as it found it."""
    try:
        ticket = FOLLOW_THROTTLE.take(_follower(actor))
    except ThrottledError as exc:
        raise PermissionDeniedError(
            ngettext(
                "查询码输错次数过多，请%(minutes)s分钟后再试。",
                "查询码输错次数过多，请%(minutes)s分钟后再试。",
                exc.minutes,
            )
            % {"minutes": exc.minutes}
        ) from exc
    normal = normalise_code(code)
    suggestion = None
    if len(normal) == CODE_LENGTH:
        suggestion = Suggestion.objects.filter(code_hash=code_hash(normal), anonymous=True).first()
    if suggestion is None:
        raise NotFoundError(_("查询码不正确：请核对后重新输入（共16位字母和数字，不含0、1、I、O）。"))
    FOLLOW_THROTTLE.give_back(ticket)
    return suggestion

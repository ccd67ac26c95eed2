"""会议归档 (一事一档): the meeting's file in the archive — its notice (the .ics invitation and the notice's facts),
the attendance (replies and sign-ins), the agenda with its materials list, the minutes and the decisions — filed
as a record of kind 会议 so that the archive's search finds the minutes' text.

The moment: 纪要送发文 (``minutes_to_documents``), when the minutes become final here (they can no longer be
edited on the meeting; the 发文 loop carries them on). Decisions handed to 督办 afterwards bring the record up to
date (``archive_record`` is idempotent on the meeting). Filing is a step of those services, in their
transaction: the record, its files and its search index commit with the meeting's change or not at all."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.meetings import selectors
from sanfu.meetings.models import Attendee, Meeting, Reply
from sanfu.meetings.services.meetings import ics_of
from sanfu.workflow.selectors import history_of

SOURCE = selectors.ARCHIVE_SOURCE
KIND = "会议"  # archive.models.KIND_LABELS
DATA_LANGUAGE = "zh-hans"  # the language of what is filed, whatever the actor's


def _at(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _attendance_line(a: Attendee) -> str:
    reply = str(Reply(a.reply).label)
    if a.reply == Reply.DEPUTY and a.deputy is not None:
        reply = _("%(reply)s：%(deputy)s") % {"reply": reply, "deputy": a.deputy.display_name}
    elif a.reply == Reply.DECLINE and a.reason:
        reply = _("%(reply)s：%(reason)s") % {"reply": reply, "reason": a.reason}
    signed = _("%(at)s 签到") % {"at": _at(a.signed_in_at)} if a.signed_in_at else _("未签到")
    return f"{a.user.display_name}　{reply}　{signed}"


def dossier_text(meeting: Meeting, attendees: list[Attendee]) -> str:
    """The record's body: every part of the meeting's file as plain text (searched by the archive)."""
    lines = [
        meeting.title,
        _("会议类型：%(kind)s") % {"kind": meeting.kind.name},
        _("时间：%(start)s–%(end)s")
        % {"start": _at(meeting.starts_at), "end": f"{timezone.localtime(meeting.ends_at):%H:%M}"},
        _("地点：%(room)s") % {"room": meeting.booking.room.name},
        _("承办人：%(who)s") % {"who": meeting.organiser.display_name},
    ]
    if meeting.notes:
        lines += ["", _("会议说明"), meeting.notes]
    lines += ["", _("议题")]
    materials: dict[int, list[str]] = {}
    for agenda_item_id, name, late in meeting.materials.order_by("id").values_list("agenda_item_id", "name", "late"):
        materials.setdefault(agenda_item_id, []).append(f"{name}（{_('逾期提交')}）" if late else name)
    for item in meeting.agenda.select_related("department").order_by("no"):
        department = f"（{item.department.name}）" if item.department else ""
        lines.append(f"{item.no}. {item.topic}{department}")
        for name in materials.get(item.pk, []):
            lines.append(f"    {_('材料')}：{name}")
    lines += ["", _("出席情况")]
    lines += [_attendance_line(a) for a in attendees]
    lines += ["", _("会议纪要"), meeting.minutes]
    decisions = list(meeting.decisions.select_related("owner", "lead_department").order_by("no"))
    if decisions:
        lines += ["", _("议定事项")]
        for d in decisions:
            lead = f"，{d.lead_department.name}" if d.lead_department else ""
            lines.append(f"{d.no}. {d.text}（{d.owner.display_name}{lead}，{d.deadline:%Y-%m-%d}）")
    return "\n".join(lines)


def dossier_history(meeting: Meeting, attendees: list[Attendee]) -> list[dict[str, Any]]:
    """The plan's flow, the notice, the replies and sign-ins, the minutes and the decisions sent, by time."""
    events: list[dict[str, Any]] = []
    if meeting.instance is not None:
        for event in history_of(meeting.instance):
            who = event.actor.display_name if event.actor else ""
            events.append({"at": event.at.isoformat(), "who": who, "what": event.type, "comment": event.comment})
    if meeting.notified_at:
        events.append({"at": meeting.notified_at.isoformat(), "who": "", "what": _("会议通知"), "comment": ""})
    for a in attendees:
        if a.replied_at:
            events.append(
                {
                    "at": a.replied_at.isoformat(),
                    "who": a.user.display_name,
                    "what": _("回复"),
                    "comment": _attendance_line(a),
                }
            )
        if a.signed_in_at:
            by = a.signed_in_by.display_name if a.signed_in_by else a.user.display_name
            events.append(
                {"at": a.signed_in_at.isoformat(), "who": by, "what": _("签到"), "comment": a.user.display_name}
            )
    if meeting.minutes_at:
        who = meeting.minutes_by.display_name if meeting.minutes_by else ""
        events.append({"at": meeting.minutes_at.isoformat(), "who": who, "what": _("整理纪要"), "comment": ""})
    if meeting.minutes_sent_at:
        who = meeting.minutes_sent_by.display_name if meeting.minutes_sent_by else ""
        events.append({"at": meeting.minutes_sent_at.isoformat(), "who": who, "what": _("纪要送发文"), "comment": ""})
    for no, text, sent_at, full_name, username in meeting.decisions.filter(sent_at__isnull=False).values_list(
        "no", "text", "sent_at", "sent_by__full_name", "sent_by__username"
    ):
        events.append(
            {
                "at": sent_at.isoformat() if sent_at else "",
                "who": full_name or username,
                "what": _("转督办"),
                "comment": f"{no}. {text}",
            }
        )
    return sorted(events, key=lambda e: str(e["at"]))


def meeting_file(*, meeting: Meeting, actor: User) -> ArchiveRecord:
    """File (or bring up to date) the meeting's record in the archive; call inside the service's transaction."""
    meeting = Meeting.objects.select_related(
        "kind", "organiser", "approver", "booking__room", "instance", "minutes_by", "minutes_sent_by"
    ).get(pk=meeting.pk)
    attendees = list(meeting.attendees.select_related("user", "deputy", "signed_in_by").order_by("id"))
    with translation.override(DATA_LANGUAGE):
        body = dossier_text(meeting, attendees)
        history = dossier_history(meeting, attendees)
        # the notice and the minutes as filed the first time (the .ics carries its own time stamp, and the
        # minutes are final by then): an update of the record adds no second copy
        filed = ArchiveRecord.objects.filter(source=SOURCE, source_id=meeting.pk).exists()
        files = (
            []
            if filed
            else [
                ArchiveFileIn(name=_("会议通知.ics"), content=ics_of(meeting, attendees)),
                ArchiveFileIn(name=_("会议纪要.txt"), content=meeting.minutes.encode(), text=meeting.minutes),
            ]
        )
    readers = {
        meeting.organiser_id,
        meeting.approver_id,
        *(a.user_id for a in attendees),
        *(a.deputy_id for a in attendees if a.deputy_id),
        *([meeting.minutes_by_id] if meeting.minutes_by_id else []),
    }
    return archive_record(
        source=SOURCE,
        source_id=meeting.pk,
        title=meeting.title,
        kind=KIND,
        unit_id=meeting.unit_id,
        department_id=None,
        year=timezone.localtime(meeting.starts_at).year,
        body_text=body,
        category=KIND,
        owner_id=meeting.organiser_id,
        reader_ids=sorted(readers),
        files=files,
        history=history,
        actor=actor,
    )

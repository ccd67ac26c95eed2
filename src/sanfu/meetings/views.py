"""会议室 pages: the room board (day and week), booking (single or recurring), my bookings, cancelling, and the
office's room management. Views parse the request, call one selector or service, and render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.models import User
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.htmx import render_page
from sanfu.core.params import parse_date, parse_id, parse_text
from sanfu.meetings import figures, rights, selectors, services
from sanfu.meetings.forms import BookingForm, MeetingForm, ReplyForm, RoomForm
from sanfu.meetings.models import Booking, BookingStatus, Meeting, MeetingStatus, Reply, Room
from sanfu.org.models import Department
from sanfu.org.selectors import departments_of
from sanfu.workflow.selectors import open_task_for


def _found(call: Any) -> Any:
    try:
        return call()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _bookable(request: AuthedHttpRequest) -> list[Room]:
    return [r for r in selectors.visible_rooms(request.user) if rights.may_book(request.user, r)]


# --- the board -------------------------------------------------------------------------------------------------


def board(request: AuthedHttpRequest) -> HttpResponse:
    """The rooms of the viewer's unit for a day (hour slots) or a week (each day's bookings); free slots link to
    the booking form, prefilled."""
    today = timezone.localdate()
    day = parse_date(request.GET.get("day")) or today
    week = request.GET.get("view") == "week"
    first = day - timedelta(days=day.weekday()) if week else day
    shown = selectors.board(actor=request.user, first=first, days=7 if week else 1)
    step = 7 if week else 1
    context = {
        "board": shown,
        "day": day,
        "today": today,
        "week": week,
        "previous": first - timedelta(days=step),
        "following": first + timedelta(days=step),
        "may_manage": rights.may_manage_rooms(request.user),
    }
    return render_page(request, "meetings/board.html", context, partial="meetings/partials/_board.html")


# --- booking ---------------------------------------------------------------------------------------------------


def _initial(request: AuthedHttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"day": parse_date(request.GET.get("day")) or timezone.localdate()}
    room_id = parse_id(request.GET.get("room"))
    if room_id is not None:
        initial["room"] = room_id
    start = parse_text(request.GET.get("start"), max_length=5)
    try:
        starts = time.fromisoformat(start) if start else None
    except ValueError:
        starts = None
    if starts is not None:
        initial["start"] = starts.strftime("%H:%M")
        initial["end"] = (datetime.combine(date.min, starts) + timedelta(hours=1)).time().strftime("%H:%M")
    return initial


def booking_new(request: AuthedHttpRequest) -> HttpResponse:
    rooms = selectors.visible_rooms(request.user).filter(pk__in=[r.pk for r in _bookable(request)])
    if request.method == "POST":
        form = BookingForm(request.POST, rooms=rooms)
        if form.is_valid():
            try:
                created = _book(request, form)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, created)
                day = form.cleaned_data["day"].isoformat()
                return redirect(f"{reverse('meetings:board')}?day={day}")
        status = 400
    else:
        form = BookingForm(initial=_initial(request), rooms=rooms)
        status = 200
    return render(request, "meetings/booking_form.html", {"form": form, "has_rooms": rooms.exists()}, status=status)


def _book(request: AuthedHttpRequest, form: BookingForm) -> str:
    data = form.cleaned_data
    room: Room = data["room"]
    if data.get("repeat"):
        series = services.series_create(
            actor=request.user,
            room_id=room.pk,
            title=data["title"],
            repeat=data["repeat"],
            weekdays=data.get("weekdays") or [],
            first_day=data["day"],
            last_day=data.get("last_day"),
            count=data.get("count"),
            start_time=data["start"],
            end_time=data["end"],
        )
        return _("已预订 %(room)s 的周期会议“%(title)s”，共 %(n)d 次。") % {
            "room": room.name,
            "title": series.title,
            "n": series.bookings.count(),
        }
    starts_at, ends_at = form.span()
    booking = services.booking_create(
        actor=request.user, room_id=room.pk, title=data["title"], starts_at=starts_at, ends_at=ends_at
    )
    return _("已预订 %(room)s：%(when)s “%(title)s”。") % {
        "room": room.name,
        "when": f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(booking.ends_at):%H:%M}",
        "title": booking.title,
    }


def my_bookings(request: AuthedHttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    rows = selectors.my_bookings(request.user, upcoming=not show_all).order_by("starts_at")[:200]
    return render(request, "meetings/my_bookings.html", {"rows": rows, "show_all": show_all})


def booking_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    booking: Booking = _found(lambda: selectors.access_booking(actor=request.user, booking_id=pk))
    context = {
        "booking": booking,
        "may_change": booking.status == BookingStatus.BOOKED and rights.may_change(request.user, booking),
        "occurrences": list(booking.series.bookings.order_by("occurrence", "starts_at")) if booking.series else [],
        "meeting": Meeting.objects.filter(booking=booking).first(),
        "rooms": _bookable(request),
        "mine": booking.booked_by_id == request.user.pk,
    }
    return render(request, "meetings/booking_detail.html", context)


@require_POST
def booking_cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _found(lambda: selectors.access_booking(actor=request.user, booking_id=pk))
    try:
        booking = services.booking_cancel(
            actor=request.user, booking_id=pk, reason=parse_text(request.POST.get("reason"))
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消预订“%(title)s”，该时段已释放。") % {"title": booking.title})
    return redirect("meetings:booking", pk)


# --- rooms (the office) ----------------------------------------------------------------------------------------


def rooms(request: AuthedHttpRequest) -> HttpResponse:
    manage = rights.may_manage_rooms(request.user)
    rows = selectors.visible_rooms(request.user, include_inactive=manage).prefetch_related("departments")
    return render(request, "meetings/rooms.html", {"rooms": rows, "may_manage": manage})


def _room_in(form: RoomForm) -> services.RoomIn:
    data = form.cleaned_data
    return services.RoomIn(
        name=data["name"],
        location=data.get("location") or "",
        capacity=data["capacity"],
        equipment=data.get("equipment") or [],
        open_to_all=bool(data.get("open_to_all")),
        departments=[d.pk for d in data.get("departments") or []],
        active=bool(data.get("active")),
        sort=data.get("sort") or 0,
    )


def room_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    if not rights.may_manage_rooms(request.user):
        raise Http404
    room: Room | None = _found(lambda: selectors.access_room(actor=request.user, room_id=pk)) if pk else None
    unit_id = rights.unit_of(request.user)
    if request.method == "POST":
        form = RoomForm(request.POST, unit_id=unit_id)
        if form.is_valid():
            try:
                if room is None:
                    services.room_create(actor=request.user, data=_room_in(form))
                else:
                    services.room_update(actor=request.user, room_id=room.pk, data=_room_in(form))
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("会议室已保存。"))
                return redirect("meetings:rooms")
        status = 400
    else:
        initial = {}
        if room is not None:
            initial = {
                "name": room.name,
                "location": room.location,
                "capacity": room.capacity,
                "equipment": room.equipment,
                "open_to_all": room.open_to_all,
                "departments": list(room.departments.all()),
                "active": room.active,
                "sort": room.sort,
            }
        form = RoomForm(initial=initial, unit_id=unit_id)
        status = 200
    return render(request, "meetings/room_form.html", {"form": form, "room": room}, status=status)


# --- meetings --------------------------------------------------------------------------------------------------


def meetings(request: AuthedHttpRequest) -> HttpResponse:
    rows = selectors.meeting_list(request.user)[:200]
    context = {"rows": rows, "may_see_figures": rights.may_manage_rooms(request.user)}
    return render(request, "meetings/meeting_list.html", context)


# --- monthly figures (the office) ------------------------------------------------------------------------------


def _figures_of(request: AuthedHttpRequest) -> figures.MonthFigures:
    """The office's unit's figures for the asked ``month``; ApplicationError for a bad month."""
    unit_id = rights.unit_of(request.user)
    if unit_id is None or not rights.may_manage_rooms(request.user):
        raise Http404
    year, month = figures.parse_month(parse_text(request.GET.get("month"), max_length=10))
    return figures.month_figures(unit_id=unit_id, year=year, month=month)


def figures_page(request: AuthedHttpRequest) -> HttpResponse:
    """会议月度统计: meetings held, length, no-shows, late materials, minutes on time, room occupancy."""
    error = ""
    found = None
    try:
        found = _figures_of(request)
    except ApplicationError as exc:
        error = exc.message
    context = {
        "f": found,
        "error": error,
        "month": found.month_text if found else parse_text(request.GET.get("month"), max_length=10),
        "chart": found.chart_data() if found else None,
    }
    return render(request, "meetings/figures.html", context, status=400 if error else 200)


def figures_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    try:
        found = _figures_of(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("meetings:figures")
    response = HttpResponse(figures.figures_workbook(found), content_type=xlsx.CONTENT_TYPE)
    name = _("%(y)d年%(m)d月会议统计.xlsx") % {"y": found.year, "m": found.month}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response


def _unit_people(request: AuthedHttpRequest) -> Any:
    return (
        User.objects.filter(is_active=True, staff__unit_id=rights.unit_of(request.user) or 0)
        .select_related("staff")
        .order_by("-staff__rank", "staff__employee_no")
    )


def meeting_new(request: AuthedHttpRequest) -> HttpResponse:
    taken = Meeting.objects.values("booking_id")
    bookings = (
        selectors.my_bookings(request.user)
        .filter(status=BookingStatus.BOOKED)
        .exclude(pk__in=taken)
        .select_related("room")
        .order_by("starts_at")
    )
    people = _unit_people(request)
    departments = Department.objects.filter(unit_id=rights.unit_of(request.user) or 0)
    kwargs = {"bookings": bookings, "people": people, "departments": departments}
    if request.method == "POST":
        form = MeetingForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    kind_id=data["kind"].pk,
                    title=data["title"],
                    booking_id=data["booking"].pk,
                    approver_id=data["approver"].pk,
                    attendee_ids=[u.pk for u in data["attendees"]],
                    agenda=[services.AgendaIn(t, d, m) for t, d, m in data["agenda"]],
                    notes=data.get("notes") or "",
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("会议已草拟，请检查后提交方案审批。"))
                return redirect("meetings:meeting", meeting.pk)
        status = 400
    else:
        initial: dict[str, Any] = {}
        chosen = parse_id(request.GET.get("booking"))
        if chosen is not None:
            initial["booking"] = chosen
        form = MeetingForm(initial=initial, **kwargs)
        status = 200
    return render(request, "meetings/meeting_form.html", {"form": form}, status=status)


def meeting_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting: Meeting = _found(lambda: selectors.access_meeting(actor=request.user, meeting_id=pk))
    attendees = selectors.replies_of(meeting)
    me = next((a for a in attendees if a.user_id == request.user.pk), None)
    organiser = meeting.organiser_id == request.user.pk
    task = None
    if meeting.instance is not None and meeting.status == MeetingStatus.SUBMITTED:
        try:
            task = open_task_for(actor=request.user, instance_id=meeting.instance.pk, node="approve")
        except ApplicationError:
            task = None
    counts = {r: sum(1 for a in attendees if a.reply == r) for r in Reply.values}
    running = services.may_run(request.user, meeting)
    agenda = list(meeting.agenda.select_related("department"))
    materials = selectors.materials_of(meeting)
    open_for_materials = meeting.status == MeetingStatus.NOTIFIED and meeting.ends_at > timezone.now()
    mine = {d.pk for d in departments_of(request.user)} if open_for_materials and not running else set()
    for item in agenda:
        item.material_files = materials.get(item.pk, [])  # type: ignore[attr-defined]
        for material in item.material_files:  # type: ignore[attr-defined]
            material.agenda_item = item
            material.removable = open_for_materials and services.may_remove_material(
                request.user, meeting, material, departments=mine
            )
        item.uploadable = open_for_materials and services.may_upload(  # type: ignore[attr-defined]
            request.user, meeting, item, departments=mine
        )
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "attendees": attendees,
        "me": me,
        "organiser": organiser,
        "sees_replies": organiser or rights.is_office(request.user) or meeting.approver_id == request.user.pk,
        "may_submit": organiser and meeting.status in (MeetingStatus.DRAFT, MeetingStatus.RETURNED),
        "may_approve": task is not None,
        "may_reply": me is not None and meeting.status == MeetingStatus.NOTIFIED and meeting.ends_at > timezone.now(),
        "reply_form": ReplyForm(people=_unit_people(request).exclude(pk=request.user.pk)) if me else None,
        "counts": counts,
        "checklist": [(item, item in meeting.checklist_done) for item in meeting.kind.checklist],
        "may_run": running,
        "decisions": list(meeting.decisions.select_related("owner", "lead_department")),
        "people": _unit_people(request) if services.may_run(request.user, meeting) else [],
        "departments": Department.objects.filter(unit_id=meeting.unit_id)
        if services.may_run(request.user, meeting)
        else [],
        "present": sum(1 for a in attendees if a.signed_in_at),
        "may_send_minutes": running and services.may_send_minutes(request.user),
        "service_tasks": list(meeting.service_tasks.select_related("assignee", "done_by")),
        "meeting_over": meeting.ends_at <= timezone.now(),
        "archived_id": selectors.archived_record_id(meeting),
        "service_names": [_("座次"), _("桌签"), _("茶水"), _("大屏"), _("录音录像"), _("会议材料印制")],
    }
    return render(request, "meetings/meeting_detail.html", context)


def _submit(request: AuthedHttpRequest, pk: int) -> str:
    services.meeting_submit(actor=request.user, meeting_id=pk, comment=_comment(request))
    return _("会议方案已提交审批。")


def _approve(request: AuthedHttpRequest, pk: int) -> str:
    services.meeting_approve(actor=request.user, meeting_id=pk, comment=_comment(request))
    return _("已同意会议方案，会议通知已发给参会人。")


def _return(request: AuthedHttpRequest, pk: int) -> str:
    services.meeting_return(actor=request.user, meeting_id=pk, comment=_comment(request))
    return _("会议方案已退回承办人。")


def _reply(request: AuthedHttpRequest, pk: int) -> str:
    services.attendee_reply(
        actor=request.user,
        meeting_id=pk,
        reply=request.POST.get("reply", ""),
        deputy_id=parse_id(request.POST.get("deputy")),
        reason=parse_text(request.POST.get("reason")),
    )
    return _("已回复会议通知。")


def _signin(request: AuthedHttpRequest, pk: int) -> str:
    attendee_id = parse_id(request.POST.get("attendee")) or 0
    services.attendee_sign_in_by_hand(actor=request.user, meeting_id=pk, attendee_id=attendee_id)
    return _("已代为签到。")


def _minutes(request: AuthedHttpRequest, pk: int) -> str:
    services.minutes_save(actor=request.user, meeting_id=pk, text=request.POST.get("minutes", "")[:20001])
    return _("纪要已保存。")


def _decision_add(request: AuthedHttpRequest, pk: int) -> str:
    deadline = parse_date(request.POST.get("deadline"))
    if deadline is None:
        raise ApplicationError(_("请填写完成时限。"))
    services.decision_add(
        actor=request.user,
        meeting_id=pk,
        text=request.POST.get("text", "")[:2001],
        owner_id=parse_id(request.POST.get("owner")) or 0,
        lead_department_id=parse_id(request.POST.get("lead_department")),
        deadline=deadline,
    )
    return _("已添加议定事项。")


def _decision_remove(request: AuthedHttpRequest, pk: int) -> str:
    decision_id = parse_id(request.POST.get("decision")) or 0
    services.decision_remove(actor=request.user, meeting_id=pk, decision_id=decision_id)
    return _("已删除议定事项。")


def _to_supervision(request: AuthedHttpRequest, pk: int) -> str:
    sent = services.decisions_to_supervision(actor=request.user, meeting_id=pk)
    return _("已将 %(n)d 项议定事项转督办。") % {"n": sent}


def _minutes_to_documents(request: AuthedHttpRequest, pk: int) -> str:
    services.minutes_to_documents(actor=request.user, meeting_id=pk)
    return _("纪要已送发文，将以您的名义起草纪要发文并送核稿。")


def _materials_due(request: AuthedHttpRequest, pk: int) -> str:
    value = parse_text(request.POST.get("materials_due"), max_length=20)
    due = None
    if value:
        try:
            due = timezone.make_aware(datetime.fromisoformat(value))
        except ValueError:
            raise ApplicationError(_("请填写正确的截止时间。")) from None
    services.materials_deadline_set(actor=request.user, meeting_id=pk, due=due)
    return _("已设置材料提交截止时间。") if due else _("已取消材料提交截止时间。")


def _material_upload(request: AuthedHttpRequest, pk: int) -> str:
    made = services.material_upload(
        actor=request.user,
        meeting_id=pk,
        agenda_item_id=parse_id(request.POST.get("agenda_item")) or 0,
        files=request.FILES.getlist("files"),
    )
    if made and made[0].late:
        return _("已上传 %(n)d 个文件（已过材料提交截止时间，标记为逾期）。") % {"n": len(made)}
    return _("已上传 %(n)d 个文件。") % {"n": len(made)}


def _material_remove(request: AuthedHttpRequest, pk: int) -> str:
    services.material_remove(actor=request.user, meeting_id=pk, material_id=parse_id(request.POST.get("material")) or 0)
    return _("已删除材料。")


def _service_remove(request: AuthedHttpRequest, pk: int) -> str:
    services.service_task_remove(actor=request.user, meeting_id=pk, task_id=parse_id(request.POST.get("task")) or 0)
    return _("已删除会务事项。")


def _service_add(request: AuthedHttpRequest, pk: int) -> str:
    services.service_task_add(
        actor=request.user,
        meeting_id=pk,
        name=parse_text(request.POST.get("name"), max_length=101),
        assignee_id=parse_id(request.POST.get("assignee")) or 0,
    )
    return _("已添加会务事项。")


def _service_done(request: AuthedHttpRequest, pk: int) -> str:
    done = request.POST.get("done") != "0"
    services.service_task_done(
        actor=request.user, meeting_id=pk, task_id=parse_id(request.POST.get("task")) or 0, done=done
    )
    return _("会务事项已完成。") if done else _("会务事项已改为未完成。")


def _tick(request: AuthedHttpRequest, pk: int) -> str:
    item = parse_text(request.POST.get("item"))
    services.checklist_tick(actor=request.user, meeting_id=pk, item=item, done=request.POST.get("done") == "1")
    return ""


def _cancel(request: AuthedHttpRequest, pk: int) -> str:
    services.meeting_cancel(actor=request.user, meeting_id=pk, reason=_comment(request))
    return _("会议已取消，会议室已释放。")


def _remind(request: AuthedHttpRequest, pk: int) -> str:
    reminded = services.replies_remind(actor=request.user, meeting_id=pk)
    return _("已提醒 %(n)d 位未回复的参会人。") % {"n": reminded} if reminded else _("今天已提醒过未回复的参会人。")


def _comment(request: AuthedHttpRequest) -> str:
    return parse_text(request.POST.get("comment"), max_length=500)


ACTIONS: dict[str, Callable[[AuthedHttpRequest, int], str]] = {
    "submit": _submit,
    "approve": _approve,
    "return": _return,
    "reply": _reply,
    "signin": _signin,
    "minutes": _minutes,
    "decision_add": _decision_add,
    "decision_remove": _decision_remove,
    "to_supervision": _to_supervision,
    "minutes_to_documents": _minutes_to_documents,
    "materials_due": _materials_due,
    "material_upload": _material_upload,
    "material_remove": _material_remove,
    "service_remove": _service_remove,
    "service_add": _service_add,
    "service_done": _service_done,
    "tick": _tick,
    "cancel": _cancel,
    "remind": _remind,
}


@require_POST
def meeting_act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One action on a meeting, named by the posted ``action`` (``ACTIONS``); a refusal is shown on its page."""
    _found(lambda: selectors.access_meeting(actor=request.user, meeting_id=pk))
    do = ACTIONS.get(request.POST.get("action", ""))
    if do is None:
        messages.error(request, _("无效的操作。"))
        return redirect("meetings:meeting", pk)
    try:
        done = do(request, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if done:
            messages.success(request, done)
    if request.POST.get("next") == "screen":
        return redirect("meetings:meeting_screen", pk)
    return redirect("meetings:meeting", pk)


def material_file(request: AuthedHttpRequest, pk: int, file_id: int) -> FileResponse:
    """A material, to those who may see the meeting (404 otherwise)."""
    material = _found(lambda: selectors.access_material(actor=request.user, meeting_id=pk, material_id=file_id))
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.name)


def meeting_ics(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting: Meeting = _found(lambda: selectors.access_meeting(actor=request.user, meeting_id=pk))
    response = HttpResponse(services.ics_of(meeting, selectors.replies_of(meeting)), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- sign-in ---------------------------------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return str(image.to_string(encoding="unicode"))


def meeting_screen(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The room screen: the sign-in QR code (a fresh token at each refresh) and the attendance, live."""
    meeting: Meeting = _found(lambda: selectors.access_meeting(actor=request.user, meeting_id=pk))
    if not services.may_run(request.user, meeting):
        raise Http404
    attendees = selectors.replies_of(meeting)
    link = request.build_absolute_uri(reverse("meetings:signin", args=[meeting.pk, services.signin_token(meeting)]))
    context = {
        "meeting": meeting,
        "attendees": attendees,
        "present": sum(1 for a in attendees if a.signed_in_at),
        "qr": _qr_svg(link) if meeting.status == MeetingStatus.NOTIFIED else "",
        "link": link,
    }
    return render_page(request, "meetings/screen.html", context, partial="meetings/partials/_attendance.html")


def signin(request: AuthedHttpRequest, pk: int, token: str) -> HttpResponse:
    """Opened from the QR code on a phone, signed in: the attendee is marked present, or told why not."""
    try:
        attendee = services.attendee_sign_in(actor=request.user, meeting_id=pk, token=token[:200])
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return render(request, "meetings/signin.html", {"refused": exc.message}, status=403)
    meeting = Meeting.objects.select_related("booking__room").get(pk=pk)
    return render(request, "meetings/signin.html", {"attendee": attendee, "meeting": meeting})


def _time_of(value: str | None) -> time | None:
    try:
        return time.fromisoformat(parse_text(value, max_length=5))
    except ValueError:
        return None


@require_POST
def booking_move(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Move a booking (in a series: this occurrence only) to another time and room; refused when taken."""
    booking: Booking = _found(lambda: selectors.access_booking(actor=request.user, booking_id=pk))
    day = parse_date(request.POST.get("day"))
    start, end = _time_of(request.POST.get("start")), _time_of(request.POST.get("end"))
    if day is None or start is None or end is None:
        messages.error(request, _("请填写有效的日期和起止时间。"))
        return redirect("meetings:booking", pk)
    try:
        services.booking_move(
            actor=request.user,
            booking_id=booking.pk,
            starts_at=timezone.make_aware(datetime.combine(day, start)),
            ends_at=timezone.make_aware(datetime.combine(day, end)),
            room_id=parse_id(request.POST.get("room")),
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已改期。"))
    return redirect("meetings:booking", pk)

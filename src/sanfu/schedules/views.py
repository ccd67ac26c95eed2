"""领导日程 pages: the week of the viewer's unit, the entry form, delete, and the printable week sheet (PDF)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanfu.accounts.models import User
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_date
from sanfu.schedules import agenda, feed, personal, rights, selectors, services, sheet
from sanfu.schedules.forms import EntryForm
from sanfu.schedules.models import ScheduleEntry


def _monday(request: AuthedHttpRequest) -> date:
    return selectors.monday_of(parse_date(request.GET.get("week")) or timezone.localdate())


def _unit(request: AuthedHttpRequest) -> int:
    unit_id = rights.unit_of(request.user)
    if unit_id is None:
        raise Http404(_("您不属于任何单位，没有领导日程。"))
    return unit_id


def week(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    monday = _monday(request)
    rows = selectors.week(request.user, monday)
    days = [monday + timedelta(days=i) for i in range(7)]  # headed by their localised weekday names
    today = timezone.localdate()
    iso_year, iso_week, _weekday = monday.isocalendar()
    context = {
        "rows": rows,
        "days": days,
        "monday": monday,
        "sunday": days[-1],
        "iso_year": iso_year,
        "iso_week": iso_week,
        "today": today,
        "today_index": (today - monday).days if monday <= today <= days[-1] else None,
        "this_week": selectors.monday_of(today),
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "may_keep_any": any(r.may_keep for r in rows),
        "conflicts": selectors.conflict_count(rows),
    }
    return render(request, "schedules/week.html", context)


def week_pdf(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _unit(request)
    monday = _monday(request)
    response = HttpResponse(sheet.week_sheet_pdf(unit_id, monday), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="schedule-{monday:%Y%m%d}.pdf"'
    return response


def _kept_leaders(request: AuthedHttpRequest) -> list[tuple[int, str]]:
    unit_id = _unit(request)
    return [(u.pk, u.display_name) for u in rights.leaders_of(unit_id) if rights.may_keep(request.user, u)]


def edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    leaders = _kept_leaders(request)
    entry = None
    if pk is not None:
        entry = ScheduleEntry.objects.filter(pk=pk).select_related("leader").first()
        if entry is None or not rights.may_read(request.user, entry) or not rights.may_keep(request.user, entry.leader):
            raise Http404(_("日程不存在。"))
    if not leaders:
        raise Http404(_("您不能安排任何领导的日程。"))
    if request.method == "POST":
        form = EntryForm(request.POST, leaders=leaders)
        if form.is_valid():
            d = form.cleaned_data
            data = services.EntryIn(
                leader_id=d["leader"],
                title=d["title"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                all_day=d["all_day"],
                place=d["place"],
                note=d["note"],
                visibility=d["visibility"],
            )
            try:
                if entry is None:
                    saved = services.entry_create(actor=request.user, data=data)
                else:
                    saved = services.entry_update(actor=request.user, entry_id=entry.pk, data=data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("日程已保存。"))
                local = timezone.localtime(saved.starts_at).date()
                return redirect(f"{reverse('schedules:week')}?week={selectors.monday_of(local):%Y-%m-%d}")
    elif entry is not None:
        form = EntryForm(
            initial={
                "leader": entry.leader_id,
                "title": entry.title,
                "starts_at": timezone.localtime(entry.starts_at).strftime("%Y-%m-%dT%H:%M"),
                "ends_at": timezone.localtime(entry.ends_at).strftime("%Y-%m-%dT%H:%M"),
                "all_day": entry.all_day,
                "place": entry.place,
                "note": entry.note,
                "visibility": entry.visibility,
            },
            leaders=leaders,
        )
    else:
        form = EntryForm(leaders=leaders)
    return render(request, "schedules/edit.html", {"form": form, "entry": entry})


@require_POST
def delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        services.entry_delete(actor=request.user, entry_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("日程已删除。"))
    return redirect("schedules:week")


def subscribe(request: AuthedHttpRequest, leader_id: int) -> HttpResponse:
    """The .ics address of one leader's schedule for the person (GET), or its revocation (POST)."""
    try:
        if request.method == "POST":
            feed.feed_revoke(actor=request.user, leader_id=leader_id)
            messages.success(request, _("原订阅地址已撤销，请使用新地址。"))
            return redirect("schedules:subscribe", leader_id)
        token = feed.feed_token(actor=request.user, leader_id=leader_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    url = request.build_absolute_uri(reverse("schedules:feed", args=[token]))
    leader = User.objects.get(pk=leader_id)
    return render(request, "schedules/subscribe.html", {"url": url, "leader": leader})


@login_not_required
@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, fetched by a calendar program without a session: the signed token is the key."""
    try:
        leader, entries = feed.feed_entries(token)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(feed.ics(leader, entries), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


# --- 我的日程 ---------------------------------------------------------------------------------------------------


def agenda_page(request: AuthedHttpRequest) -> HttpResponse:
    """The person's calendar: a week (default) or a month of every domain's items, day by day."""
    view = "month" if request.GET.get("view") == "month" else "week"
    anchor = parse_date(request.GET.get("day")) or timezone.localdate()
    calendar = agenda.calendar(request.user, view, anchor)
    return render(request, "schedules/agenda.html", {"cal": calendar, "today": timezone.localdate()})


def agenda_subscribe(request: AuthedHttpRequest) -> HttpResponse:
    """The secret .ics address of the person's calendar (GET), or its revocation (POST)."""
    if request.method == "POST":
        personal.personal_feed_revoke(actor=request.user)
        messages.success(request, _("原订阅地址已撤销，请使用新地址。"))
        return redirect("schedules:agenda_subscribe")
    token = personal.personal_feed_token(actor=request.user)
    url = request.build_absolute_uri(reverse("schedules:agenda_feed", args=[token]))
    context = {"url": url, "days_back": personal.DAYS_BACK, "days_ahead": personal.DAYS_AHEAD}
    return render(request, "schedules/agenda_subscribe.html", context)


@login_not_required
@require_GET
def agenda_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's calendar for a calendar program: the signed token is the key."""
    try:
        user, items = personal.personal_feed_items(token)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    body = personal.personal_ics(user, items, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response

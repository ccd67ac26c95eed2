"""值班安排 pages: the month of the roster (and its Excel), my shifts, a shift with its log, handover, incidents and
swap request, a swap with its agreement and approval, and the office's rotas with generation. Each POST names one
``action`` and calls one service."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.duty import rights, selectors, services
from sanfu.duty.forms import (
    HandoverForm,
    InstructionForm,
    LogForm,
    RangeForm,
    ReassignForm,
    RotaForm,
    SwapForm,
    lines,
)
from sanfu.duty.models import Rota, Shift, Swap, SwapStatus


def _unit(request: AuthedHttpRequest) -> int:
    unit_id = rights.unit_of(request.user)
    if unit_id is None:
        raise Http404(_("您不属于任何单位，没有值班安排。"))
    return unit_id


def _month(request: AuthedHttpRequest) -> tuple[int, int]:
    raw = request.GET.get("month", "")
    match = re.fullmatch(r"(20[0-9]{2})-(0[1-9]|1[0-2])", raw.strip())
    if match:
        return int(match.group(1)), int(match.group(2))
    today = timezone.localdate()
    return today.year, today.month


def _shift_label(shift: Shift) -> str:
    return f"{shift.day:%m-%d} {shift.get_kind_display()}"


@require_GET
def roster(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _unit(request)
    year, month = _month(request)
    days = selectors.month(request.user, year, month)
    first = date(year, month, 1)
    previous = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    context = {
        "days": days,
        "first": first,
        "previous": previous,
        "next": following,
        "office": rights.keeps_unit(request.user, unit_id),
        "on_duty": selectors.on_duty_now(unit_id),
    }
    return render(request, "duty/roster.html", context)


@require_GET
def export(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    year, month = _month(request)
    rows = []
    for day in selectors.month(request.user, year, month):
        info = day.info
        mark = info.note or ("" if info.is_workday else _("休息日"))
        for kind, shift in ((_("白班"), day.day_shift), (_("夜班"), day.night_shift)):
            if shift is None:
                continue
            rows.append(
                [
                    info.day,
                    kind,
                    mark,
                    timezone.localtime(shift.starts_at),
                    timezone.localtime(shift.ends_at),
                    shift.officer.display_name,
                    shift.leader.display_name if shift.leader else "",
                    shift.rota.phone,
                ]
            )
    sheet = xlsx.Sheet(
        title=_("值班表"),
        header=[
            _("日期"),
            _("班次"),
            _("节假日"),
            _("开始时间"),
            _("结束时间"),
            _("值班人员"),
            _("带班领导"),
            _("值班电话"),
        ],
        rows=rows,
        widths=[12, 8, 14, 18, 18, 12, 12, 16],
    )
    return xlsx.attachment(
        xlsx.workbook(sheet), _("值班表-%(year)s-%(month)s.xlsx") % {"year": year, "month": f"{month:02d}"}
    )


@require_GET
def mine(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "shifts": list(selectors.my_shifts(user)),
        "swaps": list(selectors.swaps_to_agree(user).select_related("shift", "requester")),
        "handovers": list(selectors.pending_handovers(user).select_related("shift__officer", "next_shift")),
    }
    return render(request, "duty/mine.html", context)


def _people(unit_id: int) -> list[tuple[int, str]]:
    return [(u.pk, u.display_name) for u in selectors.colleagues(unit_id)]


def _leaders(unit_id: int) -> list[tuple[int, str]]:
    return [(u.pk, u.display_name) for u in selectors.leaders(unit_id)]


def _log(request: AuthedHttpRequest, shift: Shift) -> Any:
    form = LogForm(request.POST)
    if not form.is_valid():
        return form
    d = form.cleaned_data
    data = services.EntryIn(
        content=d["content"],
        handling=d["handling"],
        caller=d["caller"],
        occurred_at=d["occurred_at"],
        is_incident=d["is_incident"],
        severity=d["severity"],
    )
    services.log_write(actor=request.user, shift_id=shift.pk, data=data)
    return _("已记录。")


def _handover(request: AuthedHttpRequest, shift: Shift) -> Any:
    form = HandoverForm(request.POST)
    if not form.is_valid():
        return form
    services.handover_write(actor=request.user, shift_id=shift.pk, note=form.cleaned_data["note"])
    return _("交班记录已保存，待下一班确认接班。")


def _receive(request: AuthedHttpRequest, shift: Shift) -> Any:
    outgoing = request.POST.get("outgoing", "")
    services.handover_confirm(actor=request.user, shift_id=int(outgoing) if outgoing.isdigit() else 0)
    return _("已确认接班。")


def _acknowledge(request: AuthedHttpRequest, shift: Shift) -> Any:
    form = InstructionForm(request.POST)
    if not form.is_valid():
        return form
    d = form.cleaned_data
    services.incident_acknowledge(actor=request.user, entry_id=d["entry"], instruction=d["instruction"])
    return _("批示已发送给值班人员。")


def _swap(request: AuthedHttpRequest, shift: Shift) -> Any:
    form = SwapForm(request.POST, people=_people(shift.unit_id), shifts=_counter_shifts(shift))
    if not form.is_valid():
        return form
    d = form.cleaned_data
    return services.swap_request(
        actor=request.user,
        shift_id=shift.pk,
        counterpart_id=d["counterpart"],
        counter_shift_id=d["counter_shift"],
        reason=d["reason"],
    )


def _reassign(request: AuthedHttpRequest, shift: Shift) -> Any:
    form = ReassignForm(request.POST, people=_people(shift.unit_id), leaders=_leaders(shift.unit_id))
    if not form.is_valid():
        return form
    d = form.cleaned_data
    services.shift_reassign(actor=request.user, shift_id=shift.pk, officer_id=d["officer"], leader_id=d["leader"])
    return _("排班已调整。")


# Each posted ``action`` of the shift page: a message when done, the bound form when it is invalid (a swap request
# returns the swap, whose page comes next).
SHIFT_ACTIONS: dict[str, Callable[[AuthedHttpRequest, Shift], Any]] = {
    "log": _log,
    "handover": _handover,
    "receive": _receive,
    "acknowledge": _acknowledge,
    "swap": _swap,
    "reassign": _reassign,
}


def _counter_shifts(shift: Shift) -> list[tuple[int, str]]:
    """Upcoming shifts of the unit other than the officer's own (the one to take in exchange)."""
    upcoming = Shift.objects.filter(unit_id=shift.unit_id, starts_at__gt=timezone.now()).exclude(
        officer_id=shift.officer_id
    )
    return [(s.pk, f"{_shift_label(s)} · {s.officer.display_name}") for s in upcoming.select_related("officer")[:200]]


def shift(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        the_shift = selectors.access_shift(actor=request.user, shift_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    bound: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action not in SHIFT_ACTIONS:
                raise ApplicationError(_("不支持的操作。"))
            outcome = SHIFT_ACTIONS[action](request, the_shift)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("duty:shift", pk)
        if isinstance(outcome, str):
            messages.success(request, outcome)
            return redirect("duty:shift", pk)
        if isinstance(outcome, Swap):
            messages.success(request, _("换班申请已发给对方。"))
            return redirect("duty:swap", outcome.pk)
        bound[action] = outcome
    user, now = request.user, timezone.now()
    page = selectors.shift_page(the_shift, services.next_shift_of(the_shift))
    is_officer = the_shift.officer_id == user.pk
    office = rights.keeps_unit(user, the_shift.unit_id)
    may_ack = user.pk == the_shift.leader_id or user.pk in rights.top_leaders(the_shift.unit_id)
    context = {
        "shift": the_shift,
        "page": page,
        "is_officer": is_officer,
        "office": office,
        "may_ack": may_ack,
        "started": the_shift.starts_at <= now,
        "may_log": is_officer
        and not (page.handover and page.handover.received_at)
        and the_shift.starts_at - services.log.EARLY_ENTRY <= now <= the_shift.ends_at + services.log.LATE_ENTRY,
        "log_form": bound.get("log") or LogForm(),
        "handover_form": bound.get("handover")
        or HandoverForm(initial={"note": page.handover.note if page.handover else ""}),
        "swap_form": bound.get("swap")
        or (
            SwapForm(people=_people(the_shift.unit_id), shifts=_counter_shifts(the_shift))
            if is_officer and the_shift.starts_at > now
            else None
        ),
        "reassign_form": bound.get("reassign")
        or (
            ReassignForm(
                people=_people(the_shift.unit_id),
                leaders=_leaders(the_shift.unit_id),
                initial={"officer": the_shift.officer_id, "leader": the_shift.leader_id},
            )
            if office and the_shift.ends_at > now
            else None
        ),
        "open_swap": any(s.status in (SwapStatus.ASKED, SwapStatus.AGREED) for s in page.swaps),
    }
    return render(request, "duty/shift.html", context)


def swap(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        the_swap = services.access_swap(actor=user, swap_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
        try:
            if action == "agree":
                services.swap_agree(actor=user, swap_id=pk)
                messages.success(request, _("已同意，待办公室审批。"))
            elif action == "decline":
                services.swap_decline(actor=user, swap_id=pk)
                messages.success(request, _("已拒绝换班。"))
            elif action == "cancel":
                services.swap_cancel(actor=user, swap_id=pk)
                messages.success(request, _("换班申请已撤回。"))
            elif action == "approve":
                services.swap_approve(actor=user, swap_id=pk, comment=comment)
                messages.success(request, _("已批准换班，排班已更新。"))
            elif action == "reject":
                services.swap_reject(actor=user, swap_id=pk, comment=comment)
                messages.success(request, _("已驳回换班申请。"))
            else:
                raise ApplicationError(_("不支持的操作。"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("duty:swap", pk)
    context = {
        "swap": the_swap,
        "may_approve": services.may_approve(user, the_swap),
        "is_counterpart": user.pk == the_swap.counterpart_id,
        "is_requester": user.pk == the_swap.requester_id,
    }
    return render(request, "duty/swap.html", context)


def _office(request: AuthedHttpRequest) -> int:
    unit_id = _unit(request)
    if not rights.keeps_unit(request.user, unit_id):
        raise Http404(_("只有办公室可以管理值班安排。"))
    return unit_id


@require_GET
def rotas(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _office(request)
    return render(request, "duty/rotas.html", {"rotas": selectors.rotas_of(unit_id)})


def _rota_data(form: RotaForm, unit_id: int) -> services.RotaIn:
    d = form.cleaned_data
    officers = selectors.people_by_login(unit_id, lines(d["officers"]))
    leaders = selectors.people_by_login(unit_id, lines(d["leaders"]))
    return services.RotaIn(
        name=d["name"],
        kind=d["kind"],
        day_start=d["day_start"],
        day_end=d["day_end"],
        night_start=d["night_start"],
        night_end=d["night_end"],
        phone=d["phone"],
        officer_ids=officers,
        leader_ids=leaders,
    )


def _roster_range(request: AuthedHttpRequest, the_rota: Rota, action: str, form: RangeForm) -> HttpResponse:
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if action == "generate":
        made = services.roster_generate(actor=request.user, rota_id=the_rota.pk, start=start, end=end)
        messages.success(request, _("已生成%(n)d个班次。") % {"n": len(made)})
    else:
        gone = services.roster_clear(actor=request.user, rota_id=the_rota.pk, start=start, end=end)
        messages.success(request, _("已清除%(n)d个未开始的班次。") % {"n": gone})
    return redirect(f"{reverse('duty:roster')}?month={start:%Y-%m}")


def _rota_form(the_rota: Rota) -> RotaForm:
    """The form filled with the rota as it is, its orders as usernames one per line."""
    officers, rota_leaders = selectors.members_of(the_rota)
    return RotaForm(
        initial={
            "name": the_rota.name,
            "kind": the_rota.kind,
            "day_start": the_rota.day_start,
            "day_end": the_rota.day_end,
            "night_start": the_rota.night_start,
            "night_end": the_rota.night_end,
            "phone": the_rota.phone,
            "officers": "\n".join(u.username for u in officers),
            "leaders": "\n".join(u.username for u in rota_leaders),
        },
    )


def _office_rota(request: AuthedHttpRequest, pk: int | None) -> tuple[int, Rota | None]:
    """The office's unit and the rota named (None for a new one); another unit's rota is a 404."""
    unit_id = _office(request)
    if pk is None:
        return unit_id, None
    the_rota = Rota.objects.filter(pk=pk, unit_id=unit_id).first()
    if the_rota is None:
        raise Http404(_("轮值表不存在。"))
    return unit_id, the_rota


def rota(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    unit_id, the_rota = _office_rota(request, pk)
    form = RotaForm()
    range_form = RangeForm()
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                form = RotaForm(request.POST)
                if form.is_valid():
                    saved = services.rota_save(actor=request.user, data=_rota_data(form, unit_id), rota_id=pk)
                    messages.success(request, _("轮值表已保存。"))
                    return redirect("duty:rota", saved.pk)
            elif the_rota is not None and action in ("generate", "clear"):
                range_form = RangeForm(request.POST)
                if range_form.is_valid():
                    return _roster_range(request, the_rota, action, range_form)
            else:
                raise ApplicationError(_("不支持的操作。"))
        except ApplicationError as exc:
            if action != "save" and pk is not None:
                messages.error(request, exc.message)
                return redirect("duty:rota", pk)
            if form.is_bound:
                form.add_error(None, exc.message)
            else:
                messages.error(request, exc.message)
    elif the_rota is not None:
        form = _rota_form(the_rota)
    members = selectors.members_of(the_rota) if the_rota else ([], [])
    context = {"form": form, "rota": the_rota, "range_form": range_form, "members": members}
    return render(request, "duty/rota.html", context)

"""公务用车 pages: the requests list, the request form, one request with its step (审核, 派车, 回场登记), the fleet
(vehicles, drivers and the day's dispatches) and the costs per department and month (page and Excel)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_date, parse_int
from sanfu.org.models import Staff
from sanfu.org.selectors import departments_of
from sanfu.resources import rights, selectors, services
from sanfu.resources.forms import CarRequestForm, DispatchForm, DriverForm, TripForm, VehicleForm
from sanfu.resources.models import CarRequest, CarRequestStatus


def _unit(request: AuthedHttpRequest) -> int:
    unit_id = rights.unit_of(request.user)
    if unit_id is None:
        raise Http404(_("您不属于任何单位。"))
    return unit_id


def _manager(request: AuthedHttpRequest) -> int:
    unit_id = _unit(request)
    if not rights.is_manager(request.user):
        raise Http404(_("只有办公室（车辆管理员）可以打开此页面。"))
    return unit_id


def requests_list(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    status = request.GET.get("status", "")
    rows = selectors.visible_car_requests(request.user).select_related("requester", "department")
    if status in CarRequestStatus.values:
        rows = rows.filter(status=status)
    context = {
        "rows": rows[:200],
        "status": status,
        "statuses": CarRequestStatus.choices,
        "manager": rights.is_manager(request.user),
    }
    return render(request, "resources/requests.html", context)


def _request_data(form: CarRequestForm) -> services.CarRequestIn:
    d = form.cleaned_data
    return services.CarRequestIn(
        purpose=d["purpose"],
        origin=d["origin"],
        destination=d["destination"],
        passengers=d["passengers"],
        starts_at=d["starts_at"],
        ends_at=d["ends_at"],
        department_id=d["department"],
    )


def request_new(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    """申请用车, or 修改后重新提交 a returned request (``pk``)."""
    _unit(request)
    existing: CarRequest | None = None
    if pk is not None:
        try:
            existing = selectors.access_car_request(actor=request.user, request_id=pk)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
        if existing.requester_id != request.user.pk or existing.status != CarRequestStatus.RETURNED:
            raise Http404(_("只有被退回的本人申请可以修改。"))
    departments = [(d.pk, d.name) for d in departments_of(request.user)]
    if request.method == "POST":
        form = CarRequestForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                if existing is None:
                    saved = services.car_request_submit(actor=request.user, data=_request_data(form))
                else:
                    saved = services.car_request_resubmit(
                        actor=request.user, request_id=existing.pk, data=_request_data(form)
                    )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("用车申请已提交。"))
                return redirect("resources:request", saved.pk)
    elif existing is not None:
        form = CarRequestForm(
            initial={
                "purpose": existing.purpose,
                "origin": existing.origin,
                "destination": existing.destination,
                "passengers": existing.passengers,
                "starts_at": timezone.localtime(existing.starts_at),
                "ends_at": timezone.localtime(existing.ends_at),
                "department": existing.department_id,
            },
            departments=departments,
        )
    else:
        form = CarRequestForm(departments=departments)
    return render(request, "resources/request_form.html", {"form": form, "existing": existing})


def _dispatch_form(request: AuthedHttpRequest, data: object = None) -> DispatchForm:
    vehicles = [
        (v.pk, _("%(plate)s %(model)s · %(seats)d 座") % {"plate": v.plate, "model": v.model, "seats": v.seats})
        for v in selectors.dispatchable_vehicles(request.user)
    ]
    drivers = [
        (d.pk, f"{d.name} {d.phone}".strip()) for d in selectors.visible_drivers(request.user).filter(active=True)
    ]
    return DispatchForm(data, vehicles=vehicles, drivers=drivers)


def request_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        car_request = selectors.access_car_request(actor=request.user, request_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return _render_detail(request, car_request)


def _render_detail(
    request: AuthedHttpRequest,
    car_request: CarRequest,
    *,
    dispatch_form: DispatchForm | None = None,
    trip_form: TripForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    manager = rights.is_manager(user)
    may_dispatch = manager and services.may_act(user, car_request, "dispatch")
    may_trip = manager and car_request.status == CarRequestStatus.DISPATCHED
    dispatch = selectors.active_dispatch(car_request)
    trip = getattr(dispatch, "trip", None) if dispatch is not None else None
    options = services.car_request_options(user, car_request)
    context = {
        "car_request": car_request,
        "dispatch": dispatch,
        "trip": trip,
        "options": options,
        "may_review": services.may_act(user, car_request, "head"),
        "may_dispatch": may_dispatch,
        "may_trip": may_trip,
        "may_resubmit": car_request.requester_id == user.pk and car_request.status == CarRequestStatus.RETURNED,
        "dispatch_form": dispatch_form or (_dispatch_form(request) if may_dispatch else None),
        "trip_form": trip_form or (TripForm() if may_trip else None),
        "step": selectors.open_step_of(car_request),
        "error": error,
    }
    return render(request, "resources/request.html", context, status=status)


@require_POST
def request_act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One step on a request: ``approve`` / ``return`` (部门审核, or 退回 at 派车), ``dispatch``, ``trip``; the
    requester's ``withdraw``; the vehicle manager's ``cancel`` of the dispatch (``redispatch``: back to 待派车, else
    the request is closed)."""
    try:
        car_request = selectors.access_car_request(actor=request.user, request_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")[:500]
    try:
        if action == "approve":
            services.car_request_approve(actor=request.user, request_id=pk, comment=comment)
            messages.success(request, _("已同意，转车辆管理员派车。"))
        elif action == "return":
            services.car_request_return(actor=request.user, request_id=pk, comment=comment)
            messages.success(request, _("已退回申请人。"))
        elif action == "dispatch":
            form = _dispatch_form(request, request.POST)
            if not form.is_valid():
                return _render_detail(request, car_request, dispatch_form=form, status=400)
            services.car_request_dispatch(
                actor=request.user,
                request_id=pk,
                vehicle_id=form.cleaned_data["vehicle"],
                driver_id=form.cleaned_data["driver"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("已派车。"))
        elif action == "withdraw":
            services.car_request_withdraw(actor=request.user, request_id=pk, reason=comment)
            messages.success(request, _("用车申请已撤回。"))
        elif action == "cancel":
            redispatch = request.POST.get("redispatch") == "1"
            services.dispatch_cancel(actor=request.user, request_id=pk, reason=comment, redispatch=redispatch)
            messages.success(
                request, _("派车已取消，请重新派车。") if redispatch else _("派车已取消，用车申请已撤销。")
            )
        elif action == "trip":
            trip_form = TripForm(request.POST)
            if not trip_form.is_valid():
                return _render_detail(request, car_request, trip_form=trip_form, status=400)
            d = trip_form.cleaned_data
            services.trip_record(actor=request.user, request_id=pk, data=services.TripIn(**d))
            messages.success(request, _("已登记回场。"))
        else:
            return _render_detail(request, car_request, error=_("未知的操作。"), status=400)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return _render_detail(
            request,
            car_request,
            dispatch_form=_dispatch_form(request, request.POST) if action == "dispatch" else None,
            trip_form=TripForm(request.POST) if action == "trip" else None,
            error=exc.message,
            status=409 if exc.code == "conflict" else 400,
        )
    return redirect("resources:request", pk)


def fleet(request: AuthedHttpRequest) -> HttpResponse:
    """车辆 and 驾驶员 of the unit, and the dispatches of a day."""
    _unit(request)
    day = parse_date(request.GET.get("day")) or timezone.localdate()
    context = {
        "vehicles": selectors.visible_vehicles(request.user),
        "drivers": selectors.visible_drivers(request.user),
        "schedule": selectors.vehicle_schedule(request.user, day),
        "day": day,
        "manager": rights.is_manager(request.user),
    }
    return render(request, "resources/fleet.html", context)


def vehicle_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    _manager(request)
    vehicle = None
    if pk is not None:
        try:
            vehicle = selectors.access_vehicle(actor=request.user, vehicle_id=pk)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
    if request.method == "POST":
        form = VehicleForm(request.POST)
        if form.is_valid():
            data = services.VehicleIn(**form.cleaned_data)
            try:
                if vehicle is None:
                    services.vehicle_create(actor=request.user, data=data)
                else:
                    services.vehicle_update(actor=request.user, vehicle_id=vehicle.pk, data=data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("车辆已保存。"))
                return redirect("resources:fleet")
    elif vehicle is not None:
        form = VehicleForm(
            initial={"plate": vehicle.plate, "model": vehicle.model, "seats": vehicle.seats, "status": vehicle.status}
        )
    else:
        form = VehicleForm()
    return render(request, "resources/simple_form.html", {"form": form, "title": _("车辆"), "back": "resources:fleet"})


def driver_new(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _manager(request)
    people = [
        (s.user_id, s.user.display_name)
        for s in Staff.objects.filter(unit_id=unit_id, user__is_active=True)
        .select_related("user")
        .order_by("user__username")[:500]
    ]
    if request.method == "POST":
        form = DriverForm(request.POST, people=people)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.driver_create(actor=request.user, user_id=d["user"], name=d["name"], phone=d["phone"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("驾驶员已登记。"))
                return redirect("resources:fleet")
    else:
        form = DriverForm(people=people)
    return render(
        request, "resources/simple_form.html", {"form": form, "title": _("驾驶员"), "back": "resources:fleet"}
    )


def _year(request: AuthedHttpRequest) -> int:
    return parse_int(request.GET.get("year"), minimum=2000, maximum=2100, default=timezone.localdate().year)


def costs(request: AuthedHttpRequest) -> HttpResponse:
    """出车费用 per department and month of a year (the manager)."""
    _manager(request)
    year = _year(request)
    rows = selectors.vehicle_costs(request.user, year=year)
    sums = {
        "trips": sum(r.trips for r in rows),
        "distance": sum(r.distance for r in rows),
        "fuel_cost": sum((r.fuel_cost for r in rows), Decimal("0")),
        "tolls": sum((r.tolls for r in rows), Decimal("0")),
        "parking": sum((r.parking for r in rows), Decimal("0")),
        "total": sum((r.total for r in rows), Decimal("0")),
    }
    return render(request, "resources/costs.html", {"rows": rows, "year": year, "sums": sums})


def costs_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    _manager(request)
    year = _year(request)
    rows = selectors.vehicle_costs(request.user, year=year)
    sheet = xlsx.Sheet(
        title=_("用车费用"),
        header=[
            _("月份"),
            _("部门"),
            _("出车次数"),
            _("里程（公里）"),
            _("加油量（升）"),
            _("油费"),
            _("通行费"),
            _("停车费"),
            _("合计"),
        ],
        rows=[
            (
                f"{r.month:%Y-%m}",
                r.department,
                r.trips,
                r.distance,
                float(r.fuel_litres),  # numbers Excel can add up
                float(r.fuel_cost),
                float(r.tolls),
                float(r.parking),
                float(r.total),
            )
            for r in rows
        ],
    )
    return xlsx.attachment(xlsx.workbook(sheet), _("用车费用-%(year)s.xlsx") % {"year": year})

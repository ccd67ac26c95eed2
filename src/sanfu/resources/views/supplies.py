"""办公用品 pages: the requests list, the request form (a quantity per item of one store), one request with its
step (部门审核, 发放), the stock per store with 入库 and new items, and the monthly consumption per department."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id, parse_int, parse_text
from sanfu.org.models import Staff
from sanfu.resources import rights, selectors, services
from sanfu.resources.models import Store, SupplyItem, SupplyRequest, SupplyStatus
from sanfu.workflow.selectors import open_task_for


def _unit(request: AuthedHttpRequest) -> int:
    unit_id = rights.unit_of(request.user)
    if unit_id is None:
        raise Http404(_("您不属于任何单位。"))
    return unit_id


def _keeper_or_manager(request: AuthedHttpRequest) -> int:
    unit_id = _unit(request)
    if not (rights.is_manager(request.user) or Store.objects.filter(unit_id=unit_id, keeper=request.user).exists()):
        raise Http404(_("只有办公室或库管员可以打开此页面。"))
    return unit_id


def requests_list(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    rows = selectors.visible_supply_requests(request.user).select_related("requester", "department", "store")
    context = {
        "rows": rows.prefetch_related("lines__item")[:200],
        "manager": rights.is_manager(request.user),
    }
    return render(request, "resources/supplies.html", context)


def request_new(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _unit(request)
    stores = list(Store.objects.filter(unit_id=unit_id))
    items = list(SupplyItem.objects.filter(unit_id=unit_id))
    error = ""
    if request.method == "POST":
        lines = [
            services.LineIn(
                item_id=item.pk, quantity=parse_int(request.POST.get(f"qty_{item.pk}"), minimum=0, default=0)
            )
            for item in items
        ]
        try:
            made = services.supply_request_submit(
                actor=request.user,
                store_id=parse_id(request.POST.get("store")) or 0,
                lines=lines,
                note=parse_text(request.POST.get("note")),
            )
        except NotFoundError as exc:
            error = exc.message
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("领用申请已提交。"))
            return redirect("resources:supply", made.pk)
    return render(
        request,
        "resources/supply_form.html",
        {"stores": stores, "items": items, "error": error, "posted": request.POST},
        status=400 if error else 200,
    )


def _may_review(request: AuthedHttpRequest, supply: SupplyRequest) -> bool:
    if supply.instance_id is None or supply.status != SupplyStatus.PENDING:
        return False
    try:
        open_task_for(actor=request.user, instance_id=supply.instance_id, node="head")
    except ApplicationError:
        return False
    return True


def _detail(request: AuthedHttpRequest, supply: SupplyRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "supply": supply,
        "lines": supply.lines.select_related("item"),
        "may_review": _may_review(request, supply),
        "may_issue": supply.status == SupplyStatus.READY and services.may_keep(request.user, supply.store),
        "error": error,
    }
    return render(request, "resources/supply.html", context, status=status)


def request_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        supply = selectors.access_supply_request(actor=request.user, request_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return _detail(request, supply)


@require_POST
def request_act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """``approve`` / ``return`` (部门审核) or ``issue`` (发放)."""
    try:
        supply = selectors.access_supply_request(actor=request.user, request_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")[:500]
    try:
        if action == "approve":
            services.supply_request_approve(actor=request.user, request_id=pk, comment=comment)
            messages.success(request, _("已同意，待库管员发放。"))
        elif action == "return":
            services.supply_request_return(actor=request.user, request_id=pk, comment=comment)
            messages.success(request, _("已退回申请人。"))
        elif action == "issue":
            services.supply_request_issue(actor=request.user, request_id=pk)
            messages.success(request, _("已发放。"))
        else:
            return _detail(request, supply, error=_("未知的操作。"), status=400)
    except ApplicationError as exc:
        return _detail(request, supply, error=exc.message, status=409 if exc.code == "conflict" else 400)
    return redirect("resources:supply", pk)


def stock(request: AuthedHttpRequest) -> HttpResponse:
    """库存 per store, with 入库 (keeper or office) and new items and stores (office)."""
    unit_id = _keeper_or_manager(request)
    manager = rights.is_manager(request.user)
    stores = (
        Store.objects.filter(unit_id=unit_id) if manager else Store.objects.filter(unit_id=unit_id, keeper=request.user)
    )
    people = (
        Staff.objects.filter(unit_id=unit_id, user__is_active=True)
        .order_by("user__username")
        .values_list("user_id", "user__full_name")[:1000]
        if manager
        else []
    )
    context = {
        "stocks": selectors.visible_stock(request.user).filter(store__in=stores),
        "stores": stores,
        "items": SupplyItem.objects.filter(unit_id=unit_id),
        "people": people,
        "manager": manager,
    }
    return render(request, "resources/supplies_stock.html", context)


@require_POST
def stock_act(request: AuthedHttpRequest) -> HttpResponse:
    """``receive`` (入库), ``item`` (新用品) or ``store`` (新库房)."""
    _keeper_or_manager(request)
    action = request.POST.get("action", "")
    try:
        if action == "receive":
            low = request.POST.get("low_mark", "").strip()
            services.stock_receive(
                actor=request.user,
                store_id=parse_id(request.POST.get("store")) or 0,
                item_id=parse_id(request.POST.get("item")) or 0,
                quantity=parse_int(request.POST.get("quantity"), default=0),
                low_mark=parse_int(low, default=-1) if low else None,
            )
            messages.success(request, _("已入库。"))
        elif action == "item":
            services.item_create(
                actor=request.user,
                name=parse_text(request.POST.get("name"), max_length=100),
                measure=parse_text(request.POST.get("measure"), max_length=10) or "个",
                needs_approval=request.POST.get("needs_approval") == "on",
            )
            messages.success(request, _("用品已登记。"))
        elif action == "store":
            services.store_create(
                actor=request.user,
                name=parse_text(request.POST.get("name"), max_length=100),
                keeper_id=parse_id(request.POST.get("keeper")) or 0,
            )
            messages.success(request, _("库房已登记。"))
        else:
            raise Http404(_("未知的操作。"))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("resources:supplies_stock")


def _consumption_year(request: AuthedHttpRequest) -> int:
    """The year asked for, after the rule of the consumption page: the office of the unit only."""
    _unit(request)
    if not rights.is_manager(request.user):
        raise Http404(_("只有办公室可以打开此页面。"))
    return parse_int(request.GET.get("year"), minimum=2000, maximum=2100, default=timezone.localdate().year)


def consumption(request: AuthedHttpRequest) -> HttpResponse:
    """领用汇总 per month and department (the office)."""
    year = _consumption_year(request)
    return render(
        request,
        "resources/supplies_consumption.html",
        {"rows": selectors.supply_consumption(request.user, year=year), "year": year},
    )


def consumption_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    """领用汇总 in Excel: each department's issued quantities per month and item, and each item's per month."""
    year = _consumption_year(request)
    rows = selectors.supply_consumption(request.user, year=year)
    try:
        xlsx.require_within_limit(len(rows))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('resources:supplies_consumption')}?year={year}")
    by_department = xlsx.Sheet(
        title=_("按部门"),
        header=[_("月份"), _("部门"), _("用品"), _("计量单位"), _("数量")],
        rows=[(f"{r.month:%Y-%m}", r.department, r.item, r.measure, r.quantity) for r in rows],
    )
    totals: dict[tuple[str, str, str], int] = {}
    for r in rows:
        key = (f"{r.month:%Y-%m}", r.item, r.measure)
        totals[key] = totals.get(key, 0) + r.quantity
    by_item = xlsx.Sheet(
        title=_("按用品"),
        header=[_("月份"), _("用品"), _("计量单位"), _("数量")],
        rows=[(*key, quantity) for key, quantity in sorted(totals.items())],
    )
    return xlsx.attachment(xlsx.workbook(by_department, by_item), _("领用汇总-%(year)s.xlsx") % {"year": year})

"""办公设备 pages: the register (with the Excel export and import), one asset with its transfers and repairs, the
new-asset form, and the renewal plan with its rules and its Excel download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_int, parse_text
from sanfu.org.models import Department, Staff
from sanfu.resources import renewal, rights, selectors, services
from sanfu.resources.forms import AssetForm, ConditionForm, ImportForm, RenewalRuleForm, RepairForm, TransferForm
from sanfu.resources.models import Asset, Condition
from sanfu.resources.services.asset_import import COLUMNS

PAGE_ROWS = 200


def _unit(request: AuthedHttpRequest) -> int:
    unit_id = rights.unit_of(request.user)
    if unit_id is None:
        raise Http404(_("您不属于任何单位。"))
    return unit_id


def _manager(request: AuthedHttpRequest) -> int:
    unit_id = _unit(request)
    if not rights.is_manager(request.user):
        raise Http404(_("只有办公室（资产管理员）可以打开此页面。"))
    return unit_id


def _choices(unit_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    departments = list(
        Department.objects.filter(unit_id=unit_id, is_active=True).order_by("path").values_list("pk", "name")
    )
    people = [
        (user_id, name or username)
        for user_id, username, name in Staff.objects.filter(unit_id=unit_id, user__is_active=True)
        .order_by("user__username")
        .values_list("user_id", "user__username", "user__full_name")[:1000]
    ]
    return departments, people


def _filtered(request: AuthedHttpRequest) -> tuple[Any, dict[str, Any]]:
    q = parse_text(request.GET.get("q"), max_length=50)
    department = parse_int(request.GET.get("department"), minimum=1, default=0)
    condition = request.GET.get("condition", "")
    rows = selectors.search_assets(request.user, q=q, department=department, condition=condition)
    return rows, {"q": q, "department": department, "condition": condition}


def register(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _unit(request)
    rows, filters = _filtered(request)
    departments, _people = _choices(unit_id)
    context = {
        "rows": rows[:PAGE_ROWS],
        "total": rows.count(),
        "page_rows": PAGE_ROWS,
        "filters": filters,
        "departments": departments,
        "conditions": Condition.choices,
        "manager": rights.is_manager(request.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "resources/assets.html", context)


def register_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    _unit(request)
    rows, _filters = _filtered(request)
    try:
        xlsx.require_within_limit(rows.count())
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("resources:assets")
    sheet = xlsx.Sheet(
        title=_("设备台账"),
        header=list(COLUMNS),
        rows=[
            (
                a.number,
                a.name,
                a.category,
                a.purchase_date,
                float(a.value),
                a.service_years,
                a.get_condition_display(),
                a.location,
                a.department.name if a.department else "",
                a.keeper.username if a.keeper else "",
            )
            for a in rows
        ],
    )
    return xlsx.attachment(xlsx.workbook(sheet), _("设备台账.xlsx"))


def asset_new(request: AuthedHttpRequest) -> HttpResponse:
    unit_id = _manager(request)
    departments, people = _choices(unit_id)
    if request.method == "POST":
        form = AssetForm(request.POST, departments=departments, people=people)
        if form.is_valid():
            d = form.cleaned_data
            data = services.AssetIn(
                number=d["number"],
                name=d["name"],
                category=d["category"],
                purchase_date=d["purchase_date"],
                value=d["value"],
                service_years=d["service_years"],
                condition=d["condition"],
                location=d["location"],
                department_id=d["department"],
                keeper_id=d["keeper"],
            )
            try:
                asset = services.asset_create(actor=request.user, data=data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("设备已登记。"))
                return redirect("resources:asset", asset.pk)
    else:
        form = AssetForm(departments=departments, people=people)
    return render(
        request, "resources/simple_form.html", {"form": form, "title": _("登记设备"), "back": "resources:assets"}
    )


def _asset_page(
    request: AuthedHttpRequest, asset: Asset, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    manager = rights.is_manager(request.user)
    departments, people = _choices(asset.unit_id)
    forms = forms or {}
    context = {
        "asset": asset,
        "transfers": asset.transfers.select_related(
            "from_department", "to_department", "from_keeper", "to_keeper", "moved_by"
        ),
        "repairs": asset.repairs.select_related("recorded_by"),
        "manager": manager,
        "transfer_form": forms.get("transfer") or TransferForm(departments=departments, people=people),
        "repair_form": forms.get("repair") or RepairForm(initial={"repaired_on": timezone.localdate()}),
        "condition_form": forms.get("condition") or ConditionForm(initial={"condition": asset.condition}),
    }
    return render(request, "resources/asset.html", context, status=status)


def asset_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        asset = selectors.access_asset(actor=request.user, asset_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return _asset_page(request, asset)


@require_POST
def asset_act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """``transfer`` (调拨), ``repair`` (维修记录) or ``condition`` (评定状况) on one asset (the office)."""
    try:
        asset = selectors.access_asset(actor=request.user, asset_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    departments, people = _choices(asset.unit_id)
    action = request.POST.get("action", "")
    form: Any
    if action == "transfer":
        form = TransferForm(request.POST, departments=departments, people=people)
    elif action == "repair":
        form = RepairForm(request.POST)
    elif action == "condition":
        form = ConditionForm(request.POST)
    else:
        raise Http404(_("未知的操作。"))
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "transfer":
                services.asset_transfer(
                    actor=request.user,
                    asset_id=pk,
                    department_id=d["department"],
                    keeper_id=d["keeper"],
                    location=d["location"],
                    note=d["note"],
                )
            elif action == "repair":
                services.asset_repair(
                    actor=request.user,
                    asset_id=pk,
                    repaired_on=d["repaired_on"],
                    description=d["description"],
                    cost=d["cost"],
                )
            else:
                services.asset_set_condition(actor=request.user, asset_id=pk, condition=d["condition"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("resources:asset", pk)
    return _asset_page(request, asset, forms={action: form}, status=400)


def asset_import(request: AuthedHttpRequest) -> HttpResponse:
    """导入台账 from Excel: every row right, or nothing imported and each wrong row listed."""
    _manager(request)
    problems: list[dict[str, object]] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.asset_import(actor=request.user, content=form.cleaned_data["file"].read())
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                problems = exc.errors
            else:
                messages.success(request, _("已导入 %(n)d 台设备。") % {"n": result.created})
                return redirect("resources:assets")
    else:
        form = ImportForm()
    status = 400 if problems else 200
    return render(
        request, "resources/asset_import.html", {"form": form, "problems": problems, "columns": COLUMNS}, status=status
    )


def _year(request: AuthedHttpRequest) -> int:
    return parse_int(request.GET.get("year"), minimum=2000, maximum=2100, default=timezone.localdate().year)


def renewal_page(request: AuthedHttpRequest) -> HttpResponse:
    """更新计划 of a year, with its rules (the office edits them here)."""
    _manager(request)
    plan = renewal.renewal_plan(request.user, year=_year(request))
    form = RenewalRuleForm(
        initial={
            "by_age": plan.rule.by_age,
            "by_condition": plan.rule.by_condition,
            "repair_share": plan.rule.repair_share,
        }
    )
    return render(request, "resources/renewal.html", {"plan": plan, "form": form})


@require_POST
def renewal_rules(request: AuthedHttpRequest) -> HttpResponse:
    _manager(request)
    form = RenewalRuleForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.renewal_rule_update(
                actor=request.user, by_age=d["by_age"], by_condition=d["by_condition"], repair_share=d["repair_share"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("更新规则已保存。"))
    else:
        messages.error(request, _("维修费占原值的百分比须在 1 至 1000 之间，或留空不启用。"))
    return redirect("resources:renewal")


def renewal_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    _manager(request)
    plan = renewal.renewal_plan(request.user, year=_year(request))
    lines = xlsx.Sheet(
        title=_("更新计划"),
        header=[
            _("资产编号"),
            _("名称"),
            _("类别"),
            _("使用部门"),
            _("购置日期"),
            _("到期日期"),
            _("原值"),
            _("累计维修费"),
            _("状况"),
            _("更新原因"),
        ],
        rows=[
            (
                line.number,
                line.name,
                line.category,
                line.department,
                line.purchase_date,
                line.due_date,
                float(line.value),  # numbers Excel can add up
                float(line.repairs),
                line.condition,
                _("；").join(line.reasons),
            )
            for line in plan.lines
        ],
    )
    budget = xlsx.Sheet(
        title=_("预算汇总"),
        header=[_("部门"), _("台数"), _("预算（元）")],
        rows=[
            *((name, count, float(budget)) for name, count, budget in plan.by_department),
            (_("合计"), len(plan.lines), float(plan.total)),
        ],
    )
    return xlsx.attachment(xlsx.workbook(lines, budget), _("更新计划-%(year)s.xlsx") % {"year": plan.year})

from __future__ import annotations

import calendar as pycalendar
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.core import lookups, xlsx
from sanfu.core.audit import client_ip
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.forms import StyledForm
from sanfu.core.htmx import render_page
from sanfu.core.params import parse_id, parse_int, parse_text
from sanfu.org import contacts, exporting, importing, roles, selectors, services
from sanfu.org.forms import CalendarDayForm, DelegationForm
from sanfu.org.models import Department, Secretary, Staff, Unit
from sanfu.org.people_search import search_people


def _directory_scope(request: AuthedHttpRequest) -> tuple[list[Unit], int, Department | None]:
    """The units, the chosen unit (the person's own by default) and the chosen department of that unit."""
    units = list(Unit.objects.order_by("level", "sort", "id"))
    home = selectors.staff_of(request.user.pk)
    unit_id = parse_id(request.GET.get("unit")) or (home.unit_id if home else (units[0].pk if units else 0))
    dept_id = parse_id(request.GET.get("dept"))
    selected = Department.objects.filter(pk=dept_id, unit_id=unit_id).first() if dept_id is not None else None
    return units, unit_id, selected


def directory(request: AuthedHttpRequest) -> HttpResponse:
    """组织机构与通讯录: the department tree of a unit, the people of the chosen department, a search by name,
    pinyin, initials, 工号 or office phone (live with HTMX), and each person's card."""
    units, unit_id, selected = _directory_scope(request)
    tree = selectors.department_tree(unit_id) if unit_id else []
    query = parse_text(request.GET.get("q"))  # NUL and control characters out; a long one is refused below
    found = contacts.directory_search(unit_id=unit_id, department=selected, query=query, viewer=request.user)
    page = Paginator(found.staff, 40).get_page(request.GET.get("page"))
    # Whose rank and mobile this person may see, asked for the page's rows only (not the whole unit): the rank
    # within the data scope of 人员详细信息, the mobile by the directory's rule (org.contacts).
    people = list(page)
    rule = contacts.mobile_rule(request.user, people)
    detail_ids = rule.in_scope
    for person in people:
        person.shown_mobile = rule.mobile(person)  # type: ignore[attr-defined]
    context = {
        "units": units,
        "unit_id": unit_id,
        "tree": tree,
        "selected": selected,
        "page": page,
        "q": query,
        "message": found.message,
        "detail_ids": detail_ids,
        "may_export": bool(unit_id) and contacts.may_export(request.user, unit_id),
    }
    return render_page(request, "org/directory.html", context, partial="org/partials/_staff_list.html")


def person(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    """A person's card (名片): posts and concurrent posts, office, phones, e-mail, who acts for them now."""
    try:
        card = contacts.person_card(viewer=request.user, user_id=user_id, at=timezone.now())
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return render_page(request, "org/person.html", {"card": card}, partial="org/partials/_person_card.html")


def person_vcard(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    """A person's card as a vCard (.vcf), for whoever sees the card; the mobile only when they may read it."""
    try:
        card, content = contacts.person_vcard(viewer=request.user, user_id=user_id, at=timezone.now())
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    return _vcf(content, f"{card.user.display_name}.vcf")


def _vcf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response


def directory_export(request: AuthedHttpRequest, fmt: str) -> HttpResponse:
    """The office's export of the chosen unit or department: Excel (``xlsx``) or every card in one ``vcf``.
    Refused (404) to anyone but the unit's office and HR."""
    _units, unit_id, selected = _directory_scope(request)
    if fmt not in {"xlsx", "vcf"} or not contacts.may_export(request.user, unit_id):
        raise Http404
    try:
        if fmt == "xlsx":
            content = contacts.directory_workbook(
                actor=request.user, unit_id=unit_id, department=selected, ip=client_ip(request)
            )
        else:
            content = contacts.department_vcards(
                actor=request.user, unit_id=unit_id, department=selected, ip=client_ip(request)
            )
    except ApplicationError as exc:
        messages.warning(request, exc.message)
        return redirect(f"{reverse('org:directory')}?unit={unit_id}" + (f"&dept={selected.pk}" if selected else ""))
    name = f"{_('通讯录')}-{selected.name if selected else Unit.objects.get(pk=unit_id).name}"
    if fmt == "xlsx":
        return xlsx.attachment(content, f"{name}-{timezone.localdate():%Y%m%d}.xlsx")
    return _vcf(content, f"{name}.vcf")


@require_GET
def people_search(request: AuthedHttpRequest) -> HttpResponse:
    """The person picker's results for ``q`` (an HTMX partial: one option per person)."""
    query = parse_text(request.GET.get("q"))
    limit = parse_int(request.GET.get("limit"), minimum=1, default=20)  # search_people caps it
    hits = search_people(actor=request.user, query=query, limit=limit)
    return render(request, "org/partials/_people_results.html", {"hits": hits, "q": query.strip()})


def leaders(request: AuthedHttpRequest) -> HttpResponse:
    """领导分工: who leads the unit, which departments each leader is in charge of, and their secretaries."""
    home = selectors.staff_of(request.user.pk)
    unit_id = parse_id(request.GET.get("unit")) or (home.unit_id if home else 0)
    leaders_qs = (
        Staff.objects.filter(unit_id=unit_id, rank__gte=roles.LEADER_RANK, user__is_active=True)
        .select_related("user")
        .prefetch_related(
            # One query each for every leader's departments and secretaries, not two per leader.
            Prefetch(
                "user__departments_in_charge",
                queryset=Department.objects.filter(unit_id=unit_id).order_by("path"),
            ),
            Prefetch("user__secretaries", queryset=Secretary.objects.select_related("secretary").order_by("pk")),
        )
        .order_by("-rank", "employee_no")
    )
    rows = [
        {
            "staff": leader,
            "departments": list(leader.user.departments_in_charge.all()),
            "secretaries": [s.secretary for s in leader.user.secretaries.all()],
        }
        for leader in leaders_qs
    ]
    units = list(Unit.objects.order_by("level", "sort", "id"))
    return render(request, "org/leaders.html", {"rows": rows, "units": units, "unit_id": unit_id})


CALENDAR_YEARS = (1900, 2100)  # the years the 工作日历 page shows


def working_calendar(request: AuthedHttpRequest) -> HttpResponse:
    """工作日历: a month of working and rest days; the system administrator may override days."""
    today = timezone.localdate()
    # A bounded year: the page links the months before and after, which must exist too.
    year = parse_int(request.GET.get("year"), minimum=CALENDAR_YEARS[0], maximum=CALENDAR_YEARS[1], default=today.year)
    month = parse_int(request.GET.get("month"), minimum=1, maximum=12, default=today.month)
    first = date(year, month, 1)
    can_edit = has_perm(request.user, Perm.MANAGE_CONFIG)
    form = CalendarDayForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=404)
        if form.is_valid():
            day, kind, note = form.cleaned_data["day"], form.cleaned_data["kind"], form.cleaned_data["note"]
            if kind == "clear":
                services.calendar_day_clear(actor=request.user, day=day, ip=client_ip(request))
            else:
                services.calendar_day_set(actor=request.user, day=day, kind=kind, note=note, ip=client_ip(request))
            messages.success(request, _("工作日历已更新。"))
            return redirect(f"{request.path}?year={day.year}&month={day.month}")
    cal = selectors.working_calendar()
    days = cal.month(year, month)
    lead_blanks = range(first.weekday())
    prev_month = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    context = {
        "days": days,
        "blanks": lead_blanks,
        "year": year,
        "month": month,
        "prev": prev_month,
        "next": next_month,
        "form": form,
        "today": today,
        "workdays": sum(d.is_workday for d in days),
        "weekday_names": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        "month_name": pycalendar.month_name[month],
    }
    return render(request, "org/calendar.html", context)


def delegations(request: AuthedHttpRequest) -> HttpResponse:
    """委托代理: my delegations, given and received; set up a new one."""
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delegation_create(
                actor=request.user,
                principal=request.user,
                delegate=data["delegate"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                matter_types=data["matter_types"],
                reason=data["reason"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            for err in exc.errors:
                form.add_error(str(err["field"]) if err.get("field") else None, str(err["message"]))
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("委托已设置。"))
            return redirect("org:delegations")
    mine = selectors.delegations_of(request.user, at=timezone.now())
    names = dict(lookups.choices("matters"))
    for delegation in [*mine["given"], *mine["received"]]:  # matters by name; a code no matter has, as stored
        delegation.matter_label = "、".join(names.get(code, code) for code in delegation.matter_types)  # type: ignore[attr-defined]
    return render(request, "org/delegations.html", {"form": form, "mine": mine, "now": timezone.now()})


@require_POST
def delegation_revoke(request: AuthedHttpRequest, delegation_id: int) -> HttpResponse:
    try:
        services.delegation_revoke(actor=request.user, delegation_id=delegation_id, ip=client_ip(request))
    except NotFoundError as exc:  # another person's delegation is not there (AC-2), as a draft or a request is
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("委托已撤销。"))
    return redirect("org:delegations")


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files in one field (the pattern from Django's documentation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else [data]
        return [super(_MultipleFileField, self).clean(item, initial) for item in items]


_IMPORT_MAX_BYTES = 10 * 1024 * 1024


class OrgImportForm(StyledForm):
    uploads = _MultipleFileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy(
            "一个 .xlsx 工作簿（含“部门”“人员”工作表），或一个、两个 .csv 文件；每个文件不超过 10 MB。"
        ),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("CSV 文件类型"),
        choices=[
            ("", gettext_lazy("按表头自动识别")),
            (importing.DEPARTMENTS, gettext_lazy("部门")),
            (importing.STAFF, gettext_lazy("人员")),
        ],
        required=False,
        help_text=gettext_lazy("只对 CSV 文件有效；Excel 工作簿按工作表名称识别。"),
    )

    def clean_uploads(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["uploads"]
        for upload in files:
            if upload.size > _IMPORT_MAX_BYTES:
                raise forms.ValidationError(_("文件“%(n)s”超过 10 MB。") % {"n": upload.name})
        return files


def _import_columns() -> list[dict[str, Any]]:
    """The two formats as the upload page explains them."""
    roles = "、".join(importing.role_labels())
    ranks = "、".join(importing.rank_labels())
    return [
        {
            "kind": importing.DEPARTMENTS,
            "title": _("部门"),
            "columns": [
                ("单位代码", True, _("已有单位的代码")),
                ("部门代码", True, _("在本单位内唯一；字母、数字、下划线或连字符，最多 32 个字符")),
                ("部门名称", True, _("最多 100 个字符")),
                ("上级部门代码", False, _("留空为一级部门；可引用同一文件中后面的行，须属于同一单位")),
                ("排序", False, _("整数，默认 0")),
                ("分管领导工号", False, _("已有人员或本次导入人员的工号")),
            ],
        },
        {
            "kind": importing.STAFF,
            "title": _("人员"),
            "columns": [
                ("工号", True, _("唯一；已有工号的人员会被更新")),
                ("姓名", True, ""),
                ("用户名", True, _("登录用的账户名，不能与他人重复")),
                ("单位代码", True, _("已有单位的代码")),
                ("部门代码", True, _("主职部门，须属于该单位")),
                ("身份", True, roles),
                ("职级", True, ranks),
                ("职务", False, ""),
                ("手机", False, _("以 1 开头的 11 位数字")),
                ("邮箱", False, ""),
                ("办公室", False, _("不超过 64 个字符；不填此列则保留原值")),
                ("办公电话", False, _("数字、空格、括号、+、-、# 和“转”，不超过 32 个字符")),
                ("兼职部门代码", False, _("同一单位的部门；多个用分号（; 或 ；）分隔；列出后即为全部兼职")),
            ],
        },
    ]


def org_import(request: AuthedHttpRequest) -> HttpResponse:
    """组织导入: departments and staff from CSV or Excel, all or nothing, with a per-row error report."""
    if not has_perm(request.user, Perm.MANAGE_CONFIG):
        raise Http404
    form = OrgImportForm(request.POST or None, request.FILES or None)
    import_errors: list[dict[str, object]] = []
    summary = None
    if request.method == "POST" and form.is_valid():
        uploads = [
            importing.ImportFile(name=f.name or "", content=f.read(), kind=form.cleaned_data["kind"] or None)
            for f in form.cleaned_data["uploads"]
        ]
        try:
            summary = importing.org_import(actor=request.user, files=uploads, ip=client_ip(request))
        except ApplicationError as exc:
            import_errors = exc.errors
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("导入完成。"))
    context = {
        "form": form,
        "import_errors": import_errors,
        "summary": summary,
        "formats": _import_columns(),
    }
    return render(request, "org/import.html", context)


def org_import_template(request: AuthedHttpRequest, kind: str) -> HttpResponse:
    """An empty CSV template (header row only) with a UTF-8 BOM so that Excel shows the Chinese headers."""
    if not has_perm(request.user, Perm.MANAGE_CONFIG) or kind not in importing.KINDS:
        raise Http404
    response = HttpResponse(importing.csv_template(kind), content_type="text/csv; charset=utf-8")
    name = {importing.DEPARTMENTS: "部门导入模板.csv", importing.STAFF: "人员导入模板.csv"}[kind]
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or "attachment"
    return response


def org_export(request: AuthedHttpRequest) -> HttpResponse:
    """组织导出: every department and person as a workbook the import reads back unchanged (sysadmin only)."""
    if not has_perm(request.user, Perm.MANAGE_CONFIG):
        raise Http404
    try:
        exported = exporting.org_export(actor=request.user, ip=client_ip(request))
    except ApplicationError as exc:
        messages.warning(request, exc.message)
        return redirect("org:import")
    return xlsx.attachment(exported.content, f"{_('组织机构')}-{timezone.localdate():%Y%m%d}.xlsx")

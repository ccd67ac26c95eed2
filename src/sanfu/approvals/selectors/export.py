"""导出: an inbox list (待办, 已办, 我发起的, 抄送) as an Excel workbook, one row per item with the request's form
fields as columns — finance reconciles expense claims from it; and the process administrator's 流程监控 search,
with the form's fields when it is for one process. Same rows and filters as the page, so the same access
rule: a person exports only what their own list shows. Written by ``core.xlsx``, so a title or form value that
looks like a formula is stored as text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formschema
from sanfu.approvals.models import Request
from sanfu.approvals.selectors.inbox import URGENCY_LABELS, InboxFilters, rows_for
from sanfu.approvals.selectors.instance import value_text
from sanfu.approvals.selectors.monitor import MonitorFilters, monitor_rows
from sanfu.core import xlsx
from sanfu.workflow.models import Instance, Task

EXPORT_LIMIT = 5000  # rows in one workbook; a wider export is narrowed with the filters
EXPORTABLE = ("todo", "done", "started", "cc")
_NUMERIC = {"money", "number"}


def _plain(moment: datetime | None) -> datetime | None:
    """Excel knows no time zones: the office's local time, without its zone."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _cell(spec: formschema.FieldSpec | None, value: Any) -> Any:
    if spec is not None and spec.value_kind in _NUMERIC and value not in (None, ""):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return value_text(value)
        # A number finance can add up: core.xlsx writes a Decimal as its text, and Excel holds doubles anyway.
        return float(number) if number.is_finite() else value_text(value)
    return value_text(value)


class _FormColumns:
    """The requests of some instances and their forms' fields as columns (by label in first-seen order: the
    same label shares a column), read in one query."""

    def __init__(self, instances: list[Instance]):
        self.requests = {
            r.instance_id: r
            for r in Request.objects.filter(instance__in=[i.pk for i in instances]).select_related(
                "matter", "applicant"
            )
        }
        self.schemas: dict[int, formschema.FormSchema] = {}
        self.labels: dict[str, None] = {}
        for known in self.requests.values():
            if known.matter_id not in self.schemas:
                self.schemas[known.matter_id] = formschema.parse_schema(known.matter.form_schema or {"fields": []})
                for spec in self.schemas[known.matter_id].fields:
                    if spec.type not in {"file", "signature"}:
                        self.labels.setdefault(spec.label)

    def values(self, instance: Instance) -> list[Any]:
        """The instance's form values under the columns: money and numbers as numbers."""
        values = dict.fromkeys(self.labels, "")
        req = self.requests.get(instance.pk)
        if req is not None:
            form = (instance.state or {}).get("form", {})
            for spec in self.schemas[req.matter_id].fields:
                if spec.label in values and spec.name in form:
                    values[spec.label] = _cell(spec, form[spec.name])
        return list(values.values())


def _workbook(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    return xlsx.workbook(xlsx.Sheet(title, [str(name) for name in header], rows))


def inbox_workbook(*, user: User, tab: str, filters: InboxFilters) -> bytes:
    """The workbook of ``user``'s ``tab`` as filtered; at most EXPORT_LIMIT rows, newest first as on the page."""
    if tab not in EXPORTABLE:
        raise ValueError(f"tab {tab} is not exported")
    items = list(rows_for(user, tab, filters)[:EXPORT_LIMIT])
    instances: list[Instance] = [i.instance if isinstance(i, Task) else i for i in items]
    forms = _FormColumns(instances)
    fixed = [_("编号"), _("标题"), _("事项"), _("发起人"), _("紧急程度"), _("状态"), _("提交时间"), _("办结时间")]
    if tab != "started":
        fixed += [_("节点"), _("收到时间"), _("办理时间")]
    rows = []
    for item, instance in zip(items, instances, strict=True):
        req = forms.requests.get(instance.pk)
        row: list[Any] = [
            req.number if req else "",
            req.title if req else instance.title,
            req.matter.name if req else instance.definition.name,
            instance.initiator.display_name,
            str(URGENCY_LABELS.get(instance.urgency, instance.urgency)),
            instance.get_status_display(),
            _plain(instance.submitted_at or instance.created_at),
            _plain(instance.ended_at),
        ]
        if isinstance(item, Task):
            row += [item.node_name, _plain(item.created_at), _plain(item.acted_at)]
        rows.append([*row, *forms.values(instance)])
    return _workbook(_("审批清单"), [*fixed, *forms.labels], rows)


def monitor_workbook(*, instances: QuerySet[Instance], filters: MonitorFilters) -> bytes:
    """流程监控's search (``instances``, as the page orders them) as a workbook: the page's columns, and the
    form's fields when the search is for one process; at most EXPORT_LIMIT rows."""
    rows = monitor_rows(list(instances[:EXPORT_LIMIT]))
    forms = _FormColumns([r.instance for r in rows])
    with_form = bool(filters.definition)  # one process: its form's fields are the same columns for every row
    header = [_("编号"), _("标题"), _("流程"), _("发起人"), _("状态"), _("异常"), _("当前办理"), _("发起时间")]
    body = []
    for row in rows:
        instance = row.instance
        req = forms.requests.get(instance.pk)
        if getattr(instance, "is_orphaned", False):
            flag = _("无人办理")
        elif getattr(instance, "is_late", False):
            flag = _("超时")
        else:
            flag = ""
        holders = "；".join(
            f"{t.node_name} · {t.assignee.display_name}{'' if t.assignee.is_active else _('（已停用）')}"
            for t in row.holders
        )
        cells: list[Any] = [
            req.number if req else "",
            instance.title,
            instance.definition.name,
            instance.initiator.display_name,
            instance.get_status_display(),
            flag,
            holders,
            _plain(instance.created_at),
        ]
        body.append([*cells, *(forms.values(instance) if with_form else [])])
    return _workbook(_("流程监控"), [*header, *(forms.labels if with_form else [])], body)

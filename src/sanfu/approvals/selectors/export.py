"""导出: an inbox list (待办, 已办, 我发起的, 抄送) as an Excel workbook, one row per item with the request's form
fields as columns — finance reconciles expense claims from it. Same rows and filters as the page, so the
same access rule: a person exports only what their own list shows."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from sanfu.accounts.models import User
from sanfu.approvals import formschema
from sanfu.approvals.models import Request
from sanfu.approvals.selectors.inbox import URGENCY_LABELS, InboxFilters, rows_for
from sanfu.approvals.selectors.instance import value_text
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
            return Decimal(str(value))
        except InvalidOperation:
            return value_text(value)
    return value_text(value)


def inbox_workbook(*, user: User, tab: str, filters: InboxFilters) -> bytes:
    """The workbook of ``user``'s ``tab`` as filtered; at most EXPORT_LIMIT rows, newest first as on the page."""
    if tab not in EXPORTABLE:
        raise ValueError(f"tab {tab} is not exported")
    items = list(rows_for(user, tab, filters)[:EXPORT_LIMIT])
    instances: list[Instance] = [i.instance if isinstance(i, Task) else i for i in items]
    requests = {
        r.instance_id: r
        for r in Request.objects.filter(instance__in=[i.pk for i in instances]).select_related("matter", "applicant")
    }
    schemas: dict[int, formschema.FormSchema] = {}
    columns: dict[str, None] = {}  # form field labels in first-seen order: the same label shares a column
    for known in requests.values():
        if known.matter_id not in schemas:
            schemas[known.matter_id] = formschema.parse_schema(known.matter.form_schema or {"fields": []})
            for spec in schemas[known.matter_id].fields:
                if spec.type not in {"file", "signature"}:
                    columns.setdefault(spec.label)
    fixed = [_("编号"), _("标题"), _("事项"), _("发起人"), _("紧急程度"), _("状态"), _("提交时间"), _("办结时间")]
    if tab != "started":
        fixed += [_("节点"), _("收到时间"), _("办理时间")]
    book = Workbook()
    sheet = book.active
    sheet.title = _("审批清单")
    sheet.append([*fixed, *columns])
    for item, instance in zip(items, instances, strict=True):
        req = requests.get(instance.pk)
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
        values = dict.fromkeys(columns, "")
        if req is not None:
            form = (instance.state or {}).get("form", {})
            for spec in schemas[req.matter_id].fields:
                if spec.label in values and spec.name in form:
                    values[spec.label] = _cell(spec, form[spec.name])
        sheet.append([*row, *values.values()])
    for index, title in enumerate([*fixed, *columns], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(title)) * 2 + 4))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

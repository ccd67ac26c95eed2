"""Detail tables (明细表): rows cleaned column by column, computed columns, min/max rows and column sums."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sanfu.approvals.formschema.cleaners import SCALAR_CLEANERS, Cleaned, Hooks, quoted
from sanfu.approvals.formschema.model import FieldError, FieldSpec
from sanfu.approvals.formschema.values import from_cel, is_blank, is_empty, number_json, to_cel


def _row_is_blank(spec: FieldSpec, row: Mapping[str, Any]) -> bool:
    return all(is_blank(row.get(c.name)) for c in spec.columns if c.type != "computed")


def _clean_row(
    spec: FieldSpec, row: Mapping[str, Any], index: int, hooks: Hooks
) -> tuple[dict[str, Any], list[FieldError]]:
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    for col in spec.columns:
        if col.type == "computed":
            continue
        result = SCALAR_CLEANERS[col.type](col, row.get(col.name), hooks)
        messages = result.errors or (
            [_("%(field)s为必填项") % {"field": quoted(col)}] if col.required and is_empty(result.value) else []
        )
        errors += [
            FieldError(
                spec.name, _("第%(row)s行%(problem)s") % {"row": index + 1, "problem": m}, row=index, column=col.name
            )
            for m in messages
        ]
        cleaned[col.name] = result.value
    variables: dict[str, Any] = {"row": {c.name: to_cel(c, cleaned.get(c.name)) for c in spec.columns}}
    if hooks.initiator is not None:
        variables["initiator"] = dict(hooks.initiator)
    for col in spec.columns:
        if col.type == "computed" and col.expr is not None:
            try:
                cleaned[col.name] = from_cel(col, col.expr.run(variables))
            except Exception:
                cleaned[col.name] = None
            variables["row"][col.name] = to_cel(col, cleaned[col.name])
    return cleaned, errors


def clean_table(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    out = Cleaned([])
    if raw is not None and not isinstance(raw, list | tuple):
        out.errors.append(_("%(field)s的明细格式无效") % {"field": quoted(spec)})
        raw = []
    for index, row in enumerate(raw or []):
        if not isinstance(row, Mapping):
            out.cell_errors.append(FieldError(spec.name, _("第%(row)s行格式无效") % {"row": index + 1}, row=index))
            continue
        if _row_is_blank(spec, row):
            continue
        cleaned, errors = _clean_row(spec, row, index, hooks)
        out.value.append(cleaned)
        out.cell_errors += errors
    count = len(out.value)
    if count < spec.min_rows and (count or spec.min_rows):
        out.errors.append(_("%(field)s至少需要 %(n)s 行") % {"field": quoted(spec), "n": spec.min_rows})
    if spec.max_rows is not None and count > spec.max_rows:
        out.errors.append(_("%(field)s最多 %(n)s 行") % {"field": quoted(spec), "n": spec.max_rows})
    for col_name in spec.sum:
        col = spec.column(col_name)
        total = sum((Decimal(str(r[col_name])) for r in out.value if r.get(col_name) is not None), Decimal(0))
        out.derived[f"{spec.name}_sum_{col_name}"] = number_json(col, total)
    return out

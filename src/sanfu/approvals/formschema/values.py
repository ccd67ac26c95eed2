"""Values between their three shapes: as posted, as cleaned (JSON: money as "1234.50"), and as CEL sees
them (money as double, integer numbers as int, tables as lists of row maps)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sanfu.approvals.formschema.model import FieldSpec, FormSchema
from sanfu.approvals.formschema.money import format_money

NUMBER_LIMIT = Decimal(10) ** 15


def to_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "").replace("，", "").lstrip("¥￥")
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return value if value.is_finite() else None


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple | dict):
        return not raw
    return False


def is_empty(value: Any) -> bool:
    """Empty as far as ``required`` is concerned."""
    return value is None or value in ("", [], {})


def number_json(spec: FieldSpec, value: Decimal) -> Any:
    if spec.value_kind == "money":
        return format_money(value)
    if spec.integer:
        return int(value)
    return float(value)


def to_cel(spec: FieldSpec, value: Any) -> Any:
    """A cleaned (JSON) value as CEL should see it: money as double; table cells likewise."""
    if value is None:
        return None
    if spec.value_kind == "money":
        return float(Decimal(value))
    if spec.type == "table" and isinstance(value, list):
        return [{c.name: to_cel(c, row.get(c.name)) for c in spec.columns} for row in value if isinstance(row, Mapping)]
    return value


def from_cel(spec: FieldSpec, result: Any) -> Any:
    """A computed field's CEL result as a cleaned value (None when it cannot be represented)."""
    if result is None:
        return None
    if spec.format == "text":
        return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str)
    number = to_decimal(result)
    if number is None or abs(number) >= NUMBER_LIMIT:
        return None
    if spec.format == "money":
        return format_money(number)
    return int(number) if isinstance(result, int) else float(number)


def cel_form(schema: FormSchema, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned form data as the flow's conditions read it. Cleaned money is a string ("6000.00", exact for
    display); CEL compares numbers only with numbers, so money (and money column sums) become doubles."""
    form = dict(cleaned)
    for spec in schema.fields:
        if spec.name in form:
            form[spec.name] = to_cel(spec, form[spec.name])
        if spec.type == "table":
            for column_name in spec.sum:
                key = f"{spec.name}_sum_{column_name}"
                if form.get(key) is not None and spec.column(column_name).value_kind == "money":
                    form[key] = float(Decimal(str(form[key])))
    return form

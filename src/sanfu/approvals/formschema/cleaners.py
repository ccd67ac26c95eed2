"""Clean one submitted value of one field (every type but tables), reporting its own errors; the caller's
hooks supply what the rules need from outside (uploaded files, existence checks, the working-day counter)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sanfu.approvals.formschema.files import CONTENT_TYPES, EXTENSION_KINDS, FileInfo, sniff
from sanfu.approvals.formschema.model import FieldError, FieldSpec, Option
from sanfu.approvals.formschema.money import CENT, MONEY_LIMIT, format_money
from sanfu.approvals.formschema.values import NUMBER_LIMIT, is_blank, number_json, to_decimal

SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 200 * 1024


@dataclass(slots=True)
class Hooks:
    """What the rules need from outside the form (files, stored values, existence checks, the calendar)."""

    files: Mapping[str, Sequence[FileInfo]]
    previous: Mapping[str, Any]
    initiator: Mapping[str, Any] | None
    working_days: Callable[[date, date], int] | None
    people_exist: Callable[[list[int]], Iterable[int]] | None
    departments_exist: Callable[[list[int]], Iterable[int]] | None


@dataclass(slots=True)
class Cleaned:
    """One field's cleaned value, its own errors, its table cells' errors and the keys it adds."""

    value: Any = None
    errors: list[str] = field(default_factory=list)
    cell_errors: list[FieldError] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)


def quoted(spec: FieldSpec) -> str:
    return f"“{spec.label}”"


def _as_text(raw: Any) -> str | None:
    if raw is None:
        return ""
    if isinstance(raw, bool | list | tuple | dict):
        return None
    return str(raw).strip()


def _clean_text(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    text = _as_text(raw)
    if text is None:
        return Cleaned("", [_("%(field)s必须是文字") % {"field": quoted(spec)}])
    if spec.type == "textarea":
        text = text.replace("\r\n", "\n")
    out = Cleaned(text)
    if not text:
        return out
    if spec.max_length is not None and len(text) > spec.max_length:
        out.errors.append(_("%(field)s不能超过 %(n)s 个字") % {"field": quoted(spec), "n": spec.max_length})
    if spec.min_length is not None and len(text) < spec.min_length:
        out.errors.append(_("%(field)s至少需要 %(n)s 个字") % {"field": quoted(spec), "n": spec.min_length})
    if spec.pattern is not None and not spec.pattern.fullmatch(text):
        out.errors.append(spec.pattern_message or _("%(field)s格式不正确") % {"field": quoted(spec)})
    return out


def _bounds(spec: FieldSpec, value: Decimal) -> list[str]:
    errors: list[str] = []
    if spec.min is not None and value < spec.min:
        errors.append(_("%(field)s不能小于 %(n)s") % {"field": quoted(spec), "n": spec.min})
    if spec.max is not None and value > spec.max:
        errors.append(_("%(field)s不能大于 %(n)s") % {"field": quoted(spec), "n": spec.max})
    return errors


def _clean_number(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw):
        return Cleaned(None)
    value = to_decimal(raw)
    if value is None:
        return Cleaned(None, [_("%(field)s必须是数字") % {"field": quoted(spec)}])
    if abs(value) >= NUMBER_LIMIT:
        return Cleaned(None, [_("%(field)s超出范围") % {"field": quoted(spec)}])
    if spec.integer and value != value.to_integral_value():
        return Cleaned(None, [_("%(field)s必须是整数") % {"field": quoted(spec)}])
    return Cleaned(number_json(spec, value), _bounds(spec, value))


def _clean_money(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw):
        return Cleaned(None)
    value = to_decimal(raw)
    if value is None:
        return Cleaned(None, [_("%(field)s必须是金额（数字）") % {"field": quoted(spec)}])
    if abs(value) >= MONEY_LIMIT:
        return Cleaned(None, [_("%(field)s超出范围") % {"field": quoted(spec)}])
    if value != value.quantize(CENT, ROUND_HALF_UP):
        return Cleaned(None, [_("%(field)s最多保留两位小数") % {"field": quoted(spec)}])
    return Cleaned(format_money(value), _bounds(spec, value))


def _parse_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _clean_date(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw):
        return Cleaned(None)
    day = _parse_date(raw)
    if day is None:
        return Cleaned(None, [_("%(field)s不是有效的日期") % {"field": quoted(spec)}])
    return Cleaned(day.isoformat())


def _weekdays_between(start: date, end: date) -> int:
    return sum((start + timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1))


def _clean_date_range(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw) or (isinstance(raw, Mapping) and is_blank(raw.get("start")) and is_blank(raw.get("end"))):
        return Cleaned(None)
    if not isinstance(raw, Mapping):
        return Cleaned(None, [_("%(field)s不是有效的日期范围") % {"field": quoted(spec)}])
    if is_blank(raw.get("start")) or is_blank(raw.get("end")):
        return Cleaned(None, [_("%(field)s需要填写开始和结束日期") % {"field": quoted(spec)}])
    start, end = _parse_date(raw.get("start")), _parse_date(raw.get("end"))
    if start is None or end is None:
        return Cleaned(None, [_("%(field)s不是有效的日期") % {"field": quoted(spec)}])
    if end < start:
        return Cleaned(None, [_("%(field)s的结束日期不能早于开始日期") % {"field": quoted(spec)}])
    out = Cleaned({"start": start.isoformat(), "end": end.isoformat()})
    if spec.count_working_days:
        counter = hooks.working_days or _weekdays_between
        out.derived[f"{spec.name}_working_days"] = int(counter(start, end))
    return out


def _ids(raw: Any) -> list[int] | None:
    items = raw if isinstance(raw, list | tuple) else [raw]
    ids: list[int] = []
    for item in items:
        if is_blank(item):
            continue
        if isinstance(item, bool):
            return None
        try:
            number = int(str(item).strip())
        except ValueError:
            return None
        if number <= 0:
            return None
        if number not in ids:
            ids.append(number)
    return ids


def _clean_ids(spec: FieldSpec, raw: Any, exists: Callable[[list[int]], Iterable[int]] | None, what: str) -> Cleaned:
    empty: Any = [] if spec.multiple else None
    ids = _ids(raw)
    if ids is None:
        return Cleaned(empty, [_("%(field)s的取值无效") % {"field": quoted(spec)}])
    if not ids:
        return Cleaned(empty)
    if not spec.multiple and len(ids) > 1:
        return Cleaned(empty, [_("%(field)s只能选择一个%(what)s") % {"field": quoted(spec), "what": what}])
    if exists is not None and set(ids) - set(exists(ids)):
        return Cleaned(empty, [_("%(field)s中有不存在的%(what)s") % {"field": quoted(spec), "what": what}])
    return Cleaned(ids if spec.multiple else ids[0])


def _clean_person(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    return _clean_ids(spec, raw, hooks.people_exist, pgettext("表单取值", "人员"))


def _clean_department(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    return _clean_ids(spec, raw, hooks.departments_exist, pgettext("表单取值", "部门"))


def _option(spec: FieldSpec, raw: Any) -> Option | None:
    if isinstance(raw, bool | list | tuple | dict) or raw is None:
        return None
    key = str(raw).strip()
    return next((o for o in spec.options if str(o.value) == key), None)


def _clean_select(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw):
        return Cleaned(None)
    option = _option(spec, raw)
    if option is None:
        return Cleaned(None, [_("%(field)s的选项无效") % {"field": quoted(spec)}])
    return Cleaned(option.value)


def _clean_multiselect(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw):
        return Cleaned([])
    items = raw if isinstance(raw, list | tuple) else [raw]
    values: list[str | int] = []
    for item in items:
        if is_blank(item):
            continue
        option = _option(spec, item)
        if option is None:
            return Cleaned([], [_("%(field)s的选项无效") % {"field": quoted(spec)}])
        if option.value not in values:
            values.append(option.value)
    return Cleaned(values)


def _clean_computed(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    return Cleaned(None)  # never accepted from input; evaluated once the inputs are clean


def _clean_signature(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    if is_blank(raw):
        return Cleaned("")
    if not isinstance(raw, str) or not raw.startswith(SIGNATURE_PREFIX):
        return Cleaned("", [_("%(field)s的签名格式无效") % {"field": quoted(spec)}])
    payload = raw[len(SIGNATURE_PREFIX) :]
    if len(payload) > (SIGNATURE_MAX_BYTES * 4) // 3 + 8:
        return Cleaned("", [_("%(field)s的签名过大（不能超过 200 KB）") % {"field": quoted(spec)}])
    try:
        image = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        image = b""
    if sniff(image) != "png":
        return Cleaned("", [_("%(field)s的签名格式无效") % {"field": quoted(spec)}])
    if len(image) > SIGNATURE_MAX_BYTES:
        return Cleaned("", [_("%(field)s的签名过大（不能超过 200 KB）") % {"field": quoted(spec)}])
    return Cleaned(raw)


def file_problem(spec: FieldSpec, info: FileInfo) -> str | None:
    """Why one uploaded file of an attachment field is refused (type, size, content), or None."""
    ext = info.name.rsplit(".", 1)[-1].lower() if "." in info.name else ""
    if ext not in spec.accept:
        return _("%(field)s的文件“%(name)s”类型不允许（仅限 %(kinds)s）") % {
            "field": quoted(spec),
            "name": info.name,
            "kinds": _("、").join(spec.accept),
        }
    if info.size > spec.max_mb * 1024 * 1024:
        return _("%(field)s的文件“%(name)s”超过 %(mb)s MB") % {
            "field": quoted(spec),
            "name": info.name,
            "mb": f"{spec.max_mb:g}",
        }
    kind, expected = sniff(info.head), EXTENSION_KINDS.get(ext)
    if kind != expected or (expected is None and b"\x00" in info.head):
        return _("%(field)s的文件“%(name)s”内容与扩展名不符") % {"field": quoted(spec), "name": info.name}
    return None


def _clean_attachment(spec: FieldSpec, raw: Any, hooks: Hooks) -> Cleaned:
    """Posted values are ignored: new files come from ``files``, kept ones from ``previous``."""
    kept = hooks.previous.get(spec.name)
    kept_list = [dict(f) for f in kept if isinstance(f, Mapping)] if isinstance(kept, list) else []
    new = list(hooks.files.get(spec.name, ()))
    if not new:
        return Cleaned(kept_list)
    errors = [problem for info in new if (problem := file_problem(spec, info)) is not None]
    if not spec.multiple and len(new) > 1:
        errors.append(_("%(field)s只能上传一个文件") % {"field": quoted(spec)})
    if errors:
        return Cleaned(kept_list, errors)
    added = [
        {"name": info.name, "size": info.size, "content_type": CONTENT_TYPES.get(info.name.rsplit(".", 1)[-1].lower())}
        for info in new
    ]
    return Cleaned(kept_list + added if spec.multiple else added)


SCALAR_CLEANERS: dict[str, Callable[[FieldSpec, Any, Hooks], Cleaned]] = {
    "text": _clean_text,
    "textarea": _clean_text,
    "number": _clean_number,
    "money": _clean_money,
    "date": _clean_date,
    "date_range": _clean_date_range,
    "person": _clean_person,
    "department": _clean_department,
    "select": _clean_select,
    "multiselect": _clean_multiselect,
    "attachment": _clean_attachment,
    "computed": _clean_computed,
    "signature": _clean_signature,
}

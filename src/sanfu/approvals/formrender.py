"""Django-side helpers for smart forms: view-models for the ``_form.html`` / ``_form_display.html`` partials,
and turning a POST (table rows named ``items-0-qty``, date ranges ``leave-start`` / ``leave-end``) into the
data dict :func:`sanfu.approvals.formschema.validate` takes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from sanfu.approvals.formschema import (
    FieldError,
    FieldSpec,
    FileInfo,
    FormSchema,
    access_mode,
    is_empty,
    money_in_capitals,
    validate,
)

SNIFF_BYTES = 16
MAX_TABLE_ROWS = 500  # posted row indices beyond this are ignored (max_rows is the real rule)


class _MultiDict(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...
    def __iter__(self) -> Iterator[str]: ...


class Posted(NamedTuple):
    data: dict[str, Any]
    files: dict[str, list[FileInfo]]


def _file_info(upload: Any) -> FileInfo:
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return FileInfo(name=str(upload.name), size=int(upload.size), head=bytes(head), ref=upload)


def _posted_value(spec: FieldSpec, post: _MultiDict, key: str) -> Any:
    if spec.type == "multiselect" or (spec.type in {"person", "department"} and spec.multiple):
        return [v for v in post.getlist(key) if v != ""]
    if spec.type == "date_range":
        return {"start": post.get(f"{key}-start", ""), "end": post.get(f"{key}-end", "")}
    return post.get(key)


def _posted_rows(spec: FieldSpec, post: _MultiDict) -> list[dict[str, Any]]:
    pattern = re.compile(rf"^{re.escape(spec.name)}-(\d+)-([A-Za-z_][A-Za-z0-9_]*)$")
    indices: set[int] = set()
    for key in post:
        match = pattern.match(key)
        if match and int(match.group(1)) < MAX_TABLE_ROWS:
            indices.add(int(match.group(1)))
    columns = [c for c in spec.columns if c.type != "computed"]
    return [{c.name: _posted_value(c, post, f"{spec.name}-{i}-{c.name}") for c in columns} for i in sorted(indices)]


def form_from_post(schema: FormSchema, post: _MultiDict, files: _MultiDict | None = None) -> Posted:
    """``data, files = form_from_post(schema, request.POST, request.FILES)``; computed fields are not read."""
    data: dict[str, Any] = {}
    uploads: dict[str, list[FileInfo]] = {}
    for spec in schema.fields:
        if spec.type == "computed":
            continue
        if spec.type == "table":
            data[spec.name] = _posted_rows(spec, post)
        elif spec.type == "attachment":
            if files is not None and files.getlist(spec.name):
                uploads[spec.name] = [_file_info(f) for f in files.getlist(spec.name)]
        else:
            data[spec.name] = _posted_value(spec, post, spec.name)
    return Posted(data, uploads)


# ---------------------------------------------------------------------------------------------- view-models


@dataclass
class Choice:
    value: str
    label: str
    selected: bool = False


@dataclass
class CellView:
    spec: FieldSpec
    name: str  # the input's name, e.g. items-0-qty (items-__i__-qty in the blank row)
    value: Any
    input: str = ""
    display: str = ""
    choices: list[Choice] = field(default_factory=list)
    error: str = ""


@dataclass
class RowView:
    index: int
    cells: list[CellView]


@dataclass
class FieldView:
    spec: FieldSpec
    mode: str  # write | read
    required: bool
    value: Any
    input: str = ""  # the value as an <input value>
    display: str = ""  # the value as read-only text
    capitals: str = ""
    errors: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    start: str = ""
    end: str = ""
    working_days: int | None = None
    rows: list[RowView] = field(default_factory=list)
    blank_row: list[CellView] = field(default_factory=list)
    next_index: int = 0
    sums: dict[str, str] = field(default_factory=dict)
    files: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def type(self) -> str:
        return self.spec.type

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def help(self) -> str:
        return self.spec.help

    @property
    def readonly(self) -> bool:
        return self.mode != "write" or self.spec.type == "computed"

    @property
    def accept(self) -> str:
        return ",".join(f".{ext}" for ext in self.spec.accept)

    @property
    def sum_columns(self) -> list[str]:
        return list(self.spec.sum)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ""
    return str(value)


def _money_display(value: Any) -> tuple[str, str]:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
        return f"{amount:,.2f}", money_in_capitals(amount)
    except (ArithmeticError, ValueError):
        return _text(value), ""


def _choices(pairs: Iterable[tuple[Any, Any]], value: Any) -> list[Choice]:
    selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")}
    return [Choice(str(v), str(label), str(v) in selected) for v, label in pairs]


def _simple(
    spec: FieldSpec, value: Any, people: Sequence[tuple[Any, Any]], departments: Sequence[tuple[Any, Any]]
) -> tuple[str, str, list[Choice]]:
    """(input value, display text, choices) for a non-table field or a table cell."""
    if spec.type in {"select", "multiselect"}:
        choices = _choices(((o.value, o.label) for o in spec.options), value)
        return _text(value), "、".join(c.label for c in choices if c.selected), choices
    if spec.type in {"person", "department"}:
        choices = _choices(people if spec.type == "person" else departments, value)
        ids = [str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]
        labels = {c.value: c.label for c in choices}
        return _text(value), "、".join(labels.get(i, i) for i in ids), choices
    if spec.value_kind == "money" and not is_empty(value):
        shown, _ = _money_display(value)
        return _text(value), shown, []
    return _text(value), _text(value), []


def _table(
    view: FieldView,
    *,
    value: Any,
    cleaned: Mapping[str, Any],
    errors: Sequence[FieldError],
    people: Sequence[tuple[Any, Any]],
    departments: Sequence[tuple[Any, Any]],
) -> None:
    spec = view.spec
    rows = [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []
    if not rows and view.mode == "write":
        rows = [{} for _ in range(max(spec.min_rows or 0, 1))]  # a table to fill starts with its rows open
    by_cell = {(e.row, e.column): e.message for e in errors if e.field == spec.name and e.row is not None}
    for index, row in enumerate(rows):
        cells = []
        for col in spec.columns:
            shown, display, choices = _simple(col, row.get(col.name), people, departments)
            cells.append(
                CellView(
                    col, f"{spec.name}-{index}-{col.name}", row.get(col.name), shown, display, choices,
                    by_cell.get((index, col.name), ""),
                )
            )  # fmt: skip
        view.rows.append(RowView(index, cells))
    view.next_index = len(rows)
    for col in spec.columns:
        _, _, choices = _simple(col, None, people, departments)
        view.blank_row.append(CellView(col, f"{spec.name}-__i__-{col.name}", None, "", "", choices))
    for col_name in spec.sum:
        total = cleaned.get(f"{spec.name}_sum_{col_name}")
        if spec.column(col_name).value_kind == "money" and total is not None:
            view.sums[col_name] = _money_display(total)[0]
        else:
            view.sums[col_name] = _text(total)


def _fill(
    view: FieldView,
    *,
    value: Any,
    cleaned: Mapping[str, Any],
    errors: Sequence[FieldError],
    people: Sequence[tuple[Any, Any]],
    departments: Sequence[tuple[Any, Any]],
) -> None:
    spec = view.spec
    if spec.type == "table":
        _table(view, value=value, cleaned=cleaned, errors=errors, people=people, departments=departments)
    elif spec.type == "date_range":
        value = value if isinstance(value, Mapping) else {}
        view.start, view.end = _text(value.get("start")), _text(value.get("end"))
        view.working_days = cleaned.get(f"{spec.name}_working_days")
        view.display = f"{view.start} 至 {view.end}" if view.start or view.end else ""
    elif spec.type == "attachment":
        view.files = [f for f in value if isinstance(f, Mapping)] if isinstance(value, list) else []
        view.display = "、".join(str(f.get("name", "")) for f in view.files)
    else:
        view.input, view.display, view.choices = _simple(spec, value, people, departments)
    if spec.value_kind == "money" and not is_empty(value):
        view.display, view.capitals = _money_display(value)


def render_context(
    schema: FormSchema,
    data: Mapping[str, Any] | None,
    errors: Sequence[FieldError] | None = None,
    access: Mapping[str, str] | None = None,
    *,
    previous: Mapping[str, Any] | None = None,
    initiator: Mapping[str, Any] | None = None,
    people_choices: Sequence[tuple[Any, Any]] = (),
    department_choices: Sequence[tuple[Any, Any]] = (),
) -> list[FieldView]:
    """The visible, non-hidden fields as view-models, in schema order.

    ``data`` is what to show in writable inputs (the raw posted data when re-rendering after errors, or
    the stored values); ``previous`` (default: ``data``) supplies read-only fields. ``errors`` comes from
    ``validate``. Pass ``people_choices`` / ``department_choices`` as ``[(id, name), …]``.
    """
    data = data or {}
    previous = data if previous is None else previous
    errors = list(errors or [])
    result = validate(schema, data, access=access, previous=previous, initiator=initiator)
    views: list[FieldView] = []
    for spec in schema.fields:
        mode = access_mode(access, spec.name)
        if mode == "hidden" or spec.name not in result.visible:
            continue
        required = spec.name in result.required
        if spec.type == "computed":
            value = result.cleaned.get(spec.name)
        elif mode == "write" and spec.type != "attachment":
            value = data.get(spec.name)
        else:
            value = result.cleaned.get(spec.name, previous.get(spec.name))
        view = FieldView(
            spec=spec,
            mode=mode,
            required=required,
            value=value,
            errors=[e.message for e in errors if e.field == spec.name and e.row is None],
        )
        _fill(
            view,
            value=value,
            cleaned=result.cleaned,
            errors=errors,
            people=people_choices,
            departments=department_choices,
        )
        views.append(view)
    return views


def non_field_errors(errors: Sequence[FieldError]) -> list[str]:
    """Messages of schema-level validations not tied to one field."""
    return [e.message for e in errors if e.field == "__all__"]

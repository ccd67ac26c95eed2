"""Smart forms (智能表单): parse and validate form schemas and the data submitted against them.

Pure Python: no Django, no database, no clock. The caller passes everything the rules need (the
uploaded files' first bytes, the working-day counter, existence checks for people and departments).
CEL expressions (``visible_if``, ``required_if``, computed ``expr``, schema ``validations``) are
compiled once in :func:`parse_schema` and evaluated over ``form`` (and ``initiator`` when given).

Values in CEL: text/select/date as strings (ISO dates compare correctly), ``number`` as int when
``integer`` is true and double otherwise, ``money`` as double, person/department as int ids,
tables as lists of row maps. Cleaned data is JSON-serialisable: money as a string with two places
("1234.50"), dates as ISO strings, ``date_range`` as ``{"start", "end"}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

import cel

AccessMode = Literal["read", "write", "hidden"]
NON_FIELD = "__all__"
CENT = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 16  # 人民币大写 goes up to 万亿 (9999万亿)
NUMBER_LIMIT = Decimal(10) ** 15
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 200 * 1024

FIELD_TYPES = frozenset(
    {
        "text",
        "textarea",
        "number",
        "money",
        "date",
        "date_range",
        "person",
        "department",
        "select",
        "multiselect",
        "table",
        "attachment",
        "computed",
        "signature",
    }
)
COLUMN_TYPES = frozenset(
    {"text", "textarea", "number", "money", "date", "select", "multiselect", "person", "department", "computed"}
)
NUMERIC_TYPES = frozenset({"number", "money"})
COMPUTED_FORMATS = frozenset({"number", "money", "text"})
DEFAULT_ACCEPT = ("pdf", "ofd", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg", "gif", "zip")

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CEL_RESERVED = frozenset(
    {"in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package"}
    | {"namespace", "return", "var", "void", "while", "true", "false", "null"}
)
_FORM_REF_RE = re.compile(r"\bform\.([A-Za-z_][A-Za-z0-9_]*)")
_ROW_REF_RE = re.compile(r"\brow\.([A-Za-z_][A-Za-z0-9_]*)")
_LOOP_VAR_RE = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")

# ---------------------------------------------------------------------------------------------- files

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
)
EXTENSION_KINDS: dict[str, str] = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "zip": "zip",
    "docx": "zip",
    "xlsx": "zip",
    "pptx": "zip",
    "ofd": "zip",
    "doc": "ole2",
    "xls": "ole2",
    "ppt": "ole2",
}
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ofd": "application/ofd",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "txt": "text/plain",
    "csv": "text/csv",
}


def sniff(head: bytes) -> str | None:
    """The kind of file the first bytes announce: pdf, png, jpeg, gif, zip (also docx/xlsx/pptx/ofd),
    ole2 (doc/xls/ppt); None when no known magic number matches."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One uploaded file as the validator sees it; ``ref`` carries the caller's own object (not compared)."""

    name: str
    size: int
    head: bytes
    ref: object = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------- money


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _capitals_4(n: int) -> str:
    out: list[str] = []
    pending_zero = False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10**power % 10
        if digit == 0:
            pending_zero = pending_zero or bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def _capitals_int(n: int) -> str:
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        unit, threshold = "亿", 10**7
    elif n >= 10**4:
        high, low = divmod(n, 10**4)
        unit, threshold = "万", 10**3
    else:
        return _capitals_4(n)
    text = _capitals_int(high) + unit
    if low:
        text += ("零" if low < threshold else "") + _capitals_int(low)
    return text


def money_in_capitals(amount: Decimal | int | str) -> str:
    """人民币大写: 12345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分, 100 → 壹佰元整, 0 → 零元整, 1005.01 → 壹仟零伍元零壹分.

    Rounds half up to the fen; negative amounts get 负; raises ValueError beyond 9999万亿 or for non-numbers.
    """
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValueError(f"不是金额：{amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"不是金额：{amount!r}")
    value = value.quantize(CENT, ROUND_HALF_UP)
    negative, value = value < 0, abs(value)
    if value >= MONEY_LIMIT:
        raise ValueError("金额过大")
    yuan, cents = divmod(int(value * 100), 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        parts += [_capitals_int(yuan), "元"]
    if cents == 0:
        parts.append("整")
    else:
        if jiao:
            parts.append(_DIGITS[jiao] + "角")
        elif yuan:
            parts.append("零")
        if fen:
            parts.append(_DIGITS[fen] + "分")
    return ("负" if negative and value else "") + "".join(parts)


def format_money(value: Decimal) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP))


# ---------------------------------------------------------------------------------------------- schema


class SchemaError(ValueError):
    """The schema cannot be used; ``problems`` lists every reason found (in Chinese)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


@dataclass(frozen=True, slots=True)
class Expr:
    source: str
    program: Any

    def run(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate; raise whatever CEL raises (missing field, type mismatch, division by zero…)."""
        return self.program.execute(dict(variables))

    def holds(self, variables: Mapping[str, Any]) -> bool:
        try:
            return self.run(variables) is True
        except Exception:  # a condition over a missing or empty field is simply false
            return False


@dataclass(frozen=True, slots=True)
class Option:
    value: str | int
    label: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str
    label: str
    required: bool = False
    help: str = ""
    placeholder: str = ""
    visible_if: Expr | None = None
    required_if: Expr | None = None
    max_length: int | None = None
    min_length: int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_message: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    integer: bool = False
    count_working_days: bool = False
    multiple: bool = False
    options: tuple[Option, ...] = ()
    columns: tuple[FieldSpec, ...] = ()
    min_rows: int = 0
    max_rows: int | None = None
    sum: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    max_mb: float = 20.0
    expr: Expr | None = None
    format: str = "number"

    @property
    def is_dynamic(self) -> bool:
        return self.visible_if is not None or self.required_if is not None or self.type == "computed"

    def column(self, name: str) -> FieldSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def option_label(self, value: Any) -> str:
        for option in self.options:
            if str(option.value) == str(value):
                return option.label
        return str(value)

    @property
    def value_kind(self) -> str:
        """number | money | other: what a computed field or column yields, or the type itself."""
        kind = self.format if self.type == "computed" else self.type
        return kind if kind in NUMERIC_TYPES else "other"


@dataclass(frozen=True, slots=True)
class Validation:
    expr: Expr
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class FormSchema:
    version: int
    fields: tuple[FieldSpec, ...]
    validations: tuple[Validation, ...] = ()

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def is_dynamic(self) -> bool:
        """True when the form changes with its values (worth a live preview round trip)."""
        return any(spec.is_dynamic for spec in self.fields)


def derived_keys(spec: FieldSpec) -> list[str]:
    """Extra keys a field adds to the cleaned data."""
    if spec.type == "date_range" and spec.count_working_days:
        return [f"{spec.name}_working_days"]
    if spec.type == "table":
        return [f"{spec.name}_sum_{col}" for col in spec.sum]
    return []


class _Parser:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checks: list[tuple[str, Expr, str]] = []  # (where, expr, scope: "form" | table name)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}：{message}")

    def compile(self, where: str, source: Any, roots: frozenset[str], scope: str = "form") -> Expr | None:
        if not isinstance(source, str) or not source.strip():
            self.problem(where, "表达式为空")
            return None
        try:
            program = cel.compile(source)
        except Exception as exc:  # the CEL parser reports with ValueError; be safe about the rest
            self.problem(where, f"表达式有误：{str(exc).splitlines()[0]}")
            return None
        loop_vars = set(_LOOP_VAR_RE.findall(source))
        unknown = {v.split(".")[0] for v in program.variables()} - roots - loop_vars
        if unknown:
            self.problem(where, f"未知变量 {', '.join(sorted(unknown))}（可用 {', '.join(sorted(roots))}）")
            return None
        expr = Expr(source=source, program=program)
        self.checks.append((where, expr, scope))
        return expr

    def integer(self, where: str, raw: Mapping[str, Any], key: str, minimum: int = 0) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(where, f"{key} 必须是不小于 {minimum} 的整数")
            return None
        return value

    def decimal(self, where: str, raw: Mapping[str, Any], key: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        number = _to_decimal(value)
        if number is None:
            self.problem(where, f"{key} 必须是数字")
        return number

    def flag(self, where: str, raw: Mapping[str, Any], key: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(where, f"{key} 必须是 true 或 false")
            return False
        return value

    def text(self, where: str, raw: Mapping[str, Any], key: str) -> str:
        value = raw.get(key, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(where, f"{key} 必须是文字")
            return ""
        return value

    def options(self, where: str, raw: Mapping[str, Any]) -> tuple[Option, ...]:
        items = raw.get("options")
        if not isinstance(items, list) or not items:
            self.problem(where, "选择项（options）不能为空")
            return ()
        options: list[Option] = []
        for item in items:
            value = item.get("value") if isinstance(item, Mapping) else None
            if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
                self.problem(where, f"选择项 {item!r} 需要 value（文字或整数）")
                continue
            label = item.get("label", value)
            options.append(Option(value=value, label=str(label)))
        if len({str(o.value) for o in options}) != len(options):
            self.problem(where, "选择项的 value 有重复")
        return tuple(options)

    def field(self, raw: Any, where: str, *, table: str | None = None) -> FieldSpec | None:
        if not isinstance(raw, Mapping):
            self.problem(where, "字段必须是对象")
            return None
        name, kind = raw.get("name"), raw.get("type")
        if isinstance(name, str):
            where = f"{where}（{name}）"
        if not isinstance(name, str) or not _NAME_RE.match(name) or name in _CEL_RESERVED:
            self.problem(where, f"字段名 {name!r} 无效（字母、数字、下划线，不以数字开头）")
            name = None
        allowed = COLUMN_TYPES if table else FIELD_TYPES
        if kind not in allowed:
            self.problem(
                where, f"未知类型 {kind!r}" + ("（表格列只能是简单类型）" if table and kind in FIELD_TYPES else "")
            )
            return None
        label = self.text(where, raw, "label") or (name or "")
        roots = frozenset({"row", "initiator"}) if table else frozenset({"form", "initiator"})
        scope = table or "form"
        common: dict[str, Any] = {
            "required": self.flag(where, raw, "required"),
            "help": self.text(where, raw, "help"),
            "placeholder": self.text(where, raw, "placeholder"),
        }
        for key in ("visible_if", "required_if"):
            if raw.get(key) is not None:
                if table:
                    self.problem(where, f"表格列不支持 {key}")
                else:
                    common[key] = self.compile(f"{where} {key}", raw[key], roots, scope)
        common.update(self.type_options(where, kind, raw, roots=roots, scope=scope, name=name))
        if name is None:
            return None
        return FieldSpec(name=name, type=kind, label=label, **common)

    def type_options(
        self, where: str, kind: str, raw: Mapping[str, Any], *, roots: frozenset[str], scope: str, name: str | None
    ) -> dict[str, Any]:
        opts = self.scalar_options(where, kind, raw)
        if kind in {"select", "multiselect"}:
            opts["options"] = self.options(where, raw)
        if kind == "attachment":
            opts.update(self.attachment(where, raw))
        if kind == "computed":
            opts["expr"] = self.compile(f"{where} expr", raw.get("expr"), roots, scope)
            fmt = raw.get("format", "number")
            if fmt not in COMPUTED_FORMATS:
                self.problem(where, f"format 只能是 {'、'.join(sorted(COMPUTED_FORMATS))}")
            else:
                opts["format"] = fmt
        if kind == "table" and name is not None:
            opts.update(self.table(where, raw, name))
        return opts

    def scalar_options(self, where: str, kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        if kind in {"text", "textarea"}:
            opts["max_length"] = self.integer(where, raw, "max_length", 1)
            opts["min_length"] = self.integer(where, raw, "min_length", 0)
        if kind == "text" and raw.get("pattern") is not None:
            try:
                opts["pattern"] = re.compile(str(raw["pattern"]))
            except re.error as exc:
                self.problem(where, f"pattern 不是有效的正则表达式：{exc}")
            opts["pattern_message"] = self.text(where, raw, "pattern_message")
        if kind in NUMERIC_TYPES:
            opts["min"], opts["max"] = self.decimal(where, raw, "min"), self.decimal(where, raw, "max")
            if opts["min"] is not None and opts["max"] is not None and opts["min"] > opts["max"]:
                self.problem(where, "min 不能大于 max")
        if kind == "number":
            opts["integer"] = self.flag(where, raw, "integer")
        if kind == "date_range":
            opts["count_working_days"] = self.flag(where, raw, "count_working_days")
        if kind in {"person", "department", "attachment"}:
            opts["multiple"] = self.flag(where, raw, "multiple")
        return opts

    def attachment(self, where: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        opts: dict[str, Any] = {"accept": DEFAULT_ACCEPT}
        accept = raw.get("accept")
        if accept is not None:
            if not isinstance(accept, list) or not all(isinstance(a, str) and a.strip(".") for a in accept):
                self.problem(where, 'accept 必须是扩展名列表，例如 ["pdf", "docx"]')
            else:
                opts["accept"] = tuple(a.strip().lstrip(".").lower() for a in accept)
        max_mb = raw.get("max_mb")
        if max_mb is not None:
            if isinstance(max_mb, bool) or not isinstance(max_mb, int | float) or max_mb <= 0:
                self.problem(where, "max_mb 必须是正数")
            else:
                opts["max_mb"] = float(max_mb)
        return opts

    def table(self, where: str, raw: Mapping[str, Any], name: str) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        columns_raw = raw.get("columns")
        if not isinstance(columns_raw, list) or not columns_raw:
            self.problem(where, "表格没有列（columns）")
            columns_raw = []
        columns: list[FieldSpec] = []
        for index, col_raw in enumerate(columns_raw, 1):
            col = self.field(col_raw, f"{where} 第{index}列", table=name)
            if col is not None:
                columns.append(col)
        col_names = [c.name for c in columns]
        for dup in sorted({n for n in col_names if col_names.count(n) > 1}):
            self.problem(where, f"列名 {dup} 重复")
        opts["columns"] = tuple(columns)
        opts["min_rows"] = self.integer(where, raw, "min_rows", 0) or 0
        opts["max_rows"] = self.integer(where, raw, "max_rows", 1)
        if opts["max_rows"] is not None and opts["min_rows"] > opts["max_rows"]:
            self.problem(where, "min_rows 不能大于 max_rows")
        sums = raw.get("sum", [])
        if not isinstance(sums, list) or not all(isinstance(s, str) for s in sums):
            self.problem(where, "sum 必须是列名列表")
            sums = []
        by_name = {c.name: c for c in columns}
        for col_name in sums:
            if col_name not in by_name:
                self.problem(where, f"sum 中的列 {col_name} 不存在")
            elif by_name[col_name].value_kind not in NUMERIC_TYPES:
                self.problem(where, f"sum 中的列 {col_name} 不是数字或金额")
        opts["sum"] = tuple(s for s in sums if s in by_name and by_name[s].value_kind in NUMERIC_TYPES)
        return opts


def parse_schema(raw: Mapping[str, Any] | str | bytes) -> FormSchema:
    """Parse and check a schema (a mapping or its JSON); raise SchemaError listing every problem."""
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise SchemaError([f"不是有效的 JSON：{exc}"]) from exc
    if not isinstance(raw, Mapping):
        raise SchemaError(["表单定义必须是对象"])
    parser = _Parser()
    version = raw.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        parser.problem("version", "必须是正整数")
        version = 1
    fields_raw = raw.get("fields")
    if not isinstance(fields_raw, list):
        parser.problem("fields", "必须是字段列表")
        fields_raw = []
    fields = [f for i, r in enumerate(fields_raw, 1) if (f := parser.field(r, f"第{i}个字段")) is not None]
    names = [f.name for f in fields]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        parser.problem("fields", f"字段名 {dup} 重复")
    known = set(names)
    for spec in fields:
        for key in derived_keys(spec):
            if key in known:
                parser.problem(f"字段 {spec.name}", f"自动生成的 {key} 与已有字段重名")
            known.add(key)
    validations = _parse_validations(parser, raw.get("validations") or [], names)
    _check_references(parser, fields, known)
    if parser.problems:
        raise SchemaError(parser.problems)
    return FormSchema(version=version, fields=tuple(fields), validations=tuple(validations))


def _parse_validations(parser: _Parser, items: Any, names: list[str]) -> list[Validation]:
    validations: list[Validation] = []
    if not isinstance(items, list):
        parser.problem("validations", "必须是列表")
        return validations
    for index, item in enumerate(items, 1):
        where = f"第{index}条校验"
        if not isinstance(item, Mapping) or not isinstance(item.get("message"), str) or not item["message"]:
            parser.problem(where, "需要 expr 和 message")
            continue
        target = item.get("field")
        if target is not None and target not in names:
            parser.problem(where, f"field {target!r} 不存在")
            target = None
        expr = parser.compile(where, item.get("expr"), frozenset({"form", "initiator"}))
        if expr is not None:
            validations.append(Validation(expr=expr, message=item["message"], field=target))
    return validations


def _check_references(parser: _Parser, fields: list[FieldSpec], known: set[str]) -> None:
    columns = {f.name: {c.name for c in f.columns} for f in fields if f.type == "table"}
    for where, expr, scope in parser.checks:
        pattern, allowed = (_FORM_REF_RE, known) if scope == "form" else (_ROW_REF_RE, columns.get(scope, set()))
        missing = sorted(set(pattern.findall(expr.source)) - allowed)
        if missing:
            parser.problem(where, f"引用了不存在的字段 {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------- values


def _to_decimal(raw: Any) -> Decimal | None:
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


def _blank(raw: Any) -> bool:
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


def _number_json(spec: FieldSpec, value: Decimal) -> Any:
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


def _from_cel(spec: FieldSpec, result: Any) -> Any:
    """A computed field's CEL result as a cleaned value (None when it cannot be represented)."""
    if result is None:
        return None
    if spec.format == "text":
        return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str)
    number = _to_decimal(result)
    if number is None or abs(number) >= NUMBER_LIMIT:
        return None
    if spec.format == "money":
        return format_money(number)
    return int(number) if isinstance(result, int) else float(number)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    row: int | None = None  # 0-based index of the submitted row (the message says 第N行, 1-based)
    column: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    cleaned: dict[str, Any]
    errors: list[FieldError]
    visible: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()  # visible writable fields that must be filled (required / required_if)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_for(self, name: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == name]


@dataclass(slots=True)
class _Hooks:
    files: Mapping[str, Sequence[FileInfo]]
    previous: Mapping[str, Any]
    initiator: Mapping[str, Any] | None
    working_days: Callable[[date, date], int] | None
    people_exist: Callable[[list[int]], Iterable[int]] | None
    departments_exist: Callable[[list[int]], Iterable[int]] | None


@dataclass(slots=True)
class _Cleaned:
    value: Any = None
    errors: list[str] = field(default_factory=list)
    cell_errors: list[FieldError] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)


def _q(spec: FieldSpec) -> str:
    return f"“{spec.label}”"


def _as_text(raw: Any) -> str | None:
    if raw is None:
        return ""
    if isinstance(raw, bool | list | tuple | dict):
        return None
    return str(raw).strip()


def _clean_text(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    text = _as_text(raw)
    if text is None:
        return _Cleaned("", [f"{_q(spec)}必须是文字"])
    if spec.type == "textarea":
        text = text.replace("\r\n", "\n")
    out = _Cleaned(text)
    if not text:
        return out
    if spec.max_length is not None and len(text) > spec.max_length:
        out.errors.append(f"{_q(spec)}不能超过 {spec.max_length} 个字")
    if spec.min_length is not None and len(text) < spec.min_length:
        out.errors.append(f"{_q(spec)}至少需要 {spec.min_length} 个字")
    if spec.pattern is not None and not spec.pattern.fullmatch(text):
        out.errors.append(spec.pattern_message or f"{_q(spec)}格式不正确")
    return out


def _bounds(spec: FieldSpec, value: Decimal) -> list[str]:
    errors: list[str] = []
    if spec.min is not None and value < spec.min:
        errors.append(f"{_q(spec)}不能小于 {spec.min}")
    if spec.max is not None and value > spec.max:
        errors.append(f"{_q(spec)}不能大于 {spec.max}")
    return errors


def _clean_number(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw):
        return _Cleaned(None)
    value = _to_decimal(raw)
    if value is None:
        return _Cleaned(None, [f"{_q(spec)}必须是数字"])
    if abs(value) >= NUMBER_LIMIT:
        return _Cleaned(None, [f"{_q(spec)}超出范围"])
    if spec.integer and value != value.to_integral_value():
        return _Cleaned(None, [f"{_q(spec)}必须是整数"])
    return _Cleaned(_number_json(spec, value), _bounds(spec, value))


def _clean_money(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw):
        return _Cleaned(None)
    value = _to_decimal(raw)
    if value is None:
        return _Cleaned(None, [f"{_q(spec)}必须是金额（数字）"])
    if abs(value) >= MONEY_LIMIT:
        return _Cleaned(None, [f"{_q(spec)}超出范围"])
    if value != value.quantize(CENT, ROUND_HALF_UP):
        return _Cleaned(None, [f"{_q(spec)}最多保留两位小数"])
    return _Cleaned(format_money(value), _bounds(spec, value))


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


def _clean_date(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw):
        return _Cleaned(None)
    day = _parse_date(raw)
    if day is None:
        return _Cleaned(None, [f"{_q(spec)}不是有效的日期"])
    return _Cleaned(day.isoformat())


def _weekdays_between(start: date, end: date) -> int:
    return sum((start + timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1))


def _clean_date_range(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw) or (isinstance(raw, Mapping) and _blank(raw.get("start")) and _blank(raw.get("end"))):
        return _Cleaned(None)
    if not isinstance(raw, Mapping):
        return _Cleaned(None, [f"{_q(spec)}不是有效的日期范围"])
    if _blank(raw.get("start")) or _blank(raw.get("end")):
        return _Cleaned(None, [f"{_q(spec)}需要填写开始和结束日期"])
    start, end = _parse_date(raw.get("start")), _parse_date(raw.get("end"))
    if start is None or end is None:
        return _Cleaned(None, [f"{_q(spec)}不是有效的日期"])
    if end < start:
        return _Cleaned(None, [f"{_q(spec)}的结束日期不能早于开始日期"])
    out = _Cleaned({"start": start.isoformat(), "end": end.isoformat()})
    if spec.count_working_days:
        counter = hooks.working_days or _weekdays_between
        out.derived[f"{spec.name}_working_days"] = int(counter(start, end))
    return out


def _ids(raw: Any) -> list[int] | None:
    items = raw if isinstance(raw, list | tuple) else [raw]
    ids: list[int] = []
    for item in items:
        if _blank(item):
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


def _clean_ids(spec: FieldSpec, raw: Any, exists: Callable[[list[int]], Iterable[int]] | None, what: str) -> _Cleaned:
    empty: Any = [] if spec.multiple else None
    ids = _ids(raw)
    if ids is None:
        return _Cleaned(empty, [f"{_q(spec)}的取值无效"])
    if not ids:
        return _Cleaned(empty)
    if not spec.multiple and len(ids) > 1:
        return _Cleaned(empty, [f"{_q(spec)}只能选择一个{what}"])
    if exists is not None and set(ids) - set(exists(ids)):
        return _Cleaned(empty, [f"{_q(spec)}中有不存在的{what}"])
    return _Cleaned(ids if spec.multiple else ids[0])


def _clean_person(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    return _clean_ids(spec, raw, hooks.people_exist, "人员")


def _clean_department(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    return _clean_ids(spec, raw, hooks.departments_exist, "部门")


def _option(spec: FieldSpec, raw: Any) -> Option | None:
    if isinstance(raw, bool | list | tuple | dict) or raw is None:
        return None
    key = str(raw).strip()
    return next((o for o in spec.options if str(o.value) == key), None)


def _clean_select(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw):
        return _Cleaned(None)
    option = _option(spec, raw)
    if option is None:
        return _Cleaned(None, [f"{_q(spec)}的选项无效"])
    return _Cleaned(option.value)


def _clean_multiselect(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw):
        return _Cleaned([])
    items = raw if isinstance(raw, list | tuple) else [raw]
    values: list[str | int] = []
    for item in items:
        if _blank(item):
            continue
        option = _option(spec, item)
        if option is None:
            return _Cleaned([], [f"{_q(spec)}的选项无效"])
        if option.value not in values:
            values.append(option.value)
    return _Cleaned(values)


def _clean_computed(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    return _Cleaned(None)  # never accepted from input; evaluated once the inputs are clean


def _clean_signature(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    if _blank(raw):
        return _Cleaned("")
    if not isinstance(raw, str) or not raw.startswith(SIGNATURE_PREFIX):
        return _Cleaned("", [f"{_q(spec)}的签名格式无效"])
    payload = raw[len(SIGNATURE_PREFIX) :]
    if len(payload) > (SIGNATURE_MAX_BYTES * 4) // 3 + 8:
        return _Cleaned("", [f"{_q(spec)}的签名过大（不能超过 200 KB）"])
    try:
        image = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        image = b""
    if sniff(image) != "png":
        return _Cleaned("", [f"{_q(spec)}的签名格式无效"])
    if len(image) > SIGNATURE_MAX_BYTES:
        return _Cleaned("", [f"{_q(spec)}的签名过大（不能超过 200 KB）"])
    return _Cleaned(raw)


def _file_problem(spec: FieldSpec, info: FileInfo) -> str | None:
    ext = info.name.rsplit(".", 1)[-1].lower() if "." in info.name else ""
    if ext not in spec.accept:
        return f"{_q(spec)}的文件“{info.name}”类型不允许（仅限 {'、'.join(spec.accept)}）"
    if info.size > spec.max_mb * 1024 * 1024:
        return f"{_q(spec)}的文件“{info.name}”超过 {spec.max_mb:g} MB"
    kind, expected = sniff(info.head), EXTENSION_KINDS.get(ext)
    if kind != expected or (expected is None and b"\x00" in info.head):
        return f"{_q(spec)}的文件“{info.name}”内容与扩展名不符"
    return None


def _clean_attachment(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    """Posted values are ignored: new files come from ``files``, kept ones from ``previous``."""
    kept = hooks.previous.get(spec.name)
    kept_list = [dict(f) for f in kept if isinstance(f, Mapping)] if isinstance(kept, list) else []
    new = list(hooks.files.get(spec.name, ()))
    if not new:
        return _Cleaned(kept_list)
    errors = [problem for info in new if (problem := _file_problem(spec, info)) is not None]
    if not spec.multiple and len(new) > 1:
        errors.append(f"{_q(spec)}只能上传一个文件")
    if errors:
        return _Cleaned(kept_list, errors)
    added = [
        {"name": info.name, "size": info.size, "content_type": CONTENT_TYPES.get(info.name.rsplit(".", 1)[-1].lower())}
        for info in new
    ]
    return _Cleaned(kept_list + added if spec.multiple else added)


def _row_is_blank(spec: FieldSpec, row: Mapping[str, Any]) -> bool:
    return all(_blank(row.get(c.name)) for c in spec.columns if c.type != "computed")


def _clean_row(
    spec: FieldSpec, row: Mapping[str, Any], index: int, hooks: _Hooks
) -> tuple[dict[str, Any], list[FieldError]]:
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    for col in spec.columns:
        if col.type == "computed":
            continue
        result = _CLEANERS[col.type](col, row.get(col.name), hooks)
        messages = result.errors or ([f"{_q(col)}为必填项"] if col.required and is_empty(result.value) else [])
        errors += [FieldError(spec.name, f"第{index + 1}行{m}", row=index, column=col.name) for m in messages]
        cleaned[col.name] = result.value
    variables: dict[str, Any] = {"row": {c.name: to_cel(c, cleaned.get(c.name)) for c in spec.columns}}
    if hooks.initiator is not None:
        variables["initiator"] = dict(hooks.initiator)
    for col in spec.columns:
        if col.type == "computed" and col.expr is not None:
            try:
                cleaned[col.name] = _from_cel(col, col.expr.run(variables))
            except Exception:
                cleaned[col.name] = None
            variables["row"][col.name] = to_cel(col, cleaned[col.name])
    return cleaned, errors


def _clean_table(spec: FieldSpec, raw: Any, hooks: _Hooks) -> _Cleaned:
    out = _Cleaned([])
    if raw is not None and not isinstance(raw, list | tuple):
        out.errors.append(f"{_q(spec)}的明细格式无效")
        raw = []
    for index, row in enumerate(raw or []):
        if not isinstance(row, Mapping):
            out.cell_errors.append(FieldError(spec.name, f"第{index + 1}行格式无效", row=index))
            continue
        if _row_is_blank(spec, row):
            continue
        cleaned, errors = _clean_row(spec, row, index, hooks)
        out.value.append(cleaned)
        out.cell_errors += errors
    count = len(out.value)
    if count < spec.min_rows and (count or spec.min_rows):
        out.errors.append(f"{_q(spec)}至少需要 {spec.min_rows} 行")
    if spec.max_rows is not None and count > spec.max_rows:
        out.errors.append(f"{_q(spec)}最多 {spec.max_rows} 行")
    for col_name in spec.sum:
        col = spec.column(col_name)
        total = sum((Decimal(str(r[col_name])) for r in out.value if r.get(col_name) is not None), Decimal(0))
        out.derived[f"{spec.name}_sum_{col_name}"] = _number_json(col, total)
    return out


_CLEANERS: dict[str, Callable[[FieldSpec, Any, _Hooks], _Cleaned]] = {
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
    "table": _clean_table,
    "attachment": _clean_attachment,
    "computed": _clean_computed,
    "signature": _clean_signature,
}


# ---------------------------------------------------------------------------------------------- validate


def access_mode(access: Mapping[str, str] | None, name: str) -> str:
    """write when no access map is given; a field missing from a given map is read-only."""
    if access is None:
        return "write"
    mode = access.get(name, "read")
    return mode if mode in {"read", "write", "hidden"} else "read"


class _Run:
    def __init__(self, schema: FormSchema, data: Mapping[str, Any], hooks: _Hooks, access: Mapping[str, str] | None):
        self.schema, self.data, self.hooks = schema, data, hooks
        self.modes = {spec.name: access_mode(access, spec.name) for spec in schema.fields}
        self.values: dict[str, _Cleaned] = {}

    def clean_inputs(self) -> None:
        quiet = _Hooks(
            files={},
            previous=self.hooks.previous,
            initiator=self.hooks.initiator,
            working_days=self.hooks.working_days,
            people_exist=None,
            departments_exist=None,
        )
        for spec in self.schema.fields:
            mode = self.modes[spec.name]
            if mode == "write":
                self.values[spec.name] = _CLEANERS[spec.type](spec, self.data.get(spec.name), self.hooks)
            else:  # read or hidden: the stored value stands, re-cleaned only to get CEL-ready derived values
                kept = _CLEANERS[spec.type](spec, self.hooks.previous.get(spec.name), quiet)
                self.values[spec.name] = _Cleaned(kept.value if not kept.errors else None, derived=kept.derived)

    def context(self, visible: set[str]) -> dict[str, Any]:
        """CEL variables over the visible (or hidden-but-stored) fields, with computed fields evaluated in order."""
        form: dict[str, Any] = {}
        variables: dict[str, Any] = {"form": form}
        if self.hooks.initiator is not None:
            variables["initiator"] = dict(self.hooks.initiator)
        for spec in self.schema.fields:
            if spec.name not in visible and self.modes[spec.name] != "hidden":
                continue
            cleaned = self.values[spec.name]
            if spec.type == "computed" and spec.expr is not None:
                try:
                    cleaned.value = _from_cel(spec, spec.expr.run(variables))
                except Exception:
                    cleaned.value = None
            if cleaned.errors or cleaned.cell_errors:
                continue
            form[spec.name] = to_cel(spec, cleaned.value)
            for key, value in cleaned.derived.items():
                form[key] = float(Decimal(value)) if isinstance(value, str) else value
        return variables

    def visibility(self) -> tuple[set[str], dict[str, Any]]:
        candidates = {s.name for s in self.schema.fields if self.modes[s.name] != "hidden"}
        visible = set(candidates)
        for _ in range(len(self.schema.fields) + 1):
            variables = self.context(visible)
            now = {
                s.name
                for s in self.schema.fields
                if s.name in candidates and (s.visible_if is None or s.visible_if.holds(variables))
            }
            if now == visible:
                break
            visible = now
        return visible, self.context(visible)

    def run(self) -> Result:
        self.clean_inputs()
        visible, variables = self.visibility()
        cleaned: dict[str, Any] = {}
        errors: list[FieldError] = []
        must: set[str] = set()
        for spec in self.schema.fields:
            if spec.name not in visible:
                continue
            result = self.values[spec.name]
            errors += [FieldError(spec.name, m) for m in result.errors] + result.cell_errors
            required = spec.required or (spec.required_if is not None and spec.required_if.holds(variables))
            if required and self.modes[spec.name] == "write" and spec.type != "computed":
                must.add(spec.name)
                if not result.errors and is_empty(result.value):
                    errors.append(FieldError(spec.name, f"{_q(spec)}为必填项"))
            if not result.errors and not result.cell_errors:
                cleaned[spec.name] = result.value
                cleaned.update(result.derived)
        for check in self.schema.validations:
            if (check.field is None or check.field in visible) and not _passes(check.expr, variables):
                errors.append(FieldError(check.field or NON_FIELD, check.message))
        return Result(cleaned=cleaned, errors=errors, visible=frozenset(visible), required=frozenset(must))


def _passes(expr: Expr, variables: Mapping[str, Any]) -> bool:
    """A schema validation fails only when it evaluates to false; one that cannot be evaluated (an
    optional field left empty, a field with its own error) does not apply."""
    try:
        return expr.run(variables) is not False
    except Exception:
        return True


def validate(
    schema: FormSchema,
    data: Mapping[str, Any] | None,
    *,
    files: Mapping[str, Sequence[FileInfo]] | None = None,
    access: Mapping[str, str] | None = None,
    previous: Mapping[str, Any] | None = None,
    initiator: Mapping[str, Any] | None = None,
    working_days: Callable[[date, date], int] | None = None,
    people_exist: Callable[[list[int]], Iterable[int]] | None = None,
    departments_exist: Callable[[list[int]], Iterable[int]] | None = None,
) -> Result:
    """Clean ``data`` against ``schema`` and report every error at once.

    ``access`` maps field names to read | write | hidden (None: all writable; a field missing from a given
    map is read-only). Read fields keep ``previous`` values whatever was posted; hidden fields are left out
    of the cleaned data (merge with ``previous`` when saving). Fields whose ``visible_if`` is false are
    dropped and never required. Computed fields are always recomputed. Schema ``validations`` run last.
    """
    hooks = _Hooks(
        files=files or {},
        previous=previous or {},
        initiator=initiator,
        working_days=working_days,
        people_exist=people_exist,
        departments_exist=departments_exist,
    )
    return _Run(schema, data or {}, hooks, access).run()

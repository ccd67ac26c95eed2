"""Parse and check a schema, reporting every problem at once; CEL expressions are compiled here, once."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import cel

from sanfu.approvals.formschema.files import DEFAULT_ACCEPT
from sanfu.approvals.formschema.model import (
    COLUMN_TYPES,
    COMPUTED_FORMATS,
    FIELD_TYPES,
    NUMERIC_TYPES,
    Expr,
    FieldSpec,
    FormSchema,
    Location,
    Option,
    SchemaError,
    Validation,
    derived_keys,
)
from sanfu.approvals.formschema.values import to_decimal
from sanfu.workflow.engine.conditions import expression_problem, loop_variables

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CEL_RESERVED = frozenset(
    {"in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package"}
    | {"namespace", "return", "var", "void", "while", "true", "false", "null"}
)
_FORM_REF_RE = re.compile(r"\bform\.([A-Za-z_][A-Za-z0-9_]*)")
_ROW_REF_RE = re.compile(r"\brow\.([A-Za-z_][A-Za-z0-9_]*)")


class _Parser:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.locations: list[Location] = []  # parallel to problems
        self.at: Location = None  # the field (and column) being parsed
        self.checks: list[tuple[str, Expr, str, Location]] = []  # (where, expr, scope: "form" | table, at)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}：{message}")
        self.locations.append(self.at)

    def compile(self, where: str, source: Any, roots: frozenset[str], scope: str = "form") -> Expr | None:
        if not isinstance(source, str) or not source.strip():
            self.problem(where, "表达式为空")
            return None
        costly = expression_problem(source, roots=roots)  # the flow's bound on CEL's work applies here too
        if costly:
            self.problem(where, costly)
            return None
        try:
            program = cel.compile(source)
        except Exception as exc:  # the CEL parser reports with ValueError; be safe about the rest
            self.problem(where, f"表达式有误：{str(exc).splitlines()[0]}")
            return None
        loop_vars = loop_variables(source)
        unknown = {v.split(".")[0] for v in program.variables()} - roots - loop_vars
        if unknown:
            self.problem(where, f"未知变量 {', '.join(sorted(unknown))}（可用 {', '.join(sorted(roots))}）")
            return None
        expr = Expr(source=source, program=program)
        self.checks.append((where, expr, scope, self.at))
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
        number = to_decimal(value)
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
        outer = self.at
        for index, col_raw in enumerate(columns_raw, 1):
            self.at = (outer[0], index - 1) if outer is not None else None
            col = self.field(col_raw, f"{where} 第{index}列", table=name)
            self.at = outer
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
    indexed: list[tuple[int, FieldSpec]] = []  # (index in the raw list, spec)
    for i, r in enumerate(fields_raw):
        parser.at = (i, None)
        if (f := parser.field(r, f"第{i + 1}个字段")) is not None:
            indexed.append((i, f))
    fields = [f for _i, f in indexed]
    names = [f.name for f in fields]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        parser.at = ([i for i, f in indexed if f.name == dup][-1], None)  # the later one is the new one
        parser.problem("fields", f"字段名 {dup} 重复")
    known = set(names)
    for i, spec in indexed:
        parser.at = (i, None)
        for key in derived_keys(spec):
            if key in known:
                parser.problem(f"字段 {spec.name}", f"自动生成的 {key} 与已有字段重名")
            known.add(key)
    parser.at = None
    validations = _parse_validations(parser, raw.get("validations") or [], names)
    _check_references(parser, fields, known)
    if parser.problems:
        raise SchemaError(parser.problems, parser.locations)
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
    for where, expr, scope, at in parser.checks:
        pattern, allowed = (_FORM_REF_RE, known) if scope == "form" else (_ROW_REF_RE, columns.get(scope, set()))
        missing = sorted(set(pattern.findall(expr.source)) - allowed)
        if missing:
            parser.at = at
            parser.problem(where, f"引用了不存在的字段 {', '.join(missing)}")
    parser.at = None

"""Conditions built from *clauses* (field + operator + value): :func:`clauses_to_cel` writes the CEL with
literals of the field's CEL type (money → double, integer number → int); :func:`cel_to_clauses` reads it
back. :func:`field_types` and :func:`schema_names` say what a form offers to conditions."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sanfu.approvals import formschema

OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "contains")

_LITERAL = r'(?P<value>"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false)'
_CLAUSE_RE = re.compile(
    r"^(?P<subject>form\.[A-Za-z_]\w*|urgency|amount)\s*(?P<op>==|!=|>=|<=|>|<)\s*" + _LITERAL + "$"
)
_CONTAINS_RE = re.compile(r'^(?P<subject>form\.[A-Za-z_]\w*)\.contains\((?P<value>"(?:[^"\\]|\\.)*")\)$')
_IN_RE = re.compile(r'^(?P<value>"(?:[^"\\]|\\.)*") in (?P<subject>form\.[A-Za-z_]\w*)$')


def _literal(value: Any, kind: str | None, op: str) -> str:  # noqa: PLR0911
    text = str(value if value is not None else "").strip()
    if kind in {"money", "number_double"}:
        try:
            return repr(float(text))
        except ValueError:
            return json.dumps(text, ensure_ascii=False)
    if kind == "number":
        try:
            return str(int(float(text)))
        except ValueError:
            return json.dumps(text, ensure_ascii=False)
    if kind in {"person", "department"} and re.fullmatch(r"-?\d+", text):
        return text
    if kind is None and re.fullmatch(r"-?\d+(?:\.\d+)?|true|false", text):
        return text  # a field of unknown type: the literal as written
    return json.dumps(text, ensure_ascii=False)


def clauses_to_cel(clauses: Sequence[Mapping[str, Any]], types: Mapping[str, Any]) -> str:
    """``[{"field": "amount", "op": ">", "value": "5000"}]`` → ``form.amount > 5000.0`` (all clauses must hold).
    ``field`` "urgency" is the built-in 紧急程度; ``types`` maps field names to formschema types
    ("number" for integers, "number_double" for other numbers)."""
    parts = []
    for clause in clauses:
        name, op = str(clause.get("field") or ""), str(clause.get("op") or "==")
        if not name or op not in OPERATORS:
            continue
        subject = "urgency" if name == "urgency" else f"form.{name}"
        kind = None if name == "urgency" else types.get(name)
        if op == "contains":
            value = json.dumps(str(clause.get("value") or ""), ensure_ascii=False)
            parts.append(f"{value} in {subject}" if kind == "multiselect" else f"{subject}.contains({value})")
        else:
            parts.append(f"{subject} {op} {_literal(clause.get('value'), kind, op)}")
    return " && ".join(parts)


def cel_to_clauses(source: str) -> list[dict[str, Any]] | None:
    """The clauses of a condition built from them (or written like them); None when it is other CEL."""
    clauses: list[dict[str, Any]] = []
    for part in (p.strip() for p in source.split("&&")):
        found = _CLAUSE_RE.match(part)
        if found:
            subject, op, value = found["subject"], found["op"], found["value"]
        elif found := _CONTAINS_RE.match(part) or _IN_RE.match(part):
            subject, op, value = found["subject"], "contains", found["value"]
        else:
            return None
        name = "urgency" if subject == "urgency" else "amount" if subject == "amount" else subject[5:]
        clauses.append({"field": name, "op": op, "value": json.loads(value) if value.startswith('"') else value})
    return clauses or None


def field_types(schema: formschema.FormSchema) -> dict[str, str]:
    types: dict[str, str] = {}
    for spec in schema.fields:
        kind = spec.format if spec.type == "computed" else spec.type
        if kind == "number" and not spec.integer:
            kind = "number_double"
        types[spec.name] = kind
        for key in formschema.derived_keys(spec):
            types[key] = "number" if key.endswith("_working_days") else "money"
    return types


def schema_names(schema: formschema.FormSchema) -> list[str]:
    names: list[str] = []
    for spec in schema.fields:
        names.append(spec.name)
        names.extend(formschema.derived_keys(spec))
    return names

"""The parsed form: field types, the frozen schema objects built by :func:`.parse.parse_schema`, and the
errors and result :func:`.validation.validate` reports."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

AccessMode = Literal["read", "write", "hidden"]
NON_FIELD = "__all__"

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


# Where a problem is: (field index, column index or None), both 0-based; None for the schema as a whole.
Location = tuple[int, int | None] | None


class SchemaError(ValueError):
    """The schema cannot be used; ``problems`` lists every reason found (in Chinese), and ``locations``
    (parallel to it) the field and table column each one is about, so an editor can mark them."""

    def __init__(self, problems: Sequence[str], locations: Sequence[Location] | None = None) -> None:
        self.problems = list(problems)
        self.locations: list[Location] = list(locations) if locations is not None else [None] * len(self.problems)
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

"""Validate a submission against a schema: clean every field, work out which fields the conditions make
visible and required (``visible_if`` / ``required_if``, to a fixed point), evaluate computed fields, then
run the schema's own validations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sanfu.approvals.formschema.cleaners import SCALAR_CLEANERS, Cleaned, Hooks, quoted
from sanfu.approvals.formschema.files import FileInfo
from sanfu.approvals.formschema.model import NON_FIELD, Expr, FieldError, FieldSpec, FormSchema, Result
from sanfu.approvals.formschema.tables import clean_table
from sanfu.approvals.formschema.values import from_cel, is_empty, to_cel

CLEANERS: dict[str, Callable[[FieldSpec, Any, Hooks], Cleaned]] = {**SCALAR_CLEANERS, "table": clean_table}


def access_mode(access: Mapping[str, str] | None, name: str) -> str:
    """write when no access map is given; a field missing from a given map is read-only."""
    if access is None:
        return "write"
    mode = access.get(name, "read")
    return mode if mode in {"read", "write", "hidden"} else "read"


class _Run:
    def __init__(self, schema: FormSchema, data: Mapping[str, Any], hooks: Hooks, access: Mapping[str, str] | None):
        self.schema, self.data, self.hooks = schema, data, hooks
        self.modes = {spec.name: access_mode(access, spec.name) for spec in schema.fields}
        self.values: dict[str, Cleaned] = {}

    def clean_inputs(self) -> None:
        quiet = Hooks(
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
                self.values[spec.name] = CLEANERS[spec.type](spec, self.data.get(spec.name), self.hooks)
            else:  # read or hidden: the stored value stands, re-cleaned only to get CEL-ready derived values
                kept = CLEANERS[spec.type](spec, self.hooks.previous.get(spec.name), quiet)
                self.values[spec.name] = Cleaned(kept.value if not kept.errors else None, derived=kept.derived)

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
                    cleaned.value = from_cel(spec, spec.expr.run(variables))
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
        for _round in range(len(self.schema.fields) + 1):
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
                    errors.append(FieldError(spec.name, _("%(field)s为必填项") % {"field": quoted(spec)}))
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
    hooks = Hooks(
        files=files or {},
        previous=previous or {},
        initiator=initiator,
        working_days=working_days,
        people_exist=people_exist,
        departments_exist=departments_exist,
    )
    return _Run(schema, data or {}, hooks, access).run()

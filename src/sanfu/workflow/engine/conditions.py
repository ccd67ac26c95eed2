"""Branch conditions in CEL (common-expression-language), compiled once when a definition is loaded.

Variables: ``form`` (the form's fields), ``initiator`` (``id``, ``rank``, ``department``, ``unit``),
``amount`` and ``urgency`` (shortcuts for the form's values). Never ``eval``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

ROOT_VARIABLES = {"form", "initiator", "amount", "urgency", "matter"}


@dataclass(frozen=True, slots=True)
class Condition:
    source: str
    program: Any

    def holds(self, variables: Mapping[str, Any]) -> bool:
        try:
            result = self.program.execute(dict(variables))
        except Exception:  # a condition over a missing field is simply false
            return False
        return result is True


def compile_condition(source: str, *, fields: set[str] | None = None) -> Condition:
    """Compile ``source``; raise ValueError with a readable reason when it cannot be used."""
    if not source.strip():
        raise ValueError("条件为空")
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise ValueError(str(exc).splitlines()[0]) from exc
    unknown = {v.split(".")[0] for v in program.variables()} - ROOT_VARIABLES
    if unknown:
        raise ValueError(f"未知变量 {', '.join(sorted(unknown))}（可用 form、initiator、amount、urgency、matter）")
    return Condition(source=source, program=program)

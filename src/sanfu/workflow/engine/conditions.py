"""Branch conditions in CEL (common-expression-language), compiled once when a definition is loaded.

Variables: ``form`` (the form's fields), ``initiator`` (``id``, ``rank``, ``department``, ``unit``),
``amount`` and ``urgency`` (shortcuts for the form's values). Never ``eval``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

ROOT_VARIABLES = {"form", "initiator", "amount", "urgency", "matter"}


@dataclass(frozen=True, slots=True)
class Condition:
    source: str
    program: Any
    # The variables the condition reads (roots only: ``form`` for ``form.amount``). Only these are handed
    # to CEL, which converts every value it is given (the whole set costs four times as much), and the
    # organisation is asked about the initiator only when the condition reads ``initiator``.
    reads: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        roots = {v.split(".")[0] for v in self.program.variables()}
        object.__setattr__(self, "reads", tuple(sorted(roots & ROOT_VARIABLES)))

    @property
    def reads_initiator(self) -> bool:
        return "initiator" in self.reads

    def holds(self, variables: Mapping[str, Any]) -> bool:
        try:
            result = self.program.execute({name: variables[name] for name in self.reads if name in variables})
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

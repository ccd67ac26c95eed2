"""Branch conditions in CEL (common-expression-language), compiled once when a definition is loaded.

Variables: ``form`` (the form's fields), ``initiator`` (``id``, ``rank``, ``department``, ``unit``),
``amount`` and ``urgency`` (shortcuts for the form's values). Never ``eval``.

CEL has no loops, but its comprehension macros (``all``, ``exists``, ``map``…) iterate, and nested ones
multiply: three nested over 60-element literals made 216,000 steps in one branch test. CEL offers no cost
limit of its own, so the work is bounded here, before and at evaluation: the source's length and nesting,
no comprehension inside another, no loop variable shadowing a variable (which would also slip past the
unknown-variable check), and at evaluation the number of list items handed to CEL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

from sanfu.workflow.engine.errors import ActionNotAllowedError

ROOT_VARIABLES = {"form", "initiator", "amount", "urgency", "matter"}

MAX_SOURCE_LENGTH = 1000
MAX_NESTING = 12  # brackets of any kind, open at once
MAX_ITEMS = 5000  # list items (at any depth) handed to one evaluation
_STRING_RE = re.compile(r"""[rRbB]{0,2}('''|"{3}|'|")(?:\\.|(?!\1).)*?\1""", re.DOTALL)
_MACRO_RE = re.compile(r"\.\s*(?:all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")


class ConditionTooCostlyError(ActionNotAllowedError):
    code = "condition_too_costly"


def expression_problem(source: str, *, roots: set[str] | frozenset[str] = frozenset(ROOT_VARIABLES)) -> str | None:
    """Why ``source`` would cost too much to evaluate (or would shadow a variable), or None.

    Shared with the smart forms' expressions (``visible_if``, ``required_if``, computed fields), which are
    CEL too."""
    if len(source) > MAX_SOURCE_LENGTH:
        return f"表达式过长（不超过 {MAX_SOURCE_LENGTH} 个字符）"
    bare = _STRING_RE.sub(lambda m: "''", source)  # string contents can hold anything: look past them
    depth = deepest = 0
    for char in bare:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        return f"表达式嵌套过深（括号不超过 {MAX_NESTING} 层）"
    macros = list(_MACRO_RE.finditer(bare))
    for match in macros:
        if match.group(1) in roots:
            return f"循环变量不能与变量同名：{match.group(1)}"
    for match in macros:
        end = _closing(bare, match.start() + match.group(0).index("("))
        if any(match.start() < other.start() < end for other in macros):
            return "不能在 all/exists/map/filter 内再嵌套 all/exists/map/filter"
    return None


def loop_variables(source: str) -> set[str]:
    """The names comprehensions bind (``l`` in ``form.lines.exists(l, l.amount > 0)``)."""
    return {m.group(1) for m in _MACRO_RE.finditer(_STRING_RE.sub("''", source))}


def _closing(text: str, open_at: int) -> int:
    """The index of the bracket closing the one at ``open_at`` (the end of text when unbalanced)."""
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def count_items(value: Any, limit: int = MAX_ITEMS) -> int:
    """How many list/dict items ``value`` holds at any depth, counting stops just past ``limit``."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, Mapping):
            total += len(item)
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
    return total


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
        given = {name: variables[name] for name in self.reads if name in variables}
        if count_items(given) > MAX_ITEMS:  # a refusal, not "false": a wrong branch would be silent
            raise ConditionTooCostlyError(
                f"条件“{self.source[:60]}”要处理的数据过多（超过 {MAX_ITEMS} 项），无法判断分支。"
            )
        try:
            result = self.program.execute(given)
        except Exception:  # a condition over a missing field is simply false
            return False
        return result is True


def compile_condition(source: str, *, fields: set[str] | None = None) -> Condition:
    """Compile ``source``; raise ValueError with a readable reason when it cannot be used."""
    if not source.strip():
        raise ValueError("条件为空")
    problem = expression_problem(source)
    if problem:
        raise ValueError(problem)
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise ValueError(str(exc).splitlines()[0]) from exc
    unknown = {v.split(".")[0] for v in program.variables()} - ROOT_VARIABLES - loop_variables(source)
    if unknown:
        raise ValueError(f"未知变量 {', '.join(sorted(unknown))}（可用 form、initiator、amount、urgency、matter）")
    return Condition(source=source, program=program)

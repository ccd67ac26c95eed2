"""Reliability checks (security issue 12): races, a database that is busy or down, random sequences of
actions. A test records what it measured (races run, examples, steps, seconds) with ``figures``; the run's
summary lists them under "reliability figures", so each run on each database shows its own numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests.approvals.test_inbox import flows  # noqa: F401  # the 审批中心's leave and seal matters, published
from tests.workflow.conftest import reference  # noqa: F401  # the reference expense process, published

_FIGURES: list[str] = []


@pytest.fixture
def figures() -> Callable[[str], None]:
    """``figures("1,000 races, 1,000 winners, 23.1 s")``: kept for the run's summary, tagged with the database."""

    def record(line: str) -> None:
        _FIGURES.append(f"[{connection.vendor}] {line}")

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("reliability figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)

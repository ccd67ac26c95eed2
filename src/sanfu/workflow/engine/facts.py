"""What the engine asks of the world: who the people are, and what time it is on the working calendar.

The Django layer answers from the org tables (``sanfu.workflow.facts``); tests and the benchmark use
:class:`MemoryFacts`. Answers must depend only on their arguments and ``now`` so decisions replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol


class Facts(Protocol):
    now: datetime

    def resolve(self, rule: Mapping[str, Any], *, initiator: int, form: Mapping[str, Any]) -> list[int]:
        """The people an approver rule names (never ``chosen``: the engine handles 自选 itself)."""
        ...

    def head_of(self, person: int) -> int | None: ...

    def delegate_of(self, person: int, matter: str) -> int | None:
        """The person acting for ``person`` now (委托代理), if any."""
        ...

    def attributes(self, person: int) -> Mapping[str, Any]:
        """What conditions may read about a person: ``id``, ``rank``, ``department``, ``unit``."""
        ...

    def add_working_days(self, moment: datetime, days: float) -> datetime: ...

    def add_working_hours(self, moment: datetime, hours: float) -> datetime: ...


@dataclass
class MemoryFacts:
    """An organisation held in dictionaries; weekends are the only rest days unless ``rest_days`` says so."""

    now: datetime
    heads: dict[int, int] = field(default_factory=dict)
    roles: dict[str, list[int]] = field(default_factory=dict)
    leaders: dict[Any, int] = field(default_factory=dict)  # department → leader in charge
    department_heads: dict[Any, int] = field(default_factory=dict)
    departments: dict[int, Any] = field(default_factory=dict)  # person → department
    ranks: dict[int, int] = field(default_factory=dict)
    delegations: dict[int, int] = field(default_factory=dict)
    rest_days: set[Any] = field(default_factory=set)

    def resolve(self, rule: Mapping[str, Any], *, initiator: int, form: Mapping[str, Any]) -> list[int]:
        kind = rule["type"]
        if kind == "users":
            return list(rule["users"])
        if kind == "initiator":
            return [initiator]
        if kind == "role":
            return list(self.roles.get(rule["role"], []))
        if kind == "head":
            chain: list[int] = []
            current = initiator
            for _ in range(int(rule.get("levels", 1))):
                head = self.heads.get(current)
                if head is None or head in chain or head == initiator:
                    break
                chain.append(head)
                if rule.get("stop_at_rank") is not None and self.ranks.get(head, 0) >= rule["stop_at_rank"]:
                    break
                current = head
            return chain
        if kind == "leader_in_charge":
            dept = self._department(rule.get("department", "initiator"), initiator, form)
            leader = self.leaders.get(dept)
            return [leader] if leader is not None else []
        if kind == "department_heads":
            raw = rule["departments"]
            depts: Sequence[Any] = form.get(raw["field"], []) if isinstance(raw, Mapping) else raw
            return [self.department_heads[d] for d in depts if d in self.department_heads]
        if kind == "field":
            value = form.get(rule["field"])
            if value is None or value == "":
                return []
            return [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)]
        raise ValueError(f"unknown rule {kind}")

    def _department(self, spec: Any, initiator: int, form: Mapping[str, Any]) -> Any:
        if spec == "initiator":
            return self.departments.get(initiator)
        if isinstance(spec, Mapping):
            return form.get(spec["field"])
        return spec

    def head_of(self, person: int) -> int | None:
        return self.heads.get(person)

    def delegate_of(self, person: int, matter: str) -> int | None:
        return self.delegations.get(person)

    def attributes(self, person: int) -> Mapping[str, Any]:
        return {
            "id": person,
            "rank": self.ranks.get(person, 0),
            "department": self.departments.get(person),
            "unit": None,
        }

    def _workday(self, moment: datetime) -> bool:
        return moment.weekday() < 5 and moment.date() not in self.rest_days

    def add_working_days(self, moment: datetime, days: float) -> datetime:
        result, remaining = moment, int(days)
        while remaining > 0:
            result += timedelta(days=1)
            if self._workday(result):
                remaining -= 1
        return result

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        # A simple model for tests: working hours run round the clock on working days.
        result, remaining = moment, timedelta(hours=hours)
        while remaining > timedelta(0):
            step = min(remaining, timedelta(hours=1))
            result += step
            if self._workday(result):
                remaining -= step
        return result

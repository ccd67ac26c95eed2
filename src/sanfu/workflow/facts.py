"""The engine's questions answered from the organisation tables (``sanfu.org``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from sanfu.org import selectors as org
from sanfu.org.calendar import WorkingCalendar
from sanfu.workflow import fastpath


def _ints(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else [value]
    result = []
    for item in items:
        try:
            result.append(int(item))
        except (TypeError, ValueError):
            continue
    return result


class OrgFacts:
    """Facts for one decision, read from the database once and kept for the decision's duration."""

    def __init__(self, *, now: datetime, calendar: WorkingCalendar | None = None, people: Iterable[int] = ()):
        """``people``: whose activity the decision will probably ask (e.g. the ``users`` rules of the
        definition): read with the first question about activity or delegations, in one query."""
        self.now = now
        self._people = tuple(people)
        self._calendar = calendar
        self._heads: dict[int, int | None] = {}
        self._delegates: dict[tuple[int, str], int | None] = {}
        self._attributes: dict[int, Mapping[str, Any]] = {}
        self._active: dict[int, bool] = {}  # user → is_active, as read during this decision
        self._principals: set[int] | None = None  # everyone with an active delegation now (usually nobody)

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = org.working_calendar()
        return self._calendar

    def resolve(self, rule: Mapping[str, Any], *, initiator: int, form: Mapping[str, Any]) -> list[int]:
        kind = rule.get("type")
        if kind == "users":
            return self._active_only(_ints(rule.get("users")))
        if kind == "initiator":
            return [initiator]
        if kind == "role":
            unit = rule.get("unit", "initiator")
            unit_id = self.attributes(initiator).get("unit") if unit == "initiator" else unit
            return [u.pk for u in org.people_with_role(str(rule["role"]), unit_id=unit_id)]
        if kind == "head":
            return [
                u.pk
                for u in org.heads_up(
                    initiator, levels=int(rule.get("levels", 1)), stop_at_rank=rule.get("stop_at_rank")
                )
            ]
        if kind == "leader_in_charge":
            department = self._department(rule.get("department", "initiator"), initiator, form)
            if department is None:
                return []
            leader = org.leader_in_charge(department)
            return [leader.pk] if leader is not None else []
        if kind == "department_heads":
            raw = rule.get("departments")
            ids = _ints(form.get(raw["field"]) if isinstance(raw, Mapping) else raw)
            heads = org.heads_of_departments(ids)
            return [u.pk for d in ids for u in heads.get(d, [])[:1]]
        if kind == "field":
            return self._active_only(_ints(form.get(str(rule.get("field")))))
        return []

    def _active_only(self, wanted: list[int]) -> list[int]:
        """The active people among ``wanted``, in order; read once per person per decision."""
        unknown = [p for p in wanted if p not in self._active]
        if unknown:
            if self._principals is None:
                self._read(unknown)
            else:
                active = fastpath.active_user_ids(unknown)
                self._active.update((p, p in active) for p in unknown)
        return [p for p in wanted if self._active[p]]

    def _department(self, spec: Any, initiator: int, form: Mapping[str, Any]) -> int | None:
        if spec == "initiator":
            department = self.attributes(initiator).get("department")
            return int(department) if department is not None else None
        if isinstance(spec, Mapping):
            ids = _ints(form.get(str(spec.get("field"))))
            return ids[0] if ids else None
        ids = _ints(spec)
        return ids[0] if ids else None

    def head_of(self, person: int) -> int | None:
        if person not in self._heads:
            head = org.head_of(person)
            self._heads[person] = head.pk if head is not None else None
        return self._heads[person]

    def delegate_of(self, person: int, matter: str) -> int | None:
        key = (person, matter)
        if key not in self._delegates:
            delegate = None
            if self._has_delegated(person):  # usually not: then there is no chain to follow
                delegate = org.active_delegate(person, at=self.now, matter_type=matter or None)
            self._delegates[key] = delegate.pk if delegate is not None else None
        return self._delegates[key]

    def _has_delegated(self, person: int) -> bool:
        """Whether ``person`` has any active delegation now: one query per decision for everyone who has
        (usually nobody), instead of one per new task."""
        if self._principals is None:
            self._read(())
            assert self._principals is not None
        return person in self._principals

    def _read(self, wanted: Iterable[int]) -> None:
        """Everyone with an active delegation, and whether ``wanted`` and the expected people are active:
        one query (the first question of either kind in a decision asks both)."""
        people = [p for p in dict.fromkeys((*wanted, *self._people)) if p not in self._active]
        active, self._principals = fastpath.active_users_and_principals(people, at=self.now)
        self._active.update((p, p in active) for p in people)

    def attributes(self, person: int) -> Mapping[str, Any]:
        if person not in self._attributes:
            self._attributes[person] = {"id": person, **org.person_attributes(person)}
        return self._attributes[person]

    # Office hours are local (Asia/Shanghai by default): count in local time, whatever zone ``moment`` is in.
    def add_working_days(self, moment: datetime, days: float) -> datetime:
        return self.calendar.add_working_days(timezone.localtime(moment), int(days))

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        return self.calendar.add_working_hours(timezone.localtime(moment), hours)

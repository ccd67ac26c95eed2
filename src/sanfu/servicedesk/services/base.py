"""What the window's services share: refusals, the clerk check, phone digits, working days."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.org.selectors import people_with_role, working_calendar
from sanfu.servicedesk import rights

MAX_TEXT = 500
MAX_LONG = 3000


def bad(message: str, name: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name}])


def require_unit(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise PermissionDeniedError(_("您不属于任何单位，不能使用服务窗口。"))
    return unit_id


def require_clerk(actor: User) -> int:
    unit_id = require_unit(actor)
    if not rights.is_clerk(actor):
        raise PermissionDeniedError(_("只有服务窗口（办公室）可以办理此事项。"))
    return unit_id


def digits_of(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def due_date(start: datetime, days: int) -> date:
    return working_calendar().add_working_days(timezone.localtime(start), days).date()


def due_moved(due_on: date, days: int) -> date:
    """A promised date moved on by ``days`` working days (the days a return for material held the clock)."""
    return working_calendar().add_working_days(datetime.combine(due_on, time(12, 0)), days).date()


def working_days_taken(start: datetime, end: datetime) -> int:
    """Working days after the day of ``start`` up to and including the day of ``end`` (same day: 0)."""
    first = timezone.localdate(start) + timedelta(days=1)
    return working_calendar().working_days_between(first, timezone.localdate(end))


def clerks_of(unit_id: int, *, besides: int | None = None) -> list[int]:
    return [u.pk for u in people_with_role(rights.CLERK_ROLE, unit_id=unit_id) if u.pk != besides]

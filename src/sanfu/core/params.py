"""Numbers and ids from a request: one strict parser, used by every view and selector that reads one.

A query or form value is text from anyone. ``int()`` on it raises on "abc"; ``str.isdigit()`` lets "²"
through (and ``int("²")`` then raises) and accepts full-width "１２"; a 25-digit value overflows SQLite's
INTEGER and PostgreSQL's bigint deep inside a query. Each of those was a 500. Here a value is a number only
when it is plain ASCII digits (with an optional minus sign where negatives make sense) within the range the
caller allows and the database can hold; anything else is ``None`` (or the caller's default), never an
exception, so a view treats it as "not given" or answers 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import overload

MAX_ID = 2**63 - 1  # a BigAutoField key: the largest signed 64-bit integer (both databases)
MIN_BIGINT = -(2**63)
MAX_INT = 2**31 - 1  # an IntegerField / PositiveIntegerField column (PostgreSQL's integer)

# A date a page may filter on: far enough either way for any record, and never next to date.min/max, where
# making it a moment (and moving it to UTC) overflows.
DATE_RANGE = (date(1900, 1, 1), date(2999, 12, 31))
_NUMBER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only; 19 digits already pass the 64-bit range


@overload
def parse_int(value: object, *, minimum: int | None = ..., maximum: int | None = ..., default: int) -> int: ...
@overload
def parse_int(
    value: object, *, minimum: int | None = ..., maximum: int | None = ..., default: None = ...
) -> int | None: ...
def parse_int(
    value: object, *, minimum: int | None = None, maximum: int | None = None, default: int | None = None
) -> int | None:
    """``value`` (a str, or an int already) as an integer within [``minimum``, ``maximum``] and the signed
    64-bit range; ``default`` when it is missing, empty, not plain ASCII digits or out of range."""
    if isinstance(value, bool):  # True is an int to Python, never a number to a form
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            return default
        number = int(text)
    else:
        return default
    low = MIN_BIGINT if minimum is None else max(minimum, MIN_BIGINT)
    high = MAX_ID if maximum is None else min(maximum, MAX_ID)
    return number if low <= number <= high else default


def parse_id(value: object) -> int | None:
    """A database id (1 … 2**63-1) from request text, or None."""
    return parse_int(value, minimum=1, maximum=MAX_ID)


def parse_ids(values: Iterable[object]) -> list[int]:
    """The well-formed ids among ``values`` (e.g. ``request.POST.getlist("task")``), in order, each once;
    bad ones are dropped."""
    ids = (parse_id(v) for v in values)
    return list(dict.fromkeys(i for i in ids if i is not None))


def parse_date(value: object) -> date | None:
    """An ISO date (2026-11-20) within ``DATE_RANGE`` from request text, or None."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if DATE_RANGE[0] <= day <= DATE_RANGE[1] else None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(value: object, *, max_length: int = 200) -> str:
    """Free text from a request (a search box): stripped, cut to ``max_length``, without NUL and other control
    characters (PostgreSQL refuses NUL in text, spreadsheets refuse control characters); "" when missing."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip()[:max_length]

"""The one parser of numbers and ids from a request: plain ASCII digits within range, else None — never an
exception (security issue, holes 13 and 14)."""

from __future__ import annotations

import pytest

from sanfu.core.params import MAX_ID, parse_id, parse_ids, parse_int

HOSTILE = ["abc", "²", "１２", "1e3", "", "%00", "\x00", " ", "1.5", "0x10", "+1", "1_000", "١٢", None, [], 1.0, True]


@pytest.mark.parametrize("value", HOSTILE)
def test_anything_but_ascii_digits_is_not_a_number(value: object) -> None:
    assert parse_int(value) is None
    assert parse_id(value) is None
    assert parse_int(value, default=7) == 7


def test_plain_digits_are_numbers() -> None:
    assert parse_int("42") == 42
    assert parse_int(" 42\n") == 42  # a form's stray whitespace
    assert parse_int("-3") == -3
    assert parse_int(5) == 5
    assert parse_id("1") == 1
    assert parse_id(str(MAX_ID)) == MAX_ID


def test_ids_are_positive_and_fit_a_bigint() -> None:
    assert parse_id("0") is None
    assert parse_id("-1") is None
    assert parse_id(str(MAX_ID + 1)) is None
    assert parse_id("1" * 25) is None
    assert parse_int("1" * 25) is None
    assert parse_int(str(-(2**63) - 1)) is None
    assert parse_int(10**30) is None  # an int already, but no column holds it


def test_bounds_and_default() -> None:
    assert parse_int("13", minimum=1, maximum=12) is None
    assert parse_int("13", minimum=1, maximum=12, default=6) == 6
    assert parse_int("12", minimum=1, maximum=12) == 12
    assert parse_int(None, default=20) == 20
    assert parse_int("0", minimum=1, default=1) == 1


def test_a_list_keeps_the_good_ids_in_order_once() -> None:
    assert parse_ids(["3", "abc", "²", "1", "3", "0", "1" * 25, "２"]) == [3, 1]
    assert parse_ids([]) == []

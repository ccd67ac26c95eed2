"""The wrong-code limit of following an anonymous suggestion holds across app processes: it is counted in the
database (``core.throttle``), not in a per-process cache. Two "processes" — threads, each with its own database
connection and its own empty cache — share one count, even racing; the lock names how long is left; a right code
is refused until the window ends, then counting starts again. The count stores only a keyed hash, never the
person, and a right code leaves no row behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.core.throttle import TABLE, Throttle, ThrottledError
from sanfu.suggestions import services
from tests.races import race
from tests.suggestions.conftest import submit

WRONG = "AAAA-BBBB-CCCC-DDDD"
ALLOWED = services.FOLLOW_FAILURES_ALLOWED
WINDOW = services.FOLLOW_WINDOW_SECONDS
# The start of a window (windows are aligned to multiples of their length since the epoch).
WINDOW_START = datetime.fromtimestamp((int(datetime(2026, 12, 7, 9, tzinfo=UTC).timestamp()) // WINDOW) * WINDOW, UTC)


def rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT digest, hits, ends FROM {TABLE} ORDER BY digest")  # noqa: S608
        return list(cursor.fetchall())


@pytest.fixture
def empty_counts() -> Iterator[None]:
    """Tests that commit (threads need it) leave no count to the next: the table has no model, so the test
    database's flush does not empty it."""
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608


def _wrong_tries(actor: Any, n: int) -> Callable[[], list[str]]:
    def tries() -> list[str]:
        cache.clear()  # what a fresh process has: nothing remembered
        outcomes = []
        for _i in range(n):
            try:
                services.suggestion_follow(actor=actor, code=WRONG)
            except NotFoundError:
                outcomes.append("wrong")
            except PermissionDeniedError:
                outcomes.append("locked")
        return outcomes

    return tries


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_count(sg: dict[str, Any], empty_counts: None) -> None:
    made = submit(sg["accountant"], anonymous=True)
    (first,) = race([_wrong_tries(sg["deputy"], 6)])
    assert first == ["wrong"] * 6
    (second,) = race([_wrong_tries(sg["deputy"], 6)])  # another process, another empty cache
    assert second == ["wrong"] * (ALLOWED - 6) + ["locked"] * (12 - ALLOWED)
    cache.clear()
    with pytest.raises(PermissionDeniedError, match="输错次数过多"):
        services.suggestion_follow(actor=sg["deputy"], code=made.code)  # the right code too
    # another person is not affected
    assert services.suggestion_follow(actor=sg["accountant"], code=made.code).pk == made.suggestion.pk


@pytest.mark.django_db(transaction=True)
def test_racing_processes_never_get_more_than_the_limit(sg: dict[str, Any], empty_counts: None) -> None:
    results = race([_wrong_tries(sg["deputy"], 8) for _i in range(2)])
    outcomes = [o for r in results for o in r]
    assert outcomes.count("wrong") == ALLOWED
    assert outcomes.count("locked") == 16 - ALLOWED


def test_the_lock_says_how_long_and_holds_a_right_code_until_the_window_ends(sg: dict[str, Any]) -> None:
    made = submit(sg["accountant"], anonymous=True)
    deputy = sg["deputy"]
    with time_machine.travel(WINDOW_START, tick=False):
        for _i in range(ALLOWED):
            with pytest.raises(NotFoundError, match="查询码不正确"):
                services.suggestion_follow(actor=deputy, code=WRONG)
        with pytest.raises(PermissionDeniedError, match=r"^查询码输错次数过多，请15分钟后再试。$"):
            services.suggestion_follow(actor=deputy, code=made.code)
    for later, left in ((timedelta(minutes=5, seconds=30), 10), (timedelta(seconds=WINDOW - 1), 1)):  # rounded up
        with (
            time_machine.travel(WINDOW_START + later, tick=False),
            pytest.raises(PermissionDeniedError, match=f"请{left}分钟后再试"),
        ):
            services.suggestion_follow(actor=deputy, code=made.code)
    with time_machine.travel(WINDOW_START + timedelta(seconds=WINDOW), tick=False):
        assert services.suggestion_follow(actor=deputy, code=made.code).pk == made.suggestion.pk
        for _i in range(ALLOWED):  # a fresh count
            with pytest.raises(NotFoundError):
                services.suggestion_follow(actor=deputy, code=WRONG)
        with pytest.raises(PermissionDeniedError):
            services.suggestion_follow(actor=deputy, code=WRONG)


def test_a_right_code_does_not_count_and_leaves_no_row(sg: dict[str, Any]) -> None:
    made = submit(sg["accountant"], anonymous=True)
    for _i in range(ALLOWED + 3):
        assert services.suggestion_follow(actor=sg["accountant"], code=made.code).pk == made.suggestion.pk
    assert rows() == []
    with pytest.raises(NotFoundError):
        services.suggestion_follow(actor=sg["accountant"], code=WRONG)
    services.suggestion_follow(actor=sg["accountant"], code=made.code)
    assert [hits for _d, hits, _e in rows()] == [1]  # the wrong one only


def test_the_count_keeps_a_keyed_hash_only(sg: dict[str, Any]) -> None:
    deputy = sg["deputy"]
    with time_machine.travel(WINDOW_START, tick=False):
        with pytest.raises(NotFoundError):
            services.suggestion_follow(actor=deputy, code=WRONG)
        ((digest, hits, ends),) = rows()
        assert hits == 1
        assert ends == int(WINDOW_START.timestamp()) + WINDOW  # when the window ends, not when the try was
        assert len(digest) == 64
        text = str(rows())
        for name in (str(deputy.pk), deputy.username, deputy.display_name):
            assert f"'{name}'" not in text
            assert f"user:{name}" not in text
        assert services.FOLLOW_THROTTLE.counted(f"user:{deputy.pk}") == 1
        with override_settings(SECRET_KEY="another-key-" + "k" * 50):
            assert services.FOLLOW_THROTTLE.counted(f"user:{deputy.pk}") == 0  # without the key, no row is found
    with time_machine.travel(WINDOW_START + timedelta(seconds=WINDOW), tick=False), pytest.raises(NotFoundError):
        services.suggestion_follow(actor=deputy, code=WRONG)
    assert len(rows()) == 1  # the ended window's row went with the new window's first try
    assert rows()[0][0] != digest  # and the new window's hash is not the old one's


def test_a_throttle_is_checked_when_made() -> None:
    for scope, allowed, window in (("", 1, 1), ("x", 0, 1), ("x", 1, 0)):
        with pytest.raises(ValueError, match="throttle"):
            Throttle(scope, allowed=allowed, window_seconds=window)
    assert ThrottledError(61).minutes == 2
    assert ThrottledError(1).minutes == 1

"""Racing calls against each other, as people acting at the same moment do: each call on a thread of its own with
a database connection of its own, all of them released together by a barrier. Use it in a
``django_db(transaction=True)`` test, so that each thread sees what the test wrote and the others commit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def race(calls: Sequence[Callable[[], Any]], *, timeout: float = 120) -> list[Any]:
    """Run ``calls`` at the same moment and return, in their order, what each returned or the exception it raised
    (a loser's refusal is a result too). The clock the test set (``time_machine``) is the process's: every thread
    sees it. Fails when a thread has not finished after ``timeout`` seconds, or never reached the start."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    started = [False] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            started[index] = True
            try:
                results[index] = calls[index]()
            except Exception as exc:  # the losers' refusals are the point
                results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), f"a racing call did not finish in {timeout} s"
    assert all(started), "the racing calls did not all start together"
    return results

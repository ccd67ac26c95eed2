"""Helpers for the accounts tests: signing in through the real form, and running requests in threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> HttpResponse:
    """POST the sign-in form (so that axes, the audit receivers and the session limits all run)."""
    response: HttpResponse = client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )
    return response


def run_in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; return results (or raised exceptions)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def signin() -> Callable[..., HttpResponse]:
    return sign_in

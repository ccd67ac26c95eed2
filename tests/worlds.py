"""A scene built once per test module (like ``TestCase.setUpTestData``): seeding the demo organisation or a
matrix of documents costs seconds, and most tests of a module only read it.

The scene is built inside a transaction that is rolled back when the module is done; each test's own
transaction is a savepoint inside it, so a test's writes vanish after it. Durable service transactions are
allowed inside it as they are inside a test's. Uploaded files go to a folder of the module's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from django.db import transaction
from django.test import override_settings

T = TypeVar("T")


def built_once(django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory, build: Callable[[], T]) -> Iterator[T]:
    """For a module-scoped fixture: ``yield from built_once(django_db_blocker, tmp_path_factory, build_scene)``."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # the flag Django's TestCase sets on its own
        atomic.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        media.disable()

"""The demo's 爱心基金: the main unit's committee and three applications in three states (waiting for the committee,
approved and partly paid, not approved), each with its flow; idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.hardship import seed_hardship
from sanfu.demo.org import seed_demo
from sanfu.hardship import selectors, services
from sanfu.hardship.models import Application, Status
from tests.worlds import built_once


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    def build() -> int:
        seed_demo()
        return seed_hardship()

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.django_db
def test_the_demo_applications(demo: int) -> None:
    assert demo == Application.objects.count() == 3
    assert sorted(Application.objects.values_list("status", flat=True)) == sorted(
        [Status.REVIEW, Status.APPROVED, Status.REJECTED]
    )
    paid = Application.objects.get(status=Status.APPROVED)
    assert (paid.amount_approved, paid.paid_total) == (Decimal("8000"), Decimal("5000"))
    member = User.objects.get(username="hr")
    paid_year = (timezone.localdate() - timedelta(days=3)).year  # the demo paid three days ago
    assert selectors.payments_in_year(member, paid_year).total == Decimal("5000")
    waiting = Application.objects.get(status=Status.REVIEW)
    assert services.may_act(member, waiting)
    assert list(selectors.visible_applications(User.objects.get(username="gm"))) == []


@pytest.mark.django_db
def test_the_demo_is_idempotent(demo: int) -> None:
    assert seed_hardship() == 0
    assert Application.objects.count() == demo

"""The demo's 意见箱: fifteen suggestions over this year and last, some anonymous (holding no author), adopted ones
in both years' lists, the published demo code following its suggestion; idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import seed_demo
from sanfu.demo.suggestions import DEMO_CODE, seed_suggestions
from sanfu.suggestions import selectors, services
from sanfu.suggestions.models import Status, Suggestion
from tests.worlds import built_once


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    def build() -> int:
        seed_demo()
        return seed_suggestions()

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.django_db
def test_the_demo_suggestions(demo: int) -> None:
    assert demo == Suggestion.objects.count() == 15
    anonymous = Suggestion.objects.filter(anonymous=True)
    assert anonymous.count() >= 5
    assert not anonymous.filter(author__isnull=False).exists()
    assert not anonymous.filter(submitted_at__isnull=False)
    staff = User.objects.get(username="staff")
    year = timezone.localdate().year
    assert selectors.adopted_in_year(staff, year).exists()
    assert selectors.adopted_in_year(staff, year - 1).exists()
    assert Suggestion.objects.filter(status=Status.DECLINED).exclude(decline_reason="").exists()
    assert selectors.public_suggestions(staff).count() >= 10
    assert services.suggestion_follow(actor=staff, code=DEMO_CODE).anonymous


@pytest.mark.django_db
def test_the_demo_is_idempotent(demo: int) -> None:
    assert seed_suggestions() == 0
    assert Suggestion.objects.count() == demo

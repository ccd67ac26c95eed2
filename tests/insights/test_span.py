"""Several months computed at once (``services.month_reviews_computed``: the span's facts read once, each month
sliced out of them) give each month the figures of that month computed alone, on the benchmark's generated log
(instances begun in June and still alive, ended or not, in July; a month before them is empty)."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.insights import measures, services
from tests.insights.test_bench_shapes import JUNE, JuneGenerator, insert, organisation, publish

pytestmark = pytest.mark.django_db


def test_a_span_of_months_gives_each_month_its_own_figures() -> None:
    org = organisation()
    generator = JuneGenerator(org, {})
    generator.definitions = publish(generator)
    insert(generator)
    may, july = JUNE.previous, JUNE.next
    alone: list[dict[str, Any]] = [
        measures.review(services.spine_for(unit_id=org.unit, month=m)) for m in (may, JUNE, july)
    ]
    assert alone[1]["total"]["ended"] > 0  # the span is not trivially empty
    assert alone[2]["total"]
    assert services.month_reviews_computed(unit_id=org.unit, first=may, last=july) == alone

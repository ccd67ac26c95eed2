"""Several months computed at once (``services.month_reviews_computed``: the span's facts read once, each month
sliced out of them) give each month the figures of that month computed alone, on the benchmark's generated log
(instances begun in June and still alive, ended or not, in July; a month before them is empty)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from django.db import connection, transaction

from sanfu.insights import facts, measures, reader, services
from tests.insights.test_bench_shapes import JUNE, JuneGenerator, insert, organisation, publish

pytestmark = pytest.mark.django_db


def test_a_span_of_months_gives_each_month_its_own_figures(monkeypatch: pytest.MonkeyPatch) -> None:
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
    monkeypatch.setattr(measures, "STACKED_MONTHS", 2)  # the months reviewed two by two: the same figures
    assert services.month_reviews_computed(unit_id=org.unit, first=may, last=july) == alone


@pytest.mark.parametrize(("index_ids", "array_ids"), [(0, facts.ID_ARRAY_MAX), (0, 0)])
def test_each_form_of_the_instances_condition_gives_the_same_figures(
    monkeypatch: pytest.MonkeyPatch, index_ids: int, array_ids: int
) -> None:
    # PostgreSQL is sent the ids already read: a month's behind a subquery (the instance key's index), a year's as
    # the array itself (one scan, hashed), past ``ID_ARRAY_MAX`` the instances' condition again. The same figures.
    org = organisation()
    generator = JuneGenerator(org, {})
    generator.definitions = publish(generator)
    insert(generator)
    may, july = JUNE.previous, JUNE.next
    default = services.month_reviews_computed(unit_id=org.unit, first=may, last=july)
    monkeypatch.setattr(facts, "INDEX_IDS_MAX", index_ids)
    monkeypatch.setattr(facts, "ID_ARRAY_MAX", array_ids)
    assert default[1]["total"]["ended"] > 0
    assert services.month_reviews_computed(unit_id=org.unit, first=may, last=july) == default


@pytest.mark.django_db(transaction=True)
def test_the_columnar_reader_gives_the_figures_the_cursor_gives() -> None:
    # Outside a transaction the facts come in columnar form (SQLite: the ADBC driver's own connection to the
    # file; PostgreSQL: COPY); inside one, SQLite's go through Django's cursor (uncommitted rows are only there).
    org = organisation()
    generator = JuneGenerator(org, {})
    generator.definitions = publish(generator)
    insert(generator)
    may, july = JUNE.previous, JUNE.next
    columnar = services.month_reviews_computed(unit_id=org.unit, first=may, last=july)
    with transaction.atomic():
        through_cursor = services.month_reviews_computed(unit_id=org.unit, first=may, last=july)
    assert columnar[1]["total"]["ended"] > 0
    assert columnar == through_cursor


@pytest.mark.django_db(transaction=True)
def test_a_text_column_empty_in_its_first_rows_is_read_whole() -> None:
    # SQLite's ADBC driver types a column from its first rows; a text that starts empty (NULL) is still read.
    organisation()
    sql = (
        "SELECT u.id, CASE WHEN u.id > (SELECT MIN(id) + 3 FROM accounts_user) THEN u.username END"
        " FROM accounts_user u ORDER BY u.id"
    )
    frame = reader.fetch_sql(sql, (), [("id", pl.Int64), ("name", pl.String)])
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    assert frame.rows() == rows
    assert frame["name"].drop_nulls().len() > 0

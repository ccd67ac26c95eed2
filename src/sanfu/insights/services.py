"""The review's figures, read from the cache for a closed month or computed (``measures.review``).

A closed month (its last moment passed) is computed once and stored with the measures' version and the
working calendar's fingerprint; a later read under the same version and calendar takes the stored figures, and
a change to either recomputes them (so an administrator's change to the calendar invalidates every cached
month). The month still open is computed on every read and never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from sanfu.insights import facts, measures
from sanfu.insights.models import MonthReview
from sanfu.workflow.models import Instance


def spine_for(*, unit_id: int, month: facts.Month) -> measures.Spine:
    rows = facts.calendar_rows()
    loaded = facts.load(unit_id=unit_id, month=month, calendar=facts.working_calendar_of(rows))
    return measures.spine_of(loaded)


def month_review(*, unit_id: int, month: facts.Month, now: datetime | None = None) -> dict[str, Any]:
    """The figures of ``unit_id`` for ``month``: from the cache when the month is closed and was computed
    under the current version and calendar, otherwise computed (and stored, for a closed month)."""
    now = now or timezone.now()
    rows = facts.calendar_rows()
    calendar = facts.calendar_version(rows)
    closed = month.ends() <= now
    if closed:
        cached = (
            MonthReview.objects.filter(
                unit_id=unit_id, month=month.first_day, version=measures.COMPUTATION_VERSION, calendar=calendar
            )
            .values_list("figures", flat=True)
            .first()
        )
        if cached is not None:
            return dict(cached)
    loaded = facts.load(unit_id=unit_id, month=month, calendar=facts.working_calendar_of(rows))
    figures = measures.review(measures.spine_of(loaded))
    if closed:
        month_review_store(unit_id=unit_id, month=month, calendar=calendar, figures=figures, now=now)
    return figures


def month_review_store(
    *, unit_id: int, month: facts.Month, calendar: str, figures: dict[str, Any], now: datetime
) -> MonthReview:
    """Keep a closed month's figures (replacing those of an older version or calendar)."""
    with transaction.atomic():
        review, _ = MonthReview.objects.update_or_create(
            unit_id=unit_id,
            month=month.first_day,
            defaults={
                "version": measures.COMPUTATION_VERSION,
                "calendar": calendar,
                "figures": figures,
                "computed_at": now,
            },
        )
    return review


def month_reviews_fill(*, month: facts.Month | None = None, now: datetime | None = None) -> int:
    """The worker's job after a month ends: compute and store the closed month (the previous one by default) for
    every unit that had instances; returns how many units were computed."""
    now = now or timezone.now()
    month = month or facts.Month(timezone.localdate(now).year, timezone.localdate(now).month).previous
    units = (
        Instance.objects.filter(unit_id__isnull=False, created_at__lt=month.ends())
        .values_list("unit_id", flat=True)
        .order_by()
        .distinct()
    )
    done = 0
    for unit_id in units:
        month_review(unit_id=unit_id, month=month, now=now)
        done += 1
    return done

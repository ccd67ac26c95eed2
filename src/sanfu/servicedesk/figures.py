"""服务统计: per service and month — volume, average turnaround in working days, the one-trip share (最多跑一次),
the average rating and the complaint rate — each figure a SQL aggregate (a few queries whatever the rows), a
six-month trend for the charts, and the Excel workbook of the same figures.

Volume counts the requests registered in the month; turnaround and the one-trip share count those of them already
closed (one trip: closed without any return for missing material); the rating averages their ratings; the complaint
rate is the complaints filed on the service in the month per 100 requests of that month. The turnaround counts the
time waiting for missing material too; ``paused`` says how much of it was (the working days the clocks were held,
补正期间不计时, on average over the same closed requests)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core import xlsx
from sanfu.servicedesk.models import Complaint, RequestStatus, Service, ServiceRequest
from sanfu.servicedesk.selectors import REPEAT_COMPLAINTS, with_complaints

TREND_MONTHS = 6


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (
        timezone.make_aware(datetime.combine(first, time(0, 0))),
        timezone.make_aware(datetime.combine(following, time(0, 0))),
    )


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _round(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


@dataclass
class ServiceFigures:
    service_id: int
    name: str
    volume: int = 0
    closed: int = 0
    one_trip: int = 0
    turnaround: float | None = None
    paused: float | None = None  # of the turnaround, working days waiting for missing material (clock held)
    rating: float | None = None
    ratings: int = 0
    complaints: int = 0
    flagged: bool = False

    @property
    def one_trip_share(self) -> float | None:
        return _share(self.one_trip, self.closed)

    @property
    def complaint_rate(self) -> float | None:
        return _share(self.complaints, self.volume)


@dataclass
class MonthFigures:
    year: int
    month: int
    services: list[ServiceFigures]
    trend: dict[str, Any] = field(default_factory=dict)

    @property
    def month_text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def total(self) -> ServiceFigures:
        total = ServiceFigures(0, _("合计"))
        for s in self.services:
            total.volume += s.volume
            total.closed += s.closed
            total.one_trip += s.one_trip
            total.complaints += s.complaints
            total.ratings += s.ratings
        weighted = [(s.rating, s.ratings) for s in self.services if s.rating is not None]
        if total.ratings:
            total.rating = round(sum(r * n for r, n in weighted) / total.ratings, 2)
        timed = [(s.turnaround, s.closed) for s in self.services if s.turnaround is not None]
        if total.closed and timed:
            total.turnaround = round(sum(t * n for t, n in timed) / sum(n for _t, n in timed), 2)
        held = [(s.paused, s.closed) for s in self.services if s.paused is not None]
        if total.closed and held:
            total.paused = round(sum(p * n for p, n in held) / sum(n for _p, n in held), 2)
        return total

    def chart_data(self) -> dict[str, Any]:
        return {
            "services": [s.name for s in self.services],
            "volume": [s.volume for s in self.services],
            "one_trip": [s.one_trip_share for s in self.services],
            "rating": [s.rating for s in self.services],
            "trend": self.trend,
            "labels": {
                "volume": _("受理量"),
                "one_trip": _("一次办结率"),
                "rating": _("平均评分"),
                "months": _("近六个月"),
            },
        }


def _request_aggregates(unit_id: int, start: datetime, end: datetime) -> dict[int, dict[str, Any]]:
    done = Q(status=RequestStatus.DONE)
    rows = (
        ServiceRequest.objects.filter(unit_id=unit_id, created_at__gte=start, created_at__lt=end)
        .values("service_id")
        .annotate(
            volume=Count("id"),
            closed=Count("id", filter=done),
            one_trip=Count("id", filter=done & Q(second_trip=False)),
            turnaround=Avg("turnaround_days", filter=done),
            paused=Avg("paused_days", filter=done),
            average_rating=Avg("rating__score"),
            ratings=Count("rating__id"),
        )
    )
    return {row["service_id"]: row for row in rows}


def month_figures(*, unit_id: int, year: int, month: int, service_ids: Collection[int] | None = None) -> MonthFigures:
    """The month's figures of the unit's services (only ``service_ids`` when given, the trend too)."""
    start, end = month_bounds(year, month)
    rows = Service.objects.filter(unit_id=unit_id)
    if service_ids is not None:
        rows = rows.filter(pk__in=service_ids)
    services = list(with_complaints(rows).order_by("sort", "code"))
    by_service = _request_aggregates(unit_id, start, end)
    complaints = dict(
        Complaint.objects.filter(unit_id=unit_id, created_at__gte=start, created_at__lt=end)
        .values("service_id")
        .annotate(n=Count("id"))
        .values_list("service_id", "n")
    )
    found = []
    for service in services:
        row = by_service.get(service.pk, {})
        found.append(
            ServiceFigures(
                service_id=service.pk,
                name=service.name,
                volume=row.get("volume", 0),
                closed=row.get("closed", 0),
                one_trip=row.get("one_trip", 0),
                turnaround=_round(row.get("turnaround")),
                paused=_round(row.get("paused")),
                rating=_round(row.get("average_rating")),
                ratings=row.get("ratings", 0),
                complaints=complaints.get(service.pk, 0),
                flagged=service.recent_complaints >= REPEAT_COMPLAINTS,  # type: ignore[attr-defined]
            )
        )
    return MonthFigures(year=year, month=month, services=found, trend=_trend(unit_id, year, month, service_ids))


def _trend(unit_id: int, year: int, month: int, service_ids: Collection[int] | None = None) -> dict[str, Any]:
    """The unit's (or the services') volume and one-trip share in the six months ending with this one (one grouped
    query)."""
    months = []
    y, m = year, month
    for _i in range(TREND_MONTHS):
        months.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    months.reverse()
    start, _e = month_bounds(*months[0])
    _s, end = month_bounds(year, month)
    requests = ServiceRequest.objects.filter(unit_id=unit_id, created_at__gte=start, created_at__lt=end)
    if service_ids is not None:
        requests = requests.filter(service_id__in=service_ids)
    rows = (
        requests.annotate(m=TruncMonth("created_at"))
        .values("m")
        .annotate(
            volume=Count("id"),
            closed=Count("id", filter=Q(status=RequestStatus.DONE)),
            one_trip=Count("id", filter=Q(status=RequestStatus.DONE, second_trip=False)),
        )
    )
    by_month = {}
    for row in rows:
        moment = row["m"]
        key = (moment.year, moment.month) if moment is not None else None
        by_month[key] = row
    return {
        "months": [f"{y:04d}-{m:02d}" for y, m in months],
        "volume": [by_month.get(k, {}).get("volume", 0) for k in months],
        "one_trip": [
            _share(by_month.get(k, {}).get("one_trip", 0), by_month.get(k, {}).get("closed", 0)) for k in months
        ],
    }


def figures_workbook(found: MonthFigures) -> bytes:
    header = [
        _("服务事项"),
        _("受理量"),
        _("已办结"),
        _("平均办理时长（工作日）"),
        _("其中补正暂停（工作日）"),
        _("一次办结"),
        _("一次办结率（%）"),
        _("评价数"),
        _("平均评分"),
        _("投诉数"),
        _("投诉率（%）"),
        _("重复投诉"),
    ]
    rows = [
        [
            s.name,
            s.volume,
            s.closed,
            s.turnaround,
            s.paused,
            s.one_trip,
            s.one_trip_share,
            s.ratings,
            s.rating,
            s.complaints,
            s.complaint_rate,
            _("是") if s.flagged else "",
        ]
        for s in [*found.services, found.total]
    ]
    title = _("%(y)d年%(m)d月服务统计") % {"y": found.year, "m": found.month}
    return xlsx.workbook(xlsx.Sheet(title=title, header=header, rows=rows, widths=[24]))

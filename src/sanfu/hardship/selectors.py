"""爱心基金 reads, scoped by construction: the applications the person may read (their own; their unit's when on
the committee), and the payments of a year with their total, for the committee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from sanfu.accounts.models import User
from sanfu.hardship import rights
from sanfu.hardship.models import Application, Payment


def visible_applications(actor: User) -> QuerySet[Application]:
    return Application.objects.select_related("applicant", "department").filter(rights.visible_q(actor))


def my_applications(actor: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant_id=actor.pk)


def committee_applications(actor: User, *, status: str = "") -> QuerySet[Application]:
    rows = Application.objects.select_related("applicant", "department").filter(
        unit_id__in=rights.committee_units(actor)
    )
    return rows.filter(status=status) if status else rows


def on_any_committee(actor: User) -> bool:
    return bool(rights.committee_units(actor))


@dataclass(frozen=True)
class YearPayments:
    year: int
    payments: list[Payment]
    total: Decimal


def payments_in_year(actor: User, year: int) -> YearPayments:
    """The payments of ``year`` on the applications of the actor's committees, with their total."""
    rows = Payment.objects.select_related("application__applicant").filter(
        application__unit_id__in=rights.committee_units(actor), paid_on__year=year
    )
    total = rows.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return YearPayments(year, list(rows.order_by("paid_on", "pk")), total)


def payment_years(actor: User) -> list[tuple[int, Decimal]]:
    """(year, total paid) for every year with payments, newest first."""
    rows = (
        Payment.objects.filter(application__unit_id__in=rights.committee_units(actor))
        .values_list("paid_on__year")
        .annotate(total=Sum("amount"))
        .order_by("-paid_on__year")
    )
    return [(year, total) for year, total in rows]

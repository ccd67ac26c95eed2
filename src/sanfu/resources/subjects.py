"""The car request as a subject of the flow: the inbox and notifications open the request's own page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.resources.models import CarRequest, SupplyRequest


def car_request_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the car request it runs (one query for any number of ids)."""
    rows = CarRequest.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id")
    return {instance_id: reverse("resources:request", args=[pk]) for pk, instance_id in rows}


def supply_request_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the 领用申请 it approves (one query for any number of ids)."""
    rows = SupplyRequest.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id")
    return {instance_id: reverse("resources:supply", args=[pk]) for pk, instance_id in rows}

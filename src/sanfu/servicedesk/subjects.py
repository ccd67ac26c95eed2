"""The window's flows as subjects: the inbox and notifications open the request's or the complaint's page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.servicedesk.models import Complaint, Rating, ServiceRequest


def subject_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the request (its handling or its rating's review) or of the complaint."""
    pages: dict[int, str] = {}
    for pk, instance_id in ServiceRequest.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id"):
        pages[instance_id] = reverse("servicedesk:request", args=[pk])
    for request_id, instance_id in Rating.objects.filter(review_instance_id__in=instance_ids).values_list(
        "request_id", "review_instance_id"
    ):
        pages[instance_id] = reverse("servicedesk:request", args=[request_id])
    for pk, instance_id in Complaint.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id"):
        pages[instance_id] = reverse("servicedesk:complaint", args=[pk])
    return pages

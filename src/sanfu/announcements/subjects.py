"""The publication approval as a subject of the flow: the inbox and notifications open the announcement's page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.announcements.models import Announcement


def announcement_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the announcement it approves (one query for any number of ids)."""
    rows = Announcement.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id")
    return {instance_id: reverse("announcements:detail", args=[pk]) for pk, instance_id in rows}

"""The meeting plan as a subject of the flow: the inbox and notifications open the meeting's own page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.meetings.models import Meeting


def meeting_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the meeting whose plan it runs (one query for any number of ids)."""
    rows = Meeting.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id")
    return {instance_id: reverse("meetings:meeting", args=[pk]) for pk, instance_id in rows}

"""The hardship approval as a subject of the flow: 我的待办 and the notifications open the application's page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.hardship.models import Application


def application_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    rows = Application.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id")
    return {instance_id: reverse("hardship:detail", args=[pk]) for pk, instance_id in rows}

"""督办 as a subject of the flow: the inbox and notifications open the item's own page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.supervision.models import Closeout


def item_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Close-out instance id → the page of its item (one query for any number of ids)."""
    rows = Closeout.objects.filter(instance_id__in=instance_ids).values_list("instance_id", "item_id")
    return {instance_id: reverse("supervision:item", args=[item_id]) for instance_id, item_id in rows if instance_id}

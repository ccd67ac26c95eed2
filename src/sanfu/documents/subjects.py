"""公文 as a subject of the flow: the inbox and notifications open a document's own page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from sanfu.documents.models import IncomingDocument, OutgoingDocument


def document_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the 收文 or 发文 it runs (two queries for any number of ids)."""
    pages: dict[int, str] = {}
    for model, route in ((IncomingDocument, "documents:incoming"), (OutgoingDocument, "documents:outgoing")):
        for pk, instance_id in model.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id"):
            pages[instance_id] = reverse(route, args=[pk])
    return pages

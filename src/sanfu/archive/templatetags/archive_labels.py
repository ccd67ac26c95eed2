"""Labels for the archive's pages: a record's kind, and its history's events and the flow's own reasons, in
the reader's language (the history is kept as the filing domain wrote it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from sanfu.archive.models import kind_label as _kind_label
from sanfu.workflow.timeline import EVENT_LABELS, system_reason

register = template.Library()


@register.filter
def kind_label(kind: Any) -> str:
    """收文 → Incoming document in English; a kind Sanfu does not know stays as stored."""
    return _kind_label(str(kind))


@register.filter
def event_label(what: Any) -> str:
    """A history event's ``what``: a flow event type (approved → 同意) by its label, other text as stored."""
    return str(EVENT_LABELS.get(str(what), what))


@register.filter
def event_comment(event: Mapping[str, Any]) -> str:
    """A history event's comment: the flow's own reasons (an event nobody made: no ``who``) translated, a
    person's words as typed."""
    comment = str(event.get("comment") or "")
    return comment if event.get("who") else system_reason(comment)

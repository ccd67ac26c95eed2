"""Filters for words the 审批中心 keeps as Chinese data but shows in the reader's language (see
``sanfu.approvals.labels``): ``{{ u|urgency_label }}``, ``{{ m.signer|signer_label }}``, ``{{ m.copies|copies }}``."""

from __future__ import annotations

from typing import Any

from django import template

from sanfu.approvals import labels

register = template.Library()


@register.filter
def urgency_label(value: Any) -> str:
    return labels.urgency_label(value)


@register.filter
def signer_label(value: Any) -> str:
    return labels.signer_label(value)


@register.filter
def copies(value: Any) -> str:
    return labels.copies_text(value)

"""``{{ name|step_label }}``: a 公文 step's name (stored in Chinese: a node's name, a revision's stage) in the
reader's language; see ``flows.step_name``."""

from __future__ import annotations

from typing import Any

from django import template

from sanfu.documents.flows import step_name

register = template.Library()


@register.filter
def step_label(value: Any) -> str:
    return step_name(str(value or ""))

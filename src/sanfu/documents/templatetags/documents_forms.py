"""``{% submit_token %}``: the hidden one-time token of a 公文 form, made fresh each time a form is rendered. A
repeat of the same submit (a double click, a retried POST) carries the same token and is applied once."""

from __future__ import annotations

import secrets

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

TOKEN_FIELD = "submit_token"  # noqa: S105 (a form field name, not a secret)


@register.simple_tag
def submit_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', TOKEN_FIELD, secrets.token_urlsafe(24))

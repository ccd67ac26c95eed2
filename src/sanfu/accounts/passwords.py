"""Password policy validators (等保 2.0 level 3: complexity, no reuse, periodic change).

OWASP ASVS 5.0 (6.2.5, 6.2.10) advises against composition rules and forced rotation; both are
configurable (``SANFU_PASSWORD_COMPLEXITY``, ``SANFU_PASSWORD_MAX_AGE_DAYS``), see docs/security.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLength):
    """Django's length rule with a Chinese message: Django 5.2 changed the English text and its zh_Hans
    catalogue no longer matches it, so the refusal appeared in English."""

    def get_error_message(self) -> str:
        return _("密码长度太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("至少 %(n)d 个字符。") % {"n": self.min_length}


class ComplexityValidator:
    """At least three of: lower-case letters, upper-case letters, digits, other characters."""

    def validate(self, password: str, user: Any = None) -> None:
        if not settings.SANFU_PASSWORD_COMPLEXITY:
            return
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号中的三类。"), code="password_too_simple"
            )

    def get_help_text(self) -> str:
        if not settings.SANFU_PASSWORD_COMPLEXITY:
            return ""
        return _("至少包含大写字母、小写字母、数字、符号中的三类。")


class HistoryValidator:
    """A new password must differ from the current one and the last few."""

    def validate(self, password: str, user: Any = None) -> None:
        keep = settings.SANFU_PASSWORD_HISTORY
        if user is None or user.pk is None or keep == 0:
            return
        hashes = [user.password] if user.password else []
        hashes += list(user.password_history.values_list("password", flat=True)[:keep])
        if any(check_password(password, encoded) for encoded in hashes if encoded):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": keep}, code="password_reused"
            )

    def get_help_text(self) -> str:
        keep = settings.SANFU_PASSWORD_HISTORY
        return _("不能与最近 %(n)d 次使用过的密码相同。") % {"n": keep} if keep else ""


def password_expired(user: Any) -> bool:
    days = settings.SANFU_PASSWORD_MAX_AGE_DAYS
    if not days or user.password_changed_at is None:
        return False
    return bool(timezone.now() - user.password_changed_at > timedelta(days=days))

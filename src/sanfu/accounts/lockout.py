"""Sign-in lockout (django-axes) with two additions of Sanfu's own.

- **A per-address throttle.** Axes locks a username (and a username + address pair) after
  ``AXES_FAILURE_LIMIT`` failures; password spraying — one or two guesses at each of many usernames from
  one address — never reaches that. So an address is also refused after ``SANFU_LOCKOUT_ADDRESS_FAILURES``
  failures in the cool-off window, whatever usernames they named. The limit is high on purpose: a whole
  office behind one NAT address shares it.
- **No locking out an administrator from afar.** An account with a confirmed second factor (every
  administrator) is not locked by its username alone: guessing its password gains nothing without the
  TOTP code, and a username lock would let anyone shut the administrators out. It is still locked per
  username + address, and the address throttle still applies.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

# AXES_LOCKOUT_PARAMETERS[0] is the username alone (settings.py; a test holds the order).
_USERNAME_ALONE = 0


def _address_failures(request: HttpRequest) -> int:
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    since = timezone.now() - timedelta(seconds=settings.AXES_COOLOFF_TIME.total_seconds())
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


def _has_second_factor(credentials: dict[str, Any] | None) -> bool:
    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or ""
    return bool(username) and TOTPDevice.objects.filter(user__username=username, confirmed=True).exists()


class SanfuAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes ships no types
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        attempts = self.get_user_attempts(request, credentials)
        if len(attempts) > 1 and _has_second_factor(credentials):
            attempts = [a for index, a in enumerate(attempts) if index != _USERNAME_ALONE]
        return max((a.aggregate(n=Sum("failures_since_start"))["n"] or 0) for a in attempts) if attempts else 0

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return _address_failures(request) >= settings.SANFU_LOCKOUT_ADDRESS_FAILURES

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from sanfu.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    """A request behind sign-in (every view not marked ``login_not_required``): ``user`` is a real account."""

    user: User

"""What the login page offers besides the password form."""

from __future__ import annotations

from django.http import HttpRequest

from sanfu.accounts.directory.config import oidc_enabled


def sign_in_options(request: HttpRequest) -> dict[str, bool]:
    return {"oidc_sign_in": oidc_enabled()}

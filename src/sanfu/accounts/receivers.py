"""The audit projection of authentication signals: every sign-in (both outcomes), sign-out and lockout."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sanfu.core.audit import audit_record, client_ip


@receiver(user_logged_in, dispatch_uid="sanfu.audit.login")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, ip_address=client_ip(request))


@receiver(user_login_failed, dispatch_uid="sanfu.audit.login_failed")
def _sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="auth.login",
        outcome="failure",
        actor_name=username,
        ip_address=client_ip(request),
        detail={"username": username},
    )


@receiver(user_logged_out, dispatch_uid="sanfu.audit.logout")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or getattr(request, "_sanfu_session_expired", False):
        return
    audit_record(action="auth.logout", actor=user, ip_address=client_ip(request))


@receiver(user_locked_out, dispatch_uid="sanfu.audit.lockout")
def _locked_out(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    audit_record(
        action="auth.lockout",
        outcome="failure",
        actor_name=str(username or "")[:150],
        ip_address=str(ip_address or client_ip(request)),
        detail={"username": username},
    )

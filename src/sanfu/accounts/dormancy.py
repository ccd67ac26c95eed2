"""Dormant accounts (ID-5): an account nobody has signed in to for ``SANFU_DORMANT_DAYS`` is disabled.

等保 2.0 asks that surplus and expired accounts be removed or disabled in time. An account is dormant when
its last sign-in — or its creation, if it never signed in, or its last re-enabling by the system
administrator, whichever is latest — is older than the limit. The worker runs this daily and
``sanfu accounts dormant`` on demand; each account disabled is audited on its own.

The three administrators (三员) are never disabled here: each role must keep a holder, and an audit
administrator who signs in twice a year is no reason to lock the audit trail away. A dormant administrator
is reported in the audit trail instead (``account.dormant``), for the security administrator to follow up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sanfu.accounts.models import RoleGrant, User
from sanfu.core.audit import audit_record


@dataclass(frozen=True)
class DormantAccount:
    username: str
    last_active: datetime


@dataclass(frozen=True)
class DormancyReport:
    disabled: list[DormantAccount] = field(default_factory=list)
    # Dormant administrators (三员), kept active and reported in the audit trail.
    administrators: list[DormantAccount] = field(default_factory=list)


def _dormant_q(cutoff: datetime) -> Q:
    """Neither signed in, nor created, nor re-enabled since ``cutoff``."""
    quiet_since_sign_in = Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    quiet_since_enabled = Q(enabled_at__lt=cutoff) | Q(enabled_at__isnull=True, date_joined__lt=cutoff)
    return Q(is_active=True) & quiet_since_sign_in & quiet_since_enabled


def last_active(user: User) -> datetime:
    """The latest of the account's last sign-in, creation and re-enabling."""
    return max(user.last_login or user.date_joined, user.enabled_at or user.date_joined)


def dormant_accounts_disable(*, by: str, now: datetime | None = None, dry_run: bool = False) -> DormancyReport:
    """Disable every active non-administrator account dormant for ``SANFU_DORMANT_DAYS`` (0: none), one
    transaction and one ``account.disable`` record each; report dormant administrators with an
    ``account.dormant`` record. ``by`` names the caller in the trail (the worker or the command). With
    ``dry_run`` nothing is written: the report says what would be done."""
    days = int(settings.SANFU_DORMANT_DAYS)
    report = DormancyReport()
    if not days:
        return report
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    administrator_ids = RoleGrant.objects.filter(admin_kind__isnull=False).values("user_id")
    administrators = {row["user_id"] for row in administrator_ids}
    for user in User.objects.filter(_dormant_q(cutoff)).order_by("pk"):
        seen = last_active(user)
        detail = {"username": user.username, "last_active": seen.isoformat(), "dormant_days": days}
        if user.pk in administrators:
            report.administrators.append(DormantAccount(user.username, seen))
            if not dry_run:
                audit_record(
                    action="account.dormant", actor_name=by, target=f"user:{user.pk}", detail={**detail, "kept": True}
                )
            continue
        if dry_run:
            report.disabled.append(DormantAccount(user.username, seen))
            continue
        with transaction.atomic():
            # The same conditions again: whoever signed in, was re-enabled or became an administrator
            # meanwhile stays active.
            still_dormant = User.objects.filter(_dormant_q(cutoff), pk=user.pk).exclude(pk__in=administrator_ids)
            if not still_dormant.update(is_active=False):
                continue
            audit_record(
                action="account.disable",
                actor_name=by,
                target=f"user:{user.pk}",
                detail={**detail, "reason": "dormant"},
            )
        report.disabled.append(DormantAccount(user.username, seen))
    return report

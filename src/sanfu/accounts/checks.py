"""No default accounts in production (ID-5): a deployment check (``sanfu check --deploy``).

``sanfu demo`` seeds some 150 accounts, the three administrators among them, with one password printed in
the README. Seeded into a production database (by mistake, or a demo server promoted to production) they
are open doors. So ``check --deploy`` fails while an active account still signs in with that password,
unless the environment says this is a demonstration (``SANFU_DEMO=1``, as ``make run`` sets).

It reads the database (there are no accounts before ``migrate``: then it says nothing). Each password check
costs a hash computation (Argon2: tens of milliseconds), so it tries the password on the accounts that
matter most and on the hashes that give the demo away, not on every account: the administrators (三员 and
process administrators), and every stored hash that two or more active accounts share — the demo hashes
its password once for all its people, while the system administrator's accounts each get their own salt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError
from django.db.models import Count

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm

# The demo's password (``sanfu.demo.org.DEMO_PASSWORD``, which a test keeps equal to this), known to anyone
# who has read the README.
DEMO_PASSWORD = "Sanfu@2026"  # noqa: S105  # not a secret: the point is to find it
_NAMED = 10  # accounts named in the message; the rest are counted


def _privileged_ids() -> set[int]:
    grants = RoleGrant.objects.select_related("role").filter(user__is_active=True)
    return {g.user_id for g in grants if g.role.admin_kind or Perm.MANAGE_PROCESSES in (g.role.permissions or [])}


def accounts_with_the_demo_password() -> list[str]:
    """Usernames of active accounts that sign in with the demo's password (see the module's docstring),
    administrators first."""
    active = User.objects.filter(is_active=True)
    shared = {
        row["password"] for row in active.values("password").annotate(n=Count("id")).filter(n__gt=1) if row["password"]
    }
    privileged_ids = _privileged_ids()
    privileged = set(active.filter(pk__in=privileged_ids).values_list("password", flat=True))
    suspects = [encoded for encoded in shared | privileged if encoded and not encoded.startswith("!")]
    found = {encoded for encoded in suspects if check_password(DEMO_PASSWORD, encoded)}
    if not found:
        return []
    holders = active.filter(password__in=found).values_list("pk", "username")
    return [username for pk, username in sorted(holders, key=lambda row: (row[0] not in privileged_ids, row[1]))]


@register(Tags.security, deploy=True)
def demo_accounts_outside_a_demo(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.SANFU_DEMO:
        return []
    if app_configs is not None and not any(config.label == "accounts" for config in app_configs):
        return []
    try:
        usernames = accounts_with_the_demo_password()
    except DatabaseError:  # not migrated yet (or unreachable): there are no accounts to speak of
        return []
    if not usernames:
        return []
    named = ", ".join(usernames[:_NAMED]) + (f" and {len(usernames) - _NAMED} more" if len(usernames) > _NAMED else "")
    return [
        Error(
            f"{len(usernames)} active account(s) still sign in with the demo's published password: {named}.",
            hint=(
                "This database holds the demo's accounts (sanfu demo). Use a fresh database in production, or "
                "disable these accounts and reset their passwords; set SANFU_DEMO=1 only on a demonstration server."
            ),
            id="sanfu.E001",
        )
    ]

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from sanfu.accounts.bootstrap import ensure_admin_roles, ensure_admins


class Command(BaseCommand):
    help = (
        "Create the three administrators (三员: system, security, audit) with separate accounts and print "
        "their temporary passwords. Existing administrators are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prefix", default="", help="prefix for the account names (default: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            ensure_admin_roles()
            created = ensure_admins(prefix=options["prefix"])
        if not created:
            self.stdout.write("The three administrators already exist; nothing changed.")
        for username, password in created:
            self.stdout.write(f"{username}\t{password}\t(must change at first sign-in; TOTP required)")

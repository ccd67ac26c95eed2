from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.accounts.directory.config import ldap_enabled
from sanfu.accounts.directory.sync import SyncReport, directory_sync
from sanfu.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "The company directory (docs/directory.md). `sanfu directory sync` reads the people and OUs from LDAP "
        "(SANFU_LDAP_*), creates and updates their accounts, places them in the organisation and disables the "
        "accounts that left the directory, each change audited; the three administrators are never touched. "
        "--dry-run only says what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sync"])
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not ldap_enabled():
            raise CommandError("SANFU_LDAP_URI is not set: there is no directory to synchronise with.")
        from sanfu.accounts.directory.ldap import read_directory  # python-ldap: only once LDAP is configured

        dry_run = bool(options["dry_run"])
        try:
            report = directory_sync(directory=read_directory(), by="sanfu directory sync", dry_run=dry_run)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self._print(report, dry_run=dry_run)

    def _print(self, report: SyncReport, *, dry_run: bool) -> None:
        would = "would be " if dry_run else ""
        for label, names in (("created", report.created), ("updated", report.updated), ("disabled", report.disabled)):
            self.stdout.write(f"{len(names)} account(s) {would}{label}" + (f": {', '.join(names)}" if names else ""))
        self.stdout.write(f"{report.unchanged} account(s) unchanged")
        if report.administrators:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.administrators)} administrator(s) in the directory left alone (三员): "
                    + ", ".join(report.administrators)
                )
            )
        for name, count in sorted(report.placed.items()):
            self.stdout.write(f"{name}: {count}")

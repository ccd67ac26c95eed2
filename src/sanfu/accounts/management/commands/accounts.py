from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sanfu.accounts.dormancy import DormantAccount, dormant_accounts_disable


def _line(account: DormantAccount) -> str:
    return f"{account.username}\t{timezone.localtime(account.last_active):%Y-%m-%d}"


class Command(BaseCommand):
    help = (
        "Account housekeeping. `sanfu accounts dormant` disables every account nobody signed in to for "
        "SANFU_DORMANT_DAYS days (the worker does it daily; each one is audited); dormant administrators (三员) "
        "are kept and reported. --dry-run only lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["dormant"])
        parser.add_argument("--dry-run", action="store_true", help="list the dormant accounts, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.SANFU_DORMANT_DAYS
        if not days:
            self.stdout.write("SANFU_DORMANT_DAYS is 0: dormant accounts are not disabled.")
            return
        dry_run = bool(options["dry_run"])
        report = dormant_accounts_disable(by="sanfu accounts dormant", dry_run=dry_run)
        verb = "would be disabled" if dry_run else "disabled"
        if not report.disabled:
            self.stdout.write(f"No account has been dormant for {days} days.")
        else:
            self.stdout.write(f"{len(report.disabled)} account(s) dormant for {days} days {verb}:")
        for account in report.disabled:
            self.stdout.write(f"  {_line(account)}")
        if report.administrators:
            self.stdout.write(
                self.style.WARNING(f"{len(report.administrators)} dormant administrator(s) kept active (三员):")
            )
            for account in report.administrators:
                self.stdout.write(f"  {_line(account)}")

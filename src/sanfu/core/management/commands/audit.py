from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. `sanfu audit verify` recomputes the hash chain and names the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit trail intact: {result.checked} records verified"))
            return
        raise CommandError(
            f"audit trail broken at record #{result.first_broken_seq}: {result.reason} "
            f"({result.checked} records before it verified)"
        )

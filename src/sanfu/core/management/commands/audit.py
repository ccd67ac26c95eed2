from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.core.audit import audit_anchor, audit_verify, latest_anchor


class Command(BaseCommand):
    help = (
        "Audit trail tools. `sanfu audit verify` recomputes the hash chain, checks it against the latest anchor "
        "and names the first broken link; `sanfu audit anchor` writes the chain's signed head outside the database "
        "(the worker does it every SANFU_AUDIT_ANCHOR_MINUTES)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            anchor = audit_anchor() or latest_anchor()
            if anchor is None:
                self.stdout.write("audit trail is empty: nothing to anchor")
            else:
                self.stdout.write(self.style.SUCCESS(f"audit chain anchored at record #{anchor.seq}"))
            return
        result = audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit trail intact: {result.checked} records verified"))
            return
        raise CommandError(
            f"audit trail broken at record #{result.first_broken_seq}: {result.reason} "
            f"({result.checked} records before it verified)"
        )

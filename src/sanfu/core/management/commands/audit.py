from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sanfu.core.audit import audit_anchor, audit_purge, audit_verify, latest_anchor
from sanfu.core.errors import ApplicationError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ArgumentTypeError(f"a date as YYYY-MM-DD, not {text!r}") from exc


class Command(BaseCommand):
    help = (
        "Audit trail tools. `sanfu audit verify` recomputes the hash chain, checks it against the latest anchor "
        "and names the first broken link; `sanfu audit anchor` writes the chain's signed head outside the database "
        "(the worker does it every SANFU_AUDIT_ANCHOR_MINUTES); `sanfu audit purge --before YYYY-MM-DD` removes the "
        "records written before that day (local time), which must be at least SANFU_AUDIT_RETENTION_DAYS "
        "(180 or more) old, and leaves a record of the purge that keeps the rest of the chain verifiable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "anchor", "purge"])
        parser.add_argument("--before", type=_day, help="purge: remove the records written before this day")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            anchor = audit_anchor() or latest_anchor()
            if anchor is None:
                self.stdout.write("audit trail is empty: nothing to anchor")
            else:
                self.stdout.write(self.style.SUCCESS(f"audit chain anchored at record #{anchor.seq}"))
            return
        if options["action"] == "purge":
            self._purge(options["before"])
            return
        result = audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit trail intact: {result.checked} records verified"))
            return
        raise CommandError(
            f"audit trail broken at record #{result.first_broken_seq}: {result.reason} "
            f"({result.checked} records before it verified)"
        )

    def _purge(self, before: date | None) -> None:
        if before is None:
            raise CommandError("purge needs --before YYYY-MM-DD")
        cutoff = timezone.make_aware(datetime.combine(before, time.min))
        try:
            result = audit_purge(before=cutoff, by="sanfu audit purge")
        except ApplicationError as exc:
            raise CommandError(
                f"{exc.message} (SANFU_AUDIT_RETENTION_DAYS={settings.SANFU_AUDIT_RETENTION_DAYS})"
            ) from exc
        if not result.removed:
            self.stdout.write(f"no audit records older than {before}: nothing purged")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"purged {result.removed} audit records (#{result.first_seq}–#{result.last_seq}) written before "
                f"{before}; the purge is record #{result.record.seq if result.record else '?'}"
            )
        )

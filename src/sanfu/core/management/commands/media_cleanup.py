from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.core.media import DEFAULT_GRACE, media_scan

_LISTED = 50  # orphans named one per line; the rest are counted


def _size(count: int) -> str:
    return f"{count / 1048576:.1f} MB" if count >= 1048576 else f"{count / 1024:.1f} KB"


class Command(BaseCommand):
    help = (
        "Find uploaded files under MEDIA_ROOT that no row names any more (deleted requests, replaced "
        "attachments) and are older than the grace period. A dry run by default: it lists and counts them; "
        "--delete removes them (the worker does so weekly)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove the orphans (default: only list them)")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=DEFAULT_GRACE.total_seconds() / 3600,
            help="leave files younger than this alone: uploads still in flight (default: 24)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["grace_hours"]
        if hours < 0:
            raise CommandError("--grace-hours cannot be negative")
        report = media_scan(grace=timedelta(hours=hours), delete=options["delete"])
        for name in report.orphans[:_LISTED]:
            self.stdout.write(f"  {name}")
        if len(report.orphans) > _LISTED:
            self.stdout.write(f"  … and {len(report.orphans) - _LISTED} more")
        self.stdout.write(
            f"{report.scanned} files under MEDIA_ROOT: {report.referenced} referenced, "
            f"{report.young} unreferenced but younger than {hours:g} h (kept), "
            f"{len(report.orphans)} orphans ({_size(report.orphan_bytes)})"
        )
        if not options["delete"]:
            if report.orphans:
                self.stdout.write("dry run: nothing removed; run again with --delete to remove the orphans")
            return
        self.stdout.write(self.style.SUCCESS(f"removed {report.deleted} files ({_size(report.deleted_bytes)})"))
        if report.failed:
            raise CommandError(f"{len(report.failed)} files could not be removed: {', '.join(report.failed[:10])}")

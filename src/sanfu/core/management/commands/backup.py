from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database (a consistent copy taken while running) and every uploaded file to one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {summary.path}: the database and {summary.files} uploaded files "
                f"({summary.file_bytes / 1048576:.1f} MB)"
            )
        )

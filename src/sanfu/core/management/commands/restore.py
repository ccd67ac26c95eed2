from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the database and the uploaded files from `sanfu backup`'s archive "
        "(stop the web server and worker first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            answer = input("This replaces every row in the database. Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            summary = restore(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if summary.with_files:
            self.stdout.write(
                self.style.SUCCESS(f"database and {summary.files} uploaded files restored from {options['file']}")
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"database restored from {options['file']}, a bare database copy of an earlier Sanfu: "
                    "it carries no uploaded files — copy MEDIA_ROOT (var/media) from the old home yourself"
                )
            )

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.archive.services import dossier_verify


class Command(BaseCommand):
    help = (
        "Electronic archive tools. `sanfu archive verify FILE.zip` recomputes a dossier's SHA-256 manifest "
        "and names the first mismatching, missing or extra member."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        result = dossier_verify(path)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {path.name}: {result.checked} members verified"))
            return
        raise CommandError(f"FAILED: {path.name}: {result.problem} ({result.checked} members verified before it)")

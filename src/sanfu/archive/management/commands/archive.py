from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.archive.fourprops import dossier_check, report_lines
from sanfu.archive.services import dossier_verify


class Command(BaseCommand):
    help = (
        "Electronic archive tools. `sanfu archive verify FILE.zip` recomputes a dossier's SHA-256 manifest "
        "and names the first mismatching, missing or extra member. `sanfu archive check FILE.zip` runs the "
        "four-property check (四性检测: authenticity, integrity, usability, security) and lists every problem "
        "by property (exit status 1 if any)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "check"])
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if options["action"] == "check":
            report = dossier_check(path)
            for line in report_lines(report):
                self.stdout.write(line)
            if not report.ok:
                failed = ", ".join(r.name for r in report.results if not r.ok)
                raise CommandError(f"FAILED: {path.name}: {failed}")
            self.stdout.write(self.style.SUCCESS(f"OK: {path.name}: all four properties hold"))
            return
        result = dossier_verify(path)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {path.name}: {result.checked} members verified"))
            return
        raise CommandError(f"FAILED: {path.name}: {result.problem} ({result.checked} members verified before it)")

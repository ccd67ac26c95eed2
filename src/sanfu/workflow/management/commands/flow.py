from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanfu.core.errors import ApplicationError
from sanfu.workflow.services import instances_migrate, instances_tick_due
from sanfu.workflow.verify import instances_verify


class Command(BaseCommand):
    help = (
        "Flow operations. `sanfu flow migrate KEY [--to N] [--apply]` moves running instances to a newer "
        "version (a dry run unless --apply, listing the instances that cannot move and why); "
        "`sanfu flow tick` fires due reminders, deadlines and timers now; "
        "`sanfu flow verify` replays every instance's event log and reports any whose stored state, status or "
        "to-do rows differ from it (exit status 1 if any)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        migrate = sub.add_parser("migrate")
        migrate.add_argument("key")
        migrate.add_argument("--to", type=int, default=None, help="target version (default: the latest)")
        migrate.add_argument("--apply", action="store_true", help="really move them (default: dry run)")
        sub.add_parser("tick")
        sub.add_parser("verify")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "tick":
            self.stdout.write(f"ticked {instances_tick_due()} instances")
            return
        if options["action"] == "verify":
            verified = instances_verify()
            for instance_id, problem in verified.mismatches:
                self.stdout.write(f"instance #{instance_id}: {problem}")
            if not verified.ok:
                raise CommandError(
                    f"{len(verified.mismatches)} of {verified.checked} instances differ from their event log"
                )
            self.stdout.write(self.style.SUCCESS(f"{verified.checked} instances agree with their event log"))
            return
        try:
            report = instances_migrate(
                actor=None, key=options["key"], to_version=options["to"], dry_run=not options["apply"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        verb = "moved" if options["apply"] else "would move"
        self.stdout.write(f"{verb} {len(report.moved)} instances: {report.moved}")
        for instance_id, reason in sorted(report.blocked.items()):
            self.stdout.write(f"cannot move #{instance_id}: {reason}")

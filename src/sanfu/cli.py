"""The ``sanfu`` command: Django's management commands with Sanfu's names.

sanfu serve             serve the web app with granian (SANFU_WEB_BIND, _WORKERS, _THREADS; --bind, --workers)
sanfu run [addr:port]   Django's development server (for development only)
sanfu worker            run the Huey worker (timers, reminders, outbox)
sanfu migrate           apply database migrations
sanfu demo              seed the demo organisation (idempotent)
sanfu createadmins      create the three administrators (三员)
sanfu backup FILE       consistent copy of the database (SQLite backup API / pg_dump)
sanfu restore FILE      restore a copy made by backup
sanfu audit verify      verify the audit trail's hash chain
sanfu <django command>  any other Django management command
"""

from __future__ import annotations

import os
import sys

ALIASES = {"run": "runserver", "worker": "run_huey"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanfu.config.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)  # noqa: T201
        return
    args[0] = ALIASES.get(args[0], args[0])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sanfu", *args])


if __name__ == "__main__":
    main()

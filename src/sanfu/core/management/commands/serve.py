"""``sanfu serve``: Sanfu's production web server, with its settings from the environment.

Granian by default (``SANFU_WEB_SERVER=granian``): a main process and ``SANFU_WEB_WORKERS`` worker processes,
each running the WSGI app on ``SANFU_WEB_THREADS`` threads behind an HTTP server written in Rust; a worker that
dies is started again. Measured on a two-core machine with 50 connections (wrk), it served 2.9× gunicorn's
requests on the login page and kept the signed-in inbox's latency under 2 s where gunicorn's sync workers timed
out (deploy/README.md). ``SANFU_WEB_SERVER=gunicorn`` runs gunicorn instead (its sync or threaded workers forked
from a preloaded master, with ``SANFU_WEB_TIMEOUT`` replacing a stuck worker).

Static files are served by WhiteNoise inside the app, or by nginx in a deployment (deploy/README.md). SIGTERM or
Ctrl+C stops the server gracefully; SIGHUP starts fresh workers (after an upgrade).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

WSGI_TARGET = "sanfu.config.wsgi:application"
SERVERS = ("granian", "gunicorn")


def _close_connections() -> None:
    """The main process never queries: a connection it opened while loading Django (an ``AppConfig.ready`` that
    asked the database) must not be inherited by the workers."""
    from django.db import connections

    connections.close_all()


def _host_port(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not host.strip("[]"):
        raise CommandError(f"--bind {bind!r}: expected host:port (0.0.0.0:8000 for every address) or unix:/path")
    return host.strip("[]"), int(port)


def _granian(binds: list[str], options: dict[str, Any]) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    if len(binds) != 1:
        raise CommandError("granian listens on one address: give one --bind (or SANFU_WEB_SERVER=gunicorn)")
    where: dict[str, Any]
    if binds[0].startswith("unix:"):
        where = {"uds": Path(binds[0].removeprefix("unix:"))}
    else:
        address, port = _host_port(binds[0])
        where = {"address": address, "port": port}
    _close_connections()
    Granian(
        WSGI_TARGET,
        **where,
        interface=Interfaces.WSGI,
        workers=options["workers"],
        blocking_threads=options["threads"],
        websockets=False,
        backlog=2048,
        respawn_failed_workers=True,  # a worker killed (out of memory, a crash) is started again
        respawn_interval=1.0,
        workers_kill_timeout=settings.SANFU_WEB_GRACEFUL_TIMEOUT,
        log_access=bool(options["access_log"]),
        pid_file=Path(options["pid"]) if options["pid"] else None,
    ).serve()


class _Gunicorn:
    @staticmethod
    def run(binds: list[str], options: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication
        from gunicorn.config import KNOWN_SETTINGS

        class Server(BaseApplication):  # gunicorn ships no type information (Any to mypy)
            def load_config(self) -> None:
                for name, value in config.items():
                    self.cfg.set(name, value)

            def load(self) -> Any:
                from django.core.wsgi import get_wsgi_application

                return get_wsgi_application()

        threads = options["threads"]
        config: dict[str, Any] = {
            "bind": binds,
            "workers": options["workers"],
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": options["timeout"],
            "graceful_timeout": settings.SANFU_WEB_GRACEFUL_TIMEOUT,
            # A worker is replaced after this many requests (with jitter, so that they do not all restart at once).
            "max_requests": settings.SANFU_WEB_MAX_REQUESTS,
            "max_requests_jitter": settings.SANFU_WEB_MAX_REQUESTS // 10,
            "preload_app": True,  # Django loaded once: a worker that dies is replaced by a fork at once
            "when_ready": lambda _arbiter: _close_connections(),
            # nginx on these addresses may say the request came over HTTPS; Django reads the header itself only
            # with SANFU_BEHIND_PROXY (SECURE_PROXY_SSL_HEADER).
            "forwarded_allow_ips": ",".join(settings.SANFU_WEB_FORWARDED_ALLOW_IPS),
            "proc_name": "sanfu",
            "errorlog": "-",
            "loglevel": "info",
        }
        if options["access_log"]:
            config["accesslog"] = options["access_log"]
        if options["pid"]:
            config["pidfile"] = options["pid"]
        # gunicorn 25.1+ listens on a control socket at one path per user: two servers on one machine (the
        # multi-node shape, a test beside `make run`) would take it from each other; Sanfu uses signals.
        if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
            config["control_socket_disable"] = True
        Server().run()


class Command(BaseCommand):
    help = (
        "Serve Sanfu in production: granian (or gunicorn, SANFU_WEB_SERVER) with --workers processes of --threads "
        "threads each on --bind (defaults from SANFU_WEB_BIND, SANFU_WEB_WORKERS, SANFU_WEB_THREADS)."
    )
    requires_system_checks: list[str] = []  # the workers run Django's checks on load; the main process needs none

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            action="append",
            help="host:port or unix:/path to listen on (gunicorn: repeat for several; default: SANFU_WEB_BIND)",
        )
        parser.add_argument("--workers", type=int, help="worker processes (default: SANFU_WEB_WORKERS)")
        parser.add_argument("--threads", type=int, help="threads per worker (default: SANFU_WEB_THREADS)")
        parser.add_argument("--server", choices=SERVERS, help="granian or gunicorn (default: SANFU_WEB_SERVER)")
        parser.add_argument("--timeout", type=int, help="gunicorn: seconds before a silent worker is replaced")
        parser.add_argument("--pid", help="write the main process's id to this file")
        parser.add_argument("--access-log", help="one line per request: '-' for standard output (default: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        options["workers"] = options["workers"] or settings.SANFU_WEB_WORKERS
        options["threads"] = options["threads"] or settings.SANFU_WEB_THREADS
        options["timeout"] = options["timeout"] or settings.SANFU_WEB_TIMEOUT
        if min(options["workers"], options["threads"], options["timeout"]) < 1:
            raise CommandError("--workers, --threads and --timeout must be at least 1")
        server = options["server"] or settings.SANFU_WEB_SERVER
        if server not in SERVERS:
            raise CommandError(f"SANFU_WEB_SERVER={server!r}: granian or gunicorn")
        binds = options["bind"] or settings.SANFU_WEB_BIND
        if server == "granian":
            _granian(binds, options)
        else:
            _Gunicorn.run(binds, options)

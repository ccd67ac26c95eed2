"""``sanfu serve``: Sanfu's production web server (gunicorn) with its settings from the environment.

One master process forks ``SANFU_WEB_WORKERS`` worker processes sharing the listening socket, each with
``SANFU_WEB_THREADS`` threads (sync workers for one thread, gthread for more). Django is loaded once in the
master before the workers are forked (``--preload``): a worker that dies is replaced by a fork at once.
Static files are served by WhiteNoise inside the app (``sanfu collectstatic`` first), or by nginx in a
deployment (deploy/README.md). SIGTERM or Ctrl+C stops the server gracefully; SIGHUP reloads the workers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS


def _close_connections(_arbiter: Any) -> None:
    """The master never queries again after loading Django: a connection it opened (an ``AppConfig.ready``
    that asked the database) must not be shared by the forked workers."""
    from django.db import connections

    connections.close_all()


class _Server(BaseApplication):  # gunicorn ships no type information (Any to mypy)
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


class Command(BaseCommand):
    help = (
        "Serve Sanfu with gunicorn: --workers processes of --threads threads each on --bind "
        "(defaults from SANFU_WEB_BIND, SANFU_WEB_WORKERS, SANFU_WEB_THREADS, SANFU_WEB_TIMEOUT)."
    )
    requires_system_checks: list[str] = []  # the workers run Django's checks on load; the master needs none

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            action="append",
            help="host:port or unix:/path to listen on; repeat for several (default: SANFU_WEB_BIND)",
        )
        parser.add_argument("--workers", type=int, help="worker processes (default: SANFU_WEB_WORKERS)")
        parser.add_argument("--threads", type=int, help="threads per worker (default: SANFU_WEB_THREADS)")
        parser.add_argument("--timeout", type=int, help="seconds before a silent worker is restarted")
        parser.add_argument("--pid", help="write the master's process id to this file")
        parser.add_argument(
            "--access-log", help="file for one line per request ('-' for standard output; default: none)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or settings.SANFU_WEB_WORKERS
        threads = options["threads"] or settings.SANFU_WEB_THREADS
        timeout = options["timeout"] or settings.SANFU_WEB_TIMEOUT
        if min(workers, threads, timeout) < 1:
            raise CommandError("--workers, --threads and --timeout must be at least 1")
        config: dict[str, Any] = {
            "bind": options["bind"] or settings.SANFU_WEB_BIND,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": timeout,
            "graceful_timeout": settings.SANFU_WEB_GRACEFUL_TIMEOUT,
            # A worker is replaced after this many requests (with jitter, so that they do not all restart at once).
            "max_requests": settings.SANFU_WEB_MAX_REQUESTS,
            "max_requests_jitter": settings.SANFU_WEB_MAX_REQUESTS // 10,
            "preload_app": True,
            "when_ready": _close_connections,
            # nginx (or another proxy) on these addresses may say the request came over HTTPS; Django reads the
            # header itself only with SANFU_BEHIND_PROXY (SECURE_PROXY_SSL_HEADER).
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
        _Server(config).run()

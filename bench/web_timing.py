"""Bench-only middleware (``bench/web_settings.py``): the server time of every request, measured around the whole
product middleware stack and view, appended to the file ``SANFU_BENCH_TIMING_LOG`` as one line
``<unix time> <status> <ms> <method> <redirect or -> <path>`` (one ``write`` on a file opened for appending, so
the app processes' lines do not mix), and sent back as ``Server-Timing: app;dur=<ms>``. Sanfu writes neither."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.fd = os.open(os.environ["SANFU_BENCH_TIMING_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={ms:.2f}"
        where = response.get("Location", "-").replace(" ", "%20")
        line = f"{time.time():.4f} {response.status_code} {ms:.3f} {request.method} {where} {request.path}\n"
        os.write(self.fd, line.encode())
        return response

"""A real multi-process Sanfu server (gunicorn, several workers forked from a preloaded master) on the test
database, for tests that kill its processes; and a small HTTP client that signs in like a browser.

gunicorn, not the development server: a worker killed by the kernel must be one of several processes
sharing the listening socket, as in production, so that its master replaces it while the others go on.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.browser import database_url

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _no_control_socket() -> list[str]:
    """gunicorn 25.1 and later listen on a control socket at one fixed path per user: two servers (two test
    runs at once) would take it from each other. The tests need none."""
    import gunicorn  # here: the outbox tests share this module's helpers and need no server

    return ["--no-control-socket"] if tuple(int(n) for n in gunicorn.__version__.split(".")[:2]) >= (25, 1) else []


def server_env() -> dict[str, str]:
    """The environment of a child process that opens the test database of this run."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanfu.config.test_settings",
        "SANFU_TEST_DATABASE_URL": database_url(),
        "SANFU_HOME": str(ROOT),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }


class Gunicorn:
    """gunicorn with ``workers`` sync workers, in a process group of its own (so that a test can kill the whole
    server at once, and nothing else)."""

    def __init__(self, *, workers: int = 2) -> None:
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.seconds_starting = 0.0  # spent in start(): loading Django, forking, the first answer

    def start(self) -> None:
        began = time.monotonic()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--preload",  # Django is loaded once in the master: a killed worker is replaced by a fork at once
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{self.port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "2",
            "--log-level",
            "warning",
            *_no_control_socket(),
            "tests.reliability.wsgi_r4_warm:application",
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            env=server_env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.starts += 1
        self.wait_ready()
        self.seconds_starting += time.monotonic() - began

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the login page answers and every worker is up."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if len(self.worker_pids()) == self.workers:
                with contextlib.suppress(OSError, http.client.HTTPException):
                    status, _headers, _body = request("GET", self.port, "/accounts/login/", timeout=2)
                    if status == 200:
                        return
            time.sleep(0.05)
        raise RuntimeError("gunicorn did not come up")

    def worker_pids(self) -> list[int]:
        """The master's live children (its workers)."""
        assert self.process is not None
        master = self.process.pid
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == master and fields[0] != "Z":
                children.append(int(entry.name))
        return children

    def kill_worker(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut of the server would."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        # Workers orphaned by the master's death are in the same group and got the signal too; wait until
        # they are gone, so that the next server's count of its workers is its own.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(self.process.pid):
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill_all()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def request(
    method: str,
    port: int,
    path: str,
    *,
    body: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One HTTP request on a connection of its own; raises OSError or HTTPException when the server dies."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Host": f"{HOST}:{port}"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Browser:
    """One person's cookies on the server: signs in through the login page, then posts forms with the CSRF
    token, as a browser does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def _keep(self, headers: http.client.HTTPMessage) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        status, headers, body = request("GET", self.port, path, cookies=self.cookies)
        self._keep(headers)
        return status, headers, body

    def post(self, path: str, form: dict[str, str]) -> tuple[int, http.client.HTTPMessage, bytes]:
        token = self.cookies.get("sanfu_csrf", "")
        status, headers, body = request(
            "POST", self.port, path, body={**form, "csrfmiddlewaretoken": token}, cookies=self.cookies
        )
        self._keep(headers)
        return status, headers, body

    def sign_in(self, username: str, password: str) -> None:
        status, _headers, page = self.get("/accounts/login/")
        assert status == 200, status
        assert re.search(rb'name="csrfmiddlewaretoken"', page)
        status, headers, _body = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 302, (status, _body[:500])
        assert "sanfu_session" in self.cookies, headers

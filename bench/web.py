"""The web benchmark (``make bench-web``): Sanfu over HTTP, 50 concurrent clients, against ``sanfu serve``.

For each database (SQLite with one app process; PostgreSQL with two app processes and the worker beside them) on
a throwaway database:

1. build: ``sanfu migrate``, ``sanfu gen --staff … --instances … --prototypes …`` (the generated group, see
   ``sanfu.demo.gen``), then ``--documents`` archive records in bulk with their index rows (bench/common.py's
   ``load_documents``, as ``make bench-search`` builds them), signed-in sessions and the request lists
   (``prepare``, a child process);
2. serve: ``sanfu serve`` (the product's server: granian, ``--threads`` threads per process; ``--server gunicorn``
   for the other) on a loopback port with ``bench/web_settings.py`` (the product's settings + a timing middleware
   writing each request's server time to a log + the bare view's URL): one app process on SQLite, two on
   PostgreSQL;
3. load: wrk (Debian's ``wrk``; a benchmark dependency only), ``--connections`` connections, each scenario a
   warm-up then ``--duration`` seconds:
   - ``bare``: a bare Django view running one query, through the same middleware (signed in);
   - ``inbox``: 我的待办 (``/approvals/inbox/``) of 50 people who hold open to-dos, in turn;
   - ``instance``: the instance page of a request the signed-in person has a task on;
   - ``approve``: POST 同意 with the session and CSRF token, every request on a different open task (its
     assignee's session); a success is the 302 back to the page;
   - ``search``: 档案检索 (``/archive/?q=…``) by an archivist, bench/search.py's query mix.
4. report: requests per second (wrk's, and for approve the successful ones from the log) and the server time
   p50/p95/p99 from the log of each window, then the last line, machine-readable.

Sizes: ``--staff --instances --prototypes --documents`` (small defaults that finish in a few minutes); the issue's
full run is ``--staff 100000 --instances 1000000 --documents 100000`` (and 1,000,000 documents for the second
search target).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import (  # noqa: E402  (bench/common.py)
    PG_DSN,
    drop_postgresql_database,
    load_documents,
    postgresql_database,
    query_mix,
)

SCENARIOS = ("bare", "inbox", "instance", "approve", "search")
# What a scenario's requests look like in the timing log (method, path prefix): a window counts only its own.
SHAPES = {
    "bare": ("GET", "/bench/bare/"),
    "inbox": ("GET", "/approvals/inbox/"),
    "instance": ("GET", "/approvals/instances/"),
    "approve": ("POST", "/approvals/instances/"),
    "search": ("GET", "/archive/"),
}
INBOX_PEOPLE = 50
INSTANCE_PAGES = 2000
APPROVE_TARGETS = 3000

LUA = r"""
counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
reqs = {}
i = 0
function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == tid then
      local method, p, cookie, body = line:match("^(%u+)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {["Cookie"] = cookie}
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        table.insert(reqs, wrk.format(method, p, headers, body))
      else
        table.insert(reqs, wrk.format(method, p, headers, nil))
      end
    end
    n = n + 1
  end
end
function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
"""


# --- the environment of every Sanfu process of one run ----------------------------------------------------


def sanfu_env(database_url: str, home: Path, timing_log: Path) -> dict[str, str]:
    (home / "var").mkdir(parents=True, exist_ok=True)
    python_path = [str(HERE)]
    if os.environ.get("PYTHONPATH"):
        python_path.append(os.environ["PYTHONPATH"])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(python_path),
        "SANFU_DATABASE_URL": database_url,
        "SANFU_SECRET_KEY": secrets.token_urlsafe(48),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_HOME": str(home),
        "SANFU_DEBUG": "0",
        "SANFU_HTTPS": "0",  # plain HTTP on loopback, as `make run` serves
        "DJANGO_SETTINGS_MODULE": "web_settings",
        "SANFU_BENCH_TIMING_LOG": str(timing_log),
    }


def sanfu(env: dict[str, str], *args: str) -> None:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sanfu.cli", *args], env=env, check=True)
    print(f"  sanfu {' '.join(args)}: {time.perf_counter() - started:.0f} s", flush=True)


# --- prepare (child process, Django set up): documents, sessions, request lists -------------------------------


def prepare(out_dir: Path, documents: int) -> None:  # noqa: PLR0915  (one linear script)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from sanfu.accounts.models import Role, RoleGrant, User
    from sanfu.accounts.permissions import DataScope, Perm
    from sanfu.approvals.models import Request
    from sanfu.archive.models import ArchiveRecord
    from sanfu.org.models import Unit
    from sanfu.workflow.models import Task

    started = time.perf_counter()
    unit = Unit.objects.get(code="group")
    now = timezone.now()
    first = (ArchiveRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    load_documents(documents, unit_id=unit.pk, first_id=first, now=now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('archive_archiverecord', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM archive_archiverecord))"
            )
            cursor.execute("ANALYZE")  # as autovacuum would after a load
        elif documents:
            cursor.execute("INSERT INTO archive_search(archive_search) VALUES ('optimize')")
    print(f"  documents: {documents} in {time.perf_counter() - started:.0f} s", flush=True)

    sessions: dict[int, str] = {}

    def cookie(user_id: int) -> str:
        if user_id not in sessions:
            client = Client()
            client.force_login(User.objects.get(pk=user_id), backend="django.contrib.auth.backends.ModelBackend")
            sessions[user_id] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return f"{settings.SESSION_COOKIE_NAME}={sessions[user_id]}"

    def line(method: str, path: str, user_id: int, body: str = "", csrf: str = "") -> str:
        jar = cookie(user_id) + (f"; {settings.CSRF_COOKIE_NAME}={csrf}" if csrf else "")
        return f"{method}\t{path}\t{jar}\t{body}\n"

    generic = Task.objects.filter(instance__in=Request.objects.values("instance_id"))
    holders = list(
        generic.filter(status="open")
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by("assignee_id")
        .values_list("assignee_id", "n")
    )
    picked = random.Random(1).sample(holders, min(INBOX_PEOPLE, len(holders)))
    inbox_users = [user for user, _n in picked]
    open_counts = sorted(n for _user, n in picked)
    all_open = sorted(n for _user, n in holders)
    lists: dict[str, list[str]] = {}
    lists["bare"] = [line("GET", "/bench/bare/", user) for user in inbox_users]
    lists["inbox"] = [line("GET", "/approvals/inbox/", user) for user in inbox_users]
    pages = list(
        generic.filter(assignee_id__in=inbox_users).order_by("-id").values_list("assignee_id", "instance_id")[:20000]
    )
    random.Random(2).shuffle(pages)
    lists["instance"] = [line("GET", f"/approvals/instances/{i}/", user) for user, i in pages[:INSTANCE_PAGES]]
    targets = list(
        generic.filter(status="open", kind="approval", instance__status="running").values_list(
            "assignee_id", "instance_id", "id"
        )[: APPROVE_TARGETS * 2]
    )
    random.Random(3).shuffle(targets)
    approve = []
    for user, instance_id, task_id in targets[:APPROVE_TARGETS]:
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked secret, accepted as cookie and form token alike
        body = f"csrfmiddlewaretoken={csrf}&task={task_id}&comment=%E5%90%8C%E6%84%8F"
        approve.append(line("POST", f"/approvals/instances/{instance_id}/approve/", user, body, csrf))
    lists["approve"] = approve
    reader = User.objects.create(
        username="bench_archivist", full_name="档案员（基准）", must_change_password=False, password_changed_at=now
    )
    role = Role.objects.create(
        code="bench-archivist",
        name="档案员（基准）",
        permissions=[Perm.READ_ARCHIVE_RESTRICTED],
        data_scope=DataScope.ALL,
    )
    RoleGrant.objects.create(user=reader, role=role)
    from urllib.parse import urlencode

    lists["search"] = [
        line("GET", "/archive/?" + urlencode({"q": q, **({"year": y} if y else {})}), reader.pk)
        for _kind, q, y in query_mix(random.Random(7))
    ]
    for name, rows in lists.items():
        (out_dir / f"{name}.tsv").write_text("".join(rows), encoding="utf-8")
    info = {
        "inbox_open_min": open_counts[0] if open_counts else 0,
        "inbox_open_median": statistics.median(open_counts) if open_counts else 0,
        "inbox_open_max": open_counts[-1] if open_counts else 0,
        "holders": len(all_open),
        "open_max_anyone": all_open[-1] if all_open else 0,
        "approve_targets": len(approve),
        "sessions": len(sessions),
        "requests": Request.objects.count(),
        "documents": ArchiveRecord.objects.count(),
    }
    print(json.dumps(info))


def profile(out_dir: Path) -> None:
    """One inbox request of the first inbox person, profiled in process (the test client, the same settings):
    its queries and their time, then where the rest goes."""
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client

    # Keep one connection across the requests, or the capture loses the queries when the request closes it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.request_started.disconnect(reset_queries)

    cookie = (out_dir / "inbox.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")[2]
    name, value = cookie.split("=", 1)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[name] = value
    for _ in range(5):
        assert client.get("/approvals/inbox/").status_code == 200
    walls = []
    for _ in range(20):
        t = time.perf_counter()
        client.get("/approvals/inbox/")
        walls.append((time.perf_counter() - t) * 1000)
    # Each statement timed around its execution (µs, not Django's rounded log: on SQLite most take well under
    # 1 ms; the rows' fetching falls outside on SQLite); kept here, since Django's log is reset by the next request.
    queries: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timed):
        response = client.get("/approvals/inbox/")
    query_ms = sum(ms for ms, _sql in queries)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        client.get("/approvals/inbox/")
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(40)
    print(
        f"inbox in process: median {statistics.median(walls):.1f} ms over 20; {len(queries)} queries "
        f"taking {query_ms:.1f} ms (their execution); page {len(response.content)} bytes"
    )
    for ms, sql in sorted(queries, reverse=True)[:6]:
        print(f"  {ms:6.2f} ms  {sql[:150]}")
    print("cProfile, 10 requests, by cumulative time:")
    print(text.getvalue())


# --- serve and load -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not start")


def start(
    env: dict[str, str], args: argparse.Namespace, port: int, logs: Path, *, workers: int, with_worker: bool
) -> list[subprocess.Popen]:
    """The product's own server, ``sanfu serve`` (granian unless ``--server gunicorn``), as an operator starts it:
    ``workers`` processes of ``--threads`` threads each on a loopback port; the worker beside it when asked."""
    serve = [sys.executable, "-m", "sanfu.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    serve += ["--threads", str(args.threads), "--server", args.server]
    procs = [
        subprocess.Popen(
            serve,
            env=env,
            stdout=(logs / "serve.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ]
    if with_worker:
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "sanfu.cli", "worker"],
                env=env,
                stdout=(logs / "worker.out").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    wait_for(port)
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(port: int, tsv: Path, lua: Path, connections: int, seconds: int) -> dict[str, Any]:
    threads = 2
    result = subprocess.run(  # our own arguments
        [
            shutil.which("wrk") or "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}",
            "--",
            str(tsv),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rps = next((float(w.split()[1]) for w in out.splitlines() if w.startswith("Requests/sec")), 0.0)
    errors = next((w.strip() for w in out.splitlines() if "Non-2xx" in w or "Socket errors" in w), "")
    return {"wrk_rps": rps, "wrk_errors": errors}


def drain(log: Path, quiet: float = 1.5, limit: float = 120) -> None:
    """Wait until the server has answered what wrk left queued (the log stops growing), so that a scenario's
    window holds its own requests only."""
    end = time.monotonic() + limit
    size = -1
    while time.monotonic() < end:
        now = log.stat().st_size if log.exists() else 0
        if now == size:
            return
        size = now
        time.sleep(quiet)


def window(log: Path, start: float, end: float, shape: tuple[str, str]) -> list[tuple[int, float, str, str]]:
    rows = []
    for text in log.read_text().splitlines():
        at, status, ms, method, where, path = text.split(" ", 5)
        if start <= float(at) <= end and method == shape[0] and path.startswith(shape[1]):
            rows.append((int(status), float(ms), method, where if status.startswith("3") else path))
    return rows


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(port: int, lists: Path, log: Path, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    lua = lists / "wrk.lua"
    lua.write_text(LUA)
    figures: dict[str, dict[str, Any]] = {}
    for name in SCENARIOS:
        tsv = lists / f"{name}.tsv"
        if not tsv.read_text().strip():
            print(f"  {name}: nothing to request", flush=True)
            continue
        if name != "approve":  # warm-up (approve warms on the instance pages: its tasks are each used once)
            wrk(port, tsv, lua, args.connections, args.warmup)
            drain(log)
        began = time.time()
        got = wrk(port, tsv, lua, args.connections, args.duration)
        ended = time.time()
        drain(log)
        rows = window(log, began, ended, SHAPES[name])
        # A success: 200, or for approve the 302 back to the instance page (a refused one shows the page again).
        ok = [ms for status, ms, _m, where in rows if status == 200 or (name == "approve" and _back(status, where))]
        seconds = ended - began
        figures[name] = {
            **got,
            "served": len(rows),
            "ok": len(ok),
            "ok_rps": len(ok) / seconds,
            "statuses": dict(sorted(_count(status for status, _ms, _m, _p in rows).items())),
            "p50_ms": pct(ok, 50),
            "p95_ms": pct(ok, 95),
            "p99_ms": pct(ok, 99),
        }
        f = figures[name]
        print(
            f"  {name:<8} {f['ok_rps']:7.1f} ok/s (wrk {f['wrk_rps']:.1f}/s)  server time p50 {f['p50_ms']:.1f}"
            f"  p95 {f['p95_ms']:.1f}  p99 {f['p99_ms']:.1f} ms  statuses {f['statuses']} {f['wrk_errors']}",
            flush=True,
        )
    return figures


def _back(status: int, where: str) -> bool:
    return status == 302 and where.startswith("/approvals/instances/")


def _count(items: Any) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_backend(kind: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    home = work / kind
    home.mkdir(parents=True, exist_ok=True)
    pg_name = None
    if kind == "sqlite":
        url = f"sqlite:///{home / 'bench.sqlite3'}"
        workers, with_worker = 1, False
    else:
        pg_name = postgresql_database("sanfu_bench_web")
        if pg_name is None:
            return {}
        url = f"postgresql://{PG_DSN['user']}@{PG_DSN['host']}:{PG_DSN['port']}/{pg_name}"
        workers, with_worker = 2, True
    log = home / "timing.log"
    env = sanfu_env(url, home, log)
    procs: list[subprocess.Popen] = []
    try:
        print(f"{kind}: building (load average {loadavg()})", flush=True)
        t = time.perf_counter()
        sanfu(env, "migrate", "-v0")
        sanfu(
            env,
            "gen",
            f"--staff={args.staff}",
            f"--instances={args.instances}",
            f"--prototypes={args.prototypes}",
        )
        child = subprocess.run(
            [sys.executable, __file__, "--prepare", str(home), "--documents", str(args.documents)],
            env={**env, "DJANGO_SETTINGS_MODULE": "sanfu.config.settings"},
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            raise SystemExit(f"prepare failed on {kind}")
        sys.stdout.write("".join(x + "\n" for x in child.stdout.strip().splitlines()[:-1]))
        info = json.loads(child.stdout.strip().splitlines()[-1])
        info["build_s"] = time.perf_counter() - t
        print(f"  built in {info['build_s']:.0f} s: {info}", flush=True)
        port = free_port()
        procs = start(env, args, port, home, workers=workers, with_worker=with_worker)
        print(
            f"  serving: sanfu serve ({args.server}), {workers} process(es) x {args.threads} threads"
            f"{', + the worker' if with_worker else ''}; load average {loadavg()}",
            flush=True,
        )
        figures = load(port, home, log, args)
        print(f"  load average after: {loadavg()}", flush=True)
        stop(procs)
        if args.profile:
            subprocess.run(
                [sys.executable, __file__, "--profile-child", str(home)],
                env={**env, "DJANGO_SETTINGS_MODULE": "sanfu.config.settings"},
                check=False,
            )
        return {"info": info, "figures": figures, "workers": workers}
    finally:
        stop(procs)
        if pg_name and not args.keep:
            drop_postgresql_database(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--prototypes", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario (after a warm-up)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian", help="sanfu serve's server")
    parser.add_argument("--threads", type=int, default=4, help="threads per app process (sanfu serve's default: 4)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs (printed)")
    parser.add_argument("--profile", action="store_true", help="profile one inbox request per database")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(Path(args.prepare), args.documents)
        return
    if args.profile_child:
        profile(Path(args.profile_child))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (a benchmark dependency only)")
    work = Path(tempfile.mkdtemp(prefix="sanfu-bench-web-"))
    print(
        f"bench-web: staff {args.staff}, instances {args.instances} ({args.prototypes} through the services), "
        f"documents {args.documents}; {args.connections} connections, {args.duration} s per scenario; "
        f"{os.cpu_count()} CPUs, load average {loadavg()}",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    try:
        for kind in ("sqlite", "postgresql"):
            if (kind == "sqlite" and args.no_sqlite) or (kind == "postgresql" and args.no_postgres):
                continue
            results[kind] = run_backend(kind, args, work)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {loadavg()}")
    print(json.dumps(results, default=str))
    print(last_line(results))


def last_line(results: dict[str, dict[str, Any]]) -> str:
    def fig(kind: str, scenario: str, key: str) -> float:
        return float(results.get(kind, {}).get("figures", {}).get(scenario, {}).get(key, float("nan")))

    bare = fig("sqlite", "bare", "ok_rps")
    inbox = fig("sqlite", "inbox", "ok_rps")
    approve = fig("sqlite", "approve", "ok_rps")
    values = {
        "bare_rps": bare,
        "inbox_rps": inbox,
        "inbox_share": inbox / bare if bare else float("nan"),
        "approve_rps": approve,
        "approve_share": approve / bare if bare else float("nan"),
        "inbox_p95_ms": fig("sqlite", "inbox", "p95_ms"),
        "approve_p99_ms": fig("sqlite", "approve", "p99_ms"),
        "pg_inbox_p95_ms": fig("postgresql", "inbox", "p95_ms"),
        "search_p95_ms": fig("sqlite", "search", "p95_ms"),
        "pg_search_p95_ms": fig("postgresql", "search", "p95_ms"),
    }
    return " ".join(f"{k}={v:.3f}" if "share" in k else f"{k}={v:.1f}" for k, v in values.items())


if __name__ == "__main__":
    main()

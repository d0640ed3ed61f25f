"""What the benchmarks share: a throw-away PostgreSQL database on 127.0.0.1, the app on it,
gunicorn processes started and stopped by the script, a small HTTP load generator, and the
figures printed as plain `name: value unit` lines.

Everything here talks to 127.0.0.1 only and stops by itself: databases are dropped and
gunicorn processes killed on the way out, even after an error or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: The PostgreSQL server the benchmarks create their database on (user postgres, trust).
PG_SERVER_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: A production-length secret for the benchmark's own app processes (never a real one).
BENCH_SECRET = "bench-only-secret-key-0123456789abcdefghijklmnop"  # noqa: S105


# --- figures -------------------------------------------------------------------------------


def figure(name: str, value, unit: str = "") -> None:
    """One result line: `name: value unit`."""
    if isinstance(value, float):
        value = f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"
    print(f"{name}: {value} {unit}".rstrip(), flush=True)


def note(text: str) -> None:
    """A comment line (not a figure), for what the run is doing."""
    print(f"# {text}", file=sys.stderr, flush=True)


def machine_load() -> None:
    """The load average and CPU count, printed with the figures (the machine is shared)."""
    load1, load5, load15 = os.getloadavg()
    figure("machine_cpus", os.cpu_count() or 0, "cpus")
    figure("machine_load_1min", round(load1, 2), "")
    figure("machine_load_5min", round(load5, 2), "")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100), nearest rank: p99 of 1,000 values is the 990th."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def median_ms(fn, repeat: int, warmup: int = 2) -> tuple[float, list[float]]:
    """Run fn() warmup + repeat times; the median of the timed runs in ms, and all of them."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


# --- the database --------------------------------------------------------------------------


def _require_local(url: str) -> None:
    host = urlsplit(url.replace("postgresql+psycopg", "postgresql")).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"benchmarks run against 127.0.0.1 only, not {host!r}")


def _server_dsn() -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_SERVER_URL).set(drivername="postgresql").render_as_string(False)


@contextlib.contextmanager
def bench_database(prefix: str = "llw_bench"):
    """An empty database of its own on the local server, dropped at the end; yields its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    _require_local(PG_SERVER_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_server_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    note(f"database {name} created")
    try:
        yield make_url(PG_SERVER_URL).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(_server_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        note(f"database {name} dropped")


def make_app(database_url: str, **overrides):
    """The app on the benchmark database, schema from the migrations (as in production).

    Rate limits are off and passwords use a cheap scrypt only because the benchmark signs in
    its own throw-away accounts; gunicorn runs the real production settings (gunicorn_env).
    """
    from flask_migrate import upgrade

    from app import create_app

    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": BENCH_SECRET,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def psql_dsn(database_url: str) -> str:
    """A libpq DSN (for psycopg) from the SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


# --- gunicorn ------------------------------------------------------------------------------

#: The production settings (docs/DEPLOYMENT.md): gthread workers, 2 × CPUs + 1 processes would
#: be the classic rule; the README's 4 workers × 4 threads is what we run and measure.
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", 4))
#: Workers boot slowly on a busy machine: how long to wait for the first answer.
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_env(database_url: str, **extra) -> dict:
    """The environment of a production app process (README "Configuration")."""
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": BENCH_SECRET,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": os.environ.get(
                "BENCH_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15"
            ),
            # Every client of a benchmark comes from 127.0.0.1 with one API token (a venue has
            # one per phone): the API's limits still run and cost what they cost, out of reach.
            "API_TOKEN_RATE_LIMIT": "1000000 per minute",
            "API_ADDRESS_RATE_LIMIT": "1000000 per minute",
            "PROXY_COUNT": "0",
            "PYTHONPATH": str(ROOT),
            "INSTANCE_PATH": os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
        }
    )
    env.update(extra)
    return env


class Gunicorn:
    """A gunicorn serving `app_spec` on 127.0.0.1:<free port>, killed on exit."""

    def __init__(self, app_spec: str, env: dict, *, workers=None, threads=None, name="app"):
        self.port = free_port()
        self.name = name
        self.workers = workers or GUNICORN_WORKERS
        self.threads = threads or GUNICORN_THREADS
        self.command = [
            PYTHON,
            "-m",
            "gunicorn",
            app_spec,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--keep-alive",
            "5",
            "--no-control-socket",
            "--log-level",
            "warning",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def settings(self) -> str:
        return f"gthread, {self.workers} workers x {self.threads} threads"

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            self.command, cwd=ROOT, env=self.env, start_new_session=True
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited with {self.process.returncode}")
            if self._answers(deadline):
                note(f"gunicorn {self.name} on 127.0.0.1:{self.port} ({self.settings})")
                return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer within {STARTUP_SECONDS} s")

    def _answers(self, deadline: float) -> bool:
        """A worker answers HTTP (any status): the port is open before the workers boot."""
        import http.client

        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=max(deadline - time.monotonic(), 1)
        )
        try:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Our own process group (start_new_session): the master and its workers, nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        note(f"gunicorn {self.name} stopped")


# --- the load generator --------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict = field(default_factory=dict)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    errors: int
    bytes_in: int = 0
    bytes_out: int = 0
    #: The requests that got an answer (a run stopped by its time limit leaves some unsent).
    completed: list = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


class _Connection:
    """One keep-alive HTTP/1.1 connection, reopened when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def send(self, request: Request) -> tuple[int, bytes, int]:
        """(status, body, bytes sent) of one request; retried once on a closed connection."""
        head = [f"{request.method} {request.path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        headers = {"Content-Length": str(len(request.body)), **request.headers}
        head += [f"{k}: {v}" for k, v in headers.items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + request.body
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            try:
                self.writer.write(raw)
                await self.writer.drain()
                status, body = await self._read()
                return status, body, len(raw)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read(self) -> tuple[int, bytes]:
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
        else:
            body = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, body


def run_load(
    port: int,
    requests: list[Request],
    concurrency: int,
    *,
    max_seconds: float = 60.0,
    check=None,
) -> LoadResult:
    """Send `requests` (each once, in order) from `concurrency` clients with keep-alive
    connections; stop early after `max_seconds`. `check(request, status, body)` may count a
    wrong answer as an error."""

    async def main() -> LoadResult:
        queue = iter(requests)
        latencies: list[float] = []
        completed: list[Request] = []
        statuses: dict[int, int] = {}
        counters = {"errors": 0, "in": 0, "out": 0}
        deadline = time.perf_counter() + max_seconds

        async def client() -> None:
            conn = _Connection(port)
            try:
                for request in queue:
                    if time.perf_counter() > deadline:
                        break
                    start = time.perf_counter()
                    try:
                        status, body, sent = await conn.send(request)
                    except (OSError, asyncio.IncompleteReadError):
                        counters["errors"] += 1
                        continue
                    latencies.append((time.perf_counter() - start) * 1000)
                    completed.append(request)
                    statuses[status] = statuses.get(status, 0) + 1
                    counters["in"] += len(body)
                    counters["out"] += sent
                    if check is not None and not check(request, status, body):
                        counters["errors"] += 1
            finally:
                await conn.close()

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
        return LoadResult(
            len(latencies),
            seconds,
            latencies,
            statuses,
            counters["errors"],
            counters["in"],
            counters["out"],
            completed,
        )

    return asyncio.run(main())


def report_load(prefix: str, result: LoadResult) -> None:
    figure(f"{prefix}_requests", result.requests, "requests")
    figure(f"{prefix}_throughput", round(result.throughput, 1), "req/s")
    figure(f"{prefix}_p50", round(result.p(50), 2), "ms")
    figure(f"{prefix}_p95", round(result.p(95), 2), "ms")
    figure(f"{prefix}_p99", round(result.p(99), 2), "ms")
    if result.errors:
        figure(f"{prefix}_errors", result.errors, "requests")


# --- a signed-in browser, without a browser --------------------------------------------------

CSRF_PATTERNS = (r'"X-CSRFToken": "([^"]+)"', r'name="csrf_token" type="hidden" value="([^"]+)"')


class BrowserSession:
    """Cookies and the CSRF token of a signed-in user, over plain HTTP to 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes = b"", headers=None):
        import http.client
        import re

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        all_headers = {"Cookie": self.cookie_header(), **(headers or {})}
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
        finally:
            conn.close()
        html = data.decode("utf-8", "replace")
        for pattern in CSRF_PATTERNS:
            match = re.search(pattern, html)
            if match:
                self.csrf = match.group(1)
                break
        return response.status, dict(response.getheaders()), data

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def login(self, email: str, password: str) -> None:
        from urllib.parse import urlencode

        self.request("GET", "/login")
        form = urlencode({"csrf_token": self.csrf, "email": email, "password": password})
        status, _headers, body = self.request(
            "POST",
            "/login",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            raise RuntimeError(f"sign-in refused ({status}): {body[:300]!r}")

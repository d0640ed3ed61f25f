"""Soak: minutes of mixed traffic against gunicorn, counting errors and watching each worker's
memory.

    .venv/bin/python -m bench.soak [--minutes 10] [--workers 2] [--clients 4]

Makes its own PostgreSQL database on 127.0.0.1 (dropped at the end), loads the demo data (units,
campaigns, reports of Đống Đa) and today's opening ceremony with a large invited list, starts
gunicorn with the production settings on 127.0.0.1 and sends, from a few client threads, a mix
of what the busy hour looks like:

- scans through the API (a few unknown codes among them) and offline batches of 20;
- name searches on the scanner page (people without their QR code);
- the live dashboard's numbers, polled;
- report pages and the report dashboard of a district (rolled up from its units).

Every answer other than 2xx, and every failed request, is an error. Each worker's resident
memory is sampled every 30 s; its growth is measured from the first sample after the warm-up
(the first fifth of the run: imports, compiled templates and statements, pools) to the last.
Prints `name: value unit` lines, stops by itself after --minutes, stops gunicorn and drops the
database even after an error or Ctrl-C.
Exit status 1 when there was any error or a worker grew by more than --max-growth percent.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import re
import threading
import time
import uuid
from collections import defaultdict

import psutil
import requests

from bench import seed
from bench.common import (
    Gunicorn,
    bench_database,
    figure,
    gunicorn_env,
    machine_load,
    make_app,
    note,
    percentile,
    psql_dsn,
)

#: What the clients do, and how often (weights).
MIX = {"scan": 40, "batch": 4, "search": 20, "dashboard": 24, "report": 12}
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Lan")
#: The demo's report officer of the Đống Đa district office (app/demo/data.py).
OFFICER_EMAIL = "baocao@dongda.demo"
MIB = 1024 * 1024


class Stats:
    """Latencies and errors per kind of request, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []

    def record(self, kind: str, ms: float, status: int | None, detail: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if status is None or not 200 <= status < 300:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: {status or 'no answer'} {detail[:200]}")


class Sampler(threading.Thread):
    """Every `interval` seconds: the resident memory of each gunicorn worker, by pid."""

    def __init__(self, master_pid: int, interval: float, stop: threading.Event):
        super().__init__(name="rss-sampler", daemon=True)
        self.master = psutil.Process(master_pid)
        self.interval = interval
        self.stop_event = stop
        self.samples: dict[int, list[tuple[float, int]]] = defaultdict(list)
        self.started = time.monotonic()

    def sample(self) -> None:
        moment = time.monotonic() - self.started
        for worker in self.master.children(recursive=False):
            # A worker that just went is counted as a restart at the end.
            with contextlib.suppress(psutil.NoSuchProcess):
                self.samples[worker.pid].append((moment, worker.memory_info().rss))

    def run(self) -> None:
        self.sample()  # before any traffic: memory after boot
        while not self.stop_event.wait(self.interval):
            self.sample()


def new_session() -> requests.Session:
    """A client that opens a connection per request: gunicorn closes a keep-alive connection
    after 5 s idle, and a request sent on it at that very moment is reset (seen here, 3 in 800
    requests on a loaded machine) - a race of the transport, not an answer of the app."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def sign_in(base: str, email: str, password: str) -> requests.Session:
    session = new_session()
    page = session.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("no CSRF token on the sign-in page")
    answer = session.post(
        f"{base}/login",
        data={"csrf_token": token.group(1), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"sign-in as {email} refused: {answer.status_code}")
    return session


def prepare(database_url: str, people: int) -> dict:
    """The demo data, today's ceremony with `people` invitees, and what the clients need."""
    from sqlalchemy import select

    from app.demo.cli import load_demo
    from app.demo.data import DEMO_PASSWORD
    from app.extensions import db
    from app.schedule.models import Campaign
    from app.units.models import Unit

    app = make_app(database_url)
    with app.app_context():
        load_demo()
        world = seed.basic_world(app)
        seed.bulk_invitees(
            campaign_id=world.campaign_id,
            unit_id=world.unit_id,
            event_id=world.event_id,
            group_id=world.group_id,
            first=1,
            count=people,
        )
        district = db.session.scalar(select(Unit).where(Unit.code == "PGD-DD"))
        campaign = db.session.scalar(
            select(Campaign).where(Campaign.unit_id == district.id, Campaign.year == 2024)
        )
        plan = {
            "event_id": world.event_id,
            "staff_email": world.user_email,
            "staff_password": seed.PASSWORD,
            "officer_password": DEMO_PASSWORD,
            "api_token": world.api_token,
            "reports": [
                f"/campaigns/{campaign.id}/reports/{district.id}",
                f"/campaigns/{campaign.id}/report-dashboard",
            ],
        }
        seed.analyze()
        db.session.remove()
        db.engine.dispose()
    return plan


class Client(threading.Thread):
    """One person's worth of traffic: a phone with an API token, a signed-in scanner page, a
    signed-in report officer; a request of a random kind, a short pause, again, until the end."""

    def __init__(self, n: int, base: str, plan: dict, people: int, stats: Stats, until: float,
                 think: float):  # fmt: skip
        super().__init__(name=f"client-{n}", daemon=True)
        self.rng = random.Random(n)  # noqa: S311  (which request next, not a secret)
        self.base, self.plan, self.people, self.stats = base, plan, people, stats
        self.until, self.think = until, think
        event = plan["event_id"]
        self.urls = {
            "scan": f"/api/v1/events/{event}/checkins",
            "batch": f"/api/v1/events/{event}/checkins/batch",
            "search": f"/events/{event}/checkin/search",
            "dashboard": f"/events/{event}/dashboard/numbers",
        }

    def code(self) -> str:
        if self.rng.random() < 0.05:
            return f"khong-phai-ma-{self.rng.randrange(10**6)}"  # a red scan, not an error
        return seed.token_of(self.rng.randint(1, self.people))

    def query(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(SURNAMES)
        return f"{self.rng.choice(GIVEN)} {self.rng.randint(1, self.people)}"

    def request(self, kind: str) -> tuple[requests.Session, str, str, dict]:
        if kind == "scan":
            body = {"code": self.code(), "device_id": self.name}
            return self.api, "POST", self.urls["scan"], {"json": body}
        if kind == "batch":
            now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            items = [
                {"client_uuid": str(uuid.uuid4()), "code": self.code(), "scanned_at": now}
                for _ in range(20)
            ]
            body = {"device_id": self.name, "items": items}
            return self.api, "POST", self.urls["batch"], {"json": body}
        if kind == "search":
            params = {"q": self.query()}
            headers = {"HX-Request": "true"}
            return self.staff, "GET", self.urls["search"], {"params": params, "headers": headers}
        if kind == "dashboard":
            return self.staff, "GET", self.urls["dashboard"], {"headers": {"HX-Request": "true"}}
        return self.officer, "GET", self.rng.choice(self.plan["reports"]), {}

    def run(self) -> None:
        plan = self.plan
        self.api = new_session()
        self.api.headers["Authorization"] = f"Bearer {plan['api_token']}"
        self.staff = sign_in(self.base, plan["staff_email"], plan["staff_password"])
        self.officer = sign_in(self.base, OFFICER_EMAIL, plan["officer_password"])
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < self.until:
            kind = self.rng.choices(kinds, weights)[0]
            session, method, path, options = self.request(kind)
            started = time.perf_counter()
            try:
                answer = session.request(method, self.base + path, timeout=30, **options)
                status, detail = answer.status_code, answer.text
            except requests.RequestException as exc:
                status, detail = None, repr(exc)
            self.stats.record(kind, (time.perf_counter() - started) * 1000, status, detail)
            time.sleep(self.think)


def check_every_kind(base: str, plan: dict, people: int) -> None:
    """One request of each kind before the clock starts: a broken setup stops the run here."""
    probe = Client(0, base, plan, people, Stats(), 0, 0)
    probe.api = new_session()
    probe.api.headers["Authorization"] = f"Bearer {plan['api_token']}"
    probe.staff = sign_in(base, plan["staff_email"], plan["staff_password"])
    probe.officer = sign_in(base, OFFICER_EMAIL, plan["officer_password"])
    probes = [probe.request(kind) for kind in MIX if kind != "report"]
    probes += [(probe.officer, "GET", path, {}) for path in plan["reports"]]
    for session, method, path, options in probes:
        answer = session.request(method, base + path, timeout=30, **options)
        if not 200 <= answer.status_code < 300:
            raise SystemExit(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")


def memory_figures(samples: dict[int, list[tuple[float, int]]], warmup: float) -> float:
    """Per worker: memory after boot, at the end of the warm-up, at the end; the largest growth."""
    largest = 0.0
    for number, (_pid, series) in enumerate(sorted(samples.items()), start=1):
        loaded = [rss for moment, rss in series if moment >= warmup] or [series[-1][1]]
        start, end = loaded[0], loaded[-1]
        growth = (end - start) / start * 100
        largest = max(largest, growth)
        figure(f"worker{number}_rss_boot", round(series[0][1] / MIB, 1), "MiB")
        figure(f"worker{number}_rss_start", round(start / MIB, 1), "MiB")
        figure(f"worker{number}_rss_end", round(end / MIB, 1), "MiB")
        figure(f"worker{number}_rss_max", round(max(rss for _m, rss in series) / MIB, 1), "MiB")
        figure(f"worker{number}_rss_growth", round(growth, 2), "%")
        figure(f"worker{number}_rss_samples", len(series), "samples")
    return largest


def count_duplicates(database_url: str, event_id: int) -> tuple[int, int]:
    """(live check-ins, people checked in more than once) of the ceremony, from the database."""
    import psycopg

    with psycopg.connect(psql_dsn(database_url)) as conn:
        live = conn.execute(
            "SELECT count(*) FROM check_in WHERE event_id = %s AND undone_at IS NULL", (event_id,)
        ).fetchone()[0]
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT invitee_id FROM check_in WHERE event_id = %s"
            " AND undone_at IS NULL AND invitee_id IS NOT NULL GROUP BY invitee_id"
            " HAVING count(*) > 1) AS d",
            (event_id,),
        ).fetchone()[0]
    return live, twice


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="length of the run (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (4)")
    parser.add_argument("--people", type=int, default=3000, help="invited to the ceremony")
    parser.add_argument("--think-ms", type=float, default=20, help="pause between requests")
    parser.add_argument("--sample-seconds", type=float, default=30, help="memory sampling")
    parser.add_argument("--max-growth", type=float, default=10, help="allowed growth, percent")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 120:
        raise SystemExit("--minutes must be between 0 and 120")

    machine_load()
    with bench_database("llw_soak") as database_url:
        plan = prepare(database_url, args.people)
        note(f"demo data and {args.people} invitees loaded")
        env = gunicorn_env(
            database_url,
            # Counters in each worker's memory: nothing left in a shared Redis after the run.
            RATELIMIT_STORAGE_URI="memory://",
            # The clients speak plain HTTP to 127.0.0.1 (no TLS proxy in front here).
            SESSION_COOKIE_SECURE="false",
        )
        with Gunicorn("wsgi:app", env, workers=args.workers, threads=args.threads,
                      name="soak") as server:  # fmt: skip
            base = f"http://127.0.0.1:{server.port}"
            check_every_kind(base, plan, args.people)
            stop = threading.Event()
            sampler = Sampler(server.process.pid, args.sample_seconds, stop)
            stats = Stats()
            seconds = args.minutes * 60
            started = time.monotonic()
            until = started + seconds
            sampler.start()
            clients = [
                Client(n, base, plan, args.people, stats, until, args.think_ms / 1000)
                for n in range(1, args.clients + 1)
            ]
            for client in clients:
                client.start()
            for client in clients:
                client.join(timeout=max(0.0, until - time.monotonic()) + 60)
            elapsed = time.monotonic() - started
            stop.set()
            sampler.join(timeout=10)
            sampler.sample()  # the last word on memory, right at the end
            workers_now = {p.pid for p in psutil.Process(server.process.pid).children()}
        live, twice = count_duplicates(database_url, plan["event_id"])

    total = sum(len(values) for values in stats.latencies.values())
    errors = sum(stats.errors.values())
    figure("soak_duration", round(elapsed, 1), "s")
    figure("soak_workers", args.workers, "workers")
    figure("soak_threads_per_worker", args.threads, "threads")
    figure("soak_clients", args.clients, "clients")
    figure("requests_total", total, "requests")
    figure("throughput", round(total / elapsed, 1), "req/s")
    figure("errors_total", errors, "requests")
    for kind in MIX:
        values = stats.latencies.get(kind, [])
        figure(f"{kind}_requests", len(values), "requests")
        figure(f"{kind}_errors", stats.errors.get(kind, 0), "requests")
        figure(f"{kind}_p50", round(percentile(values, 50), 2), "ms")
        figure(f"{kind}_p99", round(percentile(values, 99), 2), "ms")
    figure("checkins_live", live, "check-ins")
    figure("people_checked_in_twice", twice, "people")
    restarts = len(set(sampler.samples) - workers_now)
    figure("worker_restarts", restarts, "workers")
    # Warm-up: the first fifth of the run, at least one sampling interval (imports, compiled
    # templates and statements, connection pools fill up then).
    warmup = max(args.sample_seconds, seconds / 5)
    figure("rss_warmup", round(warmup), "s")
    growth = memory_figures(
        {pid: series for pid, series in sampler.samples.items() if pid in workers_now},
        warmup=warmup,
    )
    figure("rss_growth_max", round(growth, 2), "%")
    for example in stats.examples:
        note(f"error: {example}")
    failed = errors > 0 or twice > 0 or restarts > 0 or growth > args.max_growth
    figure("verdict", "fail" if failed else "pass")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

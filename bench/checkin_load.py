"""Check-in throughput and latency at the opening-ceremony rush, against a bare reference.

    .venv/bin/python -m bench.checkin_load [--quick] [--requests N] [--clients 8,32]

Makes its own PostgreSQL database (dropped at the end), loads the invited list with bulk SQL,
starts two gunicorns with the production settings (docs/DEPLOYMENT.md) on 127.0.0.1 — the app
and `bench/reference_app.py` — and sends the same load to both:

- first scans: every request checks in a person not yet checked in;
- repeated scans: the same people scanned again ("already checked in").

Targets measured: the JSON API (`POST /api/v1/events/<id>/checkins`, a phone with a token)
and the staff scanner page (`POST /events/<id>/checkin/scan`, htmx, signed in, CSRF), which
also answers with the live counts and the recent list. Prints throughput, p50/p95/p99 latency
and the ratio app / reference for each; the target is ≥ 0.7 at 32 clients.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from urllib.parse import urlencode

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from bench import seed
from bench.common import (
    BrowserSession,
    Gunicorn,
    Request,
    bench_database,
    figure,
    gunicorn_env,
    machine_load,
    make_app,
    note,
    report_load,
    run_load,
)


def api_request(world: seed.World, token: str) -> Request:
    body = json.dumps({"code": token, "device_id": "bench-phone"}).encode()
    return Request(
        "POST",
        f"/api/v1/events/{world.event_id}/checkins",
        body,
        {"Authorization": f"Bearer {world.api_token}", "Content-Type": "application/json"},
    )


def scanner_request(world: seed.World, browser: BrowserSession, token: str) -> Request:
    return Request(
        "POST",
        f"/events/{world.event_id}/checkin/scan",
        urlencode({"code": token, "device_id": "bench-phone"}).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": browser.cookie_header(),
            "X-CSRFToken": browser.csrf,
            "HX-Request": "true",
            "HX-Current-URL": f"http://127.0.0.1/events/{world.event_id}/checkin",
        },
    )


def reference_request(world: seed.World, token: str) -> Request:
    body = json.dumps({"event_id": world.event_id, "code": token}).encode()
    return Request("POST", "/checkin", body, {"Content-Type": "application/json"})


def expect(outcome: str, target: str):
    """A check that the answer is the expected outcome (anything else counts as an error)."""

    def check(_request, status: int, body: bytes) -> bool:
        if target == "scanner":
            return status == 200 and f'data-outcome="{outcome}"'.encode() in body
        try:
            return json.loads(body)["outcome"] == outcome
        except (ValueError, KeyError):
            return False

    return check


def count_statements(app, fn) -> int:
    """How many SQL statements fn() sends (in-process, through the Flask test client)."""
    seen = []

    def record(*_args):
        seen.append(1)

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def statements_per_scan(
    app, world: seed.World, tokens: list[str], name: str = "checkin_api"
) -> None:
    """Statements of one API check-in, first and repeated (in-process, same database)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.api_token}"}
    url = f"/api/v1/events/{world.event_id}/checkins"

    def scan(token):
        def run():
            with app.app_context():
                response = client.post(url, json={"code": token}, headers=headers)
            assert response.status_code in (200, 201), response.get_data(as_text=True)

        return run

    client.post(url, json={"code": tokens[0]}, headers=headers)  # warm: token touched, caches
    first = count_statements(app, scan(tokens[1]))
    figure(f"{name}_statements_first_scan", first, "statements")
    figure(f"{name}_statements_repeat_scan", count_statements(app, scan(tokens[1])), "statements")


def profile_scans(app, world: seed.World, tokens: list[str], name: str) -> None:
    """In-process: wall and CPU time per API scan (or reference insert), and how many times a
    request waited for PostgreSQL (statements, BEGIN, COMMIT, pool pre-pings, prepares);
    cProfile on stderr."""
    import cProfile
    import io
    import pstats

    client = app.test_client()
    if name == "checkin_reference":
        headers, url = {}, "/checkin"
    else:
        headers = {"Authorization": f"Bearer {world.api_token}"}
        url = f"/api/v1/events/{world.event_id}/checkins"

    def scans(batch):
        for token in batch:
            body = {"code": token}
            if name == "checkin_reference":
                body["event_id"] = world.event_id
            with app.app_context():
                client.post(url, json=body, headers=headers)

    half = len(tokens) // 2
    scans(tokens[:10])  # warm
    wall, cpu = time.perf_counter(), time.process_time()
    scans(tokens[10:half])
    n = half - 10
    figure(
        f"{name}_inprocess_wall_per_scan", round((time.perf_counter() - wall) / n * 1000, 2), "ms"
    )
    figure(f"{name}_inprocess_cpu_per_scan", round((time.process_time() - cpu) / n * 1000, 2), "ms")
    profiler = cProfile.Profile()
    profiler.enable()
    scans(tokens[half:])
    profiler.disable()
    stats = pstats.Stats(profiler)
    waits = sum(
        calls
        for (path, _line, function), (_cc, calls, *_rest) in stats.stats.items()
        if function == "wait" and path.endswith("psycopg/connection.py")
    )
    figure(f"{name}_database_waits_per_scan", round(waits / (len(tokens) - half), 1), "round trips")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(f"# profile: {name}", file=sys.stderr)
    print(out.getvalue(), file=sys.stderr)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 requests per run")
    parser.add_argument("--requests", type=int, help="requests per run (default 1000)")
    parser.add_argument("--clients", default="8,32", help="concurrency levels (default 8,32)")
    parser.add_argument("--targets", default="api,scanner", help="app targets (api,scanner)")
    parser.add_argument("--max-seconds", type=float, default=45, help="time limit of one run")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="in-process profile of 200 API scans (round trips, CPU; cProfile on stderr)",
    )
    args = parser.parse_args(argv)
    per_run = args.requests or (300 if args.quick else 1000)
    levels = [int(c) for c in args.clients.split(",")]
    targets = [t for t in args.targets.split(",") if t]
    warmup = 200

    machine_load()
    started = time.perf_counter()
    with bench_database() as url:
        app = make_app(url)
        from app.extensions import db

        with app.app_context():
            world = seed.basic_world(app)
            # Tokens: a slice per (target, clients) for first scans, plus warm-up and counting.
            needed = (warmup + 2 + per_run * len(levels)) * len(targets) + 200 * 3
            seed.bulk_invitees(
                campaign_id=world.campaign_id,
                unit_id=world.unit_id,
                event_id=world.event_id,
                group_id=world.group_id,
                first=1,
                count=needed,
            )
            seed.analyze()
            db.session.remove()
            db.engine.dispose()
        note(f"{needed} invitees loaded")
        from bench.reference_app import create_schema

        create_schema(url)

        next_token = iter(seed.token_of(n) for n in range(1, needed + 1))

        def take(n: int) -> list[str]:
            return [next(next_token) for _ in range(n)]

        statements_per_scan(app, world, take(2))
        if args.profile:
            from bench.reference_app import create_app as create_reference

            reference_app = create_reference(url)
            profile_scans(reference_app, world, take(200), "checkin_reference")
            profile_scans(app, world, take(200), "checkin_api")
        with app.app_context():
            db.engine.dispose()

        env = gunicorn_env(url)
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(Gunicorn("wsgi:app", env, name="app"))
            reference = stack.enter_context(
                Gunicorn("bench.reference_app:app", env, name="reference")
            )
            figure("gunicorn_workers", server.workers, "processes")
            figure("gunicorn_threads", server.threads, "threads")
            browser = BrowserSession(server.port)
            browser.login(world.user_email, seed.PASSWORD)
            browser.request("GET", f"/events/{world.event_id}/checkin")  # the CSRF token

            def make(target: str, token: str) -> Request:
                if target == "api":
                    return api_request(world, token)
                if target == "scanner":
                    return scanner_request(world, browser, token)
                return reference_request(world, token)

            ports = {"api": server.port, "scanner": server.port, "reference": reference.port}
            for target in ["reference", *targets]:  # every worker connected and warm
                warm = (
                    [make(target, t) for t in take(warmup)]
                    if target != "reference"
                    else [make(target, f"warm-{n}") for n in range(warmup)]
                )
                run_load(ports[target], warm, 8, max_seconds=args.max_seconds)

            throughput: dict[tuple, float] = {}
            for clients in levels:
                tokens = {target: take(per_run) for target in targets}
                tokens["reference"] = [f"ref-{clients}-{n}" for n in range(per_run)]
                for phase, outcome in (("first", "ok"), ("repeat", "already")):
                    for target in ["reference", *targets]:
                        requests = [make(target, token) for token in tokens[target]]
                        sent = dict(zip(map(id, requests), tokens[target], strict=True))
                        result = run_load(
                            ports[target],
                            requests,
                            clients,
                            max_seconds=args.max_seconds,
                            check=expect(outcome, target),
                        )
                        name = f"checkin_{target}_{phase}_c{clients}"
                        report_load(name, result)
                        throughput[(target, phase, clients)] = result.throughput
                        # Scan again only the people whose first scan was answered (a run
                        # stopped by its time limit leaves the last ones unscanned).
                        tokens[target] = [sent[id(r)] for r in result.completed]
                    for target in targets:
                        ratio = throughput[(target, phase, clients)] / max(
                            throughput[("reference", phase, clients)], 1e-9
                        )
                        figure(f"checkin_{target}_vs_reference_{phase}_c{clients}", round(ratio, 2))
            machine_load()

        with app.app_context():
            from app.checkin.models import CheckIn

            recorded = db.session.scalar(select(func.count()).select_from(CheckIn))
            figure("checkin_rows_recorded", recorded, "check-ins")
            db.session.remove()
            db.engine.dispose()
    figure("checkin_bench_seconds", round(time.perf_counter() - started, 1), "s")


if __name__ == "__main__":
    main()

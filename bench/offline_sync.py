"""Offline sync: one batch of 1,000 queued check-ins against the same 1,000 sent one by one.

    .venv/bin/python -m bench.offline_sync [--quick] [--items N]

A phone that lost the network at the gate queues its scans and sends them in one batch when
it is back (`POST /api/v1/events/<id>/checkins/batch`, the same service as the scanner's
sync). Compared with the same phone sending each scan as it is made
(`POST /api/v1/events/<id>/checkins`, one client, one request after the other), through
gunicorn with the production settings and PostgreSQL, in a database of its own. Also times
the batch sent a second time (every item answers "duplicate"), which is what a phone does when
the first answer was lost. Target: the batch at least 10 times faster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
import uuid

from sqlalchemy import func, select

from bench import seed
from bench.checkin_load import api_request, count_statements
from bench.common import (
    Gunicorn,
    Request,
    bench_database,
    figure,
    gunicorn_env,
    machine_load,
    make_app,
    note,
    run_load,
)


def batch_body(tokens: list[str]) -> bytes:
    """The phone's queue: one item per scan, scanned over the last half hour, oldest first."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    step = dt.timedelta(minutes=30) / max(len(tokens), 1)
    items = [
        {
            "client_uuid": str(uuid.uuid4()),
            "code": f"https://llw.example.vn/i/{token}",
            "scanned_at": (now - dt.timedelta(minutes=30) + n * step)
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
        }
        for n, token in enumerate(tokens)
    ]
    return json.dumps({"device_id": "bench-phone", "items": items}).encode()


def outcomes(body: bytes) -> dict[str, int]:
    counted: dict[str, int] = {}
    for result in json.loads(body)["results"]:
        counted[result["outcome"]] = counted.get(result["outcome"], 0) + 1
    return counted


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 check-ins instead of 1,000")
    parser.add_argument("--items", type=int, help="check-ins in the batch (default 1000)")
    parser.add_argument("--max-seconds", type=float, default=300, help="time limit of a phase")
    args = parser.parse_args(argv)
    items = args.items or (200 if args.quick else 1000)
    warmup = 50

    machine_load()
    started = time.perf_counter()
    with bench_database() as url:
        app = make_app(url)
        from app.checkin.models import CheckIn
        from app.extensions import db

        total = warmup + 3 * items
        with app.app_context():
            world = seed.basic_world(app)
            seed.bulk_invitees(
                campaign_id=world.campaign_id,
                unit_id=world.unit_id,
                event_id=world.event_id,
                group_id=world.group_id,
                first=1,
                count=total,
            )
            seed.analyze()
            db.session.remove()
            db.engine.dispose()
        note(f"{total} invitees loaded")
        tokens = [seed.token_of(n) for n in range(1, total + 1)]
        warm, singles, batched, counted = (
            tokens[:warmup],
            tokens[warmup : warmup + items],
            tokens[warmup + items : warmup + 2 * items],
            tokens[warmup + 2 * items :],
        )
        batch_url = f"/api/v1/events/{world.event_id}/checkins/batch"
        headers = {"Authorization": f"Bearer {world.api_token}", "Content-Type": "application/json"}

        # Statements of a batch, in-process on the same database (a constant is the aim).
        client = app.test_client()

        def send_counted_batch():
            with app.app_context():
                response = client.post(batch_url, data=batch_body(counted), headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]

        figure(
            f"sync_batch_statements_{items}_items",
            count_statements(app, send_counted_batch),
            "statements",
        )
        with app.app_context():
            db.engine.dispose()

        with Gunicorn("wsgi:app", gunicorn_env(url), name="app") as server:
            run_load(server.port, [api_request(world, t) for t in warm], 1)

            single = run_load(
                server.port,
                [api_request(world, t) for t in singles],
                1,
                max_seconds=args.max_seconds,
            )
            if single.requests < items:
                note(f"only {single.requests} of {items} single requests within the time limit")
            single_seconds = single.seconds * items / max(single.requests, 1)
            figure(f"sync_single_{items}_requests", round(single_seconds, 3), "s")
            figure("sync_single_p50", round(single.p(50), 2), "ms")
            figure("sync_single_p99", round(single.p(99), 2), "ms")

            body = batch_body(batched)
            request = Request("POST", batch_url, body, headers)
            batch = run_load(server.port, [request], 1, max_seconds=args.max_seconds)
            figure(f"sync_batch_{items}_items", round(batch.seconds, 3), "s")
            figure("sync_batch_request_bytes", len(body), "bytes")
            figure("sync_batch_response_bytes", batch.bytes_in, "bytes")
            figure("sync_batch_vs_single_speedup", round(single_seconds / batch.seconds, 1), "x")

            again = run_load(server.port, [request], 1, max_seconds=args.max_seconds)
            figure(f"sync_batch_resent_{items}_items", round(again.seconds, 3), "s")
            machine_load()

        with app.app_context():
            recorded = db.session.scalar(select(func.count()).select_from(CheckIn))
            figure("sync_rows_recorded", recorded, "check-ins")
            db.session.remove()
            db.engine.dispose()
    figure("sync_bench_seconds", round(time.perf_counter() - started, 1), "s")


if __name__ == "__main__":
    main()

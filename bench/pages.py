"""Pages: server time and SQL statements of the busy pages, and what the scanner costs a phone.

    .venv/bin/python -m bench.pages [--quick] [--pages NAME,…] [--profile NAME]

In a PostgreSQL database of its own, builds a district's week with bulk SQL, first small
(30 events, 200 invitees, 150 check-ins) then at full size (300 events, 2,000 invitees of the
opening ceremony in 8 groups, 1,500 of them checked in, 200 walk-ins, tallies, and 20,000
walk-ins over the other events), and for each size measures, signed in as the province's
organiser, in-process (the server's own time, no network):

- the schedule page (`/campaigns/<id>`, 300 events);
- the invitee list (`/events/<id>/invitees`, 2,000 invitees), a search in it, and the rest of
  a group that it shows in part;
- the check-in dashboard (`/events/<id>/dashboard`);
- the report dashboard (`/campaigns/<id>/reports/<unit>/dashboard`, the province);
- the scanner page (`/events/<id>/checkin`).

Statements are counted at both sizes (the same count is the aim; tests/test_page_queries.py
asserts it). Then the scanner's transfer on first load, gzip-compressed as nginx sends it
(docs/DEPLOYMENT.md): its HTML with the CSS and JS it references, what the service worker
stores on install (jsQR, icons, manifest), and the roster of 2,000 invitees it fetches for
offline checks; and one scan's round trip (request with a phone browser's headers, response
headers and compressed body). Targets: < 100 ms server time, constant statements; scanner
< 200 KB first load, < 2 KB per scan.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from urllib.parse import urlencode

from sqlalchemy import event as sa_event
from sqlalchemy import text

from bench import seed
from bench.common import bench_database, figure, machine_load, make_app, median_ms, note

#: nginx's gzip level in docs/DEPLOYMENT.md.
GZIP_LEVEL = 6
SCHOOLS = 30
GROUPS = 8
SMALL = {"events": 30, "invitees": 200, "checked_in": 150, "walk_ins": 20, "others": 2_000}
LARGE = {"events": 300, "invitees": 2_000, "checked_in": 1_500, "walk_ins": 200, "others": 20_000}
#: What a phone's Chrome adds to an htmx POST besides cookie, CSRF and body (HTTP/1.1).
PHONE_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7",
    "Origin": "https://llw.example.vn",
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Dest": "empty",
    "HX-Target": "scan-result",
    "HX-Trigger": "scan-form",
}


class Client:
    """The Flask test client, each request in an app context of its own as in production
    (otherwise requests share the benchmark's `g` and database session)."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.post(*args, **kwargs)

    def cookie(self, name: str) -> str:
        found = self.client.get_cookie(name)
        return found.value if found else ""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, GZIP_LEVEL))


def build(app, world: seed.World, size: dict, done: dict) -> None:
    """Grow the data to `size` (rows beyond `done` are added with bulk SQL)."""
    from app.extensions import db
    from app.schedule.models import Campaign

    run = db.session.execute
    campaign = db.session.get(Campaign, world.campaign_id)
    categories = [r.id for r in campaign.report_template.rows if r.is_category]
    district = run(
        text("SELECT parent_id FROM unit WHERE id = :id"), {"id": world.unit_id}
    ).scalar()
    if not done:
        run(
            text(
                """
                INSERT INTO unit (name, kind, code, parent_id, path)
                SELECT 'Trường TH số ' || g, 'th', 'PG-TH-' || g, :district, ''
                FROM generate_series(1, CAST(:n AS integer)) AS g
                """
            ),
            {"district": district, "n": SCHOOLS},
        )
        run(
            text(
                """
                UPDATE unit SET path = parent.path || unit.id || '/' FROM unit AS parent
                WHERE unit.parent_id = parent.id AND unit.path = ''
                """
            )
        )
        groups = run(
            text(
                """
                INSERT INTO invitee_group (event_id, name, position, expected_headcount)
                SELECT :event, 'Thành phần số ' || g, g, NULLIF(g % 3, 0) * 10
                FROM generate_series(2, CAST(:n AS integer)) AS g RETURNING id
                """
            ),
            {"event": world.event_id, "n": GROUPS},
        ).scalars()
        done.update(events=0, invitees=0, checked_in=0, walk_ins=0, others=0)
        done["groups"] = [world.group_id, *groups]
    run(
        text(
            """
            INSERT INTO event (campaign_id, unit_id, kind, title, date, start_time, end_time,
                               report_row_id, venue_name, number, held)
            SELECT :campaign, s.id, 'activity', 'Hoạt động ngoại khóa số ' || g,
                   :start + g % 7, time '07:00' + (g % 20) * interval '30 minutes',
                   time '07:25' + (g % 20) * interval '30 minutes',
                   (CAST(:categories AS integer[]))[
                       1 + g % cardinality(CAST(:categories AS integer[]))],
                   'Hội trường ' || g % 5, g::text, g % 4 = 0
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM unit
                  WHERE parent_id = :district) AS s ON s.n = 1 + g % :schools
            """
        ),
        {
            "campaign": campaign.id,
            "start": campaign.start_date,
            "categories": categories,
            "first": done["events"] + 1,
            "last": size["events"] - 1,  # the ceremony is one of them
            "district": district,
            "schools": SCHOOLS,
        },
    )
    db.session.commit()
    seed.bulk_invitees(
        campaign_id=world.campaign_id,
        unit_id=world.unit_id,
        event_id=world.event_id,
        group_ids=done["groups"],
        first=done["invitees"] + 1,
        count=size["invitees"] - done["invitees"],
    )
    run(
        text(
            f"""
            INSERT INTO check_in (event_id, invitee_id, method, checked_in_at, recorded_at,
                                  user_id, device_id)
            SELECT :event, invitee.id, 'scan',
                   (now() at time zone 'utc') - (g % 45) * interval '1 minute',
                   (now() at time zone 'utc') - (g % 45) * interval '1 minute', :user, 'phone-1'
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
            JOIN invitee ON invitee.token = {seed.TOKEN_SQL}
            """  # noqa: S608 (only TOKEN_SQL, a constant, is formatted in)
        ),
        {
            "event": world.event_id,
            "user": world.user_id,
            "first": done["checked_in"] + 1,
            "last": size["checked_in"],
        },
    )
    run(
        text(
            """
            INSERT INTO check_in (event_id, method, checked_in_at, recorded_at, full_name,
                                  participant_type, device_id)
            SELECT :event, 'self', (now() at time zone 'utc') - (g % 40) * interval '1 minute',
                   now() at time zone 'utc', 'Phụ huynh số ' || g, 'phu_huynh', 'walkin-' || g
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
            """
        ),
        {"event": world.event_id, "first": done["walk_ins"] + 1, "last": size["walk_ins"]},
    )
    run(
        text(
            """
            INSERT INTO check_in (event_id, method, checked_in_at, recorded_at, full_name,
                                  participant_type)
            SELECT e.id, 'self', timestamp '2025-10-01 01:00', timestamp '2025-10-01 01:00',
                   'Người dân số ' || g, 'nguoi_dan'
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM event
                  WHERE campaign_id = :campaign AND id <> :ceremony) AS e
              ON e.n = 1 + g % :events
            """
        ),
        {
            "campaign": campaign.id,
            "ceremony": world.event_id,
            "events": size["events"] - 1,
            "first": done["others"] + 1,
            "last": size["others"],
        },
    )
    run(
        text(
            """
            INSERT INTO headcount (event_id, label, count)
            SELECT :event, 'Lớp ' || g || 'A', 30 + g FROM generate_series(1, 3) AS g
            """
        ),
        {"event": world.event_id},
    )
    db.session.commit()
    done.update({key: size[key] for key in size})


def sign_in(client, email: str) -> str:
    """Sign in through the form (with its CSRF token); returns a page's CSRF token."""
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": seed.PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return token


def statements_of(engine, fn) -> int:
    seen = []

    def record(*_args):
        seen.append(1)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def pages(world: seed.World) -> dict[str, str]:
    invitees = f"/events/{world.event_id}/invitees"
    return {
        "schedule": f"/campaigns/{world.campaign_id}",
        "invitees": invitees,
        # What the list loads on demand: a search, and the rest of a group (250 names at full
        # size, of which the page showed 50).
        "invitee_search": f"{invitees}?q=binh+1",
        "invitee_group_rest": f"{invitees}/rows?group={world.group_id}&start=50",
        "checkin_dashboard": f"/events/{world.event_id}/dashboard",
        "report_dashboard": f"/campaigns/{world.campaign_id}/reports/{world.province_id}/dashboard",
        "scanner": f"/events/{world.event_id}/checkin",
    }


def measure(client, engine, path: str, repeat: int) -> dict:
    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    body = get().data
    statements = statements_of(engine, get)
    ms, _times = median_ms(get, repeat, warmup=1)
    return {"ms": ms, "statements": statements, "bytes": len(body), "gzip": gz(body)}


def scanner_transfer(client, world: seed.World, csrf: str) -> None:
    """What a phone downloads to open the scanner the first time, and per scan."""
    page_response = client.get(f"/events/{world.event_id}/checkin")
    html = page_response.data
    text_html = html.decode()
    refs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text_html)
    refs += re.findall(r'<script src="([^"]+)"', text_html)
    page_assets = {ref.split("?")[0]: client.get(ref).data for ref in refs}
    figure("scanner_first_load_html_gzip", gz(html), "bytes")
    for ref, data in page_assets.items():
        name = ref.rsplit("/", 1)[-1]
        figure(f"scanner_first_load_{name}_gzip", gz(data), "bytes")
    page = gz(html) + sum(gz(data) for data in page_assets.values())
    figure("scanner_first_load_page_gzip", page, "bytes")

    sw = client.get("/sw.js").data
    listed = re.findall(r'"(/static/[^"]+)"', sw.decode())
    extra = {}
    for ref in listed:
        if ref in page_assets:
            continue
        data = client.get(ref).data
        # PNG icons are compressed already: nginx sends them as they are.
        extra[ref] = len(data) if ref.endswith(".png") else gz(data)
    for ref, size in extra.items():
        figure(f"scanner_first_load_precache_{ref.rsplit('/', 1)[-1]}", size, "bytes")
    precache = gz(sw) + sum(extra.values())
    figure("scanner_first_load_service_worker_gzip", precache, "bytes")

    roster_url = re.search(r'data-roster-url="([^"]+)"', text_html).group(1)
    roster = client.get(roster_url).data
    figure("scanner_first_load_roster_gzip", gz(roster), "bytes")
    figure("scanner_first_load_total_gzip", page + precache + gz(roster), "bytes")

    # One scan: a person not yet checked in, as htmx posts it from the phone.
    token = seed.token_of(LARGE["checked_in"] + 1)
    # The newest line the page shows: the answer brings only the lines after it.
    shown = re.search(r'id="recent-after"[^>]*value="(\d+)"', text_html) or re.search(
        r'value="(\d+)"[^>]*id="recent-after"', text_html
    )
    form = {"code": token, "device_id": "phone-1", "recent_after": shown.group(1) if shown else ""}
    body = urlencode(form).encode()
    headers = {
        "Host": "llw.example.vn",
        **PHONE_HEADERS,
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(len(body)),
        "Referer": f"https://llw.example.vn/events/{world.event_id}/checkin",
        "HX-Request": "true",
        "HX-Current-URL": f"https://llw.example.vn/events/{world.event_id}/checkin",
        "X-CSRFToken": csrf,
        "Cookie": f"session={client.cookie('session')}",
    }
    request_line = f"POST /events/{world.event_id}/checkin/scan HTTP/1.1\r\n"
    request_bytes = len(request_line) + sum(len(f"{k}: {v}\r\n") for k, v in headers.items())
    request_bytes += 2 + len(body)
    response = client.post(
        f"/events/{world.event_id}/checkin/scan",
        data=form,
        headers={"HX-Request": "true", "X-CSRFToken": csrf},
    )
    assert response.status_code == 200 and b'data-outcome="ok"' in response.data
    response_headers = 17 + sum(
        len(f"{k}: {v}\r\n") for k, v in response.headers.items() if k != "Content-Length"
    )
    response_headers += len("Content-Encoding: gzip\r\nContent-Length: 1234\r\n\r\n")
    figure("scanner_scan_request_bytes", request_bytes, "bytes")
    figure("scanner_scan_response_headers_bytes", response_headers, "bytes")
    figure("scanner_scan_response_body_bytes", len(response.data), "bytes")
    figure("scanner_scan_response_body_gzip", gz(response.data), "bytes")
    figure(
        "scanner_scan_round_trip_gzip",
        request_bytes + response_headers + gz(response.data),
        "bytes",
    )

    # The same scan over HTTP/2, on the connection that loaded the scanner page: each side's
    # HPACK table already holds the page's request and answer headers.
    page_path = f"/events/{world.event_id}/checkin"
    page_request = {**headers, "Accept": "text/html"}
    for name in ("Content-Type", "Content-Length", "HX-Request", "HX-Target", "HX-Trigger",
                 "HX-Current-URL", "X-CSRFToken", "Origin"):  # fmt: skip
        page_request.pop(name, None)
    figure(
        "scanner_scan_round_trip_http2",
        http2_round_trip(
            (h2_request("GET", page_path, page_request), h2_response(page_response)),
            (h2_request("POST", f"/events/{world.event_id}/checkin/scan", headers),
             h2_response(response, gzip_length=gz(response.data))),
            body_bytes=len(body) + gz(response.data),
        ),
        "bytes",
    )  # fmt: skip


def h2_request(method: str, path: str, headers: dict) -> list[tuple[str, str]]:
    """A request's header list as an HTTP/2 client sends it (pseudo-headers, lower case)."""
    fields = [(":method", method), (":scheme", "https"), (":path", path)]
    fields.append((":authority", headers.get("Host", "")))
    return fields + [(k.lower(), str(v)) for k, v in headers.items() if k != "Host"]


def h2_response(response, gzip_length: int | None = None) -> list[tuple[str, str]]:
    """An answer's header list as nginx sends it over HTTP/2 (gzip, its length)."""
    fields = [(":status", str(response.status_code))]
    fields += [(k.lower(), v) for k, v in response.headers.items() if k != "Content-Length"]
    if gzip_length is not None:
        fields += [("content-encoding", "gzip"), ("content-length", str(gzip_length))]
    return fields


def http2_round_trip(before: tuple, scan: tuple, body_bytes: int) -> int:
    """Bytes of one request and its answer over HTTP/2 after `before` on the same connection:
    HPACK-encoded headers (RFC 7541, each direction its own table), the bodies, and a 9-byte
    frame header for HEADERS and DATA each way."""
    from hpack import Encoder

    client, server = Encoder(), Encoder()
    client.encode(before[0])
    server.encode(before[1])
    return len(client.encode(scan[0])) + len(server.encode(scan[1])) + body_bytes + 4 * 9


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 timed requests per page")
    parser.add_argument("--repeat", type=int, help="timed requests per page (default 15)")
    parser.add_argument(
        "--profile", help="pyinstrument profiles of these pages, comma-separated (stderr)"
    )
    parser.add_argument(
        "--pages",
        help="measure only these pages, comma-separated (schedule, invitees, invitee_search, "
        "invitee_group_rest, checkin_dashboard, report_dashboard, scanner); the scanner's "
        "transfer is measured with the scanner",
    )
    args = parser.parse_args(argv)
    only = set(filter(None, (args.pages or "").split(",")))
    repeat = args.repeat or (5 if args.quick else 15)

    machine_load()
    with bench_database() as url:
        app = make_app(url)
        from app.extensions import db
        from app.units.models import Role

        with app.app_context():
            world = seed.basic_world(app)
            # The province's organiser sees every page measured here.
            from app.units.models import Unit
            from app.units.services import UserData, create_user

            organiser = create_user(
                UserData(
                    name="Trần Văn Tổ Chức",
                    email="tochuc@bench.example.vn",
                    unit=db.session.get(Unit, world.province_id),
                    role=Role.ORGANISER,
                    locale="vi",
                    active=True,
                ),
                seed.PASSWORD,
            )
            email = organiser.email
            db.session.commit()
            engine = db.engine
        client = Client(app)
        done: dict = {}
        results = {}
        for label, size in (("small", SMALL), ("large", LARGE)):
            with app.app_context():
                build(app, world, size, done)
                seed.analyze()
                db.session.remove()
            note(f"{label}: {size}")
            if label == "small":
                sign_in(client, email)
            for name, path in pages(world).items():
                if only and name not in only:
                    continue
                results[(label, name)] = measure(
                    client, engine, path, repeat if label == "large" else 1
                )
        for name in pages(world):
            if ("large", name) not in results:
                continue
            small, large = results[("small", name)], results[("large", name)]
            figure(f"page_{name}_server_median", round(large["ms"], 1), "ms")
            figure(f"page_{name}_statements_small", small["statements"], "statements")
            figure(f"page_{name}_statements_large", large["statements"], "statements")
            figure(f"page_{name}_html_bytes", large["bytes"], "bytes")
            figure(f"page_{name}_html_gzip", large["gzip"], "bytes")

        for name in (args.profile or "").split(","):
            if not name:
                continue
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001)
            profiler.start()
            for _ in range(3):
                client.get(pages(world)[name])
            profiler.stop()
            print(f"# profile: {name}", file=sys.stderr)
            print(profiler.output_text(color=False), file=sys.stderr)

        if only and "scanner" not in only:
            with app.app_context():
                db.engine.dispose()
            machine_load()
            return
        csrf = re.search(
            r'"X-CSRFToken": "([^"]+)"',
            client.get(pages(world)["scanner"]).get_data(as_text=True),
        ).group(1)
        scanner_transfer(client, world, csrf)
        with app.app_context():
            db.engine.dispose()
        machine_load()


if __name__ == "__main__":
    main()

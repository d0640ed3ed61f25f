"""Reports at national scale: a province's roll-up over 1,000,000 check-ins.

    .venv/bin/python -m bench.reports_scale [--quick] [--profile]

Loads, with bulk SQL (INSERT … SELECT generate_series), a province of 500 units in three
levels (the department, 24 district offices, 475 schools), 5,000 events (ten per unit: its
opening ceremony and nine activities over the report's categories), 100,000 invitees,
1,000,000 check-ins (400,000 by invitees, some undone, 600,000 walk-ins) and 20,000 headcount
tallies, and a draft report with typed figures for every unit. Nobody has submitted: every
figure is live, the costliest case of the preview "with drafts".

Then times, on PostgreSQL, each in a fresh session as a request would:

- `compute_table(campaign, unit, include_drafts=True)` for one school, one district and the
  province (app/reports/figures.py);
- `report_file(context, "xlsx", include_drafts=True)` for the province
  (app/reports/export_routes.py);
- the floor: one hand-written SQL query grouping the same check-ins and tallies into the same
  per-category totals (events held, persons), and checks it gives the roll-up's figures.

Targets: the province's roll-up within 2 × the floor and under 1 s; its .xlsx under 3 s.
`--quick` loads a tenth of the check-ins (100,000) for a fast look.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from sqlalchemy import event as sa_event
from sqlalchemy import text

from bench.common import bench_database, figure, machine_load, make_app, median_ms, note

UNITS_DISTRICTS = 24
UNITS_SCHOOLS = 475
EVENTS_PER_UNIT = 10

#: The floor: the least work that gives the per-category totals. Persons of an event are
#: its live check-ins counted (one live check-in per invitee and event is a unique index, so
#: counting invitees DISTINCT changes nothing) plus its tallies.
FLOOR_SQL = """
WITH events AS (
    SELECT e.id, e.report_row_id, e.held FROM event e JOIN unit u ON u.id = e.unit_id
    WHERE e.campaign_id = :campaign AND u.path LIKE :path || '%'
), checked_in AS (
    SELECT c.event_id, PERSONS AS persons
    FROM check_in c
    WHERE c.undone_at IS NULL AND c.event_id IN (SELECT id FROM events)
    GROUP BY c.event_id
), tallied AS (
    SELECT h.event_id, sum(h.count) AS persons
    FROM headcount h
    WHERE h.removed_at IS NULL AND h.event_id IN (SELECT id FROM events)
    GROUP BY h.event_id
)
SELECT e.report_row_id, count(*) AS events,
       sum(coalesce(ci.persons, 0) + coalesce(t.persons, 0)) AS persons
FROM events e
LEFT JOIN checked_in ci ON ci.event_id = e.id
LEFT JOIN tallied t ON t.event_id = e.id
WHERE e.report_row_id IS NOT NULL
  AND (e.held OR ci.event_id IS NOT NULL OR t.event_id IS NOT NULL)
GROUP BY e.report_row_id
"""
#: The same with distinct invitees counted, as the roll-up counted them before it relied on
#: the unique index (kept to show what DISTINCT costs, and to check both agree).
FLOOR_DISTINCT_SQL = FLOOR_SQL.replace(
    "PERSONS", "count(DISTINCT c.invitee_id) + count(*) FILTER (WHERE c.invitee_id IS NULL)"
)
FLOOR_SQL = FLOOR_SQL.replace("PERSONS", "count(*)")


def load(app, checkins: int) -> dict:
    """The province, bulk-loaded; returns the ids the timings need."""
    from app.extensions import db
    from app.reports.default_template import default_template
    from app.reports.models import RowSource
    from app.schedule.models import Campaign
    from app.units.models import UnitKind
    from app.units.services import create_unit

    run = db.session.execute
    province = create_unit(
        name="Sở GD&ĐT tỉnh Bến Tre", kind=UnitKind.PROVINCIAL_DEPARTMENT, code="NS-SO", parent=None
    )
    db.session.flush()
    start = dt.date(2025, 10, 1)
    campaign = Campaign(
        unit=province,
        name="Tuần lễ hưởng ứng học tập suốt đời năm 2025",
        year=2025,
        start_date=start,
        end_date=start + dt.timedelta(days=6),
        report_deadline=start + dt.timedelta(days=14),
        report_template=default_template(),
    )
    db.session.add(campaign)
    db.session.flush()
    rows = campaign.report_template.rows
    opening_row = next(r.id for r in rows if r.is_category and r.parent_id is None)
    categories = [r.id for r in rows if r.is_category and r.id != opening_row]
    typed_rows = [r.id for r in rows if r.source == RowSource.TYPED]
    ids = {"province": province.id, "campaign": campaign.id, "path": province.path}
    params = {"province": province.id, "path": province.path, "campaign": campaign.id}

    clock = time.perf_counter()
    run(
        text(
            """
            INSERT INTO unit (name, kind, code, parent_id, path)
            SELECT 'Phòng GD&ĐT huyện số ' || g, 'phong_gddt', 'NS-PGD-' || g, :province, ''
            FROM generate_series(1, CAST(:districts AS integer)) AS g
            """
        ),
        {**params, "districts": UNITS_DISTRICTS},
    )
    run(
        text(
            """
            INSERT INTO unit (name, kind, code, parent_id, path)
            SELECT (ARRAY['Trường MN ', 'Trường TH ', 'Trường THCS ', 'Trường THPT '])[1 + g % 4]
                     || 'số ' || g,
                   CAST((ARRAY['mn', 'th', 'thcs', 'thpt'])[1 + g % 4] AS unit_kind),
                   'NS-T-' || g, d.id, ''
            FROM generate_series(1, CAST(:schools AS integer)) AS g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM unit
                  WHERE parent_id = :province) AS d ON d.n = 1 + g % CAST(:districts AS integer)
            """
        ),
        {**params, "schools": UNITS_SCHOOLS, "districts": UNITS_DISTRICTS},
    )
    for _level in range(2):  # districts, then schools: a child's path is its parent's + id
        run(
            text(
                """
                UPDATE unit SET path = parent.path || unit.id || '/'
                FROM unit AS parent
                WHERE unit.parent_id = parent.id AND unit.path = '' AND parent.path <> ''
                """
            )
        )
    run(
        text(
            """
            INSERT INTO event (campaign_id, unit_id, kind, title, date, start_time, report_row_id,
                               held, venue_name)
            SELECT :campaign, u.id,
                   CAST(CASE WHEN k = 0 THEN 'opening' ELSE 'activity' END AS event_kind),
                   CASE WHEN k = 0 THEN 'Lễ khai mạc Tuần lễ' ELSE 'Hoạt động số ' || k END,
                   CAST(:start AS date) + (u.id + k) % 7,
                   time '07:30' + k * interval '50 minutes',
                   CASE WHEN k = 0 THEN :opening
                        WHEN k = 9 THEN NULL
                        ELSE (CAST(:categories AS integer[]))[
                               1 + (u.id + k) % cardinality(CAST(:categories AS integer[]))]
                   END,
                   (u.id + k) % 13 = 0,
                   'Hội trường'
            FROM unit AS u CROSS JOIN generate_series(0, CAST(:per_unit AS integer) - 1) AS k
            WHERE u.path LIKE :path || '%'
            ORDER BY u.id, k
            """
        ),
        {
            **params,
            "start": start,
            "opening": opening_row,
            "categories": categories,
            "per_unit": EVENTS_PER_UNIT,
        },
    )
    first_event, events = run(text("SELECT min(id), count(*) FROM event")).one()
    first_unit = run(text("SELECT min(id) FROM unit WHERE parent_id IS NOT NULL")).scalar()
    invitees = max(checkins // 10, 1)
    run(
        text(
            """
            INSERT INTO invitee (campaign_id, unit_id, full_name)
            SELECT :campaign, :first_unit + g % 499, 'Đại biểu số ' || g
            FROM generate_series(1, CAST(:n AS integer)) AS g
            """
        ),
        {**params, "first_unit": first_unit, "n": invitees},
    )
    first_invitee = run(text("SELECT min(id) FROM invitee")).scalar()
    by_invitees = checkins * 2 // 5
    # Invitee i checks in at events (7i + 1237k) mod 5000, k = 0..3: distinct events, so at
    # most one live check-in per person and event, as the unique index wants. 1% undone.
    run(
        text(
            """
            INSERT INTO check_in (event_id, invitee_id, method, checked_in_at, recorded_at,
                                  undone_at)
            SELECT :first_event + ((g % :invitees) * 7 + (g / :invitees) * 1237) % :events,
                   :first_invitee + g % :invitees, 'scan',
                   timestamp '2025-10-01 00:30' + (g % 10080) * interval '1 minute',
                   timestamp '2025-10-01 00:30' + (g % 10080) * interval '1 minute',
                   CASE WHEN g % 100 = 0
                        THEN timestamp '2025-10-01 00:31' + (g % 10080) * interval '1 minute'
                   END
            FROM generate_series(0, CAST(:n AS integer) - 1) AS g
            """
        ),
        {
            "first_event": first_event,
            "events": events,
            "first_invitee": first_invitee,
            "invitees": invitees,
            "n": by_invitees,
        },
    )
    run(
        text(
            """
            INSERT INTO check_in (event_id, method, checked_in_at, recorded_at, full_name,
                                  organisation, participant_type, device_id)
            SELECT :first_event + g % :events, 'self',
                   timestamp '2025-10-01 00:30' + (g % 10080) * interval '1 minute',
                   timestamp '2025-10-01 00:30' + (g % 10080) * interval '1 minute',
                   'Người dân số ' || g, 'Tổ dân phố ' || g % 30,
                   CAST((ARRAY['hoc_sinh', 'phu_huynh', 'nguoi_dan'])[1 + g % 3]
                        AS participant_type),
                   'phone-' || g
            FROM generate_series(1, CAST(:n AS integer)) AS g
            """
        ),
        {"first_event": first_event, "events": events, "n": checkins - by_invitees},
    )
    run(
        text(
            """
            INSERT INTO headcount (event_id, label, count, removed_at)
            SELECT :first_event + g % :events, 'Lớp ' || (6 + g % 4) || 'A' || g % 5,
                   10 + g % 51,
                   CASE WHEN g % 50 = 0 THEN timestamp '2025-10-02 10:00' END
            FROM generate_series(1, CAST(:n AS integer)) AS g
            """
        ),
        {"first_event": first_event, "events": events, "n": events * 4},
    )
    run(
        text(
            """
            INSERT INTO report (campaign_id, unit_id)
            SELECT :campaign, id FROM unit WHERE path LIKE :path || '%'
            """
        ),
        params,
    )
    run(
        text(
            """
            INSERT INTO report_entry (report_id, row_id, count_value, persons_value)
            SELECT r.id, t.row_id, 1 + (r.id + t.row_id) % 9, NULL
            FROM report AS r CROSS JOIN unnest(CAST(:typed AS integer[])) AS t(row_id)
            WHERE r.campaign_id = :campaign
            """
        ),
        {**params, "typed": typed_rows},
    )
    db.session.commit()
    figure("reports_load_seconds", round(time.perf_counter() - clock, 1), "s")

    school = run(text("SELECT id FROM unit WHERE kind = 'thcs' ORDER BY id LIMIT 1")).scalar()
    district = run(text("SELECT parent_id FROM unit WHERE id = :id"), {"id": school}).scalar()
    ids.update(school=school, district=district)
    counts = run(
        text(
            """
            SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM event),
                   (SELECT count(*) FROM check_in), (SELECT count(*) FROM headcount),
                   (SELECT count(*) FROM check_in WHERE undone_at IS NOT NULL)
            """
        )
    ).one()
    figure("reports_units", counts[0], "units")
    figure("reports_events", counts[1], "events")
    figure("reports_checkins", counts[2], "check-ins")
    figure("reports_headcounts", counts[3], "tallies")
    figure("reports_checkins_undone", counts[4], "check-ins")
    return ids


def count_statements(engine, fn) -> int:
    seen = []

    def record(*_args):
        seen.append(1)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 check-ins")
    parser.add_argument("--checkins", type=int, help="check-ins to load (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profiles (stderr)")
    args = parser.parse_args(argv)
    checkins = args.checkins or (100_000 if args.quick else 1_000_000)

    machine_load()
    started = time.perf_counter()
    with bench_database() as url:
        app = make_app(url)
        from app.extensions import db
        from app.reports.export_routes import report_file
        from app.reports.figures import compute_table
        from app.reports.models import Report
        from app.reports.permissions import ReportContext
        from app.schedule.models import Campaign
        from app.units.models import Unit

        with app.app_context():
            ids = load(app, checkins)
            clock = time.perf_counter()
            from bench.seed import analyze

            db.session.remove()
            analyze()
            figure("reports_analyze_seconds", round(time.perf_counter() - clock, 1), "s")

        def table_of(unit_id: int):
            db.session.remove()  # a fresh session, as a request has
            campaign = db.session.get(Campaign, ids["campaign"])
            unit = db.session.get(Unit, unit_id)
            return compute_table(campaign, unit, include_drafts=True)

        def floor(sql=FLOOR_SQL):
            db.session.remove()
            return db.session.execute(
                text(sql), {"campaign": ids["campaign"], "path": ids["path"]}
            ).all()

        def xlsx():
            db.session.remove()
            campaign = db.session.get(Campaign, ids["campaign"])
            unit = db.session.get(Unit, ids["province"])
            report = db.session.query(Report).filter_by(campaign_id=campaign.id, unit_id=unit.id)
            return report_file(
                ReportContext(campaign, unit, report.one_or_none()), "xlsx", include_drafts=True
            )

        with app.test_request_context():
            engine = db.engine
            live_index = db.session.execute(
                text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_check_in_event_live'")
            ).scalar()
            figure("reports_live_index", "yes" if live_index else "NO")
            for name in ("school", "district"):
                ms, _ = median_ms(lambda k=name: table_of(ids[k]), args.repeat, warmup=1)
                figure(f"reports_{name}_table_median", round(ms, 1), "ms")
            roll_ms, roll_all = median_ms(lambda: table_of(ids["province"]), args.repeat, 1)
            floor_ms, _ = median_ms(floor, args.repeat, warmup=1)
            figure("reports_province_rollup_median", round(roll_ms, 1), "ms")
            figure("reports_province_rollup_max", round(max(roll_all), 1), "ms")
            figure("reports_floor_query_median", round(floor_ms, 1), "ms")
            figure("reports_rollup_vs_floor", round(roll_ms / floor_ms, 2), "x")
            xlsx_ms, _ = median_ms(xlsx, max(3, args.repeat // 2), warmup=1)
            figure("reports_province_xlsx_median", round(xlsx_ms, 1), "ms")
            table = table_of(ids["province"])
            by_row = {tr.row.id: tr.value for tr in table.rows}
            figure(
                "reports_province_rollup_statements",
                count_statements(engine, lambda: table_of(ids["province"])),
                "statements",
            )
            distinct_ms, _ = median_ms(lambda: floor(FLOOR_DISTINCT_SQL), args.repeat, 1)
            figure("reports_floor_distinct_query_median", round(distinct_ms, 1), "ms")
            matches = all(
                by_row[row_id].count == events and by_row[row_id].persons == persons
                for row_id, events, persons in floor()
            ) and sorted(floor()) == sorted(floor(FLOOR_DISTINCT_SQL))
            figure("reports_floor_matches_rollup", "yes" if matches else "NO")
            figure("reports_province_persons", sum(p for _r, _e, p in floor()), "persons")
            figure("reports_province_xlsx_bytes", len(xlsx().content), "bytes")

            if args.profile:
                from pyinstrument import Profiler

                for label, fn in (
                    ("province roll-up", lambda: table_of(ids["province"])),
                    ("province xlsx", xlsx),
                ):
                    profiler = Profiler(interval=0.001)
                    profiler.start()
                    fn()
                    profiler.stop()
                    print(f"# profile: {label}", file=sys.stderr)
                    print(profiler.output_text(color=False), file=sys.stderr)
                db.session.remove()
                for sql, label in ((FLOOR_SQL, "floor"), (FLOOR_DISTINCT_SQL, "floor distinct")):
                    plan = db.session.execute(
                        text("EXPLAIN (ANALYZE, BUFFERS) " + sql),
                        {"campaign": ids["campaign"], "path": ids["path"]},
                    ).scalars()
                    print(f"# plan: {label}", file=sys.stderr)
                    print("\n".join(plan), file=sys.stderr)

            db.session.remove()
            db.engine.dispose()
        note("timings done")
        machine_load()
    figure("reports_bench_seconds", round(time.perf_counter() - started, 1), "s")


if __name__ == "__main__":
    main()

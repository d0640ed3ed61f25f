"""Nothing lost: `flask backup` writes every row of every table into a portable archive and
`flask restore` brings it back, exactly, into an empty database, on either engine; a
non-empty database, another schema revision and a damaged archive are refused unchanged."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    func,
    null,
    select,
    text,
)
from sqlalchemy import Enum as SaEnum

from app import create_app
from app.checkin.models import CheckinLink, CheckInMethod, ParticipantType
from app.checkin.services import (
    Actor,
    change_headcount,
    check_in_invitee,
    record_headcount,
    remove_headcount,
    undo,
    walk_in,
)
from app.checkin.tokens import create_token
from app.extensions import db as _db
from app.extensions import enum_values
from app.invitations.groups import save_group
from app.invitations.models import Rsvp
from app.invitations.services import PersonData, answer, invite, issue_token, save_contact
from app.jobs.models import Job, JobState
from app.reports.deadlines import set_deadline_below
from app.reports.services import FigureInput, accept, get_or_create_report, save_figures, submit
from app.schedule.import_service import keep_upload
from app.schedule.models import Event, EventKind, ImportUpload
from app.units.models import Role, Unit, UnitKind
from app.units.services import update_unit
from tests.conftest import TEST_DB, TEST_PASSWORD, TEST_PG_URL, create_pg_database
from tests.factories import Factories

OPENING = "Tổ chức Lễ khai mạc Tuần lễ"
LIFE_SKILLS = "Giáo dục kỹ năng sống cho học sinh"
ARTICLES = "Số tin, bài về các hoạt động của Tuần lễ"
#: A spreadsheet's bytes as uploaded (every byte value, so no encoding can pass unnoticed).
UPLOADED = bytes(range(256)) * 8
BADGES_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(255, -1, -1)) * 4
PERSONAL = ("0912345678", "luan.nguyen@bachthong.example.vn", "quan.tri@bachthong.example.vn")


def _pg_server_reachable() -> bool:
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(TEST_PG_URL).set(drivername="postgresql").render_as_string(False)
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


needs_postgresql = pytest.mark.skipif(
    TEST_DB != "postgresql" and not _pg_server_reachable(),
    reason="the cross-engine tests need the PostgreSQL server of TEST_PG_URL",
)


class Database:
    """A database of its own (SQLite file or PostgreSQL database) and an app on it."""

    def __init__(self, engine: str, tmp_path: Path, name: str):
        self._drop = None
        if engine == "postgresql":
            url, self._drop = create_pg_database("llw_backup")
        else:
            url = f"sqlite:///{tmp_path}/{name}.sqlite"
        self.app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SECRET_KEY": "test-secret-key",
                "RATELIMIT_ENABLED": False,
                "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            }
        )

    def upgrade(self, revision: str = "head") -> Database:
        with self.app.app_context():
            upgrade(revision=revision)
        return self

    def empty(self) -> None:
        """Drop every table (and the schema revision), then migrate to head again."""
        with self.app.app_context():
            _db.drop_all()
            with _db.engine.begin() as conn:
                conn.execute(text("DROP TABLE alembic_version"))
            upgrade()

    def cli(self, *args: str):
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=list(args))

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table, all columns, in id order."""
        with self.app.app_context(), _db.engine.connect() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in _db.metadata.sorted_tables
            }

    def count_rows(self) -> int:
        """All rows in the database, whatever its schema revision."""
        with self.app.app_context(), _db.engine.connect() as conn:
            tables = MetaData()
            tables.reflect(conn)
            return sum(
                conn.scalar(select(func.count()).select_from(table))
                for table in tables.sorted_tables
                if table.name != "alembic_version"
            )

    def revision(self) -> str | None:
        with self.app.app_context(), _db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        with self.app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        if self._drop is not None:
            self._drop()


@pytest.fixture
def new_database(tmp_path):
    """new_database(engine) → an empty, not yet migrated Database; dropped afterwards."""
    made = []

    def make(engine: str = TEST_DB) -> Database:
        made.append(Database(engine, tmp_path, f"db{len(made)}"))
        return made[-1]

    yield make
    for database in made:
        database.close()


def build_world(database: Database) -> dict:
    """A district's week with something in every table, made through the services."""
    with database.app.app_context():
        make = Factories(_db, TEST_PASSWORD)
        # A school registered before its district and moved under it later: its parent has a
        # larger id, so the restore cannot simply insert the unit tree in id order.
        school = make.make_unit(name="Trường THCS Phủ Thông", kind=UnitKind.LOWER_SECONDARY)
        province = make.make_unit(name="Sở GD&ĐT tỉnh Bắc Kạn", kind=UnitKind.PROVINCIAL_DEPARTMENT)
        district = make.make_unit(
            province, name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE
        )
        update_unit(school, name=school.name, kind=school.kind, code=school.code, parent=district)
        _db.session.commit()

        admin = make.make_user(district, Role.ADMIN, email=PERSONAL[2])
        staff = make.make_user(school, Role.CHECKIN_STAFF, name="Lý Văn Minh")
        school_officer = make.make_user(school, Role.REPORT_OFFICER)
        district_officer = make.make_user(district, Role.REPORT_OFFICER)
        campaign = make.make_campaign(
            district,
            year=2023,
            start_date=dt.date(2023, 10, 2),
            end_date=dt.date(2023, 10, 8),
            slogans="Học tập suốt đời\nXây dựng xã hội học tập",
        )
        rows = {row.label: row for row in campaign.report_template.rows}
        opening = make.make_event(
            campaign,
            school,
            kind=EventKind.OPENING,
            title="Lễ khai mạc Tuần lễ",
            date=dt.date(2023, 10, 2),
            start_time=dt.time(7, 30),
            end_time=dt.time(9, 45),
            venue_name="Trường THCS Phủ Thông",
            report_row=rows[OPENING],
            held=True,
        )
        make.make_item(opening, "Đón tiếp đại biểu", dt.time(7, 0), dt.time(7, 30), "Ban tổ chức")
        make.make_item(opening, "Văn nghệ chào mừng", dt.time(7, 30), dt.time(7, 45))
        make.make_item(opening, "Hoạt động trải nghiệm", dt.time(9, 30))
        make.make_event(
            campaign,
            school,
            title="Kỹ năng phòng chống đuối nước",
            date=dt.date(2023, 10, 3),
            report_row=rows[LIFE_SKILLS],
            expected_attendance=40,
        )

        person = PersonData(
            "Nguyễn Duy Luân",
            "Phó Chủ tịch UBND huyện",
            "UBND huyện Bạch Thông",
            phone=PERSONAL[0],
            email=PERSONAL[1],
            protocol_rank=1,
        )
        group = save_group(None, opening, "Cấp huyện", 10, "Đại diện nhân dân thị trấn")
        luan = invite(
            opening, school, person, group=group, contact=save_contact(None, school, person)
        )
        mai = invite(opening, school, PersonData("Hà Thị Mai"), group=group)
        hao = invite(opening, school, PersonData("Lý Văn Hảo"))
        issue_token(hao)  # a new QR code: the old one is remembered as revoked
        answer(luan.invitations[0], Rsvp.YES)
        _db.session.add(
            CheckinLink(
                event_id=opening.id,
                token="liên-kết-tình-nguyện-viên-0001",
                label="Cổng trường",
                valid_from=dt.datetime(2023, 10, 2, 0, 0),
                valid_until=dt.datetime(2023, 10, 2, 5, 0),
                created_by_id=admin.id,
            )
        )
        create_token(staff, "Máy quét cổng 1")

        actor = Actor(user=staff, device_id="phone-1")
        at = dt.datetime(2023, 10, 2, 0, 12, 34, 567890)
        check_in_invitee(opening, luan, actor, method=CheckInMethod.SCAN, at=at, override=True)
        mistaken = check_in_invitee(opening, mai, actor, method=CheckInMethod.MANUAL, override=True)
        undo(mistaken.checkin, staff)
        walk_in(
            opening,
            full_name="Phạm Thị Dung",
            organisation="Phụ huynh lớp 6A",
            participant_type=ParticipantType.PARENT,
            actor=actor,
            at=at,
            client_uuid="0b7c8f0e-4d52-4a53-9f8e-2f5d8f1c9a01",
        )
        tally = record_headcount(opening, "Lớp 6A", 35, actor)
        change_headcount(tally, "Lớp 6A", 36, actor, note="Đếm lại")
        remove_headcount(record_headcount(opening, "Lớp 6B", 10, actor), actor)
        _db.session.commit()

        report = get_or_create_report(campaign, school)
        save_figures(
            report,
            school_officer,
            list(rows.values()),
            {rows[ARTICLES].id: FigureInput(count="6", note="Trên cổng thông tin")},
        )
        report.results = "Tuần lễ được tổ chức trang trọng."
        submit(report, school_officer)
        accept(report, district_officer, "Đã nhận")
        set_deadline_below(campaign, district, dt.date(campaign.year, 10, 10), district_officer)
        _db.session.commit()

        keep_upload(admin, "runsheet", opening.id, "chương trình.xlsx", UPLOADED, None)
        _db.session.add(
            Job(
                token="job-token-0001",
                kind="invitations.badges",
                params=json.dumps({"event_id": opening.id}),
                user_id=admin.id,
                state=JobState.DONE,
                done=3,
                total=3,
                result=BADGES_PDF,
                result_name="the-dai-bieu.pdf",
                result_mimetype="application/pdf",
                started_at=dt.datetime(2023, 9, 30, 1, 0, 0, 1),
                finished_at=dt.datetime(2023, 9, 30, 1, 0, 4),
            )
        )
        _db.session.commit()
        return {"school": school.id, "district": district.id}


def backup(database: Database, path: Path) -> str:
    result = database.cli("backup", str(path))
    assert result.exit_code == 0, result.output
    return result.output


def restore(database: Database, path: Path):
    return database.cli("restore", str(path))


def assert_same_rows(restored: dict, original: dict) -> None:
    assert restored.keys() == original.keys()
    for table, rows in original.items():
        assert restored[table] == rows, f"table {table} differs after the restore"


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """archives(engine) → (archive path, snapshot) of the world backed up on that engine;
    made once per engine for the module."""
    made: dict[str, tuple[Path, dict]] = {}
    databases = []

    def get(engine: str = TEST_DB) -> tuple[Path, dict]:
        if engine not in made:
            folder = tmp_path_factory.mktemp(f"archive-{engine}")
            database = Database(engine, folder, "source").upgrade()
            databases.append(database)
            build_world(database)
            path = folder / "backup.zip"
            backup(database, path)
            made[engine] = (path, database.snapshot())
        return made[engine]

    yield get
    for database in databases:
        database.close()


def test_round_trip_brings_back_every_row_of_every_table(new_database, tmp_path):
    database = new_database().upgrade()
    ids = build_world(database)
    original = database.snapshot()
    assert [table for table, rows in original.items() if not rows] == [], (
        "every table needs rows in build_world, so that the round trip covers it"
    )
    path = tmp_path / "llw.zip"
    output = backup(database, path)
    for table, rows in original.items():
        assert re.search(rf"^\s+{table}\s+{len(rows)} rows$", output, re.MULTILINE), table
    total = sum(len(rows) for rows in original.values())
    assert f"Backup written: {total} rows in {len(original)} tables" in output
    assert "personal data" in output
    assert not any(value in output for value in PERSONAL)

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["schema_revision"] == database.revision()
        assert manifest["format_version"] == 1
        assert dt.datetime.fromisoformat(manifest["created_at"]).tzinfo == dt.UTC
        order = [table["name"] for table in manifest["tables"]]
        assert sorted(order) == sorted(original)
        assert order.index("unit") < order.index("user_account") < order.index("check_in")
        for table in manifest["tables"]:
            content = archive.read(table["file"])
            assert table["rows"] == len(original[table["name"]]) == content.count(b"\n")
            assert table["sha256"] == hashlib.sha256(content).hexdigest()

    again = database.cli("backup", str(path))
    assert again.exit_code != 0 and "already exists" in again.output

    database.empty()
    assert database.count_rows() == 0
    result = restore(database, path)
    assert result.exit_code == 0, result.output
    for table, rows in original.items():
        assert re.search(rf"^\s+{table}\s+{len(rows)} rows$", result.output, re.MULTILINE)
    assert f"Restored {total} rows in {len(original)} tables." in result.output
    assert not any(value in result.output for value in PERSONAL)

    assert_same_rows(database.snapshot(), original)
    with database.app.app_context():
        # The uploaded file and the job's PDF came back byte for byte …
        assert _db.session.scalar(select(ImportUpload.data)) == UPLOADED
        assert _db.session.scalar(select(Job.result)) == BADGES_PDF
        # … and the school whose district has a larger id sits under it again.
        school = _db.session.get(Unit, ids["school"])
        assert school.parent_id == ids["district"] > ids["school"]
        assert school.parent.parent.name == "Sở GD&ĐT tỉnh Bắc Kạn"


@needs_postgresql
@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_a_backup_from_one_engine_restores_into_the_other(archives, new_database, source, target):
    path, original = archives(source)
    database = new_database(target).upgrade()
    result = restore(database, path)
    assert result.exit_code == 0, result.output
    assert f"on {source}, schema revision" in result.output
    assert f"Restoring into the {target} database" in result.output
    assert_same_rows(database.snapshot(), original)


def test_restore_refuses_a_database_that_is_not_empty(archives, new_database):
    path, _original = archives()
    database = new_database().upgrade()
    with database.app.app_context():
        Factories(_db, TEST_PASSWORD).make_unit(name="Trường TH Cẩm Giàng", code="TH-CG")
    before = database.snapshot()

    result = restore(database, path)

    assert result.exit_code != 0
    assert re.search(r"The database is not empty \(.*\bunit: 1\b", result.output)
    assert "Nothing was changed." in result.output
    assert database.snapshot() == before


def test_restore_refuses_an_archive_of_another_schema_revision(archives, new_database, tmp_path):
    path, _original = archives()
    head = _manifest(path)["schema_revision"]

    # The database is one migration behind the archive.
    older = new_database().upgrade()
    with older.app.app_context():
        downgrade(revision="-1")
    previous = older.revision()
    assert previous not in (None, head)
    result = restore(older, path)
    assert result.exit_code != 0
    assert f"The archive was made at schema revision {head}" in result.output
    assert f"this database is at revision {previous}" in result.output
    assert f"db upgrade {head}" in result.output and f"db downgrade {head}" in result.output
    assert older.revision() == previous and older.count_rows() == 0

    # The archive comes from an older version of the app than the database.
    stale = tmp_path / "stale.zip"
    _rewrite(path, stale, manifest=lambda m: {**m, "schema_revision": "0f03dbce8449"})
    current = new_database().upgrade()
    result = restore(current, stale)
    assert result.exit_code != 0
    assert "made at schema revision 0f03dbce8449" in result.output
    assert f"this database is at revision {head}" in result.output
    assert current.count_rows() == 0


def _manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def _rewrite(source: Path, target: Path, *, manifest=None, files=None) -> None:
    """Copy an archive, changing its manifest (dict → dict) or its files (name, bytes → bytes,
    or None to leave the file out)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = old.read(name)
            if name == "manifest.json" and manifest is not None:
                content = json.dumps(manifest(json.loads(content))).encode()
            elif files is not None:
                content = files(name, content)
            if content is not None:
                new.writestr(name, content)


def _recount(manifest: dict, table: str, rows: int) -> dict:
    for entry in manifest["tables"]:
        if entry["name"] == table:
            entry["rows"] = rows
    return manifest


def _truncate(source: Path, target: Path) -> None:
    target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])


DAMAGES = {
    "cut short": (
        lambda source, target: _truncate(source, target),
        "it is not a readable zip file",
    ),
    "a table file missing": (
        lambda source, target: _rewrite(
            source,
            target,
            files=lambda name, content: None if name == "tables/check_in.jsonl" else content,
        ),
        "the file of table check_in is missing",
    ),
    "a figure changed": (
        lambda source, target: _rewrite(
            source,
            target,
            files=lambda name, content: (
                content.replace(b'"count":36', b'"count":63')
                if name == "tables/headcount.jsonl"
                else content
            ),
        ),
        "the checksum of table headcount does not match the manifest",
    ),
    "a row count changed": (
        lambda source, target: _rewrite(
            source, target, manifest=lambda m: _recount(m, "invitee", 2)
        ),
        "table invitee has 3 rows where the manifest says 2",
    ),
    "no manifest": (
        lambda source, target: _rewrite(
            source,
            target,
            files=lambda name, content: None if name == "manifest.json" else content,
        ),
        "it has no manifest.json",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_restore_refuses_a_damaged_archive(archives, new_database, tmp_path, damage):
    path, _original = archives()
    damaged = tmp_path / "damaged.zip"
    make_damage, problem = DAMAGES[damage]
    make_damage(path, damaged)
    database = new_database().upgrade()

    result = restore(database, damaged)

    assert result.exit_code != 0
    assert f"The archive is damaged: {problem}. Nothing was restored." in result.output
    assert database.count_rows() == 0


def test_a_row_the_database_refuses_undoes_the_whole_restore_and_shows_no_personal_data(
    archives, new_database, tmp_path
):
    """A consistent archive (checksums right) whose data breaks a rule: two accounts with one
    e-mail. The tables restored before it are rolled back too, and the e-mail is not shown."""
    path, _original = archives()
    with zipfile.ZipFile(path) as archive:
        users = [
            json.loads(line) for line in archive.read("tables/user_account.jsonl").splitlines()
        ]
    taken = users[0]["email"]
    users[1]["email"] = taken
    content = b"".join(
        json.dumps(user, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for user in users
    )

    def with_new_checksum(manifest):
        for entry in manifest["tables"]:
            if entry["name"] == "user_account":
                entry["sha256"] = hashlib.sha256(content).hexdigest()
        return manifest

    clash = tmp_path / "clash.zip"
    _rewrite(
        path,
        clash,
        manifest=with_new_checksum,
        files=lambda name, old: content if name == "tables/user_account.jsonl" else old,
    )
    database = new_database().upgrade()

    result = restore(database, clash)

    assert result.exit_code != 0
    assert "The database refused the restore in table user_account" in result.output
    assert "Nothing was changed." in result.output
    assert taken not in result.output
    assert database.count_rows() == 0


def test_rows_added_after_a_restore_get_new_ids(archives, new_database):
    path, original = archives()
    database = new_database().upgrade()
    assert restore(database, path).exit_code == 0

    with database.app.app_context():
        make = Factories(_db, TEST_PASSWORD)
        unit = make.make_unit(name="Trường TH Quân Hà", code="TH-QH")
        user = make.make_user(unit, Role.CHECKIN_STAFF)
        event = _db.session.scalar(select(Event).where(Event.kind == EventKind.OPENING))
        arrival = walk_in(
            event,
            full_name="Hoàng Văn Nam",
            organisation="",
            participant_type=ParticipantType.RESIDENT,
            actor=Actor(user=user, device_id="phone-2"),
        )
        tally = record_headcount(event, "Lớp 7A", 30, Actor(user=user))
        _db.session.commit()
        new_ids = {
            "unit": unit.id,
            "user_account": user.id,
            "check_in": arrival.id,
            "headcount": tally.id,
            "headcount_revision": tally.revisions[0].id,
        }
    for table, new_id in new_ids.items():
        assert new_id == max(row[0] for row in original[table]) + 1, table


class Colour(enum.Enum):
    RED = "đỏ"
    BLUE = "xanh"


def _scratch_tables() -> tuple[MetaData, Table]:
    """A table with a column of every kind the archive encodes, outside the app's schema."""
    metadata = MetaData()
    Table("alembic_version", metadata, Column("version_num", String(32), primary_key=True))
    table = Table(
        "scratch",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("scratch.id")),
        Column("at", DateTime),
        Column("day", Date),
        Column("starts", Time),
        Column("blob", LargeBinary),
        Column("amount", Numeric(14, 2)),
        Column("ratio", Float),
        Column("colour", SaEnum(Colour, name="colour", values_callable=enum_values, length=8)),
        Column("flag", Boolean),
        Column("doc", JSON),
        Column("note", Text),
    )
    return metadata, table


SCRATCH_ROWS = [
    {
        "id": 1,
        "parent_id": 3,  # a parent that comes later
        "at": dt.datetime(2023, 10, 2, 0, 12, 34, 567890),
        "day": dt.date(2023, 10, 2),
        "starts": dt.time(7, 30, 15, 250000),
        "blob": bytes(range(256)),
        "amount": Decimal("1234567890.05"),
        "ratio": 0.1,
        "colour": Colour.RED,
        "flag": True,
        "doc": {"tên": "Lễ khai mạc", "số": [1, 2.5, None], "đúng": False},
        "note": "Chương trình\n7h30 — \"khai mạc\" \\ 'tab'\t✓",
    },
    {"id": 2, "doc": JSON.NULL, "flag": False, "blob": b"", "note": ""},  # JSON null, not NULL
    {"id": 3, "doc": null(), "colour": Colour.BLUE},  # SQL NULL everywhere else
]


def _scratch_database(engine: str, tmp_path: Path, name: str) -> Database:
    database = Database(engine, tmp_path, name)
    metadata, _table = _scratch_tables()
    with database.app.app_context(), _db.engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(metadata.tables["alembic_version"].insert(), {"version_num": "scratch01"})
    return database


def _scratch_rows(database: Database) -> list[tuple]:
    _metadata, table = _scratch_tables()
    with database.app.app_context(), _db.engine.connect() as conn:
        return [
            (*row[:-1], row.doc_is_sql_null)
            for row in conn.execute(
                select(table, table.c.doc.is_(None).label("doc_is_sql_null")).order_by(table.c.id)
            )
        ]


ENGINE_PAIRS = [
    pytest.param(
        source, target, marks=[needs_postgresql] if "postgresql" in (source, target) else []
    )
    for source in ("sqlite", "postgresql")
    for target in ("sqlite", "postgresql")
]


@pytest.mark.parametrize(("source", "target"), ENGINE_PAIRS)
def test_every_kind_of_value_comes_back_the_same(tmp_path, source, target):
    """Datetimes with microseconds, times, bytes, decimals, floats, enums by stored value, JSON
    (a JSON null apart from an SQL NULL), text with quotes and newlines."""
    from app.backup.services import backup_database, restore_database

    source_db = _scratch_database(source, tmp_path, "source")
    target_db = _scratch_database(target, tmp_path, "target")
    try:
        metadata, table = _scratch_tables()
        with source_db.app.app_context(), _db.engine.begin() as conn:
            for row in reversed(SCRATCH_ROWS):  # the parent first; the backup orders by id
                conn.execute(table.insert(), row)
        original = _scratch_rows(source_db)
        assert [row[-1] for row in original] == [False, False, True]

        path = tmp_path / "scratch.zip"
        scratch_only = MetaData()
        table.to_metadata(scratch_only)
        with source_db.app.app_context():
            backup_database(_db.engine, scratch_only, path, expected_revision="scratch01")
        with zipfile.ZipFile(path) as archive:
            first = json.loads(archive.read("tables/scratch.jsonl").splitlines()[0])
        assert first["at"] == "2023-10-02T00:12:34.567890"
        assert first["amount"] == "1234567890.05" and first["colour"] == "đỏ"
        assert first["blob"] == base64.b64encode(bytes(range(256))).decode()

        with target_db.app.app_context():
            restore_database(_db.engine, path)
        assert _scratch_rows(target_db) == original
    finally:
        source_db.close()
        target_db.close()

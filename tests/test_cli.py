"""Command-line tools: users, units, demo data."""

from sqlalchemy import func, select

from app.demo import data as demo
from app.schedule.models import Campaign
from app.units.models import Role, Unit, User


def test_create_units_and_an_admin_from_the_command_line(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "units",
            "create",
            "--name",
            "Sở GD&ĐT Bắc Kạn",
            "--kind",
            "so_gddt",
            "--code",
            "SO-BK",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "units",
            "create",
            "--name",
            "Phòng GD&ĐT Bạch Thông",
            "--kind",
            "phong_gddt",
            "--code",
            "PGD-BT",
            "--parent",
            "so-bk",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Admin@Example.vn",
            "--name",
            "Hoàng Văn Quản",
            "--unit",
            "PGD-BT",
            "--role",
            "admin",
            "--password",
            "mat-khau-dai-du",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "admin@example.vn"))
    assert user.role is Role.ADMIN and user.unit.code == "PGD-BT"
    assert user.unit.parent.code == "SO-BK"
    assert user.check_password("mat-khau-dai-du")

    listing = runner.invoke(args=["users", "list"])
    assert "admin@example.vn\tadmin\tPGD-BT" in listing.output


def test_cli_errors_are_clear_and_change_nothing(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.vn",
            "--name",
            "A",
            "--unit",
            "NOPE",
            "--password",
            "mat-khau-dai-du",
        ]
    )
    assert result.exit_code != 0
    assert "No unit has the code 'NOPE'" in result.output
    runner.invoke(args=["units", "create", "--name", "X", "--kind", "th", "--code", "X"])
    result = runner.invoke(args=["units", "create", "--name", "Y", "--kind", "th", "--code", "x"])
    assert result.exit_code != 0
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.vn",
            "--name",
            "A",
            "--unit",
            "X",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1


def test_demo_load_builds_the_seed_units_campaigns_and_one_user_per_role(app, db, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert f"password for all: {demo.DEMO_PASSWORD}" in result.output
    for email, *_ in demo.USERS:
        assert email in result.output

    names = set(db.session.scalars(select(Unit.name)))
    # seed 004 (Bạch Thông 2023) and seed 001 (Đống Đa 2024)
    assert {"Phòng Giáo dục và Đào tạo huyện Bạch Thông", "Trường THCS Phủ Thông"} <= names
    assert {"Trường Tiểu học Cát Linh", "Trường THCS Thịnh Quang", "UBND phường Láng Hạ"} <= names
    campaign = db.session.scalar(select(Campaign).where(Campaign.year == 2023))
    assert campaign.theme == "Xây dựng năng lực tự học trong kỷ nguyên số"
    assert campaign.start_date.isoformat() == "2023-10-02"
    roles = {user.role for user in db.session.scalars(select(User))}
    assert roles == set(Role)

    # the ceremony's morning: scans, class headcounts and walk-ins, as the seed's invited list
    from app.checkin.services import totals
    from app.demo.schedule_data import BACH_THONG_HEADCOUNTS
    from app.schedule.models import Event, EventKind

    ceremony = db.session.scalar(
        select(Event).where(Event.kind == EventKind.OPENING).order_by(Event.id)
    )
    figures = totals(ceremony)
    assert figures.invited == 18 and figures.checked_in_invitees == 15 and figures.walk_ins == 2
    assert figures.headcounts == sum(count for _, count in BACH_THONG_HEADCOUNTS)

    # the printed login works, and the campaign reaches the school below
    response = client.post(
        "/login", data={"email": "diemdanh@thcsphuthong.demo", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert "Tuần lễ hưởng ứng học tập suốt đời năm 2023" in client.get("/").get_data(as_text=True)


def test_the_demo_district_report_has_figures_from_attendance(app, db):
    """Đống Đa 2024: four units submitted; the district's own report is a draft."""
    from app.demo.report_data import ATTENDANCE
    from app.reports.figures import compute_table
    from app.units.services import find_unit_by_code

    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    campaign = db.session.scalar(select(Campaign).where(Campaign.year == 2024))
    district = find_unit_by_code("PGD-DD")
    life_skills = "Giáo dục kỹ năng sống cho học sinh"

    submitted = compute_table(campaign, district)
    # Only Cát Linh's class (TT 3) is in a submitted report.
    cat_linh = sum(count for _, count in ATTENDANCE[("3", "DD-TH-CL")][0])
    assert (
        submitted.by_label(life_skills).value.count,
        submitted.by_label(life_skills).value.persons,
    ) == (1, cat_linh)  # noqa: E501
    assert submitted.by_label("Số tin, bài về các hoạt động của Tuần lễ").value.count == 6

    preview = compute_table(campaign, district, include_drafts=True)
    # TT 3, 6 and 11 are life-skills lessons: 148 + 168 + 120 persons.
    assert (
        preview.by_label(life_skills).value.count,
        preview.by_label(life_skills).value.persons,
    ) == (3, 436)  # noqa: E501
    assert preview.by_label("Tổ chức Lễ khai mạc Tuần lễ").value.persons == 60 + 180 + 4


def test_demo_load_refuses_a_database_with_data(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    units = db.session.scalar(select(func.count()).select_from(Unit))
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0
    assert "not empty" in again.output
    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == units

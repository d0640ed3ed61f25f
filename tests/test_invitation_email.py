"""Invitations by e-mail, received by a local SMTP server that the tests start themselves."""

import datetime as dt
import email
import email.policy
import io
import json
import re
import socket

import pytest
import zxingcpp
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import select

from app.invitations.groups import save_group
from app.invitations.mailer import build_message, calendar, ics_escape, ics_fold, send_messages
from app.invitations.models import EmailState, Invitee
from app.invitations.qr import invitation_url
from app.invitations.services import PersonData, invite, issue_token, revoke_token
from app.jobs.models import Job, JobState
from app.jobs.services import run_pending
from app.schedule.models import EventKind
from app.units.models import Role, UnitKind
from tests.conftest import assert_fragment

SENDER = "Ban tổ chức <btc@bachthong.edu.vn>"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what it receives; it refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.envelopes = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <mailbox> does not exist here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> dict[str, email.message.EmailMessage]:
        """Recipient → the message received for them."""
        received = {}
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            for recipient in envelope.rcpt_tos:
                assert recipient not in received, recipient
                received[recipient] = message
        return received


def _configure(monkeypatch, app, port: int) -> None:
    """Mail settings for this test only (monkeypatch puts the config back afterwards)."""
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_FROM": SENDER,
        "MAIL_TIMEOUT": 5,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
    }.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def inbox(app, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()  # emits no warning: the port is chosen here (port=0 is not supported)
    _configure(monkeypatch, app, controller.port)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def world(make_unit, make_campaign, make_event, make_user, auth, db):
    district = make_unit(
        name="Phòng GD&ĐT huyện Bạch Thông", kind=UnitKind.DISTRICT_OFFICE, code="PGD-BT"
    )
    sibling = make_unit(
        name="Phòng GD&ĐT huyện Chợ Đồn", kind=UnitKind.DISTRICT_OFFICE, code="PGD-CD"
    )
    campaign = make_campaign(
        district, year=2023, start_date=dt.date(2023, 10, 2), end_date=dt.date(2023, 10, 8)
    )
    opening = make_event(
        campaign,
        district,
        kind=EventKind.OPENING,
        title="Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023",
        date=dt.date(2023, 10, 2),
        start_time=dt.time(7, 30),
        end_time=dt.time(9, 30),
        venue_name="Trường THCS Phủ Thông",
        venue_address="Tổ 5, thị trấn Phủ Thông, huyện Bạch Thông",
    )
    closing = make_event(
        campaign,
        district,
        kind=EventKind.CLOSING,
        title="Lễ tổng kết",
        date=dt.date(2023, 10, 8),
        start_time=dt.time(14, 0),
    )
    leaders = save_group(None, opening, "Cấp huyện", None)
    donors = save_group(None, opening, "Các nhà hảo tâm", None)
    people = {
        "luan": invite(
            opening,
            district,
            PersonData("Nguyễn Duy Luân", "Phó Chủ tịch UBND huyện", email="luan@bachthong.vn"),
            group=leaders,
        ),
        "hanh": invite(
            opening,
            district,
            PersonData("Hoàng Thị Hạnh", "Trưởng phòng", email="hanh@bachthong.vn"),
            group=leaders,
        ),
        "phuc": invite(
            opening, district, PersonData("Trần Văn Phúc", email="phuc@phucthanh.vn"), group=donors
        ),
        "mai": invite(
            opening, district, PersonData("Lý Thị Mai", phone="0912345678"), group=donors
        ),
    }
    invite(closing, district, PersonData("Nguyễn Duy Luân"), invitee=people["luan"])
    db.session.commit()
    organiser = make_user(district, Role.ORGANISER)
    auth.login(organiser)
    return {
        "district": district,
        "sibling": sibling,
        "opening": opening,
        "closing": closing,
        "leaders": leaders,
        "people": people,
        "organiser": organiser,
    }


def _send(client, event, **fields):
    """Post the panel's form (its fields are prefixed "email-")."""
    data = {key.replace("email_", "email-", 1): value for key, value in fields.items()}
    return client.post(f"/events/{event.id}/invitees/email", data=data, htmx=True)


def _finish_jobs(db) -> Job:
    """Run what the request left queued: the test client does not close responses, so the job
    JOBS_INLINE would run once its response is closed is still waiting."""
    run_pending()
    db.session.expire_all()
    return db.session.scalars(select(Job).order_by(Job.id.desc())).first()


def _states(db) -> dict[str, tuple[EmailState, str]]:
    db.session.expire_all()
    return {
        invitee.full_name: (invitee.email_state, invitee.email_error)
        for invitee in db.session.scalars(select(Invitee))
    }


def _url(app, invitee) -> str:
    with app.test_request_context():
        return invitation_url(invitee.token)


def _decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return results[0].text


# --- sending ----------------------------------------------------------------------------------


def test_each_invitee_with_an_address_receives_the_invitation(app, client, world, inbox, db):
    response = _send(client, world["opening"], email_group_id="0")
    html = assert_fragment(response)
    assert f'id="email-actions-{world["opening"].id}"' in html
    assert 'id="job-' in html  # the progress, polling itself
    db.session.expire_all()
    assert db.session.scalars(select(Job)).one().state is JobState.QUEUED
    response.close()  # as a WSGI server does once the response is sent: the job runs now

    db.session.expire_all()
    job = db.session.scalars(select(Job)).one()
    assert job.kind == "invitations.email" and job.state is JobState.DONE
    assert (job.done, job.total) == (3, 3)
    params = json.loads(job.params)
    assert params["without_email"] == 1
    assert "@" not in job.params  # links in the job's parameters, never addresses

    received = inbox.messages()
    people = world["people"]
    assert set(received) == {"luan@bachthong.vn", "hanh@bachthong.vn", "phuc@phucthanh.vn"}
    for key in ("luan", "hanh", "phuc"):
        invitee = db.session.get(Invitee, people[key].id)
        message = received[invitee.email]
        assert message["To"].addresses[0].addr_spec == invitee.email
        assert message["From"].addresses[0].addr_spec == "btc@bachthong.edu.vn"
        url = _url(app, invitee)

        text = message.get_body(("plain",)).get_content()
        assert invitee.full_name in text and url in text
        html_part = message.get_body(("html",))
        body = html_part.get_content()
        assert invitee.full_name in body and url in body

        images = [part for part in message.walk() if part.get_content_type() == "image/png"]
        assert len(images) == 1
        cid = images[0]["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in body  # the HTML shows the inline image
        assert _decode_qr(images[0].get_content()) == url

        calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
        assert len(calendars) == 1
        assert calendars[0].get_param("method") == "PUBLISH"
        assert calendars[0].get_filename().endswith(".ics")
        ics = calendars[0].get_payload(decode=True).decode()
        assert "\r\n" in ics and "\n" not in ics.replace("\r\n", "")
        unfolded = ics.replace("\r\n ", "")
        assert unfolded.count("BEGIN:VEVENT") == len(invitee.invitations)
        assert "SUMMARY:Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời năm 2023" in unfolded
        assert "DTSTART:20231002T003000Z" in unfolded  # 7h30 in Hà Nội
        assert "DTEND:20231002T023000Z" in unfolded
        assert f"URL:{url}" in unfolded
        assert "LOCATION:Trường THCS Phủ Thông\\, Tổ 5\\, thị trấn Phủ Thông" in unfolded
        assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))

    # Luân is invited to the opening and the closing: both events, one QR code.
    ics = next(
        p for p in received["luan@bachthong.vn"].walk() if p.get_content_type() == "text/calendar"
    ).get_payload(decode=True)
    assert ics.count(b"BEGIN:VEVENT") == 2 and "SUMMARY:Lễ tổng kết".encode() in ics
    assert "DTSTART:20231008T070000Z" in ics.decode()

    states = _states(db)
    assert {name: state for name, (state, _) in states.items()} == {
        "Nguyễn Duy Luân": EmailState.SENT,
        "Hoàng Thị Hạnh": EmailState.SENT,
        "Trần Văn Phúc": EmailState.SENT,
        "Lý Thị Mai": EmailState.NOT_SENT,  # no address: skipped, counted
    }
    sent_at = db.session.get(Invitee, people["luan"].id).email_sent_at
    assert sent_at is not None and abs(
        dt.datetime.now(dt.UTC).replace(tzinfo=None) - sent_at
    ) < dt.timedelta(minutes=5)


def test_only_unsent_and_one_group(app, client, world, inbox, db):
    _send(client, world["opening"], email_group_id=str(world["leaders"].id), email_only_unsent="y")
    _finish_jobs(db)
    assert set(inbox.messages()) == {"luan@bachthong.vn", "hanh@bachthong.vn"}

    inbox.envelopes.clear()
    _send(client, world["opening"], email_group_id="0", email_only_unsent="y")
    _finish_jobs(db)
    assert set(inbox.messages()) == {"phuc@phucthanh.vn"}  # the others were sent already

    inbox.envelopes.clear()
    html = assert_fragment(
        _send(client, world["opening"], email_group_id="0", email_only_unsent="y")
    )
    assert 'id="job-' not in html  # nobody left to send to: no job
    assert inbox.messages() == {}


def test_a_refused_recipient_fails_with_the_servers_reason(client, world, inbox, db):
    inbox.refuse.add("hanh@bachthong.vn")
    _send(client, world["opening"])
    job = _finish_jobs(db)
    assert job.state is JobState.DONE
    assert set(inbox.messages()) == {"luan@bachthong.vn", "phuc@phucthanh.vn"}
    states = _states(db)
    state, reason = states["Hoàng Thị Hạnh"]
    assert state is EmailState.FAILED
    assert reason.startswith("550") and "does not exist" in reason and "Traceback" not in reason
    assert states["Nguyễn Duy Luân"] == (EmailState.SENT, "")
    assert states["Trần Văn Phúc"] == (EmailState.SENT, "")

    # Sent again, only to those not sent yet: the failed one is retried, and goes through.
    inbox.refuse.clear()
    inbox.envelopes.clear()
    _send(client, world["opening"], email_only_unsent="y")
    _finish_jobs(db)
    assert set(inbox.messages()) == {"hanh@bachthong.vn"}
    assert _states(db)["Hoàng Thị Hạnh"] == (EmailState.SENT, "")


def test_an_unreachable_server_fails_everyone_with_a_clear_reason(
    app, client, world, monkeypatch, db, caplog
):
    port = _free_port()  # nobody listens there
    _configure(monkeypatch, app, port)
    _send(client, world["opening"])
    job = _finish_jobs(db)
    assert job.state is JobState.FAILED and f"127.0.0.1:{port}" in job.error
    states = _states(db)
    for name in ("Nguyễn Duy Luân", "Hoàng Thị Hạnh", "Trần Văn Phúc"):
        state, reason = states[name]
        assert state is EmailState.FAILED
        assert f"127.0.0.1:{port}" in reason and "refused" in reason.lower()
        assert len(reason) <= 300 and "Traceback" not in reason
    # Personal data never reaches the logs.
    assert not re.search(r"@bachthong|@phucthanh|0912345678", caplog.text)


def test_a_withdrawn_qr_code_is_not_sent(client, world, inbox, db):
    revoke_token(db.session.get(Invitee, world["people"]["phuc"].id))
    db.session.commit()
    assert_fragment(_send(client, world["opening"]))
    job = _finish_jobs(db)
    assert job.total == 2
    assert set(inbox.messages()) == {"luan@bachthong.vn", "hanh@bachthong.vn"}
    assert _states(db)["Trần Văn Phúc"][0] is EmailState.NOT_SENT


def test_a_double_click_sends_once(app, client, world, inbox, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    _send(client, world["opening"])
    _send(client, world["opening"])  # before the first one ran
    run_pending()
    assert db.session.scalars(select(Job.state)).all() == [JobState.DONE, JobState.DONE]
    assert len(inbox.envelopes) == 3


def test_a_token_reissued_after_queueing_is_not_mailed(app, client, world, inbox, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)  # the job waits for a worker
    _send(client, world["opening"])
    assert _states(db)["Hoàng Thị Hạnh"][0] is EmailState.QUEUED
    issue_token(db.session.get(Invitee, world["people"]["hanh"].id))  # the old link is dead
    db.session.commit()
    _finish_jobs(db)
    assert "hanh@bachthong.vn" not in inbox.messages()
    assert _states(db)["Hoàng Thị Hạnh"][0] is EmailState.FAILED


def test_without_a_mail_server_nothing_is_queued(app, client, world, monkeypatch, db):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    html = assert_fragment(_send(client, world["opening"]), 422)
    assert "alert--error" in html
    assert db.session.scalar(select(Job.id)) is None
    assert _states(db)["Nguyễn Duy Luân"][0] is EmailState.NOT_SENT


def test_settings_fall_back_to_the_environment(app, monkeypatch):
    from app.invitations.mailer import mail_settings

    for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_FROM", "MAIL_TIMEOUT"):
        monkeypatch.delitem(app.config, key, raising=False)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.vn")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("MAIL_FROM", SENDER)
    with app.app_context():
        settings = mail_settings()
    assert (settings.server, settings.port, settings.use_tls, settings.use_ssl) == (
        "smtp.example.vn",
        587,
        True,
        False,
    )
    assert settings.sender_address == "btc@bachthong.edu.vn" and settings.timeout == 10


def test_without_htmx_the_page_is_shown_again(client, world, inbox, db):
    response = client.post(f"/events/{world['opening'].id}/invitees/email", data={})
    assert response.status_code == 303
    assert response.location.endswith(f"/events/{world['opening'].id}/invitees")
    _finish_jobs(db)
    assert len(inbox.messages()) == 3


@pytest.mark.parametrize(("who", "status"), [("checkin", 403), ("sibling", 404)])
def test_who_may_send(client, auth, world, make_user, inbox, db, who, status):
    auth.logout()
    unit = world["district"] if who == "checkin" else world["sibling"]
    auth.login(make_user(unit, Role.CHECKIN_STAFF if who == "checkin" else Role.ORGANISER))
    response = client.post(f"/events/{world['opening'].id}/invitees/email", data={})
    assert response.status_code == status
    run_pending()
    assert db.session.scalar(select(Job.id)) is None and inbox.messages() == {}


def test_the_panel_is_on_the_invitee_page(client, world):
    html = client.get(f"/events/{world['opening'].id}/invitees").get_data(as_text=True)
    assert f'id="email-actions-{world["opening"].id}"' in html
    assert f'hx-post="/events/{world["opening"].id}/invitees/email"' in html


# --- the message and its calendar file, directly ------------------------------------------------


def test_the_message_structure(app, world, monkeypatch):
    _configure(monkeypatch, app, 25)
    luan = world["people"]["luan"]
    with app.test_request_context():
        url = invitation_url(luan.token)
        invitations = sorted(luan.invitations, key=lambda i: i.event.date)
        message = build_message(luan, invitations, url, "Phòng GD&ĐT huyện Bạch Thông")
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in related.get_payload()] == ["text/html", "image/png"]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_content_disposition() == "attachment"
    assert "Bạch Thông" in str(message["Subject"])
    assert message["Message-ID"].endswith("@bachthong.edu.vn>")


def test_send_messages_over_one_connection(app, world, inbox):
    inbox.refuse.add("hanh@bachthong.vn")
    people = world["people"]
    with app.test_request_context():
        messages = [
            build_message(people[key], list(people[key].invitations), "https://x.vn/i/a", "PGD")
            for key in ("luan", "hanh", "phuc")
        ]
        results = send_messages(messages)
    assert results[0] is None and results[2] is None
    assert results[1].startswith("550 ")
    assert len(inbox.envelopes) == 2


def test_a_title_on_two_lines_makes_a_valid_message(app, world, monkeypatch):
    """Titles imported from a cell may hold line breaks; a header may not."""
    _configure(monkeypatch, app, 25)
    world["opening"].title = "Lễ khai mạc\nTuần lễ hưởng ứng học tập suốt đời; năm 2023"
    phuc = world["people"]["phuc"]
    with app.test_request_context():
        message = build_message(phuc, list(phuc.invitations), "https://x.vn/i/abc", "Phòng GD&ĐT")
    assert "\n" not in str(message["Subject"]) and "Tuần lễ" in str(message["Subject"])
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    unfolded = ics.get_payload(decode=True).decode().replace("\r\n ", "")
    assert "SUMMARY:Lễ khai mạc\\nTuần lễ hưởng ứng học tập suốt đời\\; năm 2023\r\n" in unfolded
    assert message.as_bytes()


def test_ics_text_is_escaped():
    assert ics_escape("Hội trường A, tầng 2; phòng\\họp\nsố 3") == (
        "Hội trường A\\, tầng 2\\; phòng\\\\họp\\nsố 3"
    )
    assert ics_escape("a\r\nb") == "a\\nb"


@pytest.mark.parametrize(
    "text", ["A" * 200, "Lễ khai mạc Tuần lễ hưởng ứng học tập suốt đời " * 4, "ễ" * 80]
)
def test_ics_lines_are_folded_at_75_octets(text):
    line = f"SUMMARY:{text}"
    folded = ics_fold(line)
    physical = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line  # unfolding gives the line back
    for part in physical:
        part.encode().decode()  # never cut inside a UTF-8 character


def test_a_short_line_is_not_folded():
    assert ics_fold("SUMMARY:Lễ tổng kết") == "SUMMARY:Lễ tổng kết"
    assert ics_fold("X" * 75) == "X" * 75 and ics_fold("X" * 76) == "X" * 75 + "\r\n X"


def test_an_event_without_a_time_is_a_whole_day(app, world):
    closing = world["closing"]
    closing.start_time = None
    luan = world["people"]["luan"]
    invitation = next(i for i in luan.invitations if i.event_id == closing.id)
    with app.test_request_context():
        ics = calendar([invitation], "https://llw.example.vn/i/abc").decode()
    assert "DTSTART;VALUE=DATE:20231008" in ics and "DTEND;VALUE=DATE:20231009" in ics
    assert f"UID:invitation-{invitation.id}@llw.example.vn" in ics
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and ics.endswith(
        "END:VCALENDAR\r\n"
    )


def test_a_group_of_another_event_is_refused(client, world, inbox, db):
    other = save_group(None, world["closing"], "Khách mời", None)
    db.session.commit()
    assert_fragment(_send(client, world["opening"], email_group_id=str(other.id)), 422)
    assert db.session.scalar(select(Job.id)) is None

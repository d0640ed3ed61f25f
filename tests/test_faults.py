"""Faults: the database unreachable (a clear 503 page, a JSON error with a code, Retry-After,
and everything working again once it is back), and offline batches that fail half-way (one
transaction: nothing of the batch is left, and the retry records each scan once)."""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
import threading
import uuid
from contextlib import contextmanager, suppress
from types import SimpleNamespace

import lxml.html
import psycopg
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from app.checkin.models import CheckIn
from app.checkin.tokens import create_token
from app.invitations.services import PersonData, invite
from app.units.models import Role
from tests.conftest import TEST_DB, CsrfClient

DOWN_VI = "Hiện không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít phút."
DOWN_EN = "The database is not reachable right now. Please try again in a moment."
API = "/api/v1"

postgresql_only = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="a real server to cut off, kill and race on"
)


# --- the world and helpers ------------------------------------------------------------------


@pytest.fixture
def ceremony(db, factories, make_user):
    """Today's opening ceremony (check-in open all day), eight delegates, a check-in staff
    account signed in nowhere yet, and an API token for it."""
    office, event, people = factories.make_todays_ceremony(8)
    staff = make_user(office, Role.CHECKIN_STAFF, email="diemdanh@example.vn")
    english = make_user(office, Role.ORGANISER, email="organiser@example.vn", locale="en")
    _row, token = create_token(staff, "test")
    db.session.commit()
    # Plain values: the test reads them while the database is away.
    return SimpleNamespace(
        event_id=event.id,
        invitation_token=people[0].token,
        tokens=[person.token for person in people],
        people_ids=[person.id for person in people],  # increasing, as they were made
        staff=staff,
        english=english,
        bearer={"Authorization": f"Bearer {token}"},
    )


def live_checkins(db, event_id: int) -> list[int]:
    """Invitee ids of the event's live check-ins, as committed (a fresh transaction)."""
    db.session.rollback()
    return sorted(
        db.session.scalars(
            select(CheckIn.invitee_id).where(
                CheckIn.event_id == event_id, CheckIn.undone_at.is_(None)
            )
        )
    )


def batch_of(tokens: list[str], device: str = "phone-1") -> dict:
    return {
        "device_id": device,
        "items": [
            {
                "client_uuid": str(uuid.uuid4()),
                "code": token,
                "scanned_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=n))
                .replace(microsecond=0)
                .isoformat(),
            }
            for n, token in enumerate(tokens)
        ],
    }


def api_batch(client, ceremony, batch: dict, headers=None):
    return client.post(
        f"{API}/events/{ceremony.event_id}/checkins/batch",
        json=batch,
        headers=headers or ceremony.bearer,
        csrf=False,
    )


def page_sync(client, ceremony, batch: dict, csrf_token: str):
    """The scanner page's sync of its offline queue (session cookie, CSRF header)."""
    return client.post(
        f"/events/{ceremony.event_id}/checkin/sync",
        json=batch,
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token},
        csrf=False,
    )


def assert_database_unavailable(response, message: str = DOWN_VI) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "30"
    assert response.is_json
    assert response.get_json() == {
        "error": {"code": "database_unavailable", "message": message, "status": 503}
    }


def assert_503_page(response, message: str = DOWN_VI) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:500]
    assert response.headers["Retry-After"] == "30"
    assert "<html" in html
    assert banner(html) == message
    for internal in ("OperationalError", "refused", "Traceback", "SELECT"):
        assert internal not in html


def banner(html: str) -> str:
    """The explanation in errors/_message.html (what app.js shows for htmx errors)."""
    return lxml.html.fromstring(html).xpath("//*[@class='error-box']/p")[0].text_content()


@contextmanager
def database_unreachable(db):
    """Every new connection is refused, as by a stopped server; pooled ones are dropped."""
    engine = db.engine
    dbapi = engine.dialect.loaded_dbapi
    db.session.close()  # the test's own connection goes back to the pool, which is emptied

    def refuse(*_args, **_kwargs):
        raise dbapi.OperationalError("connection refused (the test cut the database off)")

    sa_event.listen(engine, "do_connect", refuse)
    engine.dispose()
    try:
        yield
    finally:
        sa_event.remove(engine, "do_connect", refuse)


def written_in_transaction(cursor, event_id: int) -> int:
    """Check-ins of the event that the transaction of `cursor`'s connection sees (its own
    uncommitted ones too), through a cursor of its own on the same connection."""
    counter = cursor.connection.cursor()
    try:
        counter.execute(
            "SELECT count(*) FROM check_in WHERE event_id = "
            + ("?" if isinstance(counter, sqlite3.Cursor) else "%s"),
            (event_id,),
        )
        return counter.fetchone()[0]
    finally:
        counter.close()


@contextmanager
def after_checkins_written(db, event_id: int, count: int, then):
    """Call `then()` once the request's transaction holds `count` check-ins of the event: right
    after the INSERT that wrote the last of them, before the commit and the answer. (Written
    one by one, the earlier ones must still be uncommitted then; written by one statement,
    they are all in it.) `seen["written"]` says how many the transaction held."""
    seen = {}

    def inserted(_conn, cursor, statement, _params, _context, _executemany):
        if seen or not statement.lstrip().upper().startswith("INSERT INTO CHECK_IN"):
            return
        written = written_in_transaction(cursor, event_id)
        if written >= count:
            seen["written"] = written
            then()

    sa_event.listen(db.engine, "after_cursor_execute", inserted)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "after_cursor_execute", inserted)


def raise_(error: BaseException):
    def fail():
        raise error

    return fail


# --- the database down: 503 page, fragment, JSON, API ---------------------------------------


def test_pages_answer_a_clear_503_while_the_database_is_down_and_work_again_after(
    app, client, auth, db, ceremony
):
    auth.login(ceremony.staff)
    assert client.get("/").status_code == 200
    with database_unreachable(db):
        for _ in range(2):  # and again: nothing stays broken in the session or the pool
            assert_503_page(client.get("/"))
        assert_503_page(client.get(f"/events/{ceremony.event_id}/checkin"))
        # An error page that needs the database (the signed-in user in its header) also
        # becomes the 503 page, not a crash.
        assert_503_page(client.get("/khong-co"))
        response = client.get("/", headers={"HX-Request": "true"})
        html = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "<html" not in html
        # app.js shows this paragraph in its error banner.
        assert banner(html) == DOWN_VI
    page = client.get("/")
    assert page.status_code == 200
    assert "Retry-After" not in page.headers


def test_the_language_chosen_in_the_session_is_kept_on_the_503_page(client, auth, db, ceremony):
    client.post("/language/en", data={"next": "/login"})
    auth.login(ceremony.english)
    with database_unreachable(db):
        response = client.get("/")
    assert_503_page(response, DOWN_EN)
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_a_database_failing_mid_request_keeps_the_users_language(
    client, auth, db, ceremony, monkeypatch
):
    from app.main import routes as main_routes

    auth.login(ceremony.english)  # English on the account, not chosen in this session

    def connection_lost(*_args, **_kwargs):
        raise OperationalError("SELECT campaign", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patch:
        patch.setattr(main_routes, "campaigns_visible_to", connection_lost)
        assert_503_page(client.get("/"), DOWN_EN)
    assert client.get("/").status_code == 200


def test_public_pages_and_the_health_check_answer_503(client, db, ceremony, caplog):
    with database_unreachable(db):
        assert_503_page(client.get(f"/i/{ceremony.invitation_token}"))
        health = client.get("/healthz")
    # The operators are told, without the invitation's secret token.
    assert "database unavailable: GET public.invitation (OperationalError)" in caplog.text
    assert ceremony.invitation_token not in caplog.text
    assert health.status_code == 503
    assert health.get_json()["database"]["status"] == "down"
    assert client.get(f"/i/{ceremony.invitation_token}").status_code == 200


def test_the_scanner_gets_a_json_error_and_its_queue_is_synced_after(client, auth, db, ceremony):
    auth.login(ceremony.staff)
    csrf_token = client._token()
    batch = batch_of(ceremony.tokens[:3])
    with database_unreachable(db):
        assert_database_unavailable(page_sync(client, ceremony, batch, csrf_token))
        roster = client.get(
            f"/events/{ceremony.event_id}/checkin/roster.json",
            headers={"Accept": "application/json"},
        )
        assert_database_unavailable(roster)
    # The phone kept its queue and sends it again: everyone in, once.
    response = page_sync(client, ceremony, batch, csrf_token)
    assert response.status_code == 200
    assert [r["outcome"] for r in response.get_json()["results"]] == ["ok"] * 3
    assert len(live_checkins(db, ceremony.event_id)) == 3


def test_the_api_answers_database_unavailable_in_the_requests_language(client, db, ceremony):
    url = f"{API}/events/{ceremony.event_id}/totals"
    with database_unreachable(db):
        assert_database_unavailable(client.get(url, headers=ceremony.bearer))
        english = {**ceremony.bearer, "Accept-Language": "en"}
        assert_database_unavailable(client.get(url, headers=english), DOWN_EN)
        assert_database_unavailable(api_batch(client, ceremony, batch_of(ceremony.tokens[:2])))
    totals = client.get(url, headers=ceremony.bearer)
    assert totals.status_code == 200
    assert totals.get_json()["checked_in_invitees"] == 0


# --- a real PostgreSQL going away and coming back -------------------------------------------


class TcpProxy:
    """127.0.0.1:<port> → the PostgreSQL server. stop() is the server going away (every
    connection cut, nothing listening on the port); start() brings it back on the same port."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@postgresql_only
def test_postgresql_going_away_and_coming_back(database_url, db, ceremony):
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": proxied,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    application.test_client_class = CsrfClient
    client = application.test_client()
    totals_url = f"{API}/events/{ceremony.event_id}/totals"
    try:
        from tests.conftest import Auth

        Auth(client).login(ceremony.staff)
        assert client.get("/").status_code == 200
        assert client.get(totals_url, headers=ceremony.bearer).status_code == 200

        proxy.stop()  # the server is gone: pooled connections cut, new ones refused
        assert_503_page(client.get("/"))
        assert_database_unavailable(client.get(totals_url, headers=ceremony.bearer))
        assert client.get("/healthz").status_code == 503

        proxy.start()  # back: the pool throws the dead connections away and reconnects
        assert client.get("/").status_code == 200
        totals = client.get(totals_url, headers=ceremony.bearer)
        assert totals.status_code == 200
        assert totals.get_json()["invited"] == 8
    finally:
        proxy.stop()
        with application.app_context():
            db.engine.dispose()


# --- batches that fail half-way --------------------------------------------------------------


def test_an_api_batch_failing_half_way_records_nothing_and_its_retry_counts_each_once(
    client, db, ceremony
):
    batch = batch_of(ceremony.tokens[:5])
    died = raise_(RuntimeError("the worker died"))
    with after_checkins_written(db, ceremony.event_id, 5, died) as seen:
        response = api_batch(client, ceremony, batch)
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert seen["written"] == 5  # all five were in the transaction when it failed
    assert live_checkins(db, ceremony.event_id) == []

    first = api_batch(client, ceremony, batch)
    assert first.status_code == 200
    assert [r["outcome"] for r in first.get_json()["results"]] == ["ok"] * 5
    again = api_batch(client, ceremony, batch)
    assert [r["outcome"] for r in again.get_json()["results"]] == ["duplicate"] * 5
    assert live_checkins(db, ceremony.event_id) == ceremony.people_ids[:5]


def test_the_scanners_sync_losing_the_database_half_way_records_nothing(client, auth, db, ceremony):
    auth.login(ceremony.staff)
    csrf_token = client._token()
    batch = batch_of(ceremony.tokens)
    dbapi = db.engine.dialect.loaded_dbapi
    lost = raise_(dbapi.OperationalError("server closed the connection unexpectedly"))
    with after_checkins_written(db, ceremony.event_id, 8, lost) as seen:
        assert_database_unavailable(page_sync(client, ceremony, batch, csrf_token))
    assert seen["written"] == 8
    assert live_checkins(db, ceremony.event_id) == []

    response = page_sync(client, ceremony, batch, csrf_token)
    assert response.status_code == 200
    assert [r["outcome"] for r in response.get_json()["results"]] == ["ok"] * 8
    assert live_checkins(db, ceremony.event_id) == ceremony.people_ids


@postgresql_only
def test_a_database_connection_killed_mid_batch_leaves_nothing(app, database_url, db, ceremony):
    """The server side of a killed request: PostgreSQL ends the backend of a batch that has
    written half of its check-ins; the answer is a 503 and the retry records all, once."""
    reached, killed = threading.Event(), threading.Event()

    def wait_for_the_kill():
        reached.set()
        killed.wait(timeout=30)

    batch = batch_of(ceremony.tokens)
    answers = []
    client = app.test_client()
    with after_checkins_written(db, ceremony.event_id, 8, wait_for_the_kill) as seen:
        request = threading.Thread(
            target=lambda: answers.append(api_batch(client, ceremony, batch)), daemon=True
        )
        request.start()
        assert reached.wait(timeout=30)
        dsn = make_url(database_url).set(drivername="postgresql")
        with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as conn:
            # The batch's backend: the one with a transaction that has written something.
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                )
            ]
            assert len(pids) == 1
            conn.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
        killed.set()
        request.join(timeout=60)
    assert seen["written"] == 8
    assert_database_unavailable(answers[0])
    assert live_checkins(db, ceremony.event_id) == []

    retry = api_batch(client, ceremony, batch)
    assert retry.status_code == 200
    assert [r["outcome"] for r in retry.get_json()["results"]] == ["ok"] * 8
    assert live_checkins(db, ceremony.event_id) == ceremony.people_ids


def _at_once(app, requests: list) -> list:
    """Send the (method, args, kwargs) requests from threads started together."""
    start = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)
    failures: list[BaseException] = []

    def send(n: int) -> None:
        try:
            client = app.test_client()
            start.wait(timeout=30)
            answers[n] = api_batch(client, *requests[n])
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return answers


@pytest.fixture
def crowd(db, ceremony):
    """Sixty more delegates of the ceremony."""
    from app.invitations.models import InviteeGroup
    from app.schedule.models import Event
    from app.units.models import Unit

    event = db.session.get(Event, ceremony.event_id)
    group = db.session.scalar(select(InviteeGroup).where(InviteeGroup.event_id == event.id))
    unit = db.session.get(Unit, event.unit_id)
    people = [invite(event, unit, PersonData(f"Khách mời số {n}"), group=group) for n in range(60)]
    db.session.commit()
    return sorted((person.id, person.token) for person in people)


@postgresql_only
def test_the_same_batch_sent_twice_at_once_records_each_scan_once(app, db, ceremony, crowd):
    """A phone whose request timed out sends its queue again while the first request is
    still being written: each scan is recorded once, and the second answer says so."""
    batch = batch_of([token for _id, token in crowd])
    first, second = _at_once(app, [(ceremony, batch), (ceremony, batch)])
    assert first.status_code == second.status_code == 200
    for a, b in zip(first.get_json()["results"], second.get_json()["results"], strict=True):
        assert sorted([a["outcome"], b["outcome"]]) == ["duplicate", "ok"]
    assert live_checkins(db, ceremony.event_id) == [person_id for person_id, _ in crowd]


@postgresql_only
def test_two_phones_syncing_the_same_people_in_opposite_orders_at_once(app, db, ceremony, crowd):
    tokens = [token for _id, token in crowd]
    forward = batch_of(tokens, device="phone-1")
    backward = batch_of(list(reversed(tokens)), device="phone-2")
    answers = _at_once(app, [(ceremony, forward), (ceremony, backward)])
    assert [answer.status_code for answer in answers] == [200, 200]  # no deadlock, no 503
    outcomes = [r["outcome"] for answer in answers for r in answer.get_json()["results"]]
    assert outcomes.count("ok") == outcomes.count("already") == 60
    assert live_checkins(db, ceremony.event_id) == [person_id for person_id, _ in crowd]

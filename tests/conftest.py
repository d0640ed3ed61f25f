"""Test fixtures: a real database per run (SQLite or PostgreSQL), the app, clients, users.

Choose the engine with TEST_DB=sqlite (default) or TEST_DB=postgresql. For PostgreSQL a
database of its own is created on TEST_PG_URL's server and dropped at the end of the run.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete

from app import create_app
from app.extensions import db as _db
from tests.factories import Factories

pytest_plugins = ["tests.report_fixtures"]

# The limiter is one object shared by every app made in this process; apps made by tests
# (config, migrations) must not switch it on for the others. Rate-limit tests use
# the `limited_app` fixture.
os.environ["RATELIMIT_ENABLED"] = "false"

TEST_DB = os.environ.get("TEST_DB", "sqlite")
TEST_PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_PASSWORD = "mat-khau-thu-nghiem"

_TOKEN_PATTERNS = (
    re.compile(r'"X-CSRFToken": "([^"]+)"'),
    re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'),
    re.compile(r'name="csrf_token" value="([^"]+)"'),
)


def pytest_report_header(config):
    return f"database engine: {TEST_DB}"


def create_pg_database(prefix: str = "llw_test") -> tuple[str, callable]:
    """Create an empty PostgreSQL database; returns its URL and a function that drops it."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(TEST_PG_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DB == "postgresql":
        url, drop = create_pg_database()
        yield url
        drop()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SERVER_NAME": None,
            "RATELIMIT_ENABLED": False,
            # Still scrypt, with a cheaper work factor: hundreds of accounts are made per run.
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    application.test_client_class = CsrfClient
    with application.app_context():
        upgrade()  # the schema comes from the migrations, as in production
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def limited_app(database_url, app):
    """An app on the test database with rate limits on, as in production; limits go off again
    (for the other tests' apps) afterwards."""
    from app.extensions import limiter

    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "3 per minute",
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    application.test_client_class = CsrfClient
    try:
        yield application
    finally:
        limiter.enabled = False
        with application.app_context():
            _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """The database, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        for table in reversed(_db.metadata.sorted_tables):
            _db.session.execute(delete(table))
        _db.session.commit()
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factories(db):
    return Factories(db, TEST_PASSWORD)


@pytest.fixture
def make_unit(factories):
    return factories.make_unit


@pytest.fixture
def make_user(factories):
    return factories.make_user


@pytest.fixture
def make_campaign(factories):
    return factories.make_campaign


@pytest.fixture
def make_event(factories):
    return factories.make_event


@pytest.fixture
def make_item(factories):
    return factories.make_item


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every POST, as the pages do.

    Pass csrf=False to post without one. htmx=True sends the headers htmx sends.
    """

    def _token(self) -> str:
        for path in ("/login", "/"):
            response = self.get(path)
            if response.status_code == 200:
                html = response.get_data(as_text=True)
                for pattern in _TOKEN_PATTERNS:
                    match = pattern.search(html)
                    if match:
                        return match.group(1)
        raise AssertionError("no page gave a CSRF token")

    def open(self, *args, htmx: bool = False, **kwargs):
        if htmx:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("HX-Request", "true")
            kwargs["headers"] = headers
        # Each request gets an app context (and so a `g` and a database session) of its own,
        # as in production; otherwise it would reuse the test's context and see what an
        # earlier request cached in `g` (the signed-in user, the locale, the CSRF token).
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.get("data")
            if data is None or isinstance(data, dict):
                data = dict(data or {})
                data.setdefault("csrf_token", self._token())
                kwargs["data"] = data
        return super().post(*args, **kwargs)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = TEST_PASSWORD):
        response = self.client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def assert_fragment(response, status: int = 200) -> str:
    """An htmx answer: the expected status and a piece of a page, not a whole page."""
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:500]
    assert "<html" not in html
    return html


@pytest.fixture
def count_statements(db):
    """count_statements(fn) → how many SQL statements fn() sends to the database."""
    from sqlalchemy import event as sa_event

    def run(fn) -> int:
        seen = []

        def record(*_args):
            seen.append(1)

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            fn()
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        return len(seen)

    return run

"""Configuration from the environment, and the database settings per engine."""

import pytest
from sqlalchemy import text

from app import create_app
from app.config import DEV_SECRET_KEY, ConfigError, load_config, normalise_database_url


def test_production_refuses_the_development_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path), {"APP_ENV": "production"})
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY})
    with pytest.raises(ConfigError, match="32"):
        load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "short"})


def test_production_with_its_own_secret_has_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_defaults_to_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/llw.sqlite"
    assert config["BABEL_DEFAULT_LOCALE"] == "vi"


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.internal/llw")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app:pw@db.internal/llw"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})
    from app.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()


def test_passwords_use_full_strength_scrypt_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    assert load_config(str(tmp_path))["PASSWORD_HASH_METHOD"] == "scrypt"


def test_keep_me_signed_in_lasts_a_session_not_a_year(tmp_path, monkeypatch):
    from app.config import load_config

    monkeypatch.setenv("SESSION_LIFETIME_SECONDS", "3600")
    config = load_config(str(tmp_path))
    assert config["REMEMBER_COOKIE_DURATION"] == 3600 == config["PERMANENT_SESSION_LIFETIME"]

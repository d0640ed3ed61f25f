"""Configuration read from the environment, with safe defaults for development."""

from __future__ import annotations

import os
from pathlib import Path

#: The secret used when none is configured. Good enough on a laptop, refused in production.
DEV_SECRET_KEY = "dev-only-insecure-secret-key"

ROOT_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment asks for something the app refuses to run with."""


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for any PostgreSQL URL, whatever scheme it was given with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask configuration from environment variables and explicit overrides.

    Overrides (used by tests and the CLI) win over the environment.
    """
    env = os.environ
    overrides = dict(overrides or {})
    app_env = overrides.get("APP_ENV", env.get("APP_ENV", "development"))
    production = app_env == "production"

    default_db = "sqlite:///" + str(Path(instance_path) / "llw.sqlite")
    database_url = normalise_database_url(
        overrides.pop("DATABASE_URL", None) or env.get("DATABASE_URL") or default_db
    )
    secret_key = overrides.get("SECRET_KEY", env.get("SECRET_KEY") or DEV_SECRET_KEY)

    config = {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Cookies: never readable from scripts, sent only over HTTPS in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        # "Keep me signed in" lasts as long as a session, not Flask-Login's default of a year.
        "REMEMBER_COOKIE_DURATION": int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": False,  # app.forms.AppForm translates WTForms messages
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        # Languages: Vietnamese first, English available.
        "LANGUAGES": ("vi", "en"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": env.get("APP_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT_DIR / "app" / "translations"),
        # Rate limits: a shared store (Redis) is needed once several app processes run.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Redis unreachable: count in each worker's memory meanwhile (limits still hold per
        # worker) instead of failing every rate-limited request; Redis is tried again later.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Werkzeug hash method; the default "scrypt" uses Werkzeug's full-strength parameters.
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        "PUBLIC_RATE_LIMIT": env.get("PUBLIC_RATE_LIMIT", "60 per minute"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute; 50 per hour"),
        # Growing delays (2 s, 4 s … up to the longest) after the free failed sign-ins of one
        # account from one address.
        "LOGIN_FREE_FAILURES": int(env.get("LOGIN_FREE_FAILURES", 5)),
        "LOGIN_LONGEST_DELAY": int(env.get("LOGIN_LONGEST_DELAY", 900)),
        # The venue's pages (walk-in /c/…, volunteer /v/…): hundreds of phones can share one
        # address on the venue's wifi, so the limit per address is higher and each phone (its
        # cookie) and each poster or link have limits of their own. Per phone: empty means
        # PUBLIC_RATE_LIMIT.
        "VENUE_ADDRESS_RATE_LIMIT": env.get("VENUE_ADDRESS_RATE_LIMIT", "600 per minute"),
        "VENUE_DEVICE_RATE_LIMIT": env.get("VENUE_DEVICE_RATE_LIMIT", ""),
        "VENUE_TOKEN_RATE_LIMIT": env.get("VENUE_TOKEN_RATE_LIMIT", "1200 per minute"),
        # Finished jobs (badge and card PDFs, letters: names and working QR codes) are deleted
        # this many hours after they finish.
        "JOB_RETENTION_HOURS": float(env.get("JOB_RETENTION_HOURS", 24)),
        # The JSON API: per token (a desk's phones may share one), and per address whatever the
        # token (a venue's wifi puts many phones behind one address).
        "API_TOKEN_RATE_LIMIT": env.get("API_TOKEN_RATE_LIMIT", "1200 per minute"),
        "API_ADDRESS_RATE_LIMIT": env.get("API_ADDRESS_RATE_LIMIT", "6000 per minute"),
        # Wrong walk-in codes before growing delays: per phone, and per address (venue wifi).
        "WALKIN_CODE_FREE_FAILURES": int(env.get("WALKIN_CODE_FREE_FAILURES", 5)),
        "WALKIN_CODE_FREE_FAILURES_PER_ADDRESS": int(
            env.get("WALKIN_CODE_FREE_FAILURES_PER_ADDRESS", 100)
        ),
        # Proxy headers: how many reverse proxies sit in front of the app (X-Forwarded-*).
        "PROXY_COUNT": int(env.get("PROXY_COUNT", 0)),
    }
    config.update(overrides)

    if production and config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None):
        raise ConfigError(
            "APP_ENV=production needs a SECRET_KEY of its own; the development key is refused."
        )
    if production and len(str(config["SECRET_KEY"])) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters long in production.")
    return config

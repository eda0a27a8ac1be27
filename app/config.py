"""Settings from the environment, with embedded defaults under the instance folder.

With no ``DATABASE_URL`` the app runs on the embedded default: SQLite and
local-disk storage in the instance folder, and a secret key generated once
and kept there. Anywhere else ``SECRET_KEY`` must be set, because web
processes behind a load balancer must share it.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.analytics.agents import SHIPPED_DATA as SHIPPED_USER_AGENTS
from app.analytics.clients import IPNetwork, parse_networks

DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024**3  # 4 GiB: a long WAV master
DEFAULT_UPLOAD_PART_BYTES = 8 * 1024**2  # S3 takes parts of 5 MiB and up
S3_MINIMUM_PART_BYTES = 5 * 1024**2
DEFAULT_WEBSUB_HUB = "https://pubsubhubbub.appspot.com/"
DEFAULT_PODPING_URL = "https://podping.cloud/"
SESSION_HOURS = 12
DEFAULT_SWEEP_SECONDS = 24 * 3600.0
ORIGIN_PATTERN = re.compile(r"^https?://(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?$", re.IGNORECASE)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def load_config(
    instance_path: str, env: dict[str, str] | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build the Flask config dict from ``env`` (default: the process environment).

    ``overrides`` (tests, embedding code) win over the environment and may
    supply the secret key themselves.
    """
    env = dict(os.environ if env is None else env)
    overrides = overrides or {}
    if overrides.get("SECRET_KEY"):
        env["SECRET_KEY"] = overrides["SECRET_KEY"]
    instance = Path(instance_path)
    embedded = not env.get("DATABASE_URL") and "SQLALCHEMY_DATABASE_URI" not in overrides
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url(env, instance),
        "STORAGE_URL": env.get("STORAGE_URL") or (instance / "media").resolve().as_uri(),
        "STORAGE_OPTIONS": storage_options(env),
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        "SECRET_KEY": secret_key(env, instance, embedded),
        "MAX_CONTENT_LENGTH": max_upload_bytes(env),
        # Studio uploads (issue 4): checked on the declared size and again on what arrived.
        "MAX_UPLOAD_BYTES": max_upload_bytes(env),
        "UPLOAD_PART_BYTES": upload_bytes(env, "UPLOAD_PART_BYTES", S3_MINIMUM_PART_BYTES),
        "UPLOAD_CHUNK_BYTES": upload_bytes(env, "UPLOAD_CHUNK_BYTES", 64 * 1024),
        "UPLOAD_CORS": upload_cors(env),
        "MEDIA_DELIVERY": media_delivery(env),
        **storage_sweep_settings(env),
        **audio_processing_settings(env),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Studio sessions end this long after login, and after this long idle.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=SESSION_HOURS),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "EMBEDDED": embedded,
        # Feeds (issue 3): an empty WEBSUB_HUB_URL declares no hub and sends no pings.
        "WEBSUB_HUB_URL": env.get("WEBSUB_HUB_URL", DEFAULT_WEBSUB_HUB),
        # Cached feed polls are answered ahead of Flask; "0" sends them through the route.
        "FEED_FAST_PATH": env.get("FEED_FAST_PATH", "1") != "0",
        "PODPING_TOKEN": env.get("PODPING_TOKEN") or None,
        "PODPING_URL": env.get("PODPING_URL") or DEFAULT_PODPING_URL,
        # Announce a changed feed right after the commit, from a background thread;
        # the worker still covers scheduled episodes and retries. "0" leaves all to it.
        "ANNOUNCE_ON_COMMIT": env.get("ANNOUNCE_ON_COMMIT", "1") != "0",
        "TRUSTED_PROXIES": trusted_proxies(env),
        "ANALYTICS_RETENTION_DAYS": retention_days(env),
        "ANALYTICS_BUFFER_SECONDS": buffer_seconds(env),
        "MEDIA_CACHE_SECONDS": 5,
        "USER_AGENTS_DIR": env.get("USER_AGENTS_DIR") or str(SHIPPED_USER_AGENTS),
        "EMBED_ALLOWED_ORIGINS": embed_allowed_origins(env),
        **import_settings(env),
        **queue_settings(env),
        # Static URLs carry a content hash (app.assets), so they never go stale.
        "SEND_FILE_MAX_AGE_DEFAULT": 31536000,
    }
    settings.update(overrides)
    # Secure cookies whenever the site is served over https, however the base URL was given.
    secure = (settings["PUBLIC_BASE_URL"] or "").startswith("https://")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        settings.setdefault(name, secure)
    return settings


def max_upload_bytes(env: dict[str, str]) -> int:
    """The largest audio file the studio accepts."""
    value = env.get("MAX_UPLOAD_BYTES") or str(DEFAULT_MAX_UPLOAD_BYTES)
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"MAX_UPLOAD_BYTES must be a number of bytes, not {value!r}")
    return int(value)


def upload_bytes(env: dict[str, str], name: str, minimum: int) -> int:
    """Part (S3) or chunk (local disk) size of browser uploads; a failed one is sent again."""
    value = env.get(name) or str(DEFAULT_UPLOAD_PART_BYTES)
    if not value.isdigit() or int(value) < minimum:
        raise ConfigError(f"{name} must be a number of bytes of at least {minimum}, not {value!r}")
    return int(value)


def upload_cors(env: dict[str, str]) -> str:
    """``auto``: the app adds its origin to the bucket's CORS rules; ``off``: the operator does."""
    mode = env.get("UPLOAD_CORS", "auto")
    if mode not in ("auto", "off"):
        raise ConfigError(f"UPLOAD_CORS must be 'auto' or 'off', not {mode!r}")
    return mode


def import_settings(env: dict[str, str]) -> dict[str, Any]:
    """Limits for importing shows from other hosts (issue 7); every fetch obeys them.

    ``IMPORT_ALLOWED_HOSTS`` lists host names or addresses (networks too) that may
    be fetched although they are private or local, e.g. an intranet host.
    """

    def number(name: str, default: float) -> float:
        value = env.get(name)
        try:
            result = float(value) if value else default
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {value!r}") from None
        if result <= 0:
            raise ConfigError(f"{name} must be more than 0")
        return result

    return {
        "IMPORT_MAX_FEED_BYTES": int(number("IMPORT_MAX_FEED_BYTES", 20 * 1024**2)),
        "IMPORT_MAX_FILE_BYTES": int(number("IMPORT_MAX_FILE_BYTES", DEFAULT_MAX_UPLOAD_BYTES)),
        "IMPORT_MAX_SIDE_FILE_BYTES": int(number("IMPORT_MAX_SIDE_FILE_BYTES", 20 * 1024**2)),
        "IMPORT_TIMEOUT": number("IMPORT_TIMEOUT", 30),
        "IMPORT_FEED_SECONDS": number("IMPORT_FEED_SECONDS", 60),
        "IMPORT_FILE_SECONDS": number("IMPORT_FILE_SECONDS", 3600),
        "IMPORT_LEASE_SECONDS": number("IMPORT_LEASE_SECONDS", 120),
        "IMPORT_ALLOWED_HOSTS": tuple(
            re.split(r"[\s,]+", env.get("IMPORT_ALLOWED_HOSTS", "").strip())
        )
        if env.get("IMPORT_ALLOWED_HOSTS", "").strip()
        else (),
        # An import queued but not started after this long is queued again (app/jobs).
        "IMPORT_QUEUE_SECONDS": number("IMPORT_QUEUE_SECONDS", 600),
    }


def queue_settings(env: dict[str, str]) -> dict[str, Any]:
    """The job queue (app/jobs): where it is kept and how a lost job is noticed.

    ``QUEUE_URL`` unset keeps the queue in a SQLite file in the instance folder;
    ``redis://...`` shares it between consumers on several machines;
    ``immediate`` runs each job at once in the process that enqueues it.
    ``QUEUE_LEASE_SECONDS`` is how long a running job may go without a sign of
    life from its consumer before it counts as lost and is queued again;
    ``QUEUE_TICK_SECONDS`` how often each consumer looks for due periodic jobs.
    """
    url = env.get("QUEUE_URL", "").strip()
    if url and url != "immediate" and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"QUEUE_URL must be redis://..., 'immediate' or unset, not {url!r}")
    workers = env.get("QUEUE_WORKERS") or "2"
    if not workers.isdigit() or int(workers) < 1:
        raise ConfigError(f"QUEUE_WORKERS must be a whole number of at least 1, not {workers!r}")
    return {
        "QUEUE_URL": url,
        "QUEUE_NAME": env.get("QUEUE_NAME", "").strip() or "podhost",
        "QUEUE_WORKERS": int(workers),
        "QUEUE_LEASE_SECONDS": _seconds(env, "QUEUE_LEASE_SECONDS", 60.0, minimum=1),
        "QUEUE_TICK_SECONDS": _seconds(env, "QUEUE_TICK_SECONDS", 30.0, minimum=1),
        # Run a consumer thread inside the web process (``make demo``); see README.
        "QUEUE_IN_PROCESS": env.get("QUEUE_IN_PROCESS", "0") == "1",
    }


def database_url(env: dict[str, str], instance: Path) -> str:
    """Normalise the URL so SQLAlchemy uses psycopg 3 for any PostgreSQL spelling."""
    url = env.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{(instance / 'podhost.sqlite3').resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def storage_sweep_settings(env: dict[str, str]) -> dict[str, float]:
    """How often the worker removes orphan objects (0: never), and how old they must be.

    The grace period protects an object stored a moment before its row is
    committed, and a large save whose object S3 dates from when it began, so
    less than an hour is refused; tests set a shorter one directly.
    """
    every = _seconds(env, "STORAGE_SWEEP_EVERY", DEFAULT_SWEEP_SECONDS, minimum=0)
    grace = _seconds(env, "STORAGE_SWEEP_GRACE", DEFAULT_SWEEP_SECONDS, minimum=3600)
    return {"STORAGE_SWEEP_EVERY": every, "STORAGE_SWEEP_GRACE": grace}


def audio_processing_settings(env: dict[str, str]) -> dict[str, Any]:
    """Limits of audio processing (issue 16): the longest file, and the bit rate above
    which a lossy upload is re-encoded as MP3 like a master."""
    return {
        # "0": uploads are published as they are, with no episode_audio row (as before 0018).
        "AUDIO_PROCESSING": env.get("AUDIO_PROCESSING", "1") != "0",
        "AUDIO_MAX_SECONDS": _seconds(env, "AUDIO_MAX_SECONDS", 6 * 3600, minimum=60),
        "AUDIO_MAX_KBPS": _seconds(env, "AUDIO_MAX_KBPS", 192, minimum=32),
    }


def _seconds(env: dict[str, str], name: str, default: float, minimum: float) -> float:
    value = env.get(name) or str(default)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= minimum:  # "nan" too
        raise ConfigError(f"{name} must be at least {minimum:g} seconds, not {value!r}")
    return seconds


def storage_options(env: dict[str, str]) -> dict[str, str]:
    """S3 settings that do not fit in ``STORAGE_URL``; unset ones are left out."""
    names = {
        "S3_ENDPOINT_URL": "endpoint_url",
        "S3_REGION": "region",
        "S3_ADDRESSING_STYLE": "addressing_style",
        "S3_ACCESS_KEY_ID": "access_key_id",
        "S3_SECRET_ACCESS_KEY": "secret_access_key",
        "STORAGE_PUBLIC_BASE_URL": "public_base_url",
    }
    return {option: env[name] for name, option in names.items() if env.get(name)}


def secret_key(env: dict[str, str], instance: Path, embedded: bool) -> str:
    """The configured key, or on the embedded default one generated once and kept."""
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    if not embedded:
        raise ConfigError(
            "SECRET_KEY is not set. It is required whenever DATABASE_URL is set; "
            "give every web process the same long random value."
        )
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def media_delivery(env: dict[str, str]) -> str:
    """``proxy``: the app streams the bytes; ``redirect``: 302 to the storage URL."""
    mode = env.get("MEDIA_DELIVERY", "proxy")
    if mode not in ("proxy", "redirect"):
        raise ConfigError(f"MEDIA_DELIVERY must be 'proxy' or 'redirect', not {mode!r}")
    return mode


def trusted_proxies(env: dict[str, str]) -> list[IPNetwork]:
    """Proxies whose ``X-Forwarded-For`` is believed; none by default, so no one can spoof it."""
    try:
        return parse_networks(env.get("TRUSTED_PROXIES", ""))
    except ValueError as exc:
        raise ConfigError(
            f"TRUSTED_PROXIES: {exc}; give addresses or networks, comma-separated"
        ) from None


def retention_days(env: dict[str, str]) -> int:
    """How long raw download hits are kept before only the daily counts remain."""
    value = env.get("ANALYTICS_RETENTION_DAYS", "30")
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"ANALYTICS_RETENTION_DAYS must be a whole number of days, not {value!r}")
    return int(value)


def buffer_seconds(env: dict[str, str]) -> float:
    """How long a web process may hold download hits to write them in one batch; 0 = never."""
    value = env.get("ANALYTICS_BUFFER_SECONDS", "0.25")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 10:
        raise ConfigError(f"ANALYTICS_BUFFER_SECONDS must be between 0 and 10, not {value!r}")
    return seconds


def embed_allowed_origins(env: dict[str, str]) -> tuple[str, ...]:
    """Origins that may frame the player (CSP ``frame-ancestors``); empty means any origin.

    ``EMBED_ALLOWED_ORIGINS="https://malmo.se https://www.malmo.se"``; commas work too.
    """
    origins = tuple(re.split(r"[\s,]+", env.get("EMBED_ALLOWED_ORIGINS", "").strip()))
    origins = tuple(origin for origin in origins if origin)
    for origin in origins:
        if not ORIGIN_PATTERN.match(origin):
            raise ConfigError(
                f"EMBED_ALLOWED_ORIGINS: {origin!r} is not an origin like https://malmo.se "
                "(scheme and host, optional port, no path)."
            )
    return origins

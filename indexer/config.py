"""Where vnarchive keeps its run-time data, and the settings read from the environment.

Everything the tool writes (archive, index, WARCs, logs, job state) lives under
one data directory: ``$VNARCHIVE_DATA``, default ``data/`` in the repository.

| setting | environment variable | default |
|---|---|---|
| data directory | ``VNARCHIVE_DATA`` | ``<repo>/data`` |
| archive store URL | ``VNARCHIVE_DB_URL`` | ``sqlite:///$VNARCHIVE_DATA/archive.sqlite`` |
| sample server URL | ``VNARCHIVE_SAMPLES_URL`` | where ``vnarchive samples serve`` is running (``$VNARCHIVE_DATA/samples-server.json``), else ``http://127.0.0.1:8765`` |
| public URL of the web app (permalinks in exports and citations) | ``VNARCHIVE_PUBLIC_URL`` | ``http://127.0.0.1:8000`` |
| portal profiles directory | ``VNARCHIVE_PORTALS`` | ``<repo>/data/portals`` |
| admin-added portal profiles | — | ``$VNARCHIVE_DATA/portals`` (merged over the above) |
| Scrapyd nodes that run crawls | ``VNARCHIVE_SCRAPYD_URLS`` | none (local processes) |
| their Scrapyd project | ``VNARCHIVE_SCRAPYD_PROJECT`` | ``vnarchive`` |

A crawl may also get the first four as **Scrapy settings** of the same names
(``scrapy crawl portal -s VNARCHIVE_DATA=…``, or ``setting=VNARCHIVE_DATA=…`` in Scrapyd's
``schedule.json``, which cannot pass environment variables): :func:`apply_settings`
makes them win over the environment for the rest of that process.  Where the default
cannot work (the code runs from a Scrapyd egg, a zip file, so ``<repo>/data`` is no
directory) the functions raise :class:`ConfigError` naming the setting to give.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLES_URL = "http://127.0.0.1:8765"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

PATH_SETTINGS = ("VNARCHIVE_DATA", "VNARCHIVE_PORTALS", "VNARCHIVE_DB_URL", "VNARCHIVE_SAMPLES_URL")
"""The settings a crawl may get as Scrapy settings as well as environment variables."""

_overrides: dict[str, str] = {}


class ConfigError(RuntimeError):
    """A required path or URL is missing or unusable; the message names the setting."""


def apply_settings(settings: Any) -> dict[str, str]:
    """Take :data:`PATH_SETTINGS` from a Scrapy ``Settings`` (or a dict) for this process.

    Only values that were set (non-empty) count; they win over the environment.
    Returns what was applied.
    """
    applied = {}
    for name in PATH_SETTINGS:
        value = settings.get(name)
        if value not in (None, ""):
            applied[name] = str(value)
    _overrides.update(applied)
    return applied


def clear_overrides() -> None:
    """Forget what :func:`apply_settings` set (back to the environment)."""
    _overrides.clear()


def setting(name: str) -> str | None:
    """A setting's value: given as a Scrapy setting, else the environment, else None."""
    return _overrides.get(name) or os.environ.get(name) or None


def _how_to_set(name: str) -> str:
    return (
        f"set {name} (an environment variable, or a Scrapy setting: "
        f"`-s {name}=…`, or `setting={name}=…` in Scrapyd's schedule.json)"
    )


def data_dir() -> Path:
    """The data directory (created on first use); ConfigError if it cannot be used."""
    given = setting("VNARCHIVE_DATA")
    if given is None and not REPO_ROOT.is_dir():
        raise ConfigError(
            f"VNARCHIVE_DATA is not set and the default {REPO_ROOT / 'data'} is inside a "
            f"package file, not a directory: {_how_to_set('VNARCHIVE_DATA')}"
        )
    path = Path(given or REPO_ROOT / "data").resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"VNARCHIVE_DATA: cannot use {path} as the data directory "
            f"({exc.strerror or exc}); {_how_to_set('VNARCHIVE_DATA')}"
        ) from None
    return path


def db_url() -> str:
    """The SQLAlchemy URL of the archive store."""
    return setting("VNARCHIVE_DB_URL") or f"sqlite:///{data_dir() / 'archive.sqlite'}"


def index_dir() -> Path:
    """The Whoosh index directory."""
    return data_dir() / "index"


def warc_dir() -> Path:
    """The root of the WARC files (one sub-directory per portal)."""
    return data_dir() / "warc"


def jobs_dir() -> Path:
    """Per-portal crawl job state (Scrapy JOBDIR) and logs."""
    return data_dir() / "jobs"


def portals_dir() -> Path:
    """The directory holding portal profiles (TOML)."""
    return Path(setting("VNARCHIVE_PORTALS") or REPO_ROOT / "data" / "portals")


def check_portals_dir() -> Path:
    """:func:`portals_dir`, or ConfigError naming ``VNARCHIVE_PORTALS`` when it is no directory."""
    path = portals_dir()
    if not path.is_dir():
        where = "is not set and the default" if setting("VNARCHIVE_PORTALS") is None else ""
        raise ConfigError(
            f"VNARCHIVE_PORTALS {where} {path} is not a directory of portal profiles: "
            f"{_how_to_set('VNARCHIVE_PORTALS')}".replace("  ", " ")
        )
    return path


def admin_portals_dir() -> Path:
    """Profiles added or edited through the admin console: ``$VNARCHIVE_DATA/portals``.

    ``crawler.profiles.load_profiles()`` merges them over :func:`portals_dir` (same id:
    the admin's copy wins).  Not created here: only the admin writes to it.
    """
    return data_dir() / "portals"


def read_reference(name: str) -> bytes:
    """A reference file shipped in ``data/`` (``places.toml``, ``topics.toml``), as bytes.

    From the checkout's ``data/`` when it is there; else from the copy packaged as
    ``indexer/reference/`` (symlinks in the repository), which a Scrapyd egg or a wheel
    carries: code run from a zip file cannot open ``<repo>/data/…`` as a file.
    """
    path = REPO_ROOT / "data" / name
    if path.is_file():
        return path.read_bytes()
    from importlib.resources import files

    return (files("indexer") / "reference" / name).read_bytes()


def scrapyd_urls() -> list[str]:
    """The Scrapyd nodes that run crawls (``VNARCHIVE_SCRAPYD_URLS``: comma- or
    space-separated base URLs); empty: crawls run as local processes."""
    raw = os.environ.get("VNARCHIVE_SCRAPYD_URLS") or ""
    urls = [u.strip() for u in raw.replace(",", " ").split()]
    return [u if u.endswith("/") else u + "/" for u in urls if u]


def scrapyd_project() -> str:
    """The Scrapyd project name crawls are deployed under (``scrapy.cfg``'s ``project``)."""
    return os.environ.get("VNARCHIVE_SCRAPYD_PROJECT") or "vnarchive"


def samples_server_file() -> Path:
    """Where a running ``vnarchive samples serve`` records its URL and process id."""
    return data_dir() / "samples-server.json"


def running_samples_server() -> str | None:
    """The URL a live ``vnarchive samples serve`` of this data directory serves, or None."""
    import json

    try:
        record = json.loads(samples_server_file().read_text(encoding="utf-8"))
        pid, url = int(record["pid"]), str(record["url"])
        os.kill(pid, 0)  # signal 0: does the process still exist?
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url.rstrip("/") or None


def samples_url() -> str:
    """Base URL of the sample portal server (no trailing slash).

    ``VNARCHIVE_SAMPLES_URL`` when set (a Scrapy setting or the environment); else the
    URL of the ``vnarchive samples serve`` running for this data directory; else
    ``http://127.0.0.1:8765``.
    """
    configured = setting("VNARCHIVE_SAMPLES_URL")
    if configured:
        return configured.rstrip("/")
    return running_samples_server() or DEFAULT_SAMPLES_URL


def public_url() -> str:
    """Where the web app is reached (no trailing slash): the base of permalinks that the
    command line writes (``vnarchive cite``, ``vnarchive export``'s ``archive_url``)."""
    return (os.environ.get("VNARCHIVE_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")

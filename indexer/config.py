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
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLES_URL = "http://127.0.0.1:8765"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def data_dir() -> Path:
    """The data directory (created on first use)."""
    path = Path(os.environ.get("VNARCHIVE_DATA") or REPO_ROOT / "data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url() -> str:
    """The SQLAlchemy URL of the archive store."""
    return os.environ.get("VNARCHIVE_DB_URL") or f"sqlite:///{data_dir() / 'archive.sqlite'}"


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
    return Path(os.environ.get("VNARCHIVE_PORTALS") or REPO_ROOT / "data" / "portals")


def admin_portals_dir() -> Path:
    """Profiles added or edited through the admin console: ``$VNARCHIVE_DATA/portals``.

    ``crawler.profiles.load_profiles()`` merges them over :func:`portals_dir` (same id:
    the admin's copy wins).  Not created here: only the admin writes to it.
    """
    return data_dir() / "portals"


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

    ``$VNARCHIVE_SAMPLES_URL`` when set; else the URL of the ``vnarchive samples serve``
    running for this data directory; else ``http://127.0.0.1:8765``.
    """
    configured = os.environ.get("VNARCHIVE_SAMPLES_URL")
    if configured:
        return configured.rstrip("/")
    return running_samples_server() or DEFAULT_SAMPLES_URL


def public_url() -> str:
    """Where the web app is reached (no trailing slash): the base of permalinks that the
    command line writes (``vnarchive cite``, ``vnarchive export``'s ``archive_url``)."""
    return (os.environ.get("VNARCHIVE_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")

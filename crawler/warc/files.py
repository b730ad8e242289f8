"""WARC file names and paths (stored relative to the data dir), payload digests, the error type."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from indexer import config

__all__ = [
    "WarcError",
    "payload_digest",
    "relative_warc_path",
    "resolve_warc_path",
    "warc_file_name",
]


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class WarcError(RuntimeError):
    """A WARC file or record that cannot be read (missing file, bad offset, corrupt data)."""


def warc_file_name(portal: str, serial: int, when: datetime | None = None) -> str:
    """``vnarchive-<portal>-<YYYYmmddHHMMSSffffff>-<serial:05d>.warc.gz``: unique across
    portals and jobs, so files of many portals can share one pywb collection."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    prefix = _UNSAFE_NAME.sub("_", portal).strip("_") or "portal"
    return f"vnarchive-{prefix}-{stamp}-{serial:05d}.warc.gz"


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body`` (``sha1:`` + base32), as warcio writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def relative_warc_path(path: Path) -> str:
    """The path stored in the archive: relative to the data directory when inside it."""
    try:
        return str(path.resolve().relative_to(config.data_dir()))
    except ValueError:
        return str(path.resolve())


def resolve_warc_path(stored: str) -> Path:
    """The absolute path of a WARC file as stored in the archive (see relative_warc_path)."""
    path = Path(stored)
    return path if path.is_absolute() else config.data_dir() / path

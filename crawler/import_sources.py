"""The files an import reads: WARC, WARC.gz and WACZ found and copied into the archive,
their records read past any damage, and each capture's original URL and date.

``crawler.importer`` reads what these yield into the archive.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.warc.wacz import warc_members

__all__ = [
    "capture_date",
    "copies",
    "copy_in",
    "copy_size",
    "original_url",
    "records",
    "source_files",
]

_WAYBACK = re.compile(
    r"^https?://[^/]+/(?:web/|[\w.-]+/)?(?P<ts>\d{4,14})(?:[a-z]{2}_)?/(?P<url>https?:/+.+)$",
    re.I,
)
_SUFFIXES = (".warc", ".warc.gz", ".wacz")
_GZIP = b"\x1f\x8b\x08"


def original_url(url: str) -> tuple[str, str | None]:
    """(original URL, 14-digit timestamp or None) of a Wayback-style replay URL."""
    match = _WAYBACK.match(url)
    if not match:
        return url, None
    target = re.sub(r"^(https?):/+", r"\1://", match.group("url"))
    return target, match.group("ts").ljust(14, "0")


def source_files(paths: list[Path]) -> list[Path]:
    """WARC, WARC.gz and WACZ files named or inside the folders named (ValueError if none)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
            )
        elif path.is_file():
            if not path.name.lower().endswith(_SUFFIXES):
                raise ValueError(f"{path}: not a .warc, .warc.gz or .wacz file")
            found.append(path)
        else:
            raise ValueError(f"{path}: no such file or folder")
    if not found:
        raise ValueError("no .warc, .warc.gz or .wacz file in " + ", ".join(map(str, paths)))
    return found


def copy_in(stream: Any, name: str, folder: Path) -> Path:
    """Copy a WARC stream into ``folder`` as ``<sha1 prefix>-<name>`` (once per content),
    synced to disk before it gets its name."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("/", "-")).strip("._") or "warc"
    tmp = folder / f".{safe}.part"
    digest = hashlib.sha1()
    with open(tmp, "wb") as out:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())  # on disk before the archive's rows point into it
    target = folder / f"{digest.hexdigest()[:12]}-{safe}"
    if target.exists():
        tmp.unlink()
    else:
        tmp.replace(target)
    return target


def copies(source: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    """(name shown to the user, archived copy) of every WARC in ``source``."""
    if source.name.lower().endswith(".wacz"):
        for member, stream in warc_members(source):
            yield f"{source.name}:{member}", copy_in(stream, f"{source.stem}-{member}", folder)
    else:
        with open(source, "rb") as stream:
            yield source.name, copy_in(stream, source.name, folder)


def records(path: Path, bad: Callable[[int, str], None]) -> Iterator[tuple[Any, int, Any]]:
    """(record, offset, iterator) of a WARC file; an unreadable record is reported to
    ``bad`` and reading goes on at the next gzip member (or ``WARC/`` line)."""
    size = path.stat().st_size
    start = 0
    with open(path, "rb") as fh:
        while start < size:
            fh.seek(start)
            iterator = ArchiveIterator(fh, check_digests=False)
            offset = start
            try:
                for record in iterator:
                    offset = iterator.offset  # the record's start (its payload still unread)
                    yield record, offset, iterator
                return
            except Exception as exc:  # noqa: BLE001 - any damage: skip the record
                # where the damaged record starts: after the last one read whole
                offset = max(offset, getattr(iterator, "offset", offset) or 0)
                bad(offset, f"{type(exc).__name__}: {str(exc)[:120]}")
                start = _next_record(fh, offset + 1, size)


def _next_record(fh: Any, start: int, size: int) -> int:
    """The offset of the next gzip member or ``WARC/`` header at or after ``start``."""
    pos = start
    while pos < size:
        fh.seek(pos)
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        hits = [i for i in (chunk.find(_GZIP), chunk.find(b"\nWARC/1.")) if i >= 0]
        if hits:
            hit = min(hits)
            return pos + hit + (1 if chunk[hit : hit + 1] == b"\n" else 0)
        pos += len(chunk) - 8
    return size


def capture_date(record: Any, stamp: str | None) -> datetime:
    """The capture's date: the Wayback timestamp, else the record's WARC-Date."""
    if stamp:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    raw = record.rec_headers.get_header("WARC-Date") or ""
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def copy_size(paths: list[Path]) -> int:
    """The total size of the sources (the progress bar's length)."""
    return sum(p.stat().st_size for p in source_files(paths))

"""Reading archived captures back from WARC files (written by the crawler with warcio).

A capture is addressed by (WARC file, record offset), as the store keeps it.
:func:`read_capture` reads one record's HTTP payload (decoded, size-bounded);
:func:`stream_payload` streams a large one; :func:`find_capture` finds the record
of a URL in a WARC file through the CDXJ index beside it (``crawler.warc.cdxj``: a
bisect over the sorted index, or the open index of a file still being written;
never a scan of the WARC), so a replayed page can find its images and
stylesheets from the same capture.  A ``revisit`` record (written for an
unchanged re-crawl, or by another tool) is read through the earlier record it
refers to, found by URL, date and payload digest in the indexes of the WARC
files beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from crawler.warc import cdxj_index

CHUNK = 64 * 1024
RECORD_TYPES = ("response", "resource")
MAX_SIBLING_FILES = 500  # WARC files searched for the original of a revisit


class CaptureError(Exception):
    """A WARC record cannot be read (missing file, bad offset, not a capture)."""


@dataclass
class Capture:
    """One archived HTTP response: where it came from, when, its type and payload."""

    target_uri: str
    date: str | None
    status: int | None
    content_type: str
    payload: bytes
    truncated: bool


def _content_type(record) -> str:  # type: ignore[no-untyped-def]
    if record.http_headers is not None:
        value = record.http_headers.get_header("Content-Type")
        if value:
            return value
    return record.rec_headers.get_header("Content-Type") or "application/octet-stream"


def _open_record(path: Path, offset: int, *, _depth: int = 0):  # type: ignore[no-untyped-def]
    """Open the record at ``offset`` holding a payload (a revisit: its original's)."""
    handle = path.open("rb")
    try:
        handle.seek(offset)
        head = handle.read(2)
        handle.seek(offset)
        iterator = ArchiveIterator(handle)
        record = next(iterator, None)
    except Exception as exc:  # warcio raises assorted errors on bad offsets
        handle.close()
        raise CaptureError(f"no WARC record at {path.name}:{offset} ({exc})") from None
    if record is not None and (record.format != "warc" or head not in (b"\x1f\x8b", b"WA")):
        record = None  # warcio read garbage at a wrong offset as an ARC header
    if record is not None and record.rec_type == "revisit" and _depth == 0:
        original = _revisit_original(path, record)
        handle.close()
        if original is None:
            raise CaptureError(f"the original of the revisit at {path.name}:{offset} is missing")
        orig_handle, orig_record = _open_record(*original, _depth=1)
        # the revisit's date is the capture's date; its headers, when it has them
        orig_record.rec_headers.replace_header(
            "WARC-Date", record.rec_headers.get_header("WARC-Date")
        )
        return orig_handle, orig_record
    if record is None or record.rec_type not in RECORD_TYPES:
        handle.close()
        raise CaptureError(f"no captured response at {path.name}:{offset}")
    return handle, record


def _revisit_original(path: Path, record) -> tuple[Path, int] | None:  # type: ignore[no-untyped-def]
    """Where the original of a revisit record is: same URL, date and payload digest,
    looked up in the indexes of this WARC file and the ones beside it."""
    headers = record.rec_headers
    uri = headers.get_header("WARC-Refers-To-Target-URI") or headers.get_header("WARC-Target-URI")
    digest = headers.get_header("WARC-Payload-Digest")
    date = headers.get_header("WARC-Refers-To-Date")
    stamp = iso_date_to_timestamp(date) if date else None
    if not uri:
        return None
    siblings = sorted(path.parent.glob("*.warc.gz"), reverse=True)[:MAX_SIBLING_FILES]
    best: tuple[Path, int] | None = None
    for candidate in [path, *(p for p in siblings if p != path)]:
        try:
            entries = cdxj_index.open_index(candidate).lookup(uri)
        except OSError:
            continue
        for entry in entries:
            if entry.is_revisit or (digest and entry.digest != digest):
                continue
            if stamp is None or entry.timestamp == stamp:
                return candidate, entry.offset
            best = best or (candidate, entry.offset)
    return best


def find_capture(path: Path, url: str) -> tuple[Path, int] | None:
    """The latest capture of ``url`` in the WARC file ``path`` (via its CDXJ index),
    as (WARC path, offset) of a record :func:`read_capture` reads, or None."""
    try:
        entries = cdxj_index.open_index(path).lookup(url)
    except OSError:
        return None
    exact = [e for e in entries if e.url == url] or entries
    usable = [e for e in exact if e.is_revisit or (e.status or "200").startswith("2")]
    if not usable:
        return None
    return path, max(usable, key=lambda e: e.timestamp).offset


def read_capture(path: Path, offset: int, *, max_bytes: int = 20 * 1024 * 1024) -> Capture:
    """The capture at ``offset`` in ``path``, its payload cut at ``max_bytes``."""
    handle, record = _open_record(path, offset)
    try:
        stream = record.content_stream()
        payload = stream.read(max_bytes + 1)
        status = None
        if record.http_headers is not None:
            try:
                status = int(record.http_headers.get_statuscode())
            except (TypeError, ValueError):
                status = None
        return Capture(
            target_uri=record.rec_headers.get_header("WARC-Target-URI") or "",
            date=record.rec_headers.get_header("WARC-Date"),
            status=status,
            content_type=_content_type(record),
            payload=payload[:max_bytes],
            truncated=len(payload) > max_bytes,
        )
    except CaptureError:
        raise
    except Exception as exc:
        raise CaptureError(f"unreadable WARC record at {path.name}:{offset} ({exc})") from None
    finally:
        handle.close()


def capture_content_type(path: Path, offset: int) -> str:
    """The Content-Type of the capture at ``offset`` (without reading its payload)."""
    handle, record = _open_record(path, offset)
    try:
        return _content_type(record)
    finally:
        handle.close()


def stream_payload(path: Path, offset: int) -> Iterator[bytes]:
    """Stream the decoded payload of the capture at ``offset`` in chunks."""
    handle, record = _open_record(path, offset)
    try:
        stream = record.content_stream()
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        handle.close()

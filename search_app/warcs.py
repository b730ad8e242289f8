"""Reading archived captures back from WARC files (written by the crawler with warcio).

A capture is addressed by (WARC file, record offset), as the store keeps it.
:func:`read_capture` reads one record's HTTP payload (decoded, size-bounded);
:func:`stream_payload` streams a large one; :func:`capture_index` maps every
target URI of a WARC file to its record, so a replayed page can find its
images and stylesheets from the same capture.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

CHUNK = 64 * 1024
RECORD_TYPES = ("response", "resource")


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


def _open_record(path: Path, offset: int):  # type: ignore[no-untyped-def]
    handle = path.open("rb")
    try:
        handle.seek(offset)
        iterator = ArchiveIterator(handle)
        record = next(iterator, None)
    except Exception as exc:  # warcio raises assorted errors on bad offsets
        handle.close()
        raise CaptureError(f"no WARC record at {path.name}:{offset} ({exc})") from None
    if record is None or record.rec_type not in RECORD_TYPES:
        handle.close()
        raise CaptureError(f"no captured response at {path.name}:{offset}")
    return handle, record


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


_INDEX_CACHE: OrderedDict[tuple[str, int, int], dict[str, int]] = OrderedDict()
_INDEX_LOCK = threading.Lock()
INDEX_CACHE_FILES = 16


def capture_index(path: Path) -> dict[str, int]:
    """Every captured target URI of a WARC file → its record offset (cached per file state)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _INDEX_LOCK:
        if key in _INDEX_CACHE:
            _INDEX_CACHE.move_to_end(key)
            return _INDEX_CACHE[key]
    index: dict[str, int] = {}
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                if record.rec_type in RECORD_TYPES:
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    if uri and uri not in index:
                        index[uri] = iterator.get_record_offset()
        except Exception:  # a truncated file (crawl still writing): keep what was read
            pass
    with _INDEX_LOCK:
        _INDEX_CACHE[key] = index
        while len(_INDEX_CACHE) > INDEX_CACHE_FILES:
            _INDEX_CACHE.popitem(last=False)
    return index

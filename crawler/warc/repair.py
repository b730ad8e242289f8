"""Durable order after a kill: WARCs cut mid-record are truncated and rows pointing past their end re-captured."""

from __future__ import annotations

import io
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.warc import cdxj
from crawler.warc.files import resolve_warc_path
from indexer.store.archive import ArchiveStore

logger = logging.getLogger(__name__)

__all__ = ["check_warc_ends", "repair_warc"]


def repair_warc(path: Path) -> int:
    """Truncate ``path`` after its last complete record; return how many bytes were cut.

    A record is complete when its gzip member decompresses to the end and warcio can
    read its headers and whole block.  Anything after the last such record (a record
    cut by SIGKILL, a half-written gzip member, trailing garbage) is removed.
    """
    if not path.exists():
        return 0
    size = path.stat().st_size
    good_end = _last_complete_offset(path)
    if good_end < size:
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
    return size - good_end


def _last_complete_offset(path: Path) -> int:
    """The end offset of the last complete gzip member holding a readable WARC record."""
    good_end = 0
    with open(path, "rb") as fh:
        data_offset = 0
        while True:
            fh.seek(data_offset)
            member_end = _gzip_member_end(fh, data_offset)
            if member_end is None:
                break
            fh.seek(data_offset)
            chunk = fh.read(member_end - data_offset)
            if not _is_complete_record(chunk):
                break
            good_end = data_offset = member_end
    return good_end


def _gzip_member_end(fh: io.BufferedReader, start: int) -> int | None:
    """Decompress one gzip member starting at ``start``; its end offset, or None if cut."""
    decomp = zlib.decompressobj(zlib.MAX_WBITS + 16)
    consumed = 0
    while True:
        buf = fh.read(1 << 16)
        if not buf:
            return None  # EOF before the member's trailer: cut mid-record
        try:
            decomp.decompress(buf)
        except zlib.error:
            return None
        if decomp.eof:
            consumed += len(buf) - len(decomp.unused_data)
            return start + consumed
        consumed += len(buf)


def _is_complete_record(member: bytes) -> bool:
    """Whether one gzip member holds a WARC record warcio reads to its end."""
    try:
        for record in ArchiveIterator(io.BytesIO(member), check_digests=False):
            record.content_stream().read()
            return True
    except Exception:  # any parse error means the record is not usable
        return False
    return False


@dataclass
class EndsReport:
    """What :func:`check_warc_ends` found and repaired."""

    files_checked: int = 0
    files_repaired: int = 0
    bytes_cut: int = 0
    articles_recapture: list[str] | None = None  # ids whose capture was lost
    rows_cleared: int = 0


def check_warc_ends(store: ArchiveStore, portal: str) -> EndsReport:
    """Check that no row of ``portal`` points past the end of its WARC file; repair.

    A file cut mid-record is truncated to its last complete record; rows pointing
    past the end (or into a missing file) lose their pointer: articles are captured
    again by the crawl (their validators are cleared), attachments are downloaded
    again, versions keep their text.
    """
    report = EndsReport(articles_recapture=[])
    for stored, end in sorted(store.warc_extents(portal).items()):
        report.files_checked += 1
        path = resolve_warc_path(stored)
        size = path.stat().st_size if path.is_file() else None
        if size is not None and end <= size:
            continue
        if size is not None:
            cut = repair_warc(path)
            if cut:
                report.files_repaired += 1
                report.bytes_cut += cut
                cdxj.cdxj_path(path).unlink(missing_ok=True)  # rebuilt on next use
            size = path.stat().st_size
        ids, cleared = store.clear_warc_pointers(portal, stored, size)
        report.articles_recapture.extend(ids)
        report.rows_cleared += cleared
        logger.warning(
            "%s: %d rows pointed past the end of %s (%s bytes); their pages are captured again",
            portal,
            cleared,
            stored,
            "missing" if size is None else size,
        )
    return report

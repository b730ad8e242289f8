"""CDXJ: the index of a WARC file, one line per capture, as ``cdxj-indexer`` writes it.

A line is ``<SURT url key> <14-digit timestamp> <JSON>``; the JSON holds ``url``,
``mime``, ``status``, ``digest``, ``length``, ``offset`` and ``filename`` in that
order (a field without a value is left out), exactly like ``cdxj-indexer --sort``
(the pywb / WACZ standard).  Indexed records: ``response``, ``revisit``,
``resource`` and ``metadata`` (not ``application/warc-fields`` ones).

Files beside each WARC ``NAME.warc.gz``:

``NAME.cdxj``        the sorted index of a finished WARC file;
``NAME.cdxj.open``   the unsorted index of a WARC file still being written, one line
                     appended (and flushed) per record, sorted into ``NAME.cdxj`` when
                     the file is closed.

Readers never scan a WARC to find a record: :func:`crawler.warc.cdxj_index.open_index`
gives the index of a
WARC file (bisect over the sorted file, or the lines of the open one read
incrementally), and builds and keeps the ``.cdxj`` of an older WARC that has none,
once.  The crawler writes; the web app, import and export read.
"""

from __future__ import annotations

import heapq
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

__all__ = [
    "CdxjEntry",
    "INDEXED_RECORDS",
    "cdxj_path",
    "entry_for_record",
    "index_warc",
    "open_path",
    "url_key",
    "write_cdxj",
]

INDEXED_RECORDS = ("response", "revisit", "resource", "metadata")
_SPACE = re.compile(r"[;\s]")


def url_key(url: str) -> str:
    """The SURT key of a URL (``cdxj-indexer`` falls back to the URL when SURT fails)."""
    try:
        return surt.surt(url)
    except Exception:  # noqa: BLE001 - the same fallback as cdxj-indexer
        return url


def cdxj_path(warc_path: Path) -> Path:
    """``NAME.cdxj`` beside ``NAME.warc.gz`` (or ``NAME.warc``)."""
    name = warc_path.name
    for suffix in (".warc.gz", ".warc"):
        if name.endswith(suffix):
            return warc_path.with_name(name[: -len(suffix)] + ".cdxj")
    return warc_path.with_name(name + ".cdxj")


def open_path(warc_path: Path) -> Path:
    """``NAME.cdxj.open``: the index of a WARC file still being written."""
    return cdxj_path(warc_path).with_name(cdxj_path(warc_path).name + ".open")


@dataclass(frozen=True)
class CdxjEntry:
    """One capture in a CDXJ index."""

    urlkey: str
    timestamp: str
    url: str
    offset: int
    length: int
    filename: str
    mime: str | None = None
    status: str | None = None
    digest: str | None = None

    @property
    def is_revisit(self) -> bool:
        """Whether the record is a ``revisit`` (its payload lives in an earlier record)."""
        return self.mime == "warc/revisit"

    def line(self) -> str:
        """The CDXJ line (without newline), byte for byte as cdxj-indexer writes it."""
        fields: dict[str, str] = {"url": self.url}
        if self.mime is not None:
            fields["mime"] = self.mime
        if self.status is not None:
            fields["status"] = self.status
        if self.digest is not None:
            fields["digest"] = self.digest
        fields["length"] = str(self.length)
        fields["offset"] = str(self.offset)
        fields["filename"] = self.filename
        return f"{self.urlkey} {self.timestamp} {json.dumps(fields)}"

    @classmethod
    def parse(cls, line: str) -> CdxjEntry:
        """Read one CDXJ line (ValueError when it is not one)."""
        key, timestamp, rest = line.rstrip("\n").split(" ", 2)
        data: dict[str, Any] = json.loads(rest)
        return cls(
            urlkey=key,
            timestamp=timestamp,
            url=str(data.get("url", "")),
            offset=int(data["offset"]),
            length=int(data["length"]),
            filename=str(data.get("filename", "")),
            mime=data.get("mime"),
            status=data.get("status"),
            digest=data.get("digest"),
        )


def entry_for_record(record: Any, offset: int, length: int, filename: str) -> CdxjEntry | None:
    """The index entry of a warcio record at ``offset`` (None for records not indexed)."""
    rec_type = record.rec_type
    if rec_type not in INDEXED_RECORDS:
        return None
    headers = record.rec_headers
    if (
        rec_type in ("resource", "metadata")
        and headers.get_header("Content-Type") == "application/warc-fields"
    ):
        return None
    http = record.http_headers
    if rec_type == "revisit":
        mime: str | None = "warc/revisit"
    else:
        raw = (
            (http.get_header("Content-Type") if http else None)
            if rec_type == "response"
            else headers.get_header("Content-Type")
        )
        mime = _SPACE.split(raw, 1)[0].strip() if raw else raw
    status = http.get_statuscode() if http and rec_type in ("response", "revisit") else None
    url = headers.get_header("WARC-Target-URI") or ""
    return CdxjEntry(
        urlkey=url_key(url),
        timestamp=iso_date_to_timestamp(headers.get_header("WARC-Date")),
        url=url,
        offset=offset,
        length=length,
        filename=filename,
        mime=mime,
        status=status,
        digest=headers.get_header("WARC-Payload-Digest"),
    )


def index_warc(path: Path, filename: str | None = None) -> Iterator[CdxjEntry]:
    """Index a WARC file by reading it once (for files written without an index).

    Stops quietly at a record that cannot be read (a file cut mid-record).
    """
    name = filename or path.name
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        try:
            for record in iterator:
                offset = iterator.get_record_offset()
                if record.rec_type not in INDEXED_RECORDS:
                    continue
                iterator.read_to_end(record)  # to know the record's length
                entry = entry_for_record(record, offset, iterator.get_record_length(), name)
                if entry is not None:
                    yield entry
        except Exception:  # noqa: BLE001 - a cut or corrupt tail: keep what was read
            return


def write_cdxj(entries: Iterable[CdxjEntry], path: Path) -> int:
    """Write a sorted CDXJ file atomically (temporary file, fsync, rename); line count."""
    lines = sorted(entry.line() for entry in entries)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return len(lines)


def sort_lines(source: Path, path: Path, chunk: int = 50_000) -> int:
    """Write the lines of ``source`` (CDXJ lines in any order) sorted to ``path``, as
    :func:`write_cdxj` does, in bounded memory: runs of ``chunk`` lines are sorted to
    temporary files and merged.  Returns the line count."""
    runs: list[Path] = []
    with open(source, encoding="utf-8") as fh:
        while True:
            lines = sorted(
                line if line.endswith("\n") else line + "\n" for line in _take(fh, chunk)
            )
            if not lines:
                break
            run = path.with_name(f"{path.name}.run{len(runs)}")
            run.write_text("".join(lines), encoding="utf-8")
            runs.append(run)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    files = [open(run, encoding="utf-8") for run in runs]  # noqa: SIM115 - closed below
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            for line in heapq.merge(*files):
                out.write(line)
                count += 1
            out.flush()
            os.fsync(out.fileno())
    finally:
        for fh in files:
            fh.close()
        for run in runs:
            run.unlink()
    os.replace(tmp, path)
    return count


def _take(fh: Any, count: int) -> Iterator[str]:
    for _ in range(count):
        line = fh.readline()
        if not line:
            return
        yield line


def read_lines(path: Path) -> list[CdxjEntry]:
    """Every entry of a CDXJ file (sorted or open); lines that do not parse are skipped."""
    out: list[CdxjEntry] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    out.append(CdxjEntry.parse(line))
                except (ValueError, KeyError):
                    continue
    except FileNotFoundError:
        pass
    return out

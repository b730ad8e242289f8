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

Readers never scan a WARC to find a record: :func:`open_index` gives the index of a
WARC file (bisect over the sorted file, or the lines of the open one read
incrementally), and builds and keeps the ``.cdxj`` of an older WARC that has none,
once.  The crawler writes; the web app, import and export read.
"""

from __future__ import annotations

import bisect
import heapq
import json
import mmap
import os
import re
import threading
from collections import OrderedDict
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
    "WarcIndex",
    "cdxj_path",
    "entry_for_record",
    "index_warc",
    "open_index",
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


class WarcIndex:
    """The captures of one WARC file, found by URL through its CDXJ index."""

    def __init__(self, warc_path: Path) -> None:
        self.warc_path = warc_path

    def lookup(self, url: str) -> list[CdxjEntry]:
        """Every capture of ``url`` in this WARC file, oldest first."""
        raise NotImplementedError

    def entries(self) -> list[CdxjEntry]:
        """Every entry (sorted by key and timestamp)."""
        raise NotImplementedError


class _SortedIndex(WarcIndex):
    """A finished WARC's ``.cdxj``: bisect over the memory-mapped sorted lines."""

    def __init__(self, warc_path: Path, path: Path) -> None:
        super().__init__(warc_path)
        self.path = path
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._starts = _line_starts(self._data)

    def _key_at(self, i: int) -> bytes:
        start = self._starts[i]
        end = self._data.find(b" ", start)
        return bytes(self._data[start:end])

    def lookup(self, url: str) -> list[CdxjEntry]:
        key = url_key(url).encode("utf-8")
        n = len(self._starts)
        lo, hi = 0, n
        while lo < hi:  # first line whose key is >= key
            mid = (lo + hi) // 2
            if self._key_at(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        out = []
        while lo < n and self._key_at(lo) == key:
            start = self._starts[lo]
            end = self._data.find(b"\n", start)
            entry = CdxjEntry.parse(bytes(self._data[start : end if end >= 0 else None]).decode())
            out.append(entry)
            lo += 1
        return out

    def entries(self) -> list[CdxjEntry]:
        return read_lines(self.path)


def _line_starts(data: Any) -> list[int]:
    starts = []
    pos = 0
    size = len(data)
    while pos < size:
        starts.append(pos)
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        pos = nl + 1
    return starts


class _OpenIndex(WarcIndex):
    """The ``.cdxj.open`` of a WARC being written: lines read as they are appended
    (kept raw by URL key; only the lines of a looked-up URL are parsed)."""

    def __init__(self, warc_path: Path, path: Path) -> None:
        super().__init__(warc_path)
        self.path = path
        self._read_to = 0
        self._by_key: dict[bytes, list[bytes]] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self._lock:
            try:
                with open(self.path, "rb") as fh:
                    fh.seek(self._read_to)
                    chunk = fh.read()
            except FileNotFoundError:
                return
            end = chunk.rfind(b"\n") + 1  # only whole lines
            for raw in chunk[:end].splitlines():
                key = raw.split(b" ", 1)[0]
                self._by_key.setdefault(key, []).append(raw)
            self._read_to += end

    @staticmethod
    def _parse(lines: list[bytes]) -> list[CdxjEntry]:
        out = []
        for raw in lines:
            try:
                out.append(CdxjEntry.parse(raw.decode("utf-8")))
            except (ValueError, KeyError, UnicodeDecodeError):
                continue
        return out

    def lookup(self, url: str) -> list[CdxjEntry]:
        self._refresh()
        found = self._parse(self._by_key.get(url_key(url).encode("utf-8"), []))
        return sorted(found, key=lambda e: e.timestamp)

    def entries(self) -> list[CdxjEntry]:
        self._refresh()
        found = self._parse([line for lines in self._by_key.values() for line in lines])
        return sorted(found, key=lambda e: (e.urlkey, e.timestamp))


class _MemoryIndex(WarcIndex):
    """An index built in memory (the WARC's directory is not writable)."""

    def __init__(self, warc_path: Path, entries: list[CdxjEntry]) -> None:
        super().__init__(warc_path)
        self._entries = sorted(entries, key=lambda e: (e.urlkey, e.timestamp))
        self._keys = [e.urlkey for e in self._entries]

    def lookup(self, url: str) -> list[CdxjEntry]:
        key = url_key(url)
        i = bisect.bisect_left(self._keys, key)
        out = []
        while i < len(self._keys) and self._keys[i] == key:
            out.append(self._entries[i])
            i += 1
        return out

    def entries(self) -> list[CdxjEntry]:
        return list(self._entries)


_CACHE: OrderedDict[tuple[str, str, int, int], WarcIndex] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_FILES = 64


def open_index(warc_path: Path) -> WarcIndex:
    """The index of a WARC file: its ``.cdxj``, else its ``.cdxj.open`` (being written).

    A WARC with neither (written before indexes existed) is indexed once and its
    ``.cdxj`` kept beside it (in memory only when the directory is read-only).
    """
    sorted_path = cdxj_path(warc_path)
    live_path = open_path(warc_path)
    for kind, path in (("sorted", sorted_path), ("open", live_path)):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        # the open index is read incrementally: one object for the file's whole life
        key = (kind, str(path), stat.st_mtime_ns if kind == "sorted" else 0, stat.st_ino)
        with _CACHE_LOCK:
            found = _CACHE.get(key)
            if found is not None:
                _CACHE.move_to_end(key)
                return found
        index: WarcIndex = (
            _SortedIndex(warc_path, path) if kind == "sorted" else _OpenIndex(warc_path, path)
        )
        _remember(key, index)
        return index
    stat = warc_path.stat()
    memory_key = ("memory", str(warc_path), stat.st_mtime_ns, stat.st_size)
    with _CACHE_LOCK:
        if memory_key in _CACHE:
            return _CACHE[memory_key]
    entries = list(index_warc(warc_path))
    try:
        write_cdxj(entries, sorted_path)
    except OSError:
        index = _MemoryIndex(warc_path, entries)
        _remember(memory_key, index)
        return index
    return open_index(warc_path)


def _remember(key: tuple[str, str, int, int], index: WarcIndex) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = index
        while len(_CACHE) > CACHE_FILES:
            _CACHE.popitem(last=False)

"""Finding a WARC's records without scanning it: ``open_index(warc_path).lookup(url)`` over its CDXJ
(bisect in the sorted file, the lines of one still written, or built in memory once).
"""

from __future__ import annotations

import bisect
import mmap
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from crawler.warc.cdxj import (
    CdxjEntry,
    cdxj_path,
    index_warc,
    open_path,
    read_lines,
    url_key,
    write_cdxj,
)


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

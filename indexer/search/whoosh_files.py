"""Whoosh's in-memory segment files read in place: no copy of a whole file when it is opened.

A segment's files live in one compound ``.seg`` file that Whoosh maps into memory; each file
in it (term index, postings, stored fields, columns) is opened as a ``BufferFile`` over a
slice of the map.  whoosh-reloaded 2.7.5's ``BufferFile`` wraps that slice in ``BytesIO``,
which copies it: opening a searcher copied every segment's term index and postings into the
process, and the first stored-field read of a segment copied its whole stored-fields file
(issue 14: at 1,000,000 articles in 100 segments a query process grew past 17 GB and each
first read of a segment cost ~4 ms; the copies also pushed the index out of the page cache).

:func:`install` (run on import of this module, by :mod:`indexer.search.writer`) makes
``BufferFile`` read through :class:`ViewFile`, a read-only file over the slice that copies
only what is read.  Everything else of ``BufferFile`` (``get``, ``get_array``, ... read the
slice directly already) is unchanged.
"""

from __future__ import annotations

from typing import Any

from whoosh.filedb import structfile

__all__ = ["ViewFile", "install"]


class ViewFile:
    """A read-only, seekable file over a buffer (bytes or memoryview), without copying it."""

    def __init__(self, buf: Any) -> None:
        self._view = memoryview(buf)
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        end = (
            len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        )
        start = min(self._pos, end)
        self._pos = end
        return bytes(self._view[start:end])

    def readline(self, size: int | None = -1) -> bytes:
        view = self._view
        limit = len(view) if size is None or size < 0 else min(len(view), self._pos + size)
        start = min(self._pos, limit)
        end = start
        while end < limit:  # lines are short where Whoosh reads them (pickle headers)
            end += 1
            if view[end - 1] == 10:
                break
        self._pos = end
        return bytes(view[start:end])

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def __iter__(self) -> Any:
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._view)
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        raise OSError("a segment file opened for reading cannot be written")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True  # the buffer belongs to the map (or bytes) it came from


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    self._buf = buf
    self._name = name
    self.file = ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Make Whoosh's ``BufferFile`` read its buffer in place (idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init  # type: ignore[method-assign]


install()

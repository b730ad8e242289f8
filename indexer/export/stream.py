"""Dataset export: the articles of any query as CSV, JSONL or Parquet, streamed.

One row per article, the fields of :data:`FIELDS` (``--fields`` picks a subset).
Rows come from the archive store in batches and each format is a small
streaming renderer registered by name (:data:`RENDERERS`), so memory stays flat
whatever the size of the export:

``csv``      RFC 4180 (``,``, ``"`` quoting, CRLF records; newlines inside bodies kept
             in quoted cells); ``attachments`` is a JSON array; nulls are empty cells.
             ``excel=True`` adds a UTF-8 BOM and neutralises formula injection.
``jsonl``    one JSON object per line (UTF-8, ``\\n``); nulls are ``null``.
``parquet``  typed columns (timestamps, list<struct<url, name>>, int64), zstd, written
             one row group per ~8 MB of data with ``pyarrow.parquet.ParquetWriter``.

Types, per field:

- ``published``: one type in every format, a timestamp with its time zone: ISO 8601
  ``YYYY-MM-DDTHH:MM:SS+07:00`` in text formats, ``timestamp[ms, tz=+07:00]`` in Parquet.
  A day-only date is midnight Vietnam time; ``published_precision`` (``day`` / ``minute``,
  always exported with ``published``) tells them apart.
- ``first_seen``, ``last_seen``, ``last_changed``, ``capture_time``: UTC instants — ISO
  8601 with ``Z`` in text formats, ``timestamp[us, tz=UTC]`` in Parquet.

Where rows come from (:func:`iter_export_batches`): no query and no filter → the
whole store in ``seq`` order; filters only → a filtered SQL select, ``seq`` order;
a text query → the ids of every match from the search index, in result order, and
their rows from the store in batches.  Store exports hold every archived article,
``gone`` ones too (the optional ``status`` field tells them apart); the search
index, hence a query's export, holds live articles only.

How it stays fast (issue 14): batches travel as columns (field -> values) from the
driver's cursor to the renderer, with no row objects; only the store columns the fields
asked for need are read and only those fields computed; instants come as ISO 8601 text;
the long texts (:data:`BYTES_FIELDS`) stay the UTF-8 bytes SQLite holds, quoted for CSV
and escaped for JSON as bytes, never decoded; JSON is written a column at a time (short
texts by one orjson call per column, the bytes ``json.dumps`` writes) and a batch's lines
or records are one join.  ``bench/export_bench.py`` says where the time goes.

Beside each export a Frictionless Data Package descriptor
(``<file>.datapackage.json``, :func:`datapackage`) records every field (type,
meaning), the query and filters, the row count, the export time, the file's
size and SHA-256 and the vnarchive version.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from indexer.export.columns import iter_export_columns
from indexer.export.fields import Columns, ExportError
from indexer.export.formats import _renderer
from indexer.export.renderer import Renderer, _utc_text
from indexer.export.request import BATCH_SIZE, ExportRequest
from indexer.store.archive import ArchiveStore

__all__ = [
    "ExportResult",
    "check_export",
    "stream_export",
    "write_export",
]

# -- running an export ---------------------------------------------------------


def vnarchive_version() -> str:
    """The installed vnarchive version (the indexer does not import the CLI package)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vnarchive")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


@dataclass
class ExportResult:
    """What an export produced: format, request, row count, size, hash and times."""

    format: str
    request: ExportRequest
    rows: int = 0
    bytes: int = 0
    sha256: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0
    complete: bool = False

    def metadata(self) -> dict[str, Any]:
        """The query, filters, fields, row count and time of this export (JSON-ready)."""
        return {
            "vnarchive_version": vnarchive_version(),
            "exported_at": _utc_text(self.started),
            "format": self.format,
            "query": self.request.query,
            "filters": self.request.filters(),
            "sort": self.request.sort,
            "fields": list(self.request.fields),
            "excel": self.request.excel,
            "exact_accents": self.request.exact,
            "rows": self.rows,
        }


class _ChunkSink:
    """A write-only binary file that collects what is written until drained."""

    closed = False

    def __init__(self, result: ExportResult, digest: Any) -> None:
        self._chunks: list[bytes] = []
        self._result = result
        self._digest = digest

    def write(self, data: bytes | bytearray | memoryview) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._result.bytes += len(chunk)
        self._digest.update(chunk)
        return len(chunk)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks = []
        return data


def check_export(request: ExportRequest, fmt: str) -> type[Renderer]:
    """The renderer for ``fmt`` if ``request`` can be exported in it, else ExportError."""
    renderer_cls = _renderer(fmt)
    if request.excel and not renderer_cls.tabular:
        raise ExportError(f"excel mode applies to CSV only, not {fmt}")
    return renderer_cls


def stream_export(
    store: ArchiveStore,
    request: ExportRequest,
    fmt: str,
    *,
    result: ExportResult | None = None,
    on_progress: Callable[[int], None] | None = None,
    index_dir: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[bytes]:
    """The bytes of the export, batch after batch (for files, stdout and HTTP alike).

    Everything that can be wrong with the request (format, fields, Excel mode, the
    text query) raises here, before the first byte, so a caller can still answer
    with an error.  ``result`` (optional) is filled in as the export runs: rows,
    bytes, SHA-256, and ``complete`` once the last byte was produced.
    ``on_progress(rows_so_far)`` is called after each batch.
    """
    renderer_cls = check_export(request, fmt)
    result = result if result is not None else ExportResult(fmt, request)
    result.format, result.request = fmt, request
    batches = iter_export_columns(
        store,
        request,
        index_dir=index_dir,
        batch_size=batch_size,
        text_as_bytes=renderer_cls.text_as_bytes,
    )
    first = next(batches, None)  # runs the query now: its errors surface before streaming
    if first is not None:
        batches = itertools.chain([first], batches)
    return _generate(renderer_cls, batches, result, on_progress)


def _generate(
    renderer_cls: type[Renderer],
    batches: Iterator[Columns],
    result: ExportResult,
    on_progress: Callable[[int], None] | None,
) -> Iterator[bytes]:
    digest = hashlib.sha256()
    sink = _ChunkSink(result, digest)
    clock = time.perf_counter()
    renderer = renderer_cls(sink, result.request.fields, excel=result.request.excel)
    for columns in batches:
        renderer.write_columns(columns)
        result.rows += len(columns[result.request.fields[0]])
        if on_progress is not None:
            on_progress(result.rows)
        data = sink.drain()
        if data:
            yield data
    renderer.close(result.metadata())
    result.sha256 = digest.hexdigest()
    result.seconds = time.perf_counter() - clock
    result.complete = True
    yield sink.drain()


def write_export(
    store: ArchiveStore,
    request: ExportRequest,
    fmt: str,
    out: IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
    index_dir: str | Path | None = None,
) -> ExportResult:
    """Write the export to a binary file object; return what was written."""
    result = ExportResult(fmt, request)
    chunks = stream_export(
        store, request, fmt, result=result, on_progress=on_progress, index_dir=index_dir
    )
    for chunk in chunks:
        out.write(chunk)
    out.flush()
    return result

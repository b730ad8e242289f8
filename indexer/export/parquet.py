"""The Parquet export format (typed columns, row groups of about 8 MB)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from indexer.export.columns import BYTES_FIELDS
from indexer.export.fields import FIELDS, Columns
from indexer.export.renderer import _TIME_FIELDS, Renderer, _published_ms

ROW_GROUP_BYTES = 8 * 1024 * 1024  # Parquet: flush a row group at about this much data


_DICTIONARY_FIELDS = {"portal", "province", "district", "category", "author", "credit"}
_DICTIONARY_FIELDS |= {"warc_file", "status", "published_precision"}
_UNIQUE_TEXT_FIELDS = {"id", "url", "archive_url", "story_id", "title", "summary", "body_text"}


def _arrow_pool() -> pa.MemoryPool:
    """jemalloc when pyarrow has it: it hands freed row groups back to the system.

    The default (mimalloc) keeps the freed memory of every row group mapped, so a
    streamed export's RSS settles at several times its real working set.
    """
    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):  # pragma: no cover
        return pa.system_memory_pool()


class ParquetRenderer(Renderer):
    """Typed Parquet (zstd), one row group per ~ROW_GROUP_BYTES of data."""

    name = "parquet"
    extension = "parquet"
    mediatype = "application/vnd.apache.parquet"
    byte_stream = False  # read through pyarrow: Frictionless cannot count its bytes
    text_as_bytes = True
    missing_values = ("", "nan")  # pandas shows a null int64 as NaN

    def __init__(self, sink: IO[bytes], fields: Sequence[str], *, excel: bool = False) -> None:
        super().__init__(sink, fields, excel=excel)
        self.schema = pa.schema(
            [
                pa.field(
                    name, FIELDS[name].arrow, metadata={"description": FIELDS[name].description}
                )
                for name in self.fields
            ]
        )
        self._pool = _arrow_pool()
        self._writer = pq.ParquetWriter(
            sink,
            self.schema,
            compression="zstd",
            # dictionary-encode only the columns that repeat; unique texts gain nothing
            use_dictionary=[n for n in self.fields if n in _DICTIONARY_FIELDS],
            # min/max of long unique texts help no reader and cost a pass over them
            write_statistics=[n for n in self.fields if n not in _UNIQUE_TEXT_FIELDS],
            memory_pool=self._pool,
        )
        self._pending: list[pa.RecordBatch] = []
        self._pending_bytes = 0

    def _column(self, name: str, values: list[Any]) -> pa.Array:
        pool = self._pool
        if name == "published":  # epoch milliseconds, viewed as the timestamp type
            millis = pa.array([_published_ms(v) for v in values], pa.int64(), memory_pool=pool)
            return millis.view(FIELDS[name].arrow)
        if name in _TIME_FIELDS:  # ISO 8601 UTC text -> timestamp[us, UTC]
            text = pa.array(values, type=pa.string(), memory_pool=pool)
            return text.cast(FIELDS[name].arrow, memory_pool=pool)
        if name in BYTES_FIELDS and bytes in set(map(type, values)):
            # UTF-8 bytes: copied as binary, checked as UTF-8 once (cheaper than per value)
            array = pa.array(values, type=pa.binary(), memory_pool=pool).view(pa.string())
            array.validate(full=True)
            return array
        return pa.array(values, type=FIELDS[name].arrow, memory_pool=pool)

    def write_columns(self, columns: Columns) -> None:
        if not columns[self.fields[0]]:
            return
        batch = pa.record_batch(
            [self._column(name, columns[name]) for name in self.fields], schema=self.schema
        )
        self._pending.append(batch)
        self._pending_bytes += batch.nbytes
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._write_group()

    def _write_group(self) -> None:
        if self._pending:
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            self._writer.write_table(table, row_group_size=table.num_rows)
        self._pending = []
        self._pending_bytes = 0

    def close(self, metadata: dict[str, Any] | None = None) -> None:
        self._write_group()
        if metadata:
            self._writer.add_key_value_metadata(
                {"vnarchive": json.dumps(metadata, ensure_ascii=False, default=str)}
            )
        self._writer.close()

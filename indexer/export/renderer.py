"""What every export format shares: the ``Renderer`` interface and cell values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import IO, Any, ClassVar

from indexer.export.fields import VN_TZ, Columns

# -- cell values ---------------------------------------------------------------

# OWASP CSV injection: a cell starting with one of these may run as a formula in a
# spreadsheet (tab and CR included; full-width forms are read as formulas by some
# locales of Excel too).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def excel_safe(value: str) -> str:
    """``value`` made inert for spreadsheets: prefixed with ``'`` if it could start a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is UTC:  # the store's instants: skip the conversion
        return value.isoformat()[:-6] + "Z"
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


_TIME_FIELDS = {"first_seen", "last_seen", "last_changed", "capture_time"}


def _text_column(name: str, values: list[Any]) -> list[Any]:
    """A field's values as JSON-ready data (the shape JSONL and CSV hold; instants are
    already ISO 8601 text)."""
    if name == "published":
        return [_published_text(v) for v in values]
    return values


@lru_cache(maxsize=65_536)  # dates repeat across an archive; each parse is a few µs
def _published_text(value: str | None) -> str | None:
    """``published`` as an ISO 8601 timestamp with its zone (a day: midnight Vietnam time)."""
    stamp = _published_ts(value)
    return stamp.isoformat() if stamp is not None else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


@lru_cache(maxsize=65_536)
def _published_ms(value: str | None) -> int | None:
    """``published`` as milliseconds since the epoch (Parquet's timestamp[ms] value)."""
    stamp = _published_ts(value)
    return None if stamp is None else (stamp - _EPOCH) // _MILLISECOND


@lru_cache(maxsize=65_536)
def _published_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None  # never fail an export on one odd stored value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


# -- renderers -----------------------------------------------------------------


class Renderer:
    """A streaming writer of one export format onto a binary sink.

    Subclasses set the class attributes, and implement :meth:`write_columns` (called
    once per batch, in order, with the batch as columns: field name -> values) and
    :meth:`close` (once, at the end).  Register them with :func:`register_renderer`.
    """

    name: ClassVar[str]
    extension: ClassVar[str]
    mediatype: ClassVar[str]
    tabular: ClassVar[bool] = False  # a Frictionless tabular resource (CSV)
    # whether Frictionless reads the file as a byte stream (so it can check bytes and hash)
    byte_stream: ClassVar[bool] = True
    # how readers show a missing value beyond an empty cell (Table Schema missingValues)
    missing_values: ClassVar[tuple[str, ...]] = ("",)
    # whether write_columns takes the fields of BYTES_FIELDS as UTF-8 bytes
    text_as_bytes: ClassVar[bool] = False

    def __init__(self, sink: IO[bytes], fields: Sequence[str], *, excel: bool = False) -> None:
        self.sink = sink
        self.fields = tuple(fields)
        self.excel = excel

    def write_columns(self, columns: Columns) -> None:
        """Write one batch of export rows, given as columns (every field, in order)."""
        raise NotImplementedError

    def close(self, metadata: dict[str, Any] | None = None) -> None:
        """Finish the file (``metadata``: the export's description, for formats that hold it)."""

    @classmethod
    def encoding(cls, excel: bool) -> str:
        """The text encoding of the file, as a Data Package ``encoding``."""
        return "utf-8"

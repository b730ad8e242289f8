"""Read one capture back from a WARC: the record at an offset, its headers and payload."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.warc.files import WarcError, resolve_warc_path

__all__ = ["Capture", "read_capture"]


@dataclass(frozen=True)
class Capture:
    """One archived HTTP response read back from a WARC file."""

    url: str
    record_id: str
    date: str
    status_line: str
    headers: list[tuple[str, str]]
    body: bytes  # content-decoded payload (gzip/deflate transfer codings undone)

    @property
    def status(self) -> int:
        """The HTTP status code of the archived response."""
        try:
            return int(self.status_line.split()[0])
        except (IndexError, ValueError):
            return 0

    def header(self, name: str) -> str | None:
        """The first value of a response header (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def _read_record_head(path: Path, offset: int) -> Any:
    """The WARC and HTTP headers of the record at ``offset`` (its payload is not read)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            head = fh.read(2)
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                _check_starts_here(record, head, path, offset)
                return record
    except WarcError:
        raise
    except OSError as exc:
        raise WarcError(f"cannot read {path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on bad data
        raise WarcError(f"no WARC record at {path}:{offset}: {exc}") from None
    raise WarcError(f"no WARC record at {path}:{offset}")


def _check_starts_here(record: Any, head: bytes, path: Path, offset: int) -> None:
    """Refuse what warcio reads at a wrong offset (garbage read as an ARC header)."""
    if record.format != "warc" or head[:2] not in (b"\x1f\x8b", b"WA"):
        raise WarcError(f"no WARC record starts at {path}:{offset}")


def read_capture(stored_path: str, offset: int) -> Capture:
    """Read the response record at ``offset`` of a WARC file (path as stored in the archive)."""
    path = resolve_warc_path(stored_path)
    if not path.is_file():
        raise WarcError(f"WARC file not found: {path}")
    if offset < 0 or offset >= path.stat().st_size:
        raise WarcError(f"offset {offset} is outside {path} ({path.stat().st_size} bytes)")
    with open(path, "rb") as fh:
        fh.seek(offset)
        try:
            head = fh.read(2)
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                _check_starts_here(record, head, path, offset)
                if record.rec_type not in ("response", "revisit", "resource"):
                    raise WarcError(
                        f"record at {path}:{offset} is a {record.rec_type!r} record, not a response"
                    )
                http = record.http_headers
                return Capture(
                    url=record.rec_headers.get_header("WARC-Target-URI") or "",
                    record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
                    date=record.rec_headers.get_header("WARC-Date") or "",
                    status_line=http.statusline if http else "",
                    headers=list(http.headers) if http else [],
                    body=record.content_stream().read(),
                )
        except WarcError:
            raise
        except Exception as exc:
            raise WarcError(f"cannot read a WARC record at {path}:{offset}: {exc}") from None
    raise WarcError(f"no WARC record at {path}:{offset}")

"""WARC capture: write every HTTP exchange of a crawl to a WARC file, and read it back.

One file per crawl job: ``$VNARCHIVE_DATA/warc/<portal>/<job>.warc.gz``.  Every
record is its own gzip member (the web-archiving convention, so a record can be
read by offset without decompressing the file from its start), and the file is
flushed after every exchange, so a crawl killed with SIGKILL loses at most the
record it was writing.  :func:`repair_warc` finds such a cut-off record when the
job resumes and truncates the file back to its last complete record, which keeps
the file valid for ``warcio check`` / ``warcio index``.

This module knows nothing of Scrapy: :class:`WarcFile` takes plain values
(URL, method, header lists, body bytes); the downloader middleware in
``crawler.middlewares`` feeds it from Scrapy requests and responses.
"""

from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from indexer import config
from indexer.store import WarcRef

__all__ = [
    "Capture",
    "WarcError",
    "WarcFile",
    "read_capture",
    "relative_warc_path",
    "repair_warc",
    "resolve_warc_path",
]

# Hop-by-hop headers describe the wire, not the payload as stored: the body we are
# given is already de-chunked, so a verbatim ``Transfer-Encoding: chunked`` would
# make readers try to de-chunk it again.  They are kept under an X-Archive-Orig- name.
_HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive"}


class WarcError(RuntimeError):
    """A WARC file or record that cannot be read (missing file, bad offset, corrupt data)."""


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


def relative_warc_path(path: Path) -> str:
    """The path stored in the archive: relative to the data directory when inside it."""
    try:
        return str(path.resolve().relative_to(config.data_dir()))
    except ValueError:
        return str(path.resolve())


def resolve_warc_path(stored: str) -> Path:
    """The absolute path of a WARC file as stored in the archive (see relative_warc_path)."""
    path = Path(stored)
    return path if path.is_absolute() else config.data_dir() / path


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


class WarcFile:
    """A WARC file being written by one crawl job (append-only, one gzip member per record).

    Opening an existing file first repairs it (:func:`repair_warc`), so a resumed job
    appends after its last complete record.
    """

    def __init__(self, path: Path, *, software: str = "vnarchive", info: dict | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.repaired_bytes = repair_warc(self.path)
        existed = self.path.exists() and self.path.stat().st_size > 0
        self._fh = open(self.path, "ab")  # noqa: SIM115 - lives as long as the crawl
        self._writer = WARCWriter(self._fh, gzip=True)
        self.stored_path = relative_warc_path(self.path)
        self.records = 0
        if not existed:
            fields = {"software": software, "format": "WARC File Format 1.1"}
            fields.update(info or {})
            record = self._writer.create_warcinfo_record(self.path.name, fields)
            self._write(record)

    def _write(self, record) -> WarcRef:  # noqa: ANN001 - a warcio ArcWarcRecord
        offset = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        self.records += 1
        return WarcRef(
            file=self.stored_path,
            offset=offset,
            length=self._fh.tell() - offset,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        protocol: str = "HTTP/1.1",
        ip_address: str | None = None,
    ) -> WarcRef:
        """Write a response record and its request record; return the response's WarcRef.

        ``body`` is the payload exactly as received (still content-encoded, e.g. gzip,
        when the server compressed it); ``response_headers`` describe it.
        """
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        protocol = protocol if protocol.startswith("HTTP/") else "HTTP/1.1"
        resp_headers = [
            (f"X-Archive-Orig-{k}", v) if k.lower() in _HOP_BY_HOP else (k, v)
            for k, v in response_headers
        ]
        http_resp = StatusAndHeaders(f"{status} {reason}".strip(), resp_headers, protocol=protocol)
        warc_headers = {"WARC-IP-Address": ip_address} if ip_address else None
        resp = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_resp,
            warc_headers_dict=warc_headers,
        )
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = list(request_headers)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", parts.netloc))
        http_req = StatusAndHeaders(
            f"{method} {target} {protocol}", req_headers, is_http_request=True
        )
        req = self._writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(request_body),
            length=len(request_body),
            http_headers=http_req,
        )
        req.rec_headers.replace_header("WARC-Date", resp.rec_headers.get_header("WARC-Date"))
        req.rec_headers.add_header(
            "WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID")
        )
        ref = self._write(resp)
        self._write(req)
        return ref

    def close(self) -> None:
        """Flush and close the file (idempotent)."""
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def __enter__(self) -> WarcFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
            for record in ArchiveIterator(fh):
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

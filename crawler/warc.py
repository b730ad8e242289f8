"""WARC capture: write every HTTP exchange of a crawl to a WARC file, and read it back.

One file per crawl job: ``$VNARCHIVE_DATA/warc/<portal>/vnarchive-<portal>-<timestamp>-<job>.warc.gz``
(the usual ``<prefix>-<timestamp>-<serial>`` shape, unique across portals and jobs; files
of older versions, ``<job>.warc.gz``, keep working: the store keeps each capture's path).
Records are WARC/1.1, like the ``warcinfo`` record that opens the file.  Every record is
its own gzip member (the web-archiving convention, so a record can be read by offset
without decompressing the file from its start), and the file is flushed after every
exchange, so a crawl killed with SIGKILL loses at most the record it was writing.
:func:`repair_warc` finds such a cut-off record when the job resumes and truncates the
file back to its last complete record, which keeps the file valid for ``warcio check``.

Revisits.  :class:`PriorCaptures` knows the latest capture holding content of every URL
in the portal's earlier WARC files (from their CDXJ indexes).  A ``304 Not Modified``
of such a URL is written as a ``revisit`` record with profile ``server-not-modified``;
a 200 whose payload digest equals the earlier capture's as ``identical-payload-digest``.
Both carry ``WARC-Refers-To-Target-URI``/``-Date``/``WARC-Refers-To`` and the earlier
payload digest, and the :class:`WarcRef` handed back points at the record that holds
the content, so the store never points at a revisit.  The block of a
``server-not-modified`` revisit holds the stored response's status and headers
freshened by the 304's (RFC 9111 §4.3.4): what the server confirmed is current, and
what a replay tool (pywb) serves from it.

Index.  Each record's CDXJ line goes to ``NAME.cdxj.open`` as it is written; closing the
file sorts them into ``NAME.cdxj`` (``indexer.cdxj``, the ``cdxj-indexer`` format).

Durable order.  :meth:`WarcFile.sync` flushes and fsyncs the file; the store pipeline
calls it before it commits a row pointing into the file, so after a power loss no
row points past the end of its WARC.  :func:`check_warc_ends` is run when a crawl
starts: it repairs WARC files that rows point past (older crawls, lost writes) and
clears those pointers so the crawl captures the pages again.

This module knows nothing of Scrapy: :class:`WarcFile` takes plain values
(URL, method, header lists, body bytes); the downloader middleware in
``crawler.middlewares`` feeds it from Scrapy requests and responses.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from indexer import cdxj, config
from indexer.store import ArchiveStore, WarcRef

__all__ = [
    "Capture",
    "PriorCaptures",
    "WarcError",
    "PROFILE_IDENTICAL",
    "PROFILE_NOT_MODIFIED",
    "WarcFile",
    "check_warc_ends",
    "payload_digest",
    "read_capture",
    "relative_warc_path",
    "repair_warc",
    "resolve_warc_path",
    "warc_file_name",
]

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Headers a 304 does not update on the stored response (they describe its body).
_NOT_FRESHENED = {"content-length", "content-encoding", "content-type", "transfer-encoding"}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

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


def warc_file_name(portal: str, serial: int, when: datetime | None = None) -> str:
    """``vnarchive-<portal>-<YYYYmmddHHMMSSffffff>-<serial:05d>.warc.gz``: unique across
    portals and jobs, so files of many portals can share one pywb collection."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    prefix = _UNSAFE_NAME.sub("_", portal).strip("_") or "portal"
    return f"vnarchive-{prefix}-{stamp}-{serial:05d}.warc.gz"


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body`` (``sha1:`` + base32), as warcio writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


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


@dataclass(frozen=True)
class Prior:
    """An earlier capture holding content: where it is and its payload digest."""

    url: str
    timestamp: str  # 14 digits, from the CDXJ
    digest: str
    file: str  # as stored in the archive (relative to the data directory)
    offset: int
    length: int


class PriorCaptures:
    """The latest capture holding content (a 2xx response) of every URL of a portal.

    Read from the CDXJ indexes of the WARC files in one directory (an older file
    without an index gets one, once); updated as the crawl writes new captures.
    """

    def __init__(self) -> None:
        self._by_url: dict[str, Prior] = {}

    @classmethod
    def load(cls, directory: Path, *, skip: Path | None = None) -> PriorCaptures:
        """The captures of every ``*.warc.gz`` in ``directory`` (except ``skip``)."""
        priors = cls()
        if not directory.is_dir():
            return priors
        for path in sorted(directory.glob("*.warc.gz")):
            if skip is not None and path.resolve() == skip.resolve():
                continue
            stored = relative_warc_path(path)
            try:
                entries = cdxj.open_index(path).entries()
            except OSError as exc:
                logger.warning("cannot index %s: %s", path, exc)
                continue
            for entry in entries:
                if entry.is_revisit or not entry.digest or not (entry.status or "").startswith("2"):
                    continue
                priors.note(
                    Prior(
                        entry.url,
                        entry.timestamp,
                        entry.digest,
                        stored,
                        entry.offset,
                        entry.length,
                    )
                )
        return priors

    def note(self, prior: Prior) -> None:
        """Remember a capture, unless an earlier-noted one of the URL is newer."""
        current = self._by_url.get(prior.url)
        if current is None or current.timestamp <= prior.timestamp:
            self._by_url[prior.url] = prior

    def get(self, url: str) -> Prior | None:
        """The latest capture holding content of ``url``, or None."""
        return self._by_url.get(url)

    def __len__(self) -> int:
        return len(self._by_url)


class WarcFile:
    """A WARC file being written by one crawl job (append-only, one gzip member per record).

    Opening an existing file first repairs it (:func:`repair_warc`) and rebuilds its
    open index, so a resumed job appends after its last complete record.  ``priors``
    (earlier captures of the same URLs) turns unchanged answers into revisit records.
    """

    def __init__(
        self,
        path: Path,
        *,
        software: str = "vnarchive",
        info: dict | None = None,
        priors: PriorCaptures | None = None,
    ):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.repaired_bytes = repair_warc(self.path)
        existed = self.path.exists() and self.path.stat().st_size > 0
        self.stored_path = relative_warc_path(self.path)
        self.priors = priors if priors is not None else PriorCaptures()
        self.index_path = cdxj.open_path(self.path)
        # a reopened file is appended to again: its index is rebuilt from what it holds
        cdxj.cdxj_path(self.path).unlink(missing_ok=True)
        with open(self.index_path, "w", encoding="utf-8") as index:
            if existed:
                for entry in cdxj.index_warc(self.path):
                    index.write(entry.line() + "\n")
        self._index = open(self.index_path, "a", encoding="utf-8")  # noqa: SIM115
        self._fh = open(self.path, "ab")  # noqa: SIM115 - lives as long as the crawl
        self._writer = WARCWriter(self._fh, gzip=True, warc_version=WARC_VERSION)
        self.records = 0
        self.revisits = 0
        self._synced = self._fh.tell() if existed else 0
        if not existed:
            _fsync_dir(self.path.parent)
            fields = {"software": software, "format": "WARC File Format 1.1"}
            fields.update(info or {})
            record = self._writer.create_warcinfo_record(self.path.name, fields)
            self._write(record)

    def _write(self, record) -> WarcRef:  # noqa: ANN001 - a warcio ArcWarcRecord
        offset = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        self.records += 1
        length = self._fh.tell() - offset
        entry = cdxj.entry_for_record(record, offset, length, self.path.name)
        if entry is not None:
            self._index.write(entry.line() + "\n")
            self._index.flush()
        return WarcRef(
            file=self.stored_path,
            offset=offset,
            length=length,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def sync(self) -> None:
        """Make everything written so far durable (flush + fsync), if not already."""
        if self._fh.closed:
            return
        end = self._fh.tell()
        if end > self._synced:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._synced = end

    @property
    def synced_bytes(self) -> int:
        """How many bytes of the file are known to be on disk."""
        return self._synced

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
        """Write a response (or revisit) record and its request record.

        Returns the :class:`WarcRef` of the record holding the content: the new
        response, or for a revisit the earlier capture it refers to.  ``body`` is the
        payload exactly as received (still content-encoded, e.g. gzip, when the server
        compressed it); ``response_headers`` describe it.
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
        warc_headers = {"WARC-IP-Address": ip_address} if ip_address else {}
        prior = self.priors.get(url)
        digest = payload_digest(body) if 200 <= status < 300 else None
        holder: WarcRef | None = None
        resp = None
        if prior is not None and (status == 304 or (digest and digest == prior.digest)):
            resp, holder = self._revisit(url, prior, status, reason, resp_headers, protocol)
            if resp is not None:
                for key, value in warc_headers.items():
                    resp.rec_headers.add_header(key, value)
        if resp is None:
            http_resp = StatusAndHeaders(
                f"{status} {reason}".strip(), resp_headers, protocol=protocol
            )
            resp = self._writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_resp,
                warc_headers_dict=warc_headers or None,
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
        if holder is not None:
            self.revisits += 1
            return holder
        if digest is not None:
            self.priors.note(
                Prior(
                    url,
                    iso_date_to_timestamp(resp.rec_headers.get_header("WARC-Date")),
                    resp.rec_headers.get_header("WARC-Payload-Digest") or digest,
                    ref.file,
                    ref.offset,
                    ref.length or 0,
                )
            )
        return ref

    def _revisit(
        self,
        url: str,
        prior: Prior,
        status: int,
        reason: str,
        resp_headers: list[tuple[str, str]],
        protocol: str,
    ) -> tuple[Any, WarcRef | None]:
        """A revisit record referring to ``prior`` (None when it cannot be read back)."""
        try:
            original = _read_record_head(resolve_warc_path(prior.file), prior.offset)
        except WarcError as exc:
            logger.info("earlier capture of %s unreadable (%s): stored in full", url, exc)
            return None, None
        if status == 304:
            if original.http_headers is None:
                return None, None
            profile = PROFILE_NOT_MODIFIED
            http = StatusAndHeaders(
                original.http_headers.statusline,
                _freshened(list(original.http_headers.headers), resp_headers),
                protocol=original.http_headers.protocol or protocol,
            )
        else:
            profile = PROFILE_IDENTICAL
            http = StatusAndHeaders(f"{status} {reason}".strip(), resp_headers, protocol=protocol)
        record = self._writer.create_revisit_record(
            url,
            digest=prior.digest,
            refers_to_uri=original.rec_headers.get_header("WARC-Target-URI") or prior.url,
            refers_to_date=original.rec_headers.get_header("WARC-Date") or "",
            http_headers=http,
        )
        record.rec_headers.replace_header("WARC-Profile", profile)
        original_id = original.rec_headers.get_header("WARC-Record-ID")
        if original_id:
            record.rec_headers.add_header("WARC-Refers-To", original_id)
        holder = WarcRef(prior.file, prior.offset, prior.length, original_id)
        return record, holder

    def close(self) -> None:
        """Flush, fsync and close the file, and write its sorted CDXJ index (idempotent)."""
        if self._fh.closed:
            return
        self.sync()
        self._fh.close()
        self._index.close()
        cdxj.write_cdxj(cdxj.read_lines(self.index_path), cdxj.cdxj_path(self.path))
        self.index_path.unlink(missing_ok=True)

    def __enter__(self) -> WarcFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _freshened(
    stored: list[tuple[str, str]], fresh: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The stored response's headers updated by a 304's (RFC 9111 §4.3.4)."""
    updates = [(k, v) for k, v in fresh if k.lower() not in _NOT_FRESHENED]
    names = {k.lower() for k, _ in updates}
    return [(k, v) for k, v in stored if k.lower() not in names] + updates


def _fsync_dir(directory: Path) -> None:
    """Make a new file's directory entry durable (POSIX; skipped where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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

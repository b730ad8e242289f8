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
file sorts them into ``NAME.cdxj`` (``crawler.warc.cdxj``, the ``cdxj-indexer`` format).

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

import io
import logging
import os
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from crawler.warc import cdxj
from crawler.warc.files import (
    WarcError,
    payload_digest,
    relative_warc_path,
    resolve_warc_path,
)
from crawler.warc.reader import _read_record_head
from crawler.warc.repair import repair_warc
from crawler.warc.revisits import Prior, PriorCaptures
from indexer.store.rows import WarcRef

__all__ = ["PROFILE_IDENTICAL", "PROFILE_NOT_MODIFIED", "WarcFile"]

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Headers a 304 does not update on the stored response (they describe its body).
_NOT_FRESHENED = {"content-length", "content-encoding", "content-type", "transfer-encoding"}

# Hop-by-hop headers describe the wire, not the payload as stored: the body we are
# given is already de-chunked, so a verbatim ``Transfer-Encoding: chunked`` would
# make readers try to de-chunk it again.  They are kept under an X-Archive-Orig- name.
_HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive"}


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

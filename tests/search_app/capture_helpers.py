"""Captures for the web-app tests: a WARC writer of HTTP responses and a tiny PNG.

A module of its own (not the ``conftest``): ``from conftest import …`` picks whichever
``conftest`` module pytest imported last, another directory's when ``tests/search_app``
runs together with other folders.
"""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from indexer.store.rows import WarcRef

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c6360f8cfc0f01f0005000201a5e2b0cd0000000049454e44ae426082"
)


class CaptureWarc:
    """Append HTTP response records to one WARC file, returning where each went."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.handle = path.open("wb")
        self.writer = WARCWriter(self.handle, gzip=True)

    def add(self, url: str, body: bytes, content_type: str) -> WarcRef:
        offset = self.handle.tell()
        headers = StatusAndHeaders(
            "200 OK",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        )
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=headers
        )
        self.writer.write_record(record)
        self.handle.flush()
        return WarcRef(
            file=str(self.path),
            offset=offset,
            length=self.handle.tell() - offset,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def close(self) -> None:
        self.handle.close()

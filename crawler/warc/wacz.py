"""WACZ 1.1.1: a portal's WARC files, their CDXJ index and a page list in one ZIP file.

Layout (what ReplayWeb.page and pywb open, and ``wacz validate`` checks)::

    archive/<name>.warc.gz        the WARC files, stored (not deflated: read by offset)
    indexes/index.cdx             every capture, sorted, as CDXJ lines (the cdxj-indexer
                                  format; the spec's name for an uncompressed index)
    pages/pages.jsonl             a header line, then one line per article: url, ts, title
    datapackage.json              every file above with its size and sha256 hash
    datapackage-digest.json       the sha256 hash of datapackage.json

Written by hand rather than with the ``wacz`` package (which brings frictionless and a
text extractor along); the tests check our files with that package's validator.
:func:`warc_members` reads the WARC files of any WACZ back (for ``vnarchive import``).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from crawler.warc import cdxj_index

__all__ = ["Page", "WaczError", "warc_members", "write_wacz"]

WACZ_VERSION = "1.1.1"
_CHUNK = 1 << 20


class WaczError(RuntimeError):
    """A WACZ file that cannot be written or read."""


@dataclass(frozen=True)
class Page:
    """One line of pages.jsonl: an archived page's URL, capture time and title."""

    url: str
    ts: str  # ISO 8601
    title: str


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_wacz(
    out: Path,
    warcs: Iterable[Path],
    pages: Iterable[Page],
    *,
    title: str,
    description: str = "",
    software: str = "vnarchive",
) -> dict:
    """Write ``out`` (atomically: a temporary file renamed at the end); the datapackage."""
    warc_paths = sorted(set(warcs), key=lambda p: p.name)
    names = [p.name for p in warc_paths]
    if len(set(names)) != len(names):
        raise WaczError("two WARC files with the same name cannot go into one WACZ")
    entries: list[str] = []
    for path in warc_paths:
        entries.extend(e.line() for e in cdxj_index.open_index(path).entries())
    entries.sort()
    index_bytes = "".join(line + "\n" for line in entries).encode("utf-8")
    page_lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    main_page = None
    for page in pages:
        page_lines.append(
            json.dumps({"url": page.url, "ts": page.ts, "title": page.title}, ensure_ascii=False)
        )
        main_page = main_page or page
    pages_bytes = ("\n".join(page_lines) + "\n").encode("utf-8")

    resources = []
    for path in warc_paths:
        resources.append(
            {
                "name": path.name,
                "path": f"archive/{path.name}",
                "hash": "sha256:" + _sha256_file(path),
                "bytes": path.stat().st_size,
            }
        )
    for name, data in (("index.cdx", index_bytes), ("pages.jsonl", pages_bytes)):
        folder = "indexes" if name.endswith(".cdx") else "pages"
        resources.append(
            {
                "name": name,
                "path": f"{folder}/{name}",
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
        )
    package = {
        "profile": "data-package",
        "resources": resources,
        "wacz_version": WACZ_VERSION,
        "title": title,
        "description": description,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": software,
    }
    if main_page is not None:
        package["mainPageUrl"] = main_page.url
        package["mainPageDate"] = main_page.ts
    package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
    digest = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
    }

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for path in warc_paths:
                # stored: replay tools read records by offset inside the ZIP
                zf.write(path, f"archive/{path.name}", compress_type=zipfile.ZIP_STORED)
            deflated = zipfile.ZIP_DEFLATED
            zf.writestr("indexes/index.cdx", index_bytes, compress_type=deflated)
            zf.writestr("pages/pages.jsonl", pages_bytes, compress_type=deflated)
            zf.writestr("datapackage.json", package_bytes, compress_type=deflated)
            zf.writestr(
                "datapackage-digest.json", json.dumps(digest, indent=2), compress_type=deflated
            )
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return package


def warc_members(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """The WARC files inside a WACZ (or any ZIP): (member name, open binary stream)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WaczError(f"{path}: not a readable WACZ/ZIP file ({exc})") from None
    with zf:
        for info in zf.infolist():
            name = info.filename
            if name.endswith((".warc", ".warc.gz")) and not info.is_dir():
                with zf.open(info) as member:
                    yield name, _Seekless(member)


class _Seekless(io.RawIOBase):
    """A ZIP member stream as a plain readable stream (warcio reads it front to back)."""

    def __init__(self, member: IO[bytes]) -> None:
        self._member = member

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._member.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

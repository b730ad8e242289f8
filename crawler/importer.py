"""Import captures made by other tools (wget, Heritrix, Browsertrix, the Wayback Machine…).

``vnarchive import PATH... --portal ID`` reads WARC, WARC.gz and WACZ files, or folders
of them, and adds what they captured of the portal to the archive:

* each WARC is first copied (a WACZ's WARC files extracted) to
  ``$VNARCHIVE_DATA/warc/<portal>/imported/<sha1>-<name>``: the archive points into its
  own copy, and a file imported twice is copied once;
* every HTML ``response`` of the portal's host goes through the same page objects as a
  crawl (``crawler.pages.extract``) and the crawl's normaliser; what is an article is
  stored with the capture's own date as first/last seen (``ArchiveStore.import_capture``:
  a capture of a text already held becomes nothing, an older different text a version);
* Wayback-style URLs (``https://web.archive.org/web/20190611000000/http://host/path``,
  ``id_``/``im_`` flags, pywb collections) map back to the original URL and date;
* a record that cannot be read is skipped with its offset; reading goes on at the next
  record (the next gzip member);
* everything is idempotent, so an interrupted import is simply run again.

Each copied WARC gets its CDXJ index beside it (``indexer.cdxj``) as it is read.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.captures import ArticleCapture
from crawler.items import Article
from crawler.pipelines import _ISO_DATE, MAX_BODY_CHARS, MAX_TITLE_CHARS, NormalizePipeline
from crawler.profiles import PortalProfile
from crawler.scope import PortalScope
from crawler.warc import relative_warc_path
from indexer import cdxj, config
from indexer.store import ArchiveStore, WarcRef
from indexer.text import content_hash
from indexer.wacz import warc_members
from indexer.words import segment_article

__all__ = ["ImportSummary", "copy_size", "import_paths", "original_url", "source_files"]

logger = logging.getLogger(__name__)

_WAYBACK = re.compile(
    r"^https?://[^/]+/(?:web/|[\w.-]+/)?(?P<ts>\d{4,14})(?:[a-z]{2}_)?/(?P<url>https?:/+.+)$",
    re.I,
)
_HTML = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)
_SUFFIXES = (".warc", ".warc.gz", ".wacz")
_GZIP = b"\x1f\x8b\x08"


@dataclass
class ImportSummary:
    """What an import read and did."""

    files: int = 0
    records: int = 0
    pages_read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # new/changed/version/duplicate…
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    bad_records: list[tuple[str, int, str]] = field(default_factory=list)  # file, offset, why

    def lines(self) -> list[str]:
        """The summary printed at the end of ``vnarchive import``."""
        out = [
            f"files {self.files}, records {self.records}, pages read {self.pages_read}",
            "articles new {new}, changed {changed}, versions {version}, "
            "unchanged {unchanged}, duplicates {duplicate}".format(
                **{k: self.outcomes.get(k, 0) for k in _OUTCOMES}
            ),
        ]
        if self.skipped:
            reasons = ", ".join(f"{k} {v}" for k, v in self.skipped.most_common())
            out.append(f"skipped: {reasons}")
        for name, offset, why in self.bad_records[:20]:
            out.append(f"bad record: {name} at offset {offset}: {why}")
        if len(self.bad_records) > 20:
            out.append(f"… and {len(self.bad_records) - 20} more bad records")
        return out


_OUTCOMES = ("new", "changed", "version", "unchanged", "duplicate")


def original_url(url: str) -> tuple[str, str | None]:
    """(original URL, 14-digit timestamp or None) of a Wayback-style replay URL."""
    match = _WAYBACK.match(url)
    if not match:
        return url, None
    target = re.sub(r"^(https?):/+", r"\1://", match.group("url"))
    return target, match.group("ts").ljust(14, "0")


def source_files(paths: list[Path]) -> list[Path]:
    """WARC, WARC.gz and WACZ files named or inside the folders named (ValueError if none)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
            )
        elif path.is_file():
            if not path.name.lower().endswith(_SUFFIXES):
                raise ValueError(f"{path}: not a .warc, .warc.gz or .wacz file")
            found.append(path)
        else:
            raise ValueError(f"{path}: no such file or folder")
    if not found:
        raise ValueError("no .warc, .warc.gz or .wacz file in " + ", ".join(map(str, paths)))
    return found


def _copy_in(stream: Any, name: str, folder: Path) -> Path:
    """Copy a WARC stream into ``folder`` as ``<sha1 prefix>-<name>`` (once per content)."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("/", "-")).strip("._") or "warc"
    tmp = folder / f".{safe}.part"
    digest = hashlib.sha1()
    with open(tmp, "wb") as out:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    target = folder / f"{digest.hexdigest()[:12]}-{safe}"
    if target.exists():
        tmp.unlink()
    else:
        tmp.replace(target)
    return target


def _copies(source: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    """(name shown to the user, archived copy) of every WARC in ``source``."""
    if source.name.lower().endswith(".wacz"):
        for member, stream in warc_members(source):
            yield f"{source.name}:{member}", _copy_in(stream, f"{source.stem}-{member}", folder)
    else:
        with open(source, "rb") as stream:
            yield source.name, _copy_in(stream, source.name, folder)


def _records(path: Path, bad: Callable[[int, str], None]) -> Iterator[tuple[Any, int, Any]]:
    """(record, offset, iterator) of a WARC file; an unreadable record is reported to
    ``bad`` and reading goes on at the next gzip member (or ``WARC/`` line)."""
    size = path.stat().st_size
    start = 0
    with open(path, "rb") as fh:
        while start < size:
            fh.seek(start)
            iterator = ArchiveIterator(fh, check_digests=False)
            offset = start
            try:
                for record in iterator:
                    offset = iterator.offset  # the record's start (its payload still unread)
                    yield record, offset, iterator
                return
            except Exception as exc:  # noqa: BLE001 - any damage: skip the record
                # where the damaged record starts: after the last one read whole
                offset = max(offset, getattr(iterator, "offset", offset) or 0)
                bad(offset, f"{type(exc).__name__}: {str(exc)[:120]}")
                start = _next_record(fh, offset + 1, size)


def _next_record(fh: Any, start: int, size: int) -> int:
    """The offset of the next gzip member or ``WARC/`` header at or after ``start``."""
    pos = start
    while pos < size:
        fh.seek(pos)
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        hits = [i for i in (chunk.find(_GZIP), chunk.find(b"\nWARC/1.")) if i >= 0]
        if hits:
            hit = min(hits)
            return pos + hit + (1 if chunk[hit : hit + 1] == b"\n" else 0)
        pos += len(chunk) - 8
    return size


def _date(record: Any, stamp: str | None) -> datetime:
    """The capture's date: the Wayback timestamp, else the record's WARC-Date."""
    if stamp:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    raw = record.rec_headers.get_header("WARC-Date") or ""
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def _validated(article: Article) -> str | None:
    """Why an extracted article is not stored (the crawl's rules), or None."""
    if not article.title:
        return "no_title"
    if article.published and not _ISO_DATE.match(article.published):
        article.published = None
    if not article.published and not (article.body_text or article.attachments or article.media):
        return "not_an_article"
    article.title = article.title[:MAX_TITLE_CHARS]
    if len(article.body_text) > MAX_BODY_CHARS:
        article.body_text = article.body_text[:MAX_BODY_CHARS]
        article.content_hash = content_hash(article.body_text)
    return None


class _Importer:
    """One import run into one portal."""

    def __init__(self, profile: PortalProfile, store: ArchiveStore) -> None:
        self.profile = profile
        self.store = store
        self.scope = PortalScope(profile.base_url)
        self.normalize = NormalizePipeline(None)  # type: ignore[arg-type]
        self.summary = ImportSummary()
        self.folder = config.warc_dir() / profile.id / "imported"

    def run_file(self, shown: str, path: Path, advance: Callable[[int], None]) -> None:
        self.summary.files += 1
        stored = relative_warc_path(path)
        entries: list[str] = []
        done = 0

        def bad(offset: int, why: str) -> None:
            self.summary.bad_records.append((shown, offset, why))
            self.summary.skipped["bad_record"] += 1

        for record, offset, iterator in _records(path, bad):
            self.summary.records += 1
            try:
                self._record(record, offset, iterator, stored, path.name, entries)
            except Exception as exc:  # noqa: BLE001 - a damaged payload: skip the record
                bad(offset, f"{type(exc).__name__}: {str(exc)[:120]}")
            advance(offset - done)
            done = offset
        advance(path.stat().st_size - done)
        index = cdxj.cdxj_path(path)
        index.with_name(index.name + ".lines").write_text(
            "".join(line + "\n" for line in entries), encoding="utf-8"
        )
        cdxj.write_cdxj(cdxj.read_lines(index.with_name(index.name + ".lines")), index)
        index.with_name(index.name + ".lines").unlink()

    def _record(
        self, record: Any, offset: int, iterator: Any, stored: str, name: str, entries: list[str]
    ) -> None:
        if record.rec_type not in ("response", "revisit", "resource"):
            return
        http = record.http_headers
        status = http.get_statuscode() if http else None
        ctype = (http.get_header("Content-Type") if http else None) or ""
        html = record.rec_type == "response" and status == "200" and ctype.startswith(_HTML)
        body = record.content_stream().read() if html else b""
        iterator.read_to_end(record)
        length = iterator.get_record_length()
        entry = cdxj.entry_for_record(record, offset, length, name)
        if entry is not None:
            entries.append(entry.line())
        if not html:
            return
        url, stamp = original_url(record.rec_headers.get_header("WARC-Target-URI") or "")
        if not self.scope.same_host(url):
            self.summary.skipped["other_host"] += 1
            return
        self.summary.pages_read += 1
        match = _CHARSET.search(ctype)
        self._page(
            body,
            self.scope.clean(url),
            match.group(1).lower() if match else None,
            _date(record, stamp),
            WarcRef(stored, offset, length, record.rec_headers.get_header("WARC-Record-ID")),
        )

    def _page(
        self, body: bytes, url: str, encoding: str | None, when: datetime, ref: WarcRef
    ) -> None:
        from crawler.pages import extract

        try:
            page = extract(
                body, url, family=self.profile.family, profile=self.profile, encoding=encoding
            )
        except Exception as exc:  # noqa: BLE001 - hostile input must not stop the import
            self.summary.skipped["extract_error"] += 1
            logger.info("cannot extract %s: %s", url, exc)
            return
        if not isinstance(page, Article):
            self.summary.skipped["not_an_article"] += 1
            return
        page.portal = self.profile.id
        page.url = url
        canonical = self.scope.clean(page.canonical_url, url) if page.canonical_url else None
        page.canonical_url = canonical if canonical and self.scope.accept(canonical)[0] else url
        self.normalize.process_item(ArticleCapture(article=page))
        reason = _validated(page)
        if reason:
            self.summary.skipped[reason] += 1
            return
        # the segmentation step of the ingest, as the crawl's SegmentPipeline runs it
        words = segment_article(page) if self.store.needs_words(page) else None
        outcome, _ = self.store.import_capture(
            page,
            words=words,
            captured_at=when,
            province=self.profile.province or None,
            district=self.profile.district or None,
            warc=ref,
        )
        self.summary.outcomes[outcome] += 1


def import_paths(
    paths: list[Path],
    profile: PortalProfile,
    store: ArchiveStore,
    *,
    progress: Callable[[int, ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import every WARC/WACZ in ``paths`` into ``profile``'s portal; the summary.

    ``progress(bytes_read, summary)`` is called as the files are read (for a progress bar
    whose length is the total size of the sources).
    """
    importer = _Importer(profile, store)
    for source in source_files(paths):

        def advance(n: int) -> None:
            if progress is not None and n > 0:
                progress(n, importer.summary)

        for shown, copy in _copies(source, importer.folder):
            importer.run_file(shown, copy, advance)
    return importer.summary


def copy_size(paths: list[Path]) -> int:
    """The total size of the sources (the progress bar's length)."""
    return sum(p.stat().st_size for p in source_files(paths))

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
* an article page without a date of its own takes the date a listing of the same
  capture printed beside it (as the crawl does; the page waits until the end of the
  import when no listing read so far dates it), following the capture's redirects;
  its places are found as the crawl's ``PlacesPipeline`` finds them;
* everything is idempotent, so an interrupted import is simply run again: pages are
  stored ``VNARCHIVE_IMPORT_BATCH`` (default 200) to a transaction, at most ~2 s of
  work, and a file's own batch is committed when it ends
  (``ArchiveStore.batch``); the WARC copy is synced to disk before any row points into
  it, a killed import loses only its last uncommitted batch, and a re-run skips the
  records a committed row points at.

What costs nothing is skipped before any parsing (``bench/import_bench.py`` has the
figures): records that are not an HTML 200 response of the portal's host, records a
row of the archive already points at (a re-run), and a payload already read under
the same URL in this import (periodic captures of an unchanged page) reuses that
page's extraction.

Each copied WARC gets its CDXJ index beside it (``crawler.warc.cdxj``) as it is read: the
lines go to a file as they come and are sorted in bounded memory at the end.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.canonical import CanonicalRule
from crawler.import_sources import capture_date, copies, original_url, records, source_files
from crawler.import_work import (
    PageWork,
    WorkerPool,
    normalize_article,
    page_work,
    place_article,
    result,
    validated,
)
from crawler.items import Article, Listing
from crawler.pages.fit import FamilyFit
from crawler.profiles import PortalProfile
from crawler.scope import PortalScope
from crawler.warc import cdxj
from crawler.warc.files import relative_warc_path
from indexer import config
from indexer.store.archive import ArchiveStore
from indexer.store.batches import WriteBatch
from indexer.store.rows import WarcRef
from indexer.text.words import ArticleWords, segment_article

__all__ = ["ImportSummary", "import_paths"]

logger = logging.getLogger(__name__)

_HTML = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)
_REDIRECTS = frozenset({"301", "302", "303", "307", "308"})
#: Bounds that keep an import's memory flat whatever the size of its WARC files:
#: listing dates and redirects remembered, extracted pages kept for a repeated payload,
#: dateless article pages waiting for a listing's date.
MAX_REMEMBERED = 200_000
MAX_REPEATS = 512
MAX_WAITING = 2_000
#: Articles stored per transaction (``VNARCHIVE_IMPORT_BATCH``) and the longest a batch
#: stays open: a commit per page cost more than storing the page.
BATCH_PAGES = 200
BATCH_SECONDS = 2.0


@dataclass
class ImportSummary:
    """What an import read and did."""

    files: int = 0
    records: int = 0
    pages_read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # new/changed/version/duplicate…
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    bad_records: list[tuple[str, int, str]] = field(default_factory=list)  # file, offset, why
    rescued: int = 0  # articles read without the family's selectors (crawler.pages.fit)
    family: str = ""  # the profile's family, named when articles were rescued

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
        if self.rescued:
            out.append(
                f"rescued {self.rescued}: articles on which none of the {self.family!r} "
                "family's markers is (read by the family the markup shows, or the generic "
                "page object): check the profile's family"
            )
        for name, offset, why in self.bad_records[:20]:
            out.append(f"bad record: {name} at offset {offset}: {why}")
        if len(self.bad_records) > 20:
            out.append(f"… and {len(self.bad_records) - 20} more bad records")
        return out


_OUTCOMES = ("new", "changed", "version", "unchanged", "duplicate")


_Key = tuple[str, str | None, str]  # (URL, charset, payload digest): one page's payload


class _Bounded(dict):  # type: ignore[type-arg]
    """A dict that forgets its oldest keys past ``limit`` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if key not in self and len(self) >= self.limit:
            del self[next(iter(self))]
        super().__setitem__(key, value)


class _Importer:
    """One import run into one portal."""

    def __init__(
        self,
        profile: PortalProfile,
        store: ArchiveStore,
        batch: WriteBatch,
        batch_pages: int,
        pool: WorkerPool | None = None,
    ) -> None:
        self.profile = profile
        self.store = store
        self.batch = batch
        self.batch_pages = batch_pages
        self.batch_started = time.monotonic()
        self.scope = PortalScope(profile.base_url)
        self.canonicals = CanonicalRule(self.scope)  # which rel=canonical to believe
        self.canonicals.claims = _Bounded(MAX_REMEMBERED)  # one per article: bounded
        self.summary = ImportSummary()
        self.folder = config.warc_dir() / profile.id / "imported"
        self.item_dates: dict[str, str] = _Bounded(MAX_REMEMBERED)  # listed URL -> date
        self.redirected: dict[str, str] = _Bounded(MAX_REMEMBERED)  # target -> source
        # (URL, charset, payload digest) -> the page stored for it, or why it was not
        self.repeats: dict[tuple[str, str | None, str], Article | str] = _Bounded(MAX_REPEATS)
        self.waiting: list[tuple[Article, _Key, datetime, WarcRef, PageWork]] = []
        # whether the profile's family fits the pages (in this process; a worker judges
        # over its own pages)
        self.fit = FamilyFit(profile.family)
        # the pages read while it is judged, handled once it is (read again when it does
        # not fit): (body, URL, charset, key, capture date, WARC copy, work)
        self.judged: list[tuple[bytes, str, str | None, _Key, datetime, WarcRef, PageWork]] = []
        # with worker processes: the pages in flight and the steps after them, in capture
        # order (each step runs once everything before it has)
        self.pool = pool
        self.pending: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self.in_flight: set[_Key] = set()
        self._bad: Callable[[int, str], None] = lambda offset, why: None

    def run_file(self, shown: str, path: Path, advance: Callable[[int], None]) -> None:
        self.summary.files += 1
        stored = relative_warc_path(path)
        held = self.store.warc_offsets(stored)  # records a row points at: imported before
        index = cdxj.cdxj_path(path)
        lines = index.with_name(index.name + ".lines")
        done = 0

        def bad(offset: int, why: str) -> None:
            self.summary.bad_records.append((shown, offset, why))
            self.summary.skipped["bad_record"] += 1

        self._bad = bad
        with open(lines, "w", encoding="utf-8") as entries:
            for record, offset, iterator in records(path, bad):
                self.summary.records += 1
                try:
                    self._record(record, offset, iterator, stored, path.name, entries, held)
                except Exception as exc:  # noqa: BLE001 - a damaged payload: skip the record
                    bad(offset, f"{type(exc).__name__}: {str(exc)[:120]}")
                self.commit_due()
                advance(offset - done)
                done = offset
            self._drain(0)  # every page of the file stored before its batch is committed
        advance(path.stat().st_size - done)
        cdxj.sort_lines(lines, index)
        lines.unlink()

    def _record(
        self,
        record: Any,
        offset: int,
        iterator: Any,
        stored: str,
        name: str,
        entries: Any,
        held: set[int],
    ) -> None:
        if record.rec_type not in ("response", "revisit", "resource"):
            return
        http = record.http_headers
        status = http.get_statuscode() if http else None
        ctype = (http.get_header("Content-Type") if http else None) or ""
        target = record.rec_headers.get_header("WARC-Target-URI") or ""
        page = record.rec_type == "response" and status == "200" and ctype.startswith(_HTML)
        url, stamp = original_url(target) if page or status in _REDIRECTS else (target, None)
        on_host = (page or status in _REDIRECTS) and self.scope.same_host(url)
        wanted = page and on_host and offset not in held
        body = record.content_stream().read() if wanted else b""
        iterator.read_to_end(record)
        length = iterator.get_record_length()
        entry = cdxj.entry_for_record(record, offset, length, name)
        if entry is not None:
            entries.write(entry.line() + "\n")
        if status in _REDIRECTS and on_host:
            location = http.get_header("Location")
            if location:
                self._in_order(
                    self.redirected.__setitem__,
                    self.scope.clean(location, url),
                    self.scope.clean(url),
                )
        if not page:
            return
        if not on_host:
            self.summary.skipped["other_host"] += 1
            return
        self.summary.pages_read += 1
        if offset in held:
            self.summary.skipped["imported_before"] += 1
            return
        match = _CHARSET.search(ctype)
        digest = (
            record.rec_headers.get_header("WARC-Payload-Digest") or hashlib.sha1(body).hexdigest()
        )
        self._page(
            body,
            self.scope.clean(url),
            match.group(1).lower() if match else None,
            digest,
            capture_date(record, stamp),
            WarcRef(stored, offset, length, record.rec_headers.get_header("WARC-Record-ID")),
            offset,
        )

    def _in_order(self, step: Callable[..., None], *args: Any) -> None:
        """Run ``step`` now, or after the pages still in flight when there are any."""
        if self.pending:
            self.pending.append((step, args))
        else:
            step(*args)

    def _drain(self, keep: int) -> None:
        """Handle the steps waiting in capture order: the finished ones at the head, and
        then (waiting for their workers) until no more than ``keep`` are left."""
        while self.pending:
            step, args = self.pending[0]
            future = args[0] if step == self._pooled else None
            if len(self.pending) <= keep and future is not None and not future.done():
                return
            self.pending.popleft()
            step(*args)

    def _page(
        self,
        body: bytes,
        url: str,
        encoding: str | None,
        digest: str,
        when: datetime,
        ref: WarcRef,
        offset: int,
    ) -> None:
        key = (url, encoding, digest)
        if self.pool is None:
            if not self._repeat(key, when, ref):
                judging = self.fit.judging and not self.fit.auto
                work = page_work(body, url, encoding, self.profile, eager=False, fit=self.fit)
                if not judging:
                    self._handle(work, key, when, ref)
                    return
                self.judged.append((body, url, encoding, key, when, ref, work))
                if not self.fit.judging:
                    self._after_judgement()
            return
        future = None
        if key not in self.in_flight and key not in self.repeats:
            future = self.pool.submit(body, url, encoding)
            self.in_flight.add(key)
        self.pending.append((self._pooled, (future, body, key, when, ref, offset)))
        self._drain(self.pool.window)

    def _pooled(
        self,
        future: Future[PageWork] | None,
        body: bytes,
        key: _Key,
        when: datetime,
        ref: WarcRef,
        offset: int,
    ) -> None:
        """A page a worker did (or one whose payload another page in flight has), in
        capture order: as :meth:`_page` handles it in one process."""
        url, encoding, _digest = key
        if future is not None:
            self.in_flight.discard(key)
        try:
            if self._repeat(key, when, ref):
                return

            def here() -> PageWork:
                return page_work(body, url, encoding, self.profile, eager=False, fit=self.fit)

            self._handle(result(future, here) if future is not None else here(), key, when, ref)
        except Exception as exc:  # noqa: BLE001 - as run_file does for the record itself
            self._bad(offset, f"{type(exc).__name__}: {str(exc)[:120]}")

    def _after_judgement(self) -> None:
        """The pages read while the family was judged (in one process), handled in capture
        order: read again by the family the markup shows when the profile's does not fit.
        An import that ends before a verdict takes the family to fit."""
        judged, self.judged = self.judged, []
        self.fit.settled = True
        for body, url, encoding, key, when, ref, work in judged:
            if self.fit.replacement is not None:
                work = page_work(body, url, encoding, self.profile, eager=False, fit=self.fit)
            self._handle(work, key, when, ref)

    def _repeat(self, key: _Key, when: datetime, ref: WarcRef) -> bool:
        """Handle a payload read before under the same URL without reading it again;
        False when it was not."""
        seen = self.repeats.get(key)
        if isinstance(seen, str):  # the same payload under this URL was not an article
            self.summary.skipped[seen] += 1
            return True
        if seen is not None:  # nor was it parsed again: the same page, captured again
            self._store(seen, when, ref)
            return True
        return False

    def _handle(self, work: PageWork, key: _Key, when: datetime, ref: WarcRef) -> None:
        """Route one page's work: a listing's dates remembered, an article stored (or
        kept waiting for a listing's date)."""
        url = key[0]
        if work.error is not None:
            self.summary.skipped["extract_error"] += 1
            logger.info("cannot extract %s: %s", url, work.error)
            return
        page = work.page
        if isinstance(page, Listing):
            self._remember_dates(page, url)
        if not isinstance(page, Article):
            self.repeats[key] = "not_an_article"
            self.summary.skipped["not_an_article"] += 1
            return
        if page.extraction_path == "rescued":
            self.summary.rescued += 1
            self.summary.family = self.profile.family
        page.portal = self.profile.id
        page.url = url
        page.canonical_url = (
            self.canonicals.trusted(page.canonical_url, url, work.title_as_read or "") or url
        )
        if not page.published and not self._listed(page):
            # a listing later in the capture may date it: wait (bounded) for the end
            self.waiting.append((page, key, when, ref, work))
            if len(self.waiting) > MAX_WAITING:
                self._finish(*self.waiting.pop(0))
            return
        self._finish(page, key, when, ref, work)

    def _remember_dates(self, listing: Listing, url: str) -> None:
        """Keep the date a listing prints beside each item (the first listing's wins)."""
        for item in listing.items:
            if item.published:
                clean = self.scope.clean(item.url, url)
                if clean not in self.item_dates:
                    self.item_dates[clean] = item.published

    def _listed(self, page: Article) -> bool:
        """Give a dateless article its listing's date, as the crawl does; True if found."""
        url, hops = page.url, 0
        while url and hops < 10:  # the URL itself, then the URLs that redirected to it
            listed = self.item_dates.get(url)
            if listed:
                page.published = listed
                page.published_source = "listing"
                return True
            url, hops = self.redirected.get(url, ""), hops + 1
        return False

    def _finish(
        self, page: Article, key: _Key, when: datetime, ref: WarcRef, work: PageWork
    ) -> None:
        """Normalise, validate, place and store one extracted article page (the crawl's
        stages; a worker may have done the first ones already)."""
        if not work.prepared:
            normalize_article(page)
        reason = validated(page)
        if reason:
            self.repeats[key] = reason
            self.summary.skipped[reason] += 1
            return
        if not (work.placed and work.places_for == page.published):
            place_article(page, self.profile)  # (read again when a listing dated it)
        self.repeats[key] = page
        self._store(page, when, ref, work.words)

    def _store(
        self, page: Article, when: datetime, ref: WarcRef, words: ArticleWords | None = None
    ) -> None:
        # the segmentation step of the ingest, as the crawl's SegmentPipeline runs it
        outcome, _ = self.store.import_capture(
            page,
            # only if the text is stored, unless a worker segmented it already
            words=words if words is not None else lambda: segment_article(page),
            captured_at=when,
            province=self.profile.province or None,
            district=self.profile.district or None,
            warc=ref,
        )
        self.summary.outcomes[outcome] += 1

    def commit_due(self) -> None:
        """Commit the batch when it holds ``batch_pages`` pages or has been open long enough
        (outside a record's ``try``: a failed commit stops the import, it is no bad record)."""
        if (
            self.batch.writes >= self.batch_pages
            or time.monotonic() - self.batch_started >= BATCH_SECONDS
        ):
            self.commit()

    def commit(self) -> None:
        """Make what the batch stored durable (the WARC copy already is)."""
        self.batch.commit()
        self.batch_started = time.monotonic()

    def finish(self) -> None:
        """Store the pages read while the family was judged, if the import ended first, and
        the dateless pages no listing dated while they waited."""
        self._drain(0)
        self._after_judgement()
        while self.waiting:
            page, key, when, ref, work = self.waiting.pop(0)
            self._listed(page)
            self._finish(page, key, when, ref, work)


def import_paths(
    paths: list[Path],
    profile: PortalProfile,
    store: ArchiveStore,
    *,
    progress: Callable[[int, ImportSummary], None] | None = None,
    batch_pages: int | None = None,
    workers: int = 1,
) -> ImportSummary:
    """Import every WARC/WACZ in ``paths`` into ``profile``'s portal; the summary.

    ``progress(bytes_read, summary)`` is called as the files are read (for a progress bar
    whose length is the total size of the sources).  ``batch_pages``: articles stored per
    transaction (default ``VNARCHIVE_IMPORT_BATCH`` or ``BATCH_PAGES``).  ``workers``:
    processes doing the pages' own work (``crawler.import_work``); 1 does everything in
    this process.  The archive comes out the same either way.
    """
    if batch_pages is None:
        batch_pages = int(os.environ.get("VNARCHIVE_IMPORT_BATCH") or BATCH_PAGES)
    files = source_files(paths)
    pool = WorkerPool(workers, profile) if workers > 1 else None
    finished = False
    try:
        with store.batch() as batch:
            importer = _Importer(profile, store, batch, max(batch_pages, 1), pool)
            for source in files:

                def advance(n: int) -> None:
                    if progress is not None and n > 0:
                        progress(n, importer.summary)

                # each copy is on disk (fsync) before a row points into it
                for shown, copy in copies(source, importer.folder):
                    importer.run_file(shown, copy, advance)
                    importer.commit()
            importer.finish()
        finished = True
    finally:
        if pool is not None:
            pool.close(cancel=not finished)
    return importer.summary

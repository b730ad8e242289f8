"""Keeps the Whoosh index in step with the archive store (the only process that writes it).

``update_index()`` indexes what changed in the store since its last run: each
store row carries ``seq``, a store-wide change counter, and the index keeps the
highest ``seq`` it has absorbed (its *watermark*) in ``vnarchive-state.json``
next to the index files.  New and changed articles are (re)indexed, gone ones
leave the index (never the store).  ``rebuild=True`` re-indexes everything.

- Both cores: large batches go through Whoosh's multi-process writer
  (``procs=2, multisegment=True``): analysis runs in two worker processes, each
  writing its own segment.  Small batches use one process (no start-up cost).
- Safe for readers: Whoosh commits a new index generation atomically; a reader
  keeps the generation it opened.  A rebuild writes new segments and swaps them in
  with one commit (``CLEAR``), so searches keep working during it.
- Never segments twice: the word fields read the segmentation stored with each
  article (``indexer.text.words``).  A row stored without one (before schema 4, or
  by a tool that did not segment) is segmented here once and the result stored.
- One writer: a file lock; a second indexer gets :class:`IndexBusy` (or waits
  with ``wait=True``).
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from whoosh import index as whoosh_index
from whoosh.writing import CLEAR, SegmentWriter

from indexer import config
from indexer.search import whoosh_files  # noqa: F401  (Whoosh reads segment files in place)
from indexer.search.schema import SCHEMA_VERSION, article_document, build_schema
from indexer.search.segment_merge import add_posting_arrays, commit_segments, merge_segments
from indexer.search.segments import SegmentBuilder, supported
from indexer.store.archive import ArchiveStore
from indexer.store.tables import articles
from indexer.text.words import segment_article

__all__ = ["IndexBusy", "IndexStats", "index_state", "open_index", "update_index"]

STATE_FILE = "vnarchive-state.json"
LOCK_FILE = "vnarchive-writer.lock"
PARALLEL_THRESHOLD = 1_000  # below this many articles, one process is faster
BATCH = 500
# Articles per segment of a full build, built in memory (indexer.search.segments): ~2,000
# postings an article, packed 8 bytes each (~200 MB for a segment at its largest).
SEGMENT_ARTICLES = 10_000
# A full build keeps its segments as they are up to this many (100,000 articles: 10);
# beyond, they are merged down to one per worker process.
MAX_SEGMENTS = 16
# Memory for each writer's posting pool before it spills sorted runs to disk (each spilled
# posting is pickled twice: spilling is what makes large builds slow).
LIMIT_MB = 384

Progress = Callable[[int, int], None]


class IndexBusy(RuntimeError):
    """Another indexer holds the index's writer lock."""


@dataclass
class IndexStats:
    """What one run of the indexer did."""

    indexed: int = 0  # new or changed articles written
    removed: int = 0  # gone articles taken out
    seen: int = 0  # store rows examined
    segmented: int = 0  # rows that had no stored segmentation (segmented once, stored)
    documents: int = 0  # documents in the index afterwards
    rebuilt: bool = False
    seconds: float = 0.0
    watermark: int = 0

    @property
    def rate(self) -> float:
        """Articles examined per second."""
        return self.seen / self.seconds if self.seconds else 0.0


def index_state(index_dir: Path | None = None) -> dict[str, Any]:
    """The indexer's saved state (watermark, schema version), or {} if none."""
    path = Path(index_dir or config.index_dir()) / STATE_FILE
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(index_dir: Path, state: dict[str, Any]) -> None:
    tmp = index_dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1), "utf-8")
    os.replace(tmp, index_dir / STATE_FILE)


def open_index(index_dir: Path | None = None) -> whoosh_index.Index | None:
    """The index for reading, or None when none has been built yet."""
    path = Path(index_dir or config.index_dir())
    if not path.is_dir() or not whoosh_index.exists_in(str(path)):
        return None
    return whoosh_index.open_dir(str(path))


class _WriterLock:
    """An exclusive ``flock`` on the index directory's lock file, with the holder's pid."""

    def __init__(self, index_dir: Path, wait: bool) -> None:
        self.path = index_dir / LOCK_FILE
        self.wait = wait
        self.fd: int | None = None

    def __enter__(self) -> _WriterLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise IndexBusy(
                f"another indexer (pid {holder}) is updating the index in {self.path.parent}; "
                "try again when it has finished, or wait for it with --wait"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _count_since(store: ArchiveStore, seq: int, live_only: bool) -> int:
    query = sa.select(sa.func.count()).select_from(articles).where(articles.c.seq > seq)
    if live_only:
        query = query.where(articles.c.status == "live")
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def _indexable(row: dict[str, Any]) -> bool:
    return row.get("status") == "live" and not row.get("duplicate_of")


def _segment_missing(store: ArchiveStore, batch: list[dict[str, Any]]) -> int:
    """Segment the indexable rows stored without a segmentation, store it; how many."""
    missing = {
        row["id"]: segment_article(row)
        for row in batch
        if _indexable(row) and row.get("body_words") is None
    }
    if missing:
        store.set_words(missing)
        for row in batch:
            words = missing.get(row["id"])
            if words is not None:
                row.update(
                    title_words=words.title, summary_words=words.summary, body_words=words.body
                )
    return len(missing)


def _batches(store: ArchiveStore, since: int, live_only: bool) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    rows = store.iter_articles(since_seq=since, status="live" if live_only else None)
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _documents(
    store: ArchiveStore, batch: list[dict[str, Any]], stats: IndexStats
) -> list[tuple[dict[str, Any], list[str]]]:
    """(row, attachment names) of a batch's indexable rows; segments rows stored without words."""
    stats.segmented += _segment_missing(store, batch)
    names = store.attachments_for([r["id"] for r in batch if _indexable(r)])
    out = []
    for row in batch:
        stats.seen += 1
        if _indexable(row):
            out.append((row, [a.get("name") or "" for a in names.get(row["id"], [])]))
    return out


def _build_segment(index_dir: str, rows: list[tuple[dict[str, Any], list[str]]]) -> Any:
    """Worker: one segment of the given rows' documents, written but not committed."""
    ix = whoosh_index.open_dir(index_dir)
    builder = SegmentBuilder(ix.storage, ix.schema)
    for row, files in rows:
        builder.add_document(**article_document(row, files))
    return builder.finish()


def _merge(index_dir: str, segments: list[Any]) -> Any:
    """Worker: one segment holding ``segments``' documents, written but not committed."""
    ix = whoosh_index.open_dir(index_dir)
    return merge_segments(ix.storage, ix.schema, segments)


def _bulk_build(
    store: ArchiveStore,
    ix: whoosh_index.Index,
    path: Path,
    total: int,
    nprocs: int,
    stats: IndexStats,
    progress: Progress | None,
) -> int:
    """Rebuild the whole index from the store as new segments, committed in one step.

    Segments of ``SEGMENT_ARTICLES`` articles are built in memory
    (:mod:`indexer.search.segments`), in ``nprocs`` worker processes when more than one;
    more than ``MAX_SEGMENTS`` of them are merged down to ``nprocs`` (in parallel).
    They become the index's only segments with one commit: readers keep the old
    generation until then.  No run files: the temporary disk is at most the
    segments being merged.  Returns the watermark.
    """
    watermark = 0
    segments: list[Any] = []
    chunk: list[tuple[dict[str, Any], list[str]]] = []
    size = max(1, min(SEGMENT_ARTICLES, -(-total // nprocs)))  # every worker gets work
    pool = multiprocessing.get_context("fork").Pool(nprocs) if nprocs > 1 else None
    pending: list[Any] = []

    def submit(rows: list[tuple[dict[str, Any], list[str]]]) -> None:
        if pool is None:
            segments.append(_build_segment(str(path), rows))
            return
        pending.append(pool.apply_async(_build_segment, (str(path), rows)))
        while len(pending) > nprocs:  # bound the rows held in memory
            segments.append(pending.pop(0).get())

    try:
        for batch in _batches(store, 0, live_only=True):
            for row in batch:
                watermark = max(watermark, int(row["seq"]))
            chunk += _documents(store, batch, stats)
            while len(chunk) >= size:
                submit(chunk[:size])
                stats.indexed += size
                chunk = chunk[size:]
            if progress:
                progress(stats.seen, max(total, stats.seen))
        if chunk:
            submit(chunk)
            stats.indexed += len(chunk)
        while pending:
            segments.append(pending.pop(0).get())
        if len(segments) > MAX_SEGMENTS:
            groups = _groups(segments, nprocs)
            if pool is None:
                segments = [_merge(str(path), group) for group in groups]
            else:
                segments = pool.starmap(_merge, [(str(path), group) for group in groups])
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    commit_segments(ix, segments)  # CLEAR: only the new segments; unused files removed
    shutil.rmtree(path / f"{ix.indexname}.tmp", ignore_errors=True)
    return watermark


def _groups(segments: list[Any], n: int) -> list[list[Any]]:
    """``segments`` cut into ``n`` runs of consecutive segments with similar document counts."""
    total = sum(s.doc_count_all() for s in segments)
    groups: list[list[Any]] = [[]]
    done = 0
    for segment in segments:
        if groups[-1] and done >= total * len(groups) / n and len(groups) < n:
            groups.append([])
        groups[-1].append(segment)
        done += segment.doc_count_all()
    return [g for g in groups if g]


def update_index(
    store: ArchiveStore | None = None,
    index_dir: Path | str | None = None,
    *,
    rebuild: bool = False,
    wait: bool = False,
    procs: int | None = None,
    parallel_threshold: int = PARALLEL_THRESHOLD,
    progress: Progress | None = None,
) -> IndexStats:
    """Bring the index up to date with the store (everything again with ``rebuild``).

    ``procs``: worker processes for large batches (default: the CPU count, at most 2
    are useful) when at least ``parallel_threshold`` articles are to be indexed.
    ``progress(done, total)`` is called after each batch.  Raises
    :class:`IndexBusy` if another indexer runs and ``wait`` is false.
    """
    started = time.perf_counter()
    store = store or ArchiveStore()
    path = Path(index_dir or config.index_dir())
    path.mkdir(parents=True, exist_ok=True)
    stats = IndexStats()
    with _WriterLock(path, wait):
        state = index_state(path)
        exists = whoosh_index.exists_in(str(path))
        fresh = (
            not exists
            or state.get("schema_version") != SCHEMA_VERSION
            or state.get("db_url") != store.url
        )
        full = rebuild or fresh
        since = 0 if full else int(state.get("seq", 0))
        ix = (
            whoosh_index.create_in(str(path), build_schema())
            if not exists or state.get("schema_version") != SCHEMA_VERSION
            else whoosh_index.open_dir(str(path))
        )
        total = _count_since(store, since, live_only=full)
        nprocs = min(procs or os.cpu_count() or 1, 2)
        parallel = nprocs > 1 and total >= parallel_threshold
        if full and supported(ix.schema):
            watermark = _bulk_build(
                store, ix, path, total, nprocs if parallel else 1, stats, progress
            )
        else:
            watermark = _incremental(store, ix, since, full, parallel, nprocs, stats, progress)
        ix = whoosh_index.open_dir(str(path))
        add_posting_arrays(ix)  # segments of Whoosh's writer, or of an index built before them
        stats.documents = ix.doc_count()
        stats.rebuilt = full
        stats.watermark = watermark
        _save_state(
            path,
            {
                "seq": watermark,
                "schema_version": SCHEMA_VERSION,
                "db_url": store.url,
                "documents": stats.documents,
                "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
        )
    stats.seconds = time.perf_counter() - started
    return stats


def _incremental(
    store: ArchiveStore,
    ix: whoosh_index.Index,
    since: int,
    full: bool,
    parallel: bool,
    nprocs: int,
    stats: IndexStats,
    progress: Progress | None,
) -> int:
    """Index the rows changed since ``since`` with Whoosh's writer; returns the watermark."""
    total = _count_since(store, since, live_only=full)
    if parallel:
        writer = ix.writer(procs=nprocs, multisegment=True, limitmb=LIMIT_MB, batchsize=100)
    else:
        writer = SegmentWriter(ix, limitmb=LIMIT_MB)
    watermark = since
    try:
        for batch in _batches(store, since, live_only=full):
            stats.segmented += _segment_missing(store, batch)
            names = store.attachments_for([r["id"] for r in batch if _indexable(r)])
            if not full:  # changed articles are replaced, gone ones removed
                with writer.searcher() as searcher:
                    for row in batch:
                        writer.delete_by_term("id", row["id"], searcher=searcher)
            for row in batch:
                watermark = max(watermark, int(row["seq"]))
                stats.seen += 1
                if _indexable(row):
                    files = [a.get("name") or "" for a in names.get(row["id"], [])]
                    writer.add_document(**article_document(row, files))
                    stats.indexed += 1
                elif not full:
                    stats.removed += 1
            if progress:
                progress(stats.seen, max(total, stats.seen))
        writer.commit(mergetype=CLEAR) if full else writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return watermark

"""Benchmark of the search index: vnarchive's Whoosh index beside SQLite FTS5, same documents.

For each size (default 10,000 and 100,000 synthetic articles of ~4 KB, built
from real Vietnamese sentences: the VLSP 2013 test set shipped inside
underthesea, else the sample portals' ``sentences.txt``), it prints, as the
median of ``--runs`` runs (default 3):

- indexing rate (articles/s) of ``indexer.search.writer.update_index(rebuild=True)``
  reading a real archive store, and of our analysis alone (tokenising every
  text field, the same two copies the index holds) in 1 and 2 processes;
- peak memory (max RSS) of the indexing process and of its worker processes;
- index size on disk;
- query latency p50/p95 of ``indexer.search.query.search`` (10 results, facets,
  snippets, total) over ``--queries`` (default 300) mixed queries: one to
  three words, with and without diacritics, phrases, and a filter;
- the same for SQLite FTS5 (``unicode61 remove_diacritics 2``) on the same
  documents and queries, doing the same work (top 10 by bm25 with title
  weight 3 and snippets, total count, portal/category/year counts), and the
  ratios.

The underthesea ``word_tokenize`` rate on a sample is printed for reference: the
index reads the segmentation stored with each article (``indexer.text.words``, made once
by the crawl), so the bench stores it before timing the build, as a crawl would.

Run: ``.venv/bin/python bench/index_bench.py [--sizes 10000,100000] [--runs N]`` (runs:
default 3, and 1 for 100,000 articles and more).  ``--workdir DIR`` keeps the work files
there for the next run: each size's archive store with its word segmentation (segmenting
100k articles is the long part of a first run, ~10 min here, and is never timed), its
FTS5 table and its index, so ``--sizes 100000 --workdir DIR`` runs again in under 30
minutes (the index build itself: ~11 min at 150 articles/s).  Without it a temporary
directory is used and removed (``--keep`` leaves it).  ``--query-only --workdir DIR``
re-runs only the query timings on the indexes kept there (seconds): the way to compare
query changes before and after.  Beside the wall-clock figures it prints the build's
articles per CPU second (its process and its workers) and the queries' CPU p95: on a
machine shared with other work the wall clock measures the others too.  With two sizes
or more it estimates the query latencies at 1,000,000 articles by a power law through
the two largest (``t = a * n**b``, ``b`` from their ratio: the posting lists, bitsets and
facet counts a query walks grow with the corpus).  The peak disk column is the index directory's largest
size during the build (sampled every 0.2 s: segments, run files, everything) over the
final index's size.

Where the build's time went (issue 14; cProfile of ``update_index(rebuild=True,
procs=1)`` over 1,500 articles with their words stored, on a loaded 2-core machine, so
shares): Whoosh's external sort of postings about 40 % (every posting is pickled into a
run file, ``_pickle.dump`` alone 15 %, then sorted, 9 %, and read back and merged: at 100k
articles those run files were the ~17 GB of temporary disk); our analyzers
(``indexer.search.analysis`` tokenising and folding, two copies of each text) about 33 %;
Whoosh's per-term posting formats (``word_values``) about 25 %.  A full build now writes
segments of 10,000 articles built in memory (``indexer.search.segments``: each text tokenised
once for its exact, folded and bigram copies, postings packed in arrays, each segment
written with Whoosh's codec layout, no run files), in 2 worker processes: on the same
2,000-article store, alternating old and new builds on the loaded machine, 42-47 s of CPU
became 14-17 s.  What is left (cProfile, one 600-article segment): adding the postings
(C-level ``map`` into the arrays) ~12 %, writing the term dictionary and posting blocks
(pickle + zlib per block, Whoosh's format) ~40 %, text normalisation in
``article_document`` ~10 %, tokenising ~15 %.

Where a query's time goes (issue 14).  Before (cProfile of the 30 slowest of the 300
queries at 100k, CPU p95 155 ms): reading posting lists cold ~70 % (per 128-posting block a
zlib decompress and an unpickle, ~0.25 us a posting, ~25 ms for a syllable in every
article), snippets ~12 %, scoring ~6 %, facets ~3 %.  Now every list of more than 128
postings is also kept as raw arrays beside its segment (``indexer.search.posting_arrays``:
one ``numpy.frombuffer``, no decoding), BM25F is computed on arrays (idf from the list's
length), field lengths are read in one step and bitsets listed with numpy.  Same results: the
600 result pages (300 queries x 2 sorts) are byte-identical to the old code's, at 10k and
100k.  At 100k (all 300 queries, cProfile, CPU p95 ~16 ms): posting reads ~21 % (now mostly
Whoosh's term lookups of short lists, one per segment: 10 segments), snippets ~18 %,
scoring ~15 %, the other copies of each hit's story (``docs_for_query(story_id=)`` per hit)
~15 %, stored fields ~10 %, facets ~7 %.  Figures (``--query-only``, 3 runs, load 6-8 on 2
cores, so wall > CPU): 10k p95 37.6 ms (CPU 8.3), 100k p95 45.2 ms (CPU 16.1), 300k p95 90.1
ms (CPU 36.0); before, 10k CPU p95 17.9 and 100k CPU p95 127.8 (wall 372.5).

300k and 1M: building them takes hours here, so ``bench/replicate_index.py`` makes them from
the 100k index (segments copied byte for byte with new document ids): 3 and 10 copies, 30
and 100 segments.  A real full build of 1M would have 2 segments (``update_index`` merges more
than ``MAX_SEGMENTS`` = 16 built segments down to one per worker process), plus the segments
later incremental updates add (Whoosh's writer, its ``MERGE_SMALL`` policy): 100 segments is
the adverse layout.  Merging the copies the writer's way was not done (``merge_segments`` is
Python over every posting: hours at 1M here); the query path was made to cost little per
segment instead, since incremental crawls add segments over time.

How the 1M figures were obtained, and where the time went (issue 14).  Session 4 measured the
replicated 1M at p95 3,241 ms wall, CPU p95 848 ms, against a power-law estimate from 100k and
300k of 192 ms: what grew was per-segment work.  On main at 9b32539 (the same replica, first
100 queries, 1 run, load ~4.5): p50 366 ms, p95 2,051 ms wall, CPU p95 634 ms, max RSS 17 GB.
cProfile of those queries: (1) every term of a query was looked up in each of the 100 segments
(Whoosh's on-disk hash, ~40 us found or not) whenever its list there was not in the posting
arrays: short lists, and terms a segment lacks (the compound words a query tries, mostly
absent); (2) each hit's story was looked up in the 100 segments (in the replica the copies'
story terms are the originals', so no hit passed the no-copies check); (3) Whoosh's
``BufferFile`` copied every file it opened from a compound segment into a ``BytesIO``: each
searcher copied each segment's term index and postings, each first stored-field read of a
segment its whole stored-fields file (~4 ms a segment; the process held 17 GB, so the 16 GB
of index no longer stayed in the page cache and the wall clock was 3x the CPU).  Now: every
posting list is in the segment's ``.vnpost`` file with a directory of the segment's terms
(sorted 64-bit hashes, every 256th kept in memory: a lookup reads one page, and a term the
segment lacks is known absent without Whoosh), a story's copies are read there too and the
no-copies check is one sorted array per generation (``indexer.search.copies``), Whoosh's files
are read in place (``indexer.search.whoosh_files``), and facets are counted with one
``bincount`` of value codes over the matches instead of a popcount per value (~170 passes over
a 125 KB bitset).  The same 100 queries: p95 299 ms wall at load 6 (330 at load 7), CPU p95
123 ms, max RSS 4.6 GB.  All 300 queries, 3 runs (``--query-only --sizes 1000000 --runs 3``):
p50 74.6 / p95 162.6 ms wall, CPU p50 47.5 / p95 93.7 ms at load 5.5-6.7 (the first run,
page cache colder: p95 225.5 ms); at load 7: p95 201.7 ms wall, CPU p95 92.4 ms.  So the 1M
goal (p95 <= 300 ms) is met on the replica, on a loaded machine; the quiet figure is for the
lead's run.  The power law through 100k and 300k now gives p95 131 ms at 1M (n^0.45), in
line with the replica's 163-202.

Where a query's time goes now at 1M (cProfile of the 300 queries, wall shares on the loaded
machine, CPU ~73 ms a query): reading posting lists ~53 % (copying a segment's ids out of the
map and adding its offset ~17 %, mostly page faults; each long list's bitset ~15 %; the
directory lookups, 100 segments x ~13 terms a query, ~13 %), facet counts ~14 %, stored
fields ~9 %, snippets ~4 %, scoring ~5 %.  Once per index generation the cache costs ~9 s of
CPU at 1M (columns as Python lists, month bitsets, story hashes).

Before / after on the same machine minutes (``--query-only``, 300 queries, 3 runs, load
~6; same 600 result pages, byte-identical to main's at 10k, 100k and 300k): 10k p95 20.5 ->
24.2 ms wall, CPU p95 8.7 -> 11.2 (alternated twice more: CPU p95 9.1 / 8.6 before, 8.3 /
8.9 after: unchanged); 100k p95 53.6 -> 45.9 ms, CPU p95 24.7 -> 21.9; 300k p95 96.5 -> 75.6
ms, CPU p95 40.3 -> 35.8; 1M (100 queries) p95 2,051 -> 299 ms, CPU p95 634 -> 123.  If a
real archive's vocabulary or the page cache made Whoosh's side (stored fields, the
per-segment copies) dominate again, the engine to put behind ``indexer.search.query`` is
Tantivy (``tantivy`` on PyPI: term lookups, postings and stored fields in native code; our
analysis would feed it pre-tokenised text, and the set algebra stays the same).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import multiprocessing
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from indexer.search.analysis import exact_analyzer, folded_analyzer  # noqa: E402
from indexer.text import content_hash, fold, normalize  # noqa: E402

PORTALS = [f"portal-{n:02d}" for n in range(20)]
CATEGORIES = [
    "Tin tức",
    "Thông báo",
    "Kinh tế",
    "Văn hóa - Xã hội",
    "Nông nghiệp",
    "Chuyển đổi số",
    "An ninh - Quốc phòng",
    "Cải cách hành chính",
]
PROVINCES = ["Đắk Nông", "Hà Nội", "Quảng Bình", "Quảng Trị", "Thừa Thiên Huế"]
VLSP = "pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt"


# -- corpus --------------------------------------------------------------------------


def sentences() -> list[str]:
    """Real Vietnamese sentences: the whole VLSP 2013 test set if underthesea is there."""
    try:
        import underthesea

        path = Path(underthesea.__file__).resolve().parent / VLSP
        out, tokens = [], []
        for line in path.read_text("utf-8").splitlines() + [""]:
            if line.strip():
                tokens.append(line.split("\t")[0].replace("_", " "))
            elif tokens:
                text = re.sub(r" ([,.;:!?)])", r"\1", " ".join(tokens))
                if len(text) >= 30:
                    out.append(normalize(text))
                tokens = []
        if len(out) > 1000:
            return out
    except Exception:  # noqa: BLE001 — fall back to the shipped sample sentences
        pass
    from crawler.samples.corpus import load_sentences

    return list(load_sentences())


def make_article(n: int, pool: list[str], rng: random.Random) -> dict[str, Any]:
    """Synthetic article number ``n``: a title and a ~4 KB body of real sentences."""
    title = pool[rng.randrange(len(pool))].rstrip(".")[:120]
    body: list[str] = []
    used: list[int] = []  # the pool sentences of the body, in order (fill_store's words)
    size = 0
    target = rng.randint(3500, 4500)
    while size < target:
        picked = [rng.randrange(len(pool)) for _ in range(rng.randint(2, 5))]
        paragraph = " ".join(pool[i] for i in picked)
        used += picked
        body.append(paragraph)
        size += len(paragraph) + 2
    day = datetime(2015, 1, 1, tzinfo=UTC).toordinal() + rng.randrange(3800)
    published = datetime.fromordinal(day).strftime("%Y-%m-%d")
    return {
        "id": f"{n:016x}",
        "portal": PORTALS[n % len(PORTALS)],
        "url": f"https://bench.example.vn/tin/{n}",
        "title": title,
        "published": published,
        "category": CATEGORIES[rng.randrange(len(CATEGORIES))],
        "province": PROVINCES[n % len(PROVINCES)],
        "body_text": "\n\n".join(body),
        "_sentences": used,
    }


@functools.lru_cache(maxsize=1)
def _pool() -> list[str]:
    return sentences()


def corpus(size: int, seed: int = 4) -> list[dict[str, Any]]:
    pool = _pool()
    rng = random.Random(seed)
    return [make_article(n, pool, rng) for n in range(size)]


def fill_store(url: str, docs: list[dict[str, Any]]) -> None:
    """Bulk-load the articles into a fresh archive store (bench only: bypasses upsert).

    Each row gets its word segmentation, as a crawl stores it (``indexer.text.words``), so
    the timed index build reads it instead of segmenting.  The body's is put together
    from the segmentation of each pool sentence it is made of (segmented once: the
    corpus has ~2,100 of them), so a 100k store takes a minute, not an hour of
    underthesea; titles are segmented as they are (they repeat: cached).
    """
    from indexer.store.archive import ArchiveStore
    from indexer.store.tables import articles
    from indexer.text.words import ArticleWords, segment, segment_article

    store = ArchiveStore(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    pool = _pool()
    pool_words: dict[int, str] = {}

    def words_of(d: dict[str, Any]) -> ArticleWords:
        if "_sentences" not in d:
            return segment_article(d)
        for i in d["_sentences"]:
            if i not in pool_words:
                pool_words[i] = segment(pool[i])
        body = "\n".join(pool_words[i] for i in d["_sentences"])
        return ArticleWords(title=segment(d["title"]), body=body)

    words = [words_of(d) for d in docs]
    print(
        f"   segmented {len(docs):,} articles in {time.perf_counter() - started:.1f} s "
        "(stored, as the crawl does; not part of the index time)",
        flush=True,
    )
    rows = [
        {k: v for k, v in d.items() if not k.startswith("_")}
        | {
            "title_words": w.title,
            "summary_words": w.summary,
            "body_words": w.body,
            "canonical_url": d["url"],
            "district": None,
            "images": "[]",
            "media": "[]",
            "content_hash": content_hash(d["body_text"]),
            "status": "live",
            "first_seen": now,
            "last_seen": now,
            "last_changed": now,
            "seq": i + 1,
        }
        for i, (d, w) in enumerate(zip(docs, words, strict=True))
    ]
    with store.writer.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(articles.insert(), rows[start : start + 2000])


def queries(docs: list[dict[str, Any]], count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Mixed queries taken from the texts: 1-3 syllables, accented or folded, phrases, filters."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        doc = docs[rng.randrange(len(docs))]
        words = re.findall(r"\w+", doc["body_text"][:2000])
        if len(words) < 5:
            continue
        n = rng.choice((1, 1, 2, 2, 2, 3, 3))
        start = rng.randrange(len(words) - n)
        text = " ".join(words[start : start + n]).lower()
        kind = rng.random()
        params: dict[str, Any] = {}
        if kind < 0.35:
            text = fold(text)  # typed without diacritics
        if 0.35 <= kind < 0.55 and n > 1:
            text = f'"{text}"'
        if rng.random() < 0.2:
            if rng.random() < 0.5:
                params["portal"] = rng.choice(PORTALS)
            else:
                year = rng.randint(2015, 2024)
                params["date_from"], params["date_to"] = f"{year}-01-01", f"{year}-12-31"
        out.append({"q": text} | params)
    return out


# -- vnarchive / Whoosh ----------------------------------------------------------------


def _peak_rss_kb() -> int:
    """This process's own peak RSS (kB).

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the high-water mark
    across ``exec``, so a child started by this (large: it holds the corpus)
    benchmark would report the benchmark's memory as its own.  ``VmHWM`` starts
    afresh with the new program.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _index_run(db_url: str, index_dir: str) -> None:
    """Child process: one full index build; prints its stats as JSON."""
    from indexer.search.writer import update_index
    from indexer.store.archive import ArchiveStore

    stats = update_index(ArchiveStore(db_url), Path(index_dir), rebuild=True)
    own = _peak_rss_kb()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = resource.getrusage(resource.RUSAGE_SELF)
    cpu = mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime  # workers included
    print(
        json.dumps(
            {
                "seconds": stats.seconds,
                "documents": stats.documents,
                "rss_kb": own,
                "workers_rss_kb": kids.ru_maxrss,
                "cpu_seconds": cpu,
            }
        )
    )


def whoosh_index(db_url: str, index_dir: Path) -> dict[str, Any]:
    """One full build in a child process; its stats, with the index directory's peak size
    (sampled every 0.2 s: segments, run files and everything else written there)."""
    shutil.rmtree(index_dir, ignore_errors=True)
    child = subprocess.Popen(
        [sys.executable, __file__, "--_index-run", db_url, str(index_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while child.poll() is None:
        with contextlib.suppress(OSError):  # a file vanished while being summed
            peak = max(peak, dir_size(index_dir) if index_dir.exists() else 0)
        time.sleep(0.2)
    out, err = child.communicate()
    if child.returncode:
        raise SystemExit(f"index build failed:\n{err}")
    stats = json.loads(out.strip().splitlines()[-1])
    final = dir_size(index_dir)
    stats["final_mb"] = final / 2**20
    stats["peak_mb"] = max(peak, final) / 2**20
    return stats


def _analyse(docs: list[tuple[str, str]]) -> int:
    exact, folded = exact_analyzer(), folded_analyzer()
    count = 0
    for title, body in docs:
        for analyzer in (exact, folded):
            for text in (title, body):
                for _ in analyzer(text, positions=True):
                    count += 1
    return count


def analysis_rate(docs: list[dict[str, Any]], procs: int) -> float:
    """Articles/s of our analysis alone (both copies of title and body)."""
    pairs = [(d["title"], normalize(d["body_text"], multiline=True)) for d in docs]
    started = time.perf_counter()
    if procs == 1:
        _analyse(pairs)
    else:
        chunks = [pairs[i::procs] for i in range(procs)]
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            pool.map(_analyse, chunks)
    return len(docs) / (time.perf_counter() - started)


def underthesea_rate(docs: list[dict[str, Any]], sample: int = 100) -> float | None:
    try:
        from underthesea import word_tokenize
    except ImportError:
        return None
    texts = [d["body_text"] for d in docs[:sample]]
    started = time.perf_counter()
    for text in texts:
        word_tokenize(text)
    return len(texts) / (time.perf_counter() - started)


def whoosh_queries(index_dir: Path, qs: list[dict[str, Any]]) -> list[float]:
    """Each query's wall-clock milliseconds (``CPU_MS`` gets its CPU milliseconds)."""
    from indexer.search import cache as searchcache
    from indexer.search.params import SearchParams
    from indexer.search.query import search

    searchcache.clear()  # every run starts cold, as after a rebuild (no posting list cached)
    search(SearchParams(q="khởi động"), index_dir)  # open the searcher, load columns
    times = []
    CPU_MS.clear()
    for q in qs:
        started, cpu = time.perf_counter(), time.process_time()
        search(SearchParams(per_page=10, **q), index_dir)
        times.append((time.perf_counter() - started) * 1000)
        CPU_MS.append((time.process_time() - cpu) * 1000)
    return times


CPU_MS: list[float] = []  # CPU time of each query of the last whoosh_queries() run


# -- SQLite FTS5 ------------------------------------------------------------------------


def fts_index(path: Path, docs: list[dict[str, Any]]) -> float:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, body, portal UNINDEXED, category UNINDEXED, "
        "pubday UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    )
    started = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO fts VALUES (?, ?, ?, ?, ?)",
            (
                (
                    d["title"],
                    normalize(d["body_text"], multiline=True),
                    d["portal"],
                    d["category"],
                    d["published"],
                )
                for d in docs
            ),
        )
    conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    conn.commit()
    conn.close()
    return len(docs) / (time.perf_counter() - started)


def fts_match(q: str) -> str:
    """Our query string as an FTS5 expression (words ANDed, a quoted phrase kept)."""
    if q.startswith('"'):
        return '"' + q.strip('"').replace('"', "") + '"'
    return " ".join(f'"{w}"' for w in q.split())


def fts_queries(path: Path, qs: list[dict[str, Any]]) -> list[float]:
    conn = sqlite3.connect(path)
    times = []
    for q in qs:
        where, args = "fts MATCH ?", [fts_match(q["q"])]
        if "portal" in q:
            where += " AND portal = ?"
            args.append(q["portal"])
        if "date_from" in q:
            where += " AND pubday BETWEEN ? AND ?"
            args += [q["date_from"], q["date_to"]]
        started = time.perf_counter()
        conn.execute(
            f"SELECT rowid, title, snippet(fts, 1, '<mark>', '</mark>', '…', 30) FROM fts "
            f"WHERE {where} ORDER BY bm25(fts, 3.0, 1.0) LIMIT 10",
            args,
        ).fetchall()
        conn.execute(f"SELECT count(*) FROM fts WHERE {where}", args).fetchone()
        for column in ("portal", "category", "substr(pubday, 1, 4)"):
            conn.execute(
                f"SELECT {column}, count(*) FROM fts WHERE {where} GROUP BY 1", args
            ).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return times


# -- report -------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for f in path.rglob("*"):
        with contextlib.suppress(OSError):  # removed meanwhile (a build is running)
            total += f.stat().st_size if f.is_file() else 0
    return total


CORPUS_VERSION = 2  # bump when corpus() or fill_store() change: kept stores are rebuilt


def _kept(marker: Path, expected: dict[str, Any]) -> dict[str, Any] | None:
    """The saved record of a reusable work file, if it was made for ``expected``."""
    try:
        saved = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return saved if all(saved.get(k) == v for k, v in expected.items()) else None


def prepared_store(size: int, docs: list[dict[str, Any]], work: Path) -> Path:
    """The archive store of the corpus (with its word segmentation), reused from ``work``.

    Segmenting 100k articles is most of a first run; a work directory kept with
    ``--workdir`` holds the store and a marker, so later runs start at the index build.
    """
    db = work / f"archive-{size}.sqlite"
    marker = work / f"archive-{size}.json"
    expected = {"size": size, "version": CORPUS_VERSION}
    if db.is_file() and _kept(marker, expected):
        print(f"   reusing the store {db} (segmented before)", flush=True)
        return db
    marker.unlink(missing_ok=True)
    db.unlink(missing_ok=True)
    fill_store(f"sqlite:///{db}", docs)
    marker.write_text(json.dumps(expected), "utf-8")
    return db


def prepared_fts(size: int, docs: list[dict[str, Any]], work: Path, fresh: bool) -> float:
    """Build (or reuse, unless ``fresh``) the FTS5 table; its indexing rate."""
    fts_db = work / f"fts-{size}.sqlite"
    marker = work / f"fts-{size}.json"
    saved = _kept(marker, {"size": size, "version": CORPUS_VERSION})
    if not fresh and fts_db.is_file() and saved:
        return float(saved["rate"])
    marker.unlink(missing_ok=True)
    rate = fts_index(fts_db, docs)
    marker.write_text(json.dumps({"size": size, "version": CORPUS_VERSION, "rate": rate}), "utf-8")
    return rate


def bench_size(size: int, runs: int, nqueries: int, work: Path) -> dict[str, Any]:
    print(f"\n== {size:,} articles: generating …", flush=True)
    docs = corpus(size)
    db = prepared_store(size, docs, work)
    qs = queries(docs, nqueries)
    (work / f"queries-{size}.json").write_text(json.dumps(qs, ensure_ascii=False), "utf-8")
    index_dir = work / f"index-{size}"
    fts_db = work / f"fts-{size}.sqlite"
    w_rate, w_rss, w_kids, a1, a2, f_rate = [], [], [], [], [], []
    w_p50, w_p95, f_p50, f_p95, peaks, w_cpu, c_p95 = [], [], [], [], [], [], []
    for run in range(runs):
        print(f"   run {run + 1}/{runs}: whoosh index …", flush=True)
        stats = whoosh_index(f"sqlite:///{db}", index_dir)
        w_rate.append(size / stats["seconds"])
        w_cpu.append(stats["cpu_seconds"])
        w_rss.append(stats["rss_kb"] / 1024)
        w_kids.append(stats["workers_rss_kb"] / 1024)
        peaks.append(stats["peak_mb"] / max(stats["final_mb"], 1e-9))
        print(
            f"   {size / stats['seconds']:,.0f} articles/s ({stats['cpu_seconds']:,.0f} s of CPU, "
            f"{size / stats['cpu_seconds']:,.0f} articles per CPU second); "
            f"index {stats['final_mb']:,.0f} MB, "
            f"peak disk {stats['peak_mb']:,.0f} MB",
            flush=True,
        )
        sample = docs[: min(size, 5000)]
        a1.append(analysis_rate(sample, 1))
        a2.append(analysis_rate(sample, 2))
        print(f"   run {run + 1}/{runs}: fts5 index, queries …", flush=True)
        f_rate.append(prepared_fts(size, docs, work, fresh=run > 0))
        times = whoosh_queries(index_dir, qs)
        w_p50.append(pct(times, 50))
        w_p95.append(pct(times, 95))
        c_p95.append(pct(CPU_MS, 95))
        times = fts_queries(fts_db, qs)
        f_p50.append(pct(times, 50))
        f_p95.append(pct(times, 95))
    med = statistics.median
    return {
        "size": size,
        "whoosh_rate": med(w_rate),
        "whoosh_cpu_rate": size / med(w_cpu),
        "analysis_1": med(a1),
        "analysis_2": med(a2),
        "fts_rate": med(f_rate),
        "rss_mb": med(w_rss),
        "workers_rss_mb": med(w_kids),
        "whoosh_mb": dir_size(index_dir) / 2**20,
        "peak_ratio": med(peaks),
        "fts_mb": dir_size(fts_db) / 2**20,
        "store_mb": dir_size(db) / 2**20,
        "w_p50": med(w_p50),
        "w_p95": med(w_p95),
        "c_p95": med(c_p95),
        "f_p50": med(f_p50),
        "f_p95": med(f_p95),
        "underthesea": underthesea_rate(docs),
    }


def query_only(size: int, runs: int, nqueries: int, work: Path) -> dict[str, Any]:
    """Re-run only the query timings on an index kept by an earlier ``--keep`` run."""
    index_dir = work / f"index-{size}"
    if not index_dir.is_dir():
        raise SystemExit(f"no index for {size:,} articles in {work} (build one with --keep)")
    saved = work / f"queries-{size}.json"
    if saved.is_file():
        qs = json.loads(saved.read_text("utf-8"))[:nqueries]
    else:
        qs = queries(corpus(size), nqueries)
        saved.write_text(json.dumps(qs, ensure_ascii=False), "utf-8")
    fts_db = work / f"fts-{size}.sqlite"
    w50, w95, f50, f95, c50, c95 = [], [], [], [], [], []
    for run in range(runs):
        times = whoosh_queries(index_dir, qs)
        w50.append(pct(times, 50))
        w95.append(pct(times, 95))
        c50.append(pct(CPU_MS, 50))
        c95.append(pct(CPU_MS, 95))
        print(
            f"   run {run + 1}/{runs}: p50 {w50[-1]:.1f} ms, p95 {w95[-1]:.1f} ms "
            f"(CPU p50 {c50[-1]:.1f}, p95 {c95[-1]:.1f}); {_load()}",
            flush=True,
        )
        if fts_db.is_file() and run == 0:  # FTS5 does not change: once is enough
            times = fts_queries(fts_db, qs)
            f50.append(pct(times, 50))
            f95.append(pct(times, 95))
    med = statistics.median
    line = f"{size:,} articles, {len(qs)} queries, median of {runs} run(s): "
    line += (
        f"vnarchive p50 {med(w50):.1f} ms, p95 {med(w95):.1f} ms "
        f"(CPU p50 {med(c50):.1f} ms, p95 {med(c95):.1f} ms)"
    )
    if f50:
        line += f"; FTS5 p50 {med(f50):.1f} ms, p95 {med(f95):.1f} ms"
    print(line, flush=True)
    return {"size": size, "w_p50": med(w50), "w_p95": med(w95), "c_p95": med(c95)}


def _load() -> str:
    """The machine's load average now (the runs share it with other work)."""
    try:
        return f"load {os.getloadavg()[0]:.1f}"
    except OSError:
        return "load unknown"


def estimate(rows: list[dict[str, Any]], target: int = 1_000_000) -> None:
    """Print the query latencies at ``target`` articles, extrapolated from the two largest
    sizes measured with a power law ``t = a * n**b`` (``b`` from their ratio)."""
    rows = sorted(rows, key=lambda r: r["size"])[-2:]
    if len(rows) < 2 or rows[-1]["size"] >= target:
        return
    small, large = rows
    scale = math.log(target / large["size"])
    parts = []
    for key, label in (("w_p50", "p50"), ("w_p95", "p95"), ("c_p95", "CPU p95")):
        if small.get(key) and large.get(key):
            b = math.log(large[key] / small[key]) / math.log(large["size"] / small["size"])
            parts.append(f"{label} {large[key] * math.exp(b * scale):.0f} ms (n^{b:.2f})")
    print(
        f"\nestimated at {target:,} articles (power law through {small['size']:,} and "
        f"{large['size']:,}): " + ", ".join(parts),
        flush=True,
    )


def report(rows: list[dict[str, Any]], runs: list[int], nqueries: int) -> None:
    counts = ", ".join(f"{r['size']:,}: {n}" for r, n in zip(rows, runs, strict=True))
    print(f"\nmedians of the runs ({counts}); {nqueries} queries per run; 2-core machine\n")
    header = (
        "articles",
        "index art/s",
        "index art/CPU-s",
        "analysis art/s 1p | 2p",
        "index/analysis(2p)",
        "FTS5 art/s",
        "size MB (ratio)",
        "FTS5 MB",
        "p50 ms",
        "p95 ms",
        "CPU p95 ms",
        "FTS5 p50|p95",
        "p95 ratio",
        "peak RSS MB (workers)",
        "peak disk (x index)",
    )
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for r in rows:
        print(
            " | ".join(
                [
                    f"{r['size']:,}",
                    f"{r['whoosh_rate']:,.0f}",
                    f"{r['whoosh_cpu_rate']:,.0f}",
                    f"{r['analysis_1']:,.0f} | {r['analysis_2']:,.0f}",
                    f"{r['analysis_2'] / r['whoosh_rate']:.2f}x slower",
                    f"{r['fts_rate']:,.0f} ({r['fts_rate'] / r['whoosh_rate']:.1f}x)",
                    f"{r['whoosh_mb']:,.0f} ({r['whoosh_mb'] / r['fts_mb']:.2f}x FTS5)",
                    f"{r['fts_mb']:,.0f}",
                    f"{r['w_p50']:.1f}",
                    f"{r['w_p95']:.1f}",
                    f"{r['c_p95']:.1f}",
                    f"{r['f_p50']:.1f} | {r['f_p95']:.1f}",
                    f"{r['w_p95'] / max(r['f_p95'], 1e-9):.1f}x",
                    f"{r['rss_mb']:,.0f} ({r['workers_rss_mb']:,.0f})",
                    f"{r['peak_ratio']:.2f}x",
                ]
            )
        )
    for r in rows:
        if r["underthesea"]:
            print(
                f"\nreference: underthesea word_tokenize ≈ {r['underthesea']:,.0f} articles/s "
                f"on one core ({r['size']:,}-article corpus, 100-article sample)"
            )
            break


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--_index-run":
        _index_run(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument(
        "--runs", type=int, help="runs per size (default 3; 1 for 100,000 articles and more)"
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--workdir", help="work directory (default: a temporary one)")
    parser.add_argument(
        "--query-only",
        action="store_true",
        help="only time the queries on the indexes kept in --workdir (no rebuild)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    def runs(size: int) -> int:
        return args.runs or (1 if size >= 100_000 else 3)

    if args.query_only:
        if not args.workdir:
            parser.error("--query-only needs --workdir (a directory kept with --keep)")
        found = [
            query_only(size, args.runs or 3, args.queries, Path(args.workdir)) for size in sizes
        ]
        estimate(found)
        return
    work = Path(args.workdir or tempfile.mkdtemp(prefix="vnarchive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    keep = args.keep or bool(args.workdir)  # a named work directory is there to be reused
    rows = []
    try:
        for size in sizes:
            rows.append(bench_size(size, runs(size), args.queries, work))
            report(rows, [runs(r["size"]) for r in rows], args.queries)
        estimate(rows)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark of dataset export: rows/s, file size and peak memory per format.

Builds a synthetic archive of N articles (default 100,000) from real Vietnamese
sentences (the VLSP 2013 test set shipped inside underthesea), inserted with
bulk SQL, then times each export format in its own subprocess (so the peak
memory of one run says nothing about another) beside two ceilings:

``select``  a plain ``SELECT *`` of the same rows through sqlite3 (no conversion)
``store``   the rows as the export reads them (store batches + attachments), no writing

Prints the median of ``--runs`` runs per line.  ``peak RSS`` is the child's
``ru_maxrss``; ``over base`` is that minus the RSS the child had just before the export
started (interpreter, pyarrow and SQLAlchemy loaded): what the export itself costs.

Where the time goes (cProfile of the ``store`` line, 3,000 rows; issue 14): before,
17.4 s, of which 12.5 s (72 %) computing the places of articles that had none stored (this
bench's archive was built without them, unlike a crawled archive, whose pipeline stores
them) and 1.0 s (6 %) mapping each row's category to its topic.  With places stored at
build time and ``topic_for`` cached: 2.2 s, of which the SQLite fetch is 0.46 s (21 %),
turning rows into dicts and decoding their JSON columns (``_row``) 0.71 s (33 %), the export
row shape 0.5 s (23 %); the renderers (CSV quoting, ``json.dumps``, Arrow) come on top.
The ``ratio`` columns divide the plain SELECT's time by each line's, as wall clock and as
the export process's CPU time (the fairer figure on a loaded machine).

Session 3 (issue 14, 20,000 rows, process CPU, a loaded machine): before, CSV 2.03 s, JSONL
2.43 s, Parquet 2.31 s against 0.45 s for the SELECT (ratios 0.18-0.22).  Profiled, the
export paid for: SQLAlchemy row objects and their DateTime parsing, a dict per row and the
JSON decoding of every ``places`` value (``_row``, ~0.2 s); places, topics and the place
summary computed for every row though they are optional fields (~0.3 s); UTF-8 decoding of
the texts by the read then encoding again by the writer (~0.35 s); ``json.dumps`` per row;
datetimes formatted one ``isoformat`` at a time; one bound parameter per id for the
attachments (~0.3 s of SQLAlchemy compiling).  Now (``indexer.export`` module docstring):
columns straight from the cursor, only the fields asked for, ``title``/``summary``/
``body_text`` as bytes from SQLite to the file (CSV quoting and JSON escaping on bytes),
instants rewritten as ISO text a column at a time, orjson, attachments by seq range.  What
is left for 20,000 rows: the read ~0.3 s (the SELECT itself), SHA-256 of the output ~0.1 s,
CSV quoting and joining ~0.3 s; JSONL escaping ~0.3 s; Parquet arrays ~0.3 s (UTF-8
validation of the bodies half of it) and zstd ~0.35 s.  Measured at 22:38 UTC (load
average 12.5, 20,000 rows, median of 3): CPU s / ratio CSV 0.96 / 0.55, CSV Excel
0.98 / 0.54, JSONL 1.05 / 0.50, Parquet 1.15 / 0.46 (wall-clock ratios 0.62, 0.56, 0.53,
0.51) against 0.53 s for the SELECT; then ``archive_url`` a column at a time took
another ~0.1 s off every format (``citation.permalinks``).

Session 4 (00:40-01:10 UTC, load average 6-9, 20,000 rows, median of 5 runs alternated
with the code before in the same minutes): attachments read as ``(article, url, name)``
tuples instead of whole rows made dicts (80 -> 46 ms); CPU ratios now CSV ~0.50, JSONL
~0.46-0.50, Parquet ~0.42 (the SELECT 0.45 s of CPU; every figure moves by ±10 % with the
load, the SELECT's too).  Where Parquet's ~1.05 s of CPU goes: the read ~0.3 s (SQLite's
fetch of the bytes 0.18 s), the Arrow arrays ~0.3 s (the UTF-8 check of the bodies 0.13 s,
kept: a store written by another tool may hold anything), encoding and zstd ~0.3 s (zstd
0.19 s, at pyarrow's default level, which is the file's content).  Tried and not kept:
writing each row group from a thread of its own while the next batch is read (pyarrow
releases the GIL): the same CPU and a slower wall clock on the loaded machine (2.9 vs
2.3 s), also with the thread's writes buffered in Arrow; JSON escaping checked for
control characters once per batch instead of per value (no measurable change).

Session 5 (03:05-04:30 UTC, load average 5-10, 20,000 rows, median of 5 runs, the code
before and after alternated in the same minutes, CPU ratios): CSV 0.51 -> 0.63-0.65, JSONL
0.43-0.49 -> 0.56-0.59, Parquet 0.40-0.42 -> 0.47-0.50 (the SELECT 0.49-0.51 s of CPU).
What changed: JSONL is written a column at a time -- a column of short texts is encoded by
one orjson call (its values joined by U+FFFF, cut apart after), the long texts are escaped
value by value only for backslash, quote, newline, CR and tab and the whole batch is then
checked once with numpy for a raw control byte (if one is left, the batch is written again
the slow way), U+2028/2029/0085 are looked for with numpy, and every line of a batch is one
join (rendering 0.41 -> 0.25 s per 20,000 rows); CSV quotes inline and joins a batch once;
the read takes the driver's tuples (no SQLAlchemy ``Row``: -0.035 s), only the columns the
fields need, and a batch's attachments by its ids in driver SQL (the seq-range subquery read
every article row again for its id: 0.054 -> 0.037 s); Parquet's ``published`` is cached
epoch milliseconds.  Tried and not kept: escaping a batch's bodies joined into one buffer
(2x slower: each pass over a 2.4 MB buffer leaves the CPU caches and faults in new pages,
where passes over one ~5 KB body stay in L1/L2); Arrow memory pools (jemalloc with or
without decay, mimalloc, system) and ``gc.disable()``: no change beyond the noise;
another Parquet codec: snappy and lz4 save ~0.04 s of the ~0.33 s of writing and make the
file 2.2x larger (49 / 46 MB against 22 MB), so zstd at pyarrow's default level stays
(pandas and DuckDB write snappy by default, Polars zstd; all three read zstd); checking
UTF-8 with numpy (as many vector passes as Arrow's check costs) or orjson (26 us a body
against Arrow's 7.9).

Where the time goes now (20,000 rows, CPU of one cold run, load ~8): the read ~0.22 s
(SQLite's own fetch ~0.15), attachments 0.04, the export row shape 0.02; then CSV: cells
~0.16 and the join 0.05; JSONL: 0.25 to render; both: SHA-256 of the output 0.065 and the
file write 0.04-0.1 (system time).  Parquet: the Arrow arrays ~0.3 (the UTF-8 check of the
bodies 0.15-0.18 -- kept: ``test_parquet_refuses_text_that_is_not_utf8``; the plain SELECT
pays the same check decoding its texts), writing ~0.33 (zstd ~0.28, the encoding itself
~0.035), hash and file ~0.03.  Parquet's floor is thus about twice the SELECT, at a ratio
near 0.5; what is left would take a cheaper UTF-8 check or less to compress.

    python bench/export_bench.py                 # 100k articles, 3 runs
    python bench/export_bench.py --rows 10000    # smaller
    python bench/export_bench.py --data /tmp/x   # keep (and reuse) the built archive
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMATS = ("csv", "csv-excel", "jsonl", "parquet")
FALLBACK_SENTENCES = [
    "Ủy ban nhân dân huyện Krông Nô tổ chức hội nghị tổng kết công tác năm.",
    "Đồng chí Chủ tịch UBND huyện phát biểu chỉ đạo tại hội nghị.",
    "Người dân phấn khởi khi con đường liên xã được đưa vào sử dụng, thuận tiện đi lại.",
    "Kế hoạch số 125/KH-UBND về việc triển khai chuyển đổi số năm 2024.",
    "Theo báo cáo, toàn huyện đã giải ngân được 85% vốn đầu tư công.",
]
PROVINCES = [
    ("krongno", "Đắk Nông", "Krông Nô"),
    ("tuyenhoa", "Quảng Bình", "Tuyên Hóa"),
    ("dakmil", "Đắk Nông", "Đắk Mil"),
    ("bachoa", "Hà Nội", "Ba Vì"),
    ("quangtri", "Quảng Trị", None),
]
CATEGORIES = ["Tin tức - Sự kiện", "Thông báo", "Văn bản chỉ đạo", "Kinh tế", "Văn hóa - Xã hội"]


def load_sentences() -> list[str]:
    """Real Vietnamese sentences (VLSP 2013 test set inside underthesea), or a small fallback."""
    try:
        import underthesea
    except ImportError:
        return FALLBACK_SENTENCES
    path = (
        Path(underthesea.__file__).parent
        / "pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt"
    )
    if not path.is_file():
        return FALLBACK_SENTENCES
    sentences, words = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if len(words) > 4:
                text = " ".join(words)
                for p in (" .", " ,", " ;", " :", " ?", " !", " )"):
                    text = text.replace(p, p[1:])
                sentences.append(text.replace("( ", "("))
            words = []
        else:
            words.append(line.split("\t")[0])
    return sentences or FALLBACK_SENTENCES


def build_archive(db_url: str, rows: int, *, seed: int = 6) -> None:
    """Fill a new store with ``rows`` synthetic articles (bulk SQL; ~2.5k-char bodies)."""
    from indexer.store.archive import ArchiveStore
    from indexer.store.rows import article_id_for
    from indexer.store.tables import articles, attachments
    from indexer.text import content_hash
    from indexer.text.places import find_article_places

    store = ArchiveStore(db_url)
    rng = random.Random(seed)
    sentences = load_sentences()
    start = datetime(2015, 1, 1, tzinfo=UTC)
    chunk = 2000
    for first in range(0, rows, chunk):
        batch, files = [], []
        for n in range(first, min(first + chunk, rows)):
            portal, province, district = PROVINCES[n % len(PROVINCES)]
            canonical = f"https://{portal}.gov.vn/tin-tuc/bai-{n}.html"
            article_id = article_id_for(canonical)
            paragraphs = [
                " ".join(rng.choices(sentences, k=rng.randint(2, 5)))
                for _ in range(rng.randint(3, 8))
            ]
            body = "\n\n".join(paragraphs)
            day = start + timedelta(days=n % 3650, minutes=n % 1440)
            published = (
                day.strftime("%Y-%m-%d")
                if n % 3
                else (day + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:00+07:00")
            )
            seen = day + timedelta(days=400)
            title = rng.choice(sentences)[:180]
            # stored as a crawl stores them (the export reads them, never recomputes)
            places = find_article_places(
                title, body, province=province, district=district, published=published
            )
            batch.append(
                {
                    "id": article_id,
                    "portal": portal,
                    "url": canonical,
                    "canonical_url": canonical,
                    "province": province,
                    "district": district,
                    "title": title,
                    "places": json.dumps(places, ensure_ascii=False),
                    "published": published,
                    "published_source": "span.date",
                    "category": CATEGORIES[n % len(CATEGORIES)],
                    "author": None if n % 4 else "Phòng Văn hóa - Thông tin",
                    "credit": "Theo Báo Đắk Nông điện tử" if n % 5 == 0 else None,
                    "summary": rng.choice(sentences),
                    "body_text": body,
                    "images": "[]",
                    "media": "[]",
                    "content_hash": content_hash(body) if n < 50 else f"{n:064x}",
                    "status": "live" if n % 50 else "gone",
                    "first_seen": seen,
                    "last_seen": seen,
                    "last_changed": seen,
                    "warc_file": f"{portal}/vnarchive-{n // 1000:05d}.warc.gz",
                    "warc_offset": (n % 1000) * 65536,
                    "warc_length": 60000,
                    "warc_record_id": f"<urn:uuid:{article_id}>",
                    "seq": n + 1,
                }
            )
            if n % 5 == 0:
                files.append(
                    {
                        "article_id": article_id,
                        "url": f"https://{portal}.gov.vn/files/qd-{n}.pdf",
                        "name": f"Quyết định số {n}/QĐ-UBND.pdf",
                        "status": "listed",
                    }
                )
        with store.writer.begin() as conn:
            conn.execute(articles.insert(), batch)
            if files:
                conn.execute(attachments.insert(), files)


def _current_rss_kb() -> int:
    """The resident set size now (Linux /proc), in KB; else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(kind: str, db_url: str, out: str) -> None:
    """Run one measured export (or ceiling) and print its figures as JSON."""
    import sqlite3

    from indexer.export.columns import iter_export_columns
    from indexer.export.request import ExportRequest
    from indexer.export.stream import write_export
    from indexer.store.archive import ArchiveStore

    store = ArchiveStore(db_url)
    # pyarrow imports pandas on its first array when pandas is installed (~0.3 s of CPU; a
    # dev dependency here through frictionless, not a runtime one): paid before the clock
    import pyarrow as pa

    pa.array([1])
    base = _current_rss_kb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    size = 0
    if kind == "select":
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        cursor = conn.execute("SELECT * FROM articles ORDER BY seq")
        rows = 0
        while batch := cursor.fetchmany(500):
            rows += len(batch)
        conn.close()
    elif kind == "store":
        rows = sum(len(b["id"]) for b in iter_export_columns(store, ExportRequest()))
    else:
        fmt, excel = (kind.split("-")[0], kind.endswith("-excel"))
        with open(out, "wb") as handle:
            result = write_export(store, ExportRequest(excel=excel), fmt, handle)
        rows, size = result.rows, os.path.getsize(out)
        os.unlink(out)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"rows": rows, "seconds": seconds, "cpu": cpu, "bytes": size}
    print(json.dumps(figures | {"peak": peak, "base": base}))


def _measure(kind: str, db_url: str, workdir: Path) -> dict[str, float]:
    out = workdir / f"export.{kind}"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", db_url, "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1024 / 1024:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="articles in the archive")
    parser.add_argument("--runs", type=int, default=3, help="runs per line (median shown)")
    parser.add_argument("--data", help="directory for the archive (kept; reused if same size)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="which lines to run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.db, args.out)
        return

    tmp = None
    if args.data:
        workdir = Path(args.data).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="vnarchive-export-bench-")
        workdir = Path(tmp.name)
    db_path = workdir / f"bench-{args.rows}-places.sqlite"
    db_url = f"sqlite:///{db_path}"
    if not db_path.exists():
        clock = time.perf_counter()
        build_archive(db_url, args.rows)
        print(f"built {args.rows:,} articles in {time.perf_counter() - clock:.1f} s "
              f"({_mb(db_path.stat().st_size)} SQLite)", file=sys.stderr)  # fmt: skip

    kinds = ["select", "store"] + [k for k in args.formats.split(",") if k in FORMATS]
    header = (
        f"{'export':<12}{'rows':>9}{'seconds':>9}{'ratio':>7}{'cpu s':>8}{'ratio':>7}"
        f"{'rows/s':>10}{'file':>11}{'peak RSS':>11}{'over base':>11}"
    )
    print(f"export benchmark: {args.rows:,} articles, median of {args.runs} runs, "
          f"python {sys.version.split()[0]}")  # fmt: skip
    print(header)
    print("-" * len(header))
    select: dict[str, float] = {}
    for kind in kinds:
        runs = [_measure(kind, db_url, workdir) for _ in range(args.runs)]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        select = select or {"seconds": seconds, "cpu": cpu}
        rows = runs[0]["rows"]
        peak = statistics.median(r["peak"] for r in runs) * 1024
        over = statistics.median(r["peak"] - r["base"] for r in runs) * 1024
        size = _mb(runs[0]["bytes"]) if runs[0]["bytes"] else "-"
        print(
            f"{kind:<12}{rows:>9,}{seconds:>9.2f}{select['seconds'] / seconds:>7.2f}"
            f"{cpu:>8.2f}{select['cpu'] / max(cpu, 1e-9):>7.2f}{rows / seconds:>10,.0f}"
            f"{size:>11}{_mb(peak):>11}{_mb(over):>11}"
        )
    print(
        "ratio: the plain SELECT's time over this line's (wall clock, then CPU time of the "
        "export process: the fairer one on a loaded machine); goal >= 0.5"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()

"""Replay lookup benchmark: the first replay from a large WARC, by index against by scan.

    .venv/bin/python bench/replay_bench.py [--megabytes 200] [--runs 5]

Writes a WARC of about ``--megabytes`` MB with ``crawler.warc.writer.WarcFile`` (pages of
~40 KB random text, so gzip cannot shrink them much), keeping the record of one page
near the end.  Then times, from cold lookup caches (median of ``--runs``; the OS page
cache is warm for all of them alike):

1. the old scan: every record of the WARC read to map its URLs to offsets (what the
   replay did on the first lookup of a file before it had an index: the baseline);
2. the sorted index: ``crawler.warc.cdxj_index.open_index`` on the finished file's ``.cdxj``
   (memory-mapped, bisect) and one ``lookup``;
3. the open index: the same on a file still being written (``.cdxj.open`` read whole
   on the first lookup, then only what was appended);
4. the first replay through the web app (``/replay/ID``, in process), page and assets
   found by index.

Prints a table: milliseconds and the ratio to the old scan.  Never run by the tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HOST = "http://bench.sample"


def _old_scan(path: Path) -> dict[str, int]:
    """The replay's first lookup before indexes: every target URI of the file → offset."""
    from warcio.archiveiterator import ArchiveIterator

    index: dict[str, int] = {}
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            if record.rec_type in ("response", "resource"):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if uri and uri not in index:
                    index[uri] = iterator.get_record_offset()
    return index


def _write(w, url: str, body: bytes, ctype: str):  # noqa: ANN001, ANN202
    return w.write_exchange(
        url=url,
        method="GET",
        request_headers=[],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", ctype)],
        body=body,
    )


def build(folder: Path, megabytes: int) -> tuple[Path, str, object]:
    from crawler.warc.files import warc_file_name
    from crawler.warc.writer import WarcFile

    path = folder / "warc" / "bench" / warc_file_name("bench", 1)
    w = WarcFile(path)
    words = [os.urandom(6).hex() for _ in range(4000)]
    rng = __import__("random").Random(1)
    target = megabytes * 1_000_000
    n = 0
    ref = None
    while path.stat().st_size < target:
        text = " ".join(rng.choice(words) for _ in range(3300))
        html = f"<html><body><h1>Trang {n}</h1><p>{text}</p></body></html>".encode()
        _write(w, f"{HOST}/p/{n}", html, "text/html; charset=utf-8")
        n += 1
        if path.stat().st_size > target * 0.9 and ref is None:
            _write(w, f"{HOST}/logo.png", b"\x89PNG bench", "image/png")
            page = b'<html><body><h1>Bai</h1><img src="/logo.png"><p>Noi dung.</p></body></html>'
            ref = _write(w, f"{HOST}/bai", page, "text/html")
    return path, w, ref


def _median_ms(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vnarchive-replay-bench-"))
    os.environ["VNARCHIVE_DATA"] = str(tmp)
    try:
        from fastapi.testclient import TestClient

        from crawler.items import Article
        from crawler.warc import cdxj_index
        from indexer.store.archive import ArchiveStore
        from indexer.text import content_hash
        from search_app.app import create_app

        start = time.perf_counter()
        path, writer, ref = build(tmp, args.megabytes)
        built = time.perf_counter() - start
        size = path.stat().st_size

        def cold_lookup() -> None:
            cdxj_index._CACHE.clear()
            assert cdxj_index.open_index(path).lookup(f"{HOST}/bai")

        def scan() -> None:
            assert f"{HOST}/bai" in _old_scan(path)

        rows = [("old scan (baseline)", _median_ms(scan, args.runs))]
        rows.append(("open index (file being written)", _median_ms(cold_lookup, args.runs)))
        start = time.perf_counter()
        writer.close()
        closing = (time.perf_counter() - start) * 1000
        rows.append(("sorted index (finished file)", _median_ms(cold_lookup, args.runs)))

        store = ArchiveStore(f"sqlite:///{tmp / 'archive.sqlite'}")
        body = "Noi dung."
        art = Article(
            url=f"{HOST}/bai",
            portal="bench",
            title="Bai",
            published="2019-06-11",
            body_text=body,
            content_hash=content_hash(body),
        )
        aid = store.upsert_article(art, warc=ref)[1]
        client = TestClient(create_app(data_dir=tmp))

        def replay() -> None:
            cdxj_index._CACHE.clear()
            page = client.get(f"/replay/{aid}")
            assert page.status_code == 200 and "/asset?url=" in page.text

        rows.append(("first replay in the app (index)", _median_ms(replay, args.runs)))
        base = rows[0][1]
        print(
            f"replay lookups: WARC {size / 1e6:.0f} MB ({built:.0f} s to write), "
            f"median of {args.runs} runs, cold lookup caches; closing the file "
            f"(sorting its CDXJ) took {closing:.0f} ms"
        )
        print(f"{'lookup':<36}{'ms':>10}{'vs scan':>10}")
        for name, ms in rows:
            print(f"{name:<36}{ms:>10.1f}{ms / base:>10.4f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

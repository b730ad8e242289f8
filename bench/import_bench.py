"""Import benchmark: ``vnarchive import`` rate and memory on large WARC files.

    .venv/bin/python bench/import_bench.py [--portal sample-liferayqb] [--megabytes 100 1000]
                                           [--runs 1]

Crawls one sample portal from a local sample server (our crawl: the source of real
article pages), then writes WARC files of about each ``--megabytes`` size made of those
pages' captures again and again (each copy under its own URL, ``?copy=N``), the way
another tool's WARC would hold them.  Each is imported into a fresh archive by
``vnarchive import --quiet`` in its own process (one core), timed (median of
``--runs``), with the process's peak memory (``ru_maxrss`` from ``wait4``).

Prints a table: pages, seconds, pages/s, peak RSS, and the ratio of each row's rate and
memory to the smallest file's (flat memory: a ratio near 1 while the file grows).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _env(data_dir: Path, samples_url: str) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        VNARCHIVE_DATA=str(data_dir),
        VNARCHIVE_SAMPLES_URL=samples_url,
        VNARCHIVE_POLITENESS="0",
        VNARCHIVE_RETRY_BACKOFF="0",
    )
    env.pop("VNARCHIVE_DB_URL", None)
    return env


def _pages(data_dir: Path) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of every article capture of a crawl."""
    from crawler.warc import read_capture
    from indexer.store import ArchiveStore

    os.environ["VNARCHIVE_DATA"] = str(data_dir)
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    out = []
    for row in store.iter_articles():
        cap = read_capture(row["warc_file"], row["warc_offset"])
        out.append((cap.url, cap.body, cap.header("Content-Type") or "text/html"))
    return out


def _write(path: Path, pages: list[tuple[str, bytes, str]], megabytes: int) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    count = 0
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        while fh.tell() < megabytes * 1_000_000:
            url, body, ctype = pages[count % len(pages)]
            sep = "&" if "?" in url else "?"
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                f"{url}{sep}copy={count // len(pages)}",
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
            )
            writer.write_record(record)
            count += 1
    return count


def _timed_import(warc: Path, data_dir: Path, env: dict[str, str], portal: str) -> tuple:
    cmd = [sys.executable, "-m", "vnarchive", "import", str(warc), "--portal", portal, "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {out}")
    return seconds, usage.ru_maxrss / 1024, out  # MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", default="sample-liferayqb")
    parser.add_argument("--megabytes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from crawler.samples.server import start_in_thread

    server = start_in_thread("127.0.0.1", 0)
    root = Path(tempfile.mkdtemp(prefix="vnarchive-import-bench-"))
    try:
        crawl_dir = root / "crawl"
        done = subprocess.run(
            [sys.executable, "-m", "vnarchive", "crawl", args.portal, "--quiet", "--no-health"],
            cwd=REPO,
            env=_env(crawl_dir, server.base_url),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        pages = _pages(crawl_dir)
        rows = []
        for size in sorted(args.megabytes):
            warc = root / f"big-{size}.warc.gz"
            count = _write(warc, pages, size)
            times, peaks = [], []
            for run in range(args.runs):
                data_dir = root / f"import-{size}-{run}"
                seconds, peak, out = _timed_import(
                    warc, data_dir, _env(data_dir, server.base_url), args.portal
                )
                times.append(seconds)
                peaks.append(peak)
                print(f"  {size} MB run {run + 1}: {seconds:.1f} s\n{out}", file=sys.stderr)
                shutil.rmtree(data_dir, ignore_errors=True)
            rows.append((size, warc.stat().st_size, count, statistics.median(times), max(peaks)))
            warc.unlink()
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)
    base_rate = rows[0][2] / rows[0][3]
    base_mem = rows[0][4]
    print(
        f"\nimport benchmark: {args.portal} article pages repeated, one process, "
        f"median of {args.runs}"
    )
    header = f"{'WARC':>10} {'pages':>8} {'seconds':>9} {'pages/s':>8} {'peak MB':>8} {'rate x':>7} {'mem x':>6}"
    print(header)
    print("-" * len(header))
    for _size, nbytes, count, secs, peak in rows:
        rate = count / secs
        print(
            f"{nbytes / 1e6:>8.0f}MB {count:>8} {secs:>9.1f} {rate:>8.1f} {peak:>8.0f} "
            f"{rate / base_rate:>7.2f} {peak / base_mem:>6.2f}"
        )


if __name__ == "__main__":
    main()

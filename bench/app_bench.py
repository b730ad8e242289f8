"""Benchmark of the web app's search API against the query module it wraps.

Builds (or reuses, with ``--data DIR``) an archive of ``--articles`` synthetic
articles (default 100,000; the corpus and query mix of ``bench/index_bench.py``:
real Vietnamese sentences, queries of one to three words with and without
diacritics, phrases, filters), indexes it, starts ``vnarchive serve`` on a free
127.0.0.1 port, and for ``--seconds`` (default 30) lets ``--clients`` (default 8)
concurrent clients call ``/api/search`` in a loop.  It then runs the same
queries for the same time with the same concurrency directly through
``indexer.query.search`` (threads in one process) and prints, for both, the
requests per second and p50/p95/p99 latency, and the ratios (the app's
overhead: HTTP, validation, JSON).

Run: ``.venv/bin/python bench/app_bench.py [--articles 100000] [--seconds 30]
[--clients 8] [--data DIR]``.  Indexing 100k articles takes ~10 minutes on the
2-core machine; ``--data DIR`` keeps the archive and index there so later runs
skip it.  ``--articles 2000 --seconds 5`` is a quick check.  Traffic goes to
127.0.0.1 only; every loop is bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import httpx  # noqa: E402
from index_bench import corpus, fill_store, queries  # noqa: E402


def build(data: Path, articles: int) -> None:
    """Fill ``data`` with an archive of ``articles`` synthetic articles and its index."""
    from indexer.store import ArchiveStore
    from indexer.writer import update_index

    db = f"sqlite:///{data / 'archive.sqlite'}"
    if (data / "index").is_dir() and ArchiveStore(db).count_articles() == articles:
        print(f"reusing {articles:,} indexed articles in {data}")
        return
    for leftover in ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm"):
        (data / leftover).unlink(missing_ok=True)
    print(f"building {articles:,} articles in {data} …", flush=True)
    started = time.perf_counter()
    fill_store(db, corpus(articles))
    update_index(ArchiveStore(db), data / "index", rebuild=True)
    print(f"  stored and indexed in {time.perf_counter() - started:.0f} s", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_clients(
    call: Any, mix: list[dict[str, Any]], clients: int, seconds: float
) -> tuple[list[float], int]:
    """``clients`` threads calling ``call(params)`` until ``seconds`` pass: latencies, errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        own: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            params = mix[rng.randrange(len(mix))]
            started = time.perf_counter()
            try:
                call(params)
            except Exception:  # noqa: BLE001 — counted, the run goes on
                failed += 1
            own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)
            errors[0] += failed

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def row(name: str, latencies: list[float], errors: int, seconds: float) -> dict[str, Any]:
    return {
        "name": name,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "mean": statistics.fmean(latencies) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--queries", type=int, default=300, help="size of the query mix")
    parser.add_argument("--data", type=Path, help="keep the archive and index here")
    args = parser.parse_args()

    data = args.data or Path(tempfile.mkdtemp(prefix="vnarchive-app-bench-"))
    data.mkdir(parents=True, exist_ok=True)
    build(data, args.articles)
    mix = [
        {("from" if k == "date_from" else "to" if k == "date_to" else k): v for k, v in q.items()}
        for q in queries(corpus(min(args.articles, 2000)), args.queries)
    ]

    port = free_port()
    env = {**os.environ, "VNARCHIVE_DATA": str(data)}
    server = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "serve", "--port", str(port), "--data-dir", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(base + "/api/portals", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise SystemExit("vnarchive serve did not start")
        local = threading.local()

        def via_api(params: dict[str, Any]) -> None:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(base_url=base, timeout=60)
            response = client.get("/api/search", params=params)
            response.raise_for_status()

        for params in mix[:20]:  # warm-up: open searchers, fill caches
            via_api(params)
        print(f"API: {args.clients} clients for {args.seconds:.0f} s …", flush=True)
        api_lat, api_err = run_clients(via_api, mix, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)

    from indexer import query

    def direct(params: dict[str, Any]) -> None:
        query.search(query.SearchParams.from_mapping(params), index_dir=data / "index")

    for params in mix[:20]:
        direct(params)
    print(f"query module: {args.clients} threads for {args.seconds:.0f} s …", flush=True)
    direct_lat, direct_err = run_clients(direct, mix, args.clients, args.seconds)

    rows = [
        row("/api/search (HTTP)", api_lat, api_err, args.seconds),
        row("indexer.query.search", direct_lat, direct_err, args.seconds),
    ]
    print()
    print(
        f"{args.articles:,} articles, {len(mix)} queries, {args.clients} concurrent clients, "
        f"{args.seconds:.0f} s each, {os.cpu_count()} cores"
    )
    print(
        f"{'':24} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for r in rows:
        print(
            f"{r['name']:24} {r['requests']:>9,} {r['errors']:>7} {r['rps']:>8.1f} "
            f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}"
        )
    api, dq = rows
    if dq["rps"] and api["p50"]:
        print(
            f"{'app / direct':24} {'':>9} {'':>7} {api['rps'] / dq['rps']:>8.2f} "
            f"{api['p50'] / dq['p50']:>8.2f} {api['p95'] / dq['p95']:>8.2f} "
            f"{api['p99'] / dq['p99']:>8.2f}"
        )
    if not args.data:
        print(f"(work files in {data}; pass --data to keep and reuse them)")


if __name__ == "__main__":
    main()

"""Benchmark: pages per second served by the sample portal server (prints a table).

Fetches every article of every sample portal over keep-alive connections
with 1, 4 and 8 client threads against a server on a free 127.0.0.1 port.
Run: ``.venv/bin/python bench/bench_samples_server.py``.
"""

from __future__ import annotations

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from crawler.samples import specs, truth
from crawler.samples.server import start_in_thread


def main() -> None:
    """Print pages/s and MB/s per client count."""
    server = start_in_thread("127.0.0.1", 0)
    host, port = server.server_address[:2]
    paths = [
        f"/{pid}/{art['url']}"
        for pid in specs.PORTAL_IDS
        for art in truth.load_truth(pid)["articles"]
    ]
    local = threading.local()

    def get(path: str) -> tuple[int, int]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, len(resp.read())

    print(f"{'clients':>7} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'MB/s':>6}")
    try:
        for workers in (1, 4, 8):
            local.__dict__.clear()
            start = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(get, paths))
            took = time.perf_counter() - start
            size = sum(n for _, n in results)
            print(
                f"{workers:>7} {len(results):>6} {took:>8.2f} {len(results) / took:>8.0f} {size / took / 1e6:>6.1f}"
            )
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()

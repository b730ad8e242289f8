"""``vnarchive serve --workers N``: N worker processes behind one port, each its own app."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "serve", "--port", str(port), "--workers", "2"]
        + ["--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/" in line and "2 workers" in line
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/portals", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "vnarchive serve --workers 2 did not answer"
                time.sleep(0.2)
        assert response.json() == {"total": 0, "portals": []}
        workers = [p for p in _children(process.pid) if "multiprocessing" in _cmdline(p)]
        assert len(workers) >= 2, [_cmdline(p) for p in _children(process.pid)]
        for _ in range(10):  # every request is answered, whichever worker takes it
            assert httpx.get(f"http://127.0.0.1:{port}/api/portals", timeout=10).status_code == 200
        # one keep-alive client: closed every 16 requests (or 2 s) so that it draws a worker
        # again (serve_workers.RecycleConnections), and it goes on without an error
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            closing = []
            for n in range(1, 41):
                answer = client.get("/api/portals")
                assert answer.status_code == 200
                if answer.headers.get("connection") == "close":
                    closing.append(n)
        assert closing  # 40 requests: at least two closes, never more than 16 apart
        assert all(b - a <= 16 for a, b in zip([0, *closing], [*closing, 41], strict=True))
    finally:
        process.terminate()
        process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{p}").exists() for p in workers):
        assert time.monotonic() < deadline, "a worker outlived serve"
        time.sleep(0.2)

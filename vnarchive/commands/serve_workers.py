"""The worker processes of ``vnarchive serve --workers N``: one listening socket each.

uvicorn's own workers share one listening socket, and which of them accepts a new
connection is a race that the same process keeps winning.  With keep-alive clients
(a connection serves many requests) the load stays where it landed: loaded by 8
clients (``bench/app_bench.py``), one of two workers spent 7.3 s of CPU in 15 s and
the other 3.0 s, and two workers answered fewer requests than one (issue 14).

Here each worker binds its own socket to the address with ``SO_REUSEPORT`` (Linux),
so the kernel spreads new connections across the workers by a hash of the client's
address and port.  A hash spreads a few connections unevenly too (8 clients: 5/3 or
6/2 as often as 4/4), so a worker also closes a keep-alive connection after
:data:`REQUESTS_PER_CONNECTION` requests or :data:`CONNECTION_SECONDS` seconds, whichever
comes first (``Connection: close``, which HTTP clients follow by reconnecting): every
reconnection draws a worker again, and the load evens out within seconds (a count
alone was too slow when each client sent about one request a second).  The parent binds
the address first (without listening, so it never receives a connection): a port in
use fails before any worker starts.  A worker that dies is started again, unless
workers keep dying right after they start (then serve stops, naming the exit code).
Where ``SO_REUSEPORT`` does not balance (not Linux), uvicorn's workers are used.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

BACKLOG = 2048  # uvicorn's default
REQUESTS_PER_CONNECTION = 16  # then Connection: close (a TCP handshake on ~16 searches)
CONNECTION_SECONDS = 2.0  # or once a connection has served this long
QUICK_DEATH_SECONDS = 5.0  # a worker that dies this soon after starting is failing to start
MAX_QUICK_DEATHS = 3


def balances_connections() -> bool:
    """Whether ``SO_REUSEPORT`` spreads connections across sockets here (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (listening if ``listen``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class RecycleConnections:
    """ASGI middleware: ``Connection: close`` on a connection's ``every``-th response, or on
    its first response after it has served for ``seconds``."""

    def __init__(
        self, app: Any, every: int = REQUESTS_PER_CONNECTION, seconds: float = CONNECTION_SECONDS
    ) -> None:
        self.app = app
        self.every = every
        self.seconds = seconds
        self.counts: dict[Any, tuple[int, float]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope.get("client"):
            await self.app(scope, receive, send)
            return
        key = tuple(scope["client"])
        if len(self.counts) > 10_000:  # connections that ended on their own
            self.counts.clear()
        now = time.monotonic()
        count, since = self.counts.get(key, (0, now))
        count += 1
        last = count >= self.every or now - since >= self.seconds
        if last:
            self.counts.pop(key, None)
        else:
            self.counts[key] = (count, since)

        async def send_closing(message: Any) -> None:
            if last and message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing if last else send)


def _worker(host: str, port: int, log_level: str, data_dir: str | None) -> None:
    """One worker process: its own socket, its own app (and so its own search cache)."""
    import uvicorn

    from search_app.app import create_app
    from vnarchive.commands.serve import server_config

    sock = reuse_port_socket(host, port, listen=True)
    config = server_config(RecycleConnections(create_app(data_dir)), host, port, log_level)
    uvicorn.Server(config).run(sockets=[sock])


class WorkersFailed(RuntimeError):
    """Workers keep stopping right after they start (the message has the exit code)."""


def run_workers(
    host: str,
    port: int,
    workers: int,
    log_level: str,
    data_dir: str | None,
    *,
    on_bound: Callable[[], None] | None = None,
) -> None:
    """Serve with ``workers`` processes until SIGINT/SIGTERM.

    Raises OSError if the address is taken (before any worker starts; ``on_bound`` is
    called once it is bound) and :class:`WorkersFailed`.
    """
    holder = reuse_port_socket(host, port, listen=False)  # fails now if the port is in use
    if on_bound is not None:
        on_bound()
    context = multiprocessing.get_context("spawn")
    folder = str(Path(data_dir).resolve()) if data_dir else None
    stopping = False

    def start() -> Any:
        process = context.Process(target=_worker, args=(host, port, log_level, folder))
        process.start()
        process.started_at = time.monotonic()  # type: ignore[attr-defined]
        return process

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    quick_deaths = 0
    try:
        while not stopping:
            wait([p.sentinel for p in processes], timeout=0.5)
            for n, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - process.started_at < QUICK_DEATH_SECONDS:
                    quick_deaths += 1
                    if quick_deaths >= MAX_QUICK_DEATHS:
                        raise WorkersFailed(
                            f"workers keep stopping right after they start "
                            f"(last exit code {process.exitcode})"
                        )
                processes[n] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + 30
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        holder.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

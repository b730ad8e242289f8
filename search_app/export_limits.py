"""How many exports may stream at once: per client address and in total.

An export streams a whole query's articles; thirty at once (or eight Parquet
exports of 50,000 rows) tripled the server's memory and slowed every search.  An
export takes a slot for as long as it streams — until its last byte, the client
going away or an error — and a request finding no free slot gets 429 with
``Retry-After`` (error code ``too_many_exports``).

| setting | environment variable | default |
|---|---|---|
| exports streaming at once from one client address | ``VNARCHIVE_EXPORTS_PER_CLIENT`` | 2 |
| exports streaming at once in all | ``VNARCHIVE_EXPORTS_MAX`` | 4 |

The client address is the peer's, or the forwarded one from a trusted proxy
(``search_app.proxies``).  The slots are lock files under
``$VNARCHIVE_DATA/run/export-slots/``, so the limits hold across every worker of
``vnarchive serve --workers N`` and every server sharing the data directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from search_app.errors import ApiError

RETRY_AFTER_SECONDS = 10


def _setting(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name) or default))
    except ValueError:
        return default


class ExportSlots:
    """The export slots of every worker serving one data directory: lock files.

    A slot is a file under ``directory`` held with ``flock``: ``total-<k>`` for
    k < ``total`` and ``client-<sha1(address)[:16]>-<k>`` for k < ``per_client``.
    Every worker process (and every server on the same data directory) takes the
    same files, so the limits hold across them; a worker that dies frees its slots
    (the kernel drops its locks).

    A client's file is removed when its slot is freed, so the directory holds the
    ``total`` files and one file per export streaming, not one per client address
    ever seen; files left by a worker that died are removed by the next
    :class:`ExportSlots` made on the directory (:meth:`sweep`).  A file is only ever
    removed by the holder of its lock, and a slot is only taken once its lock is held
    on the file its name still points to (:func:`_lock_named`): another worker that
    opened the file just before it was removed finds its lock on a removed file and
    opens the name again.
    """

    def __init__(
        self, directory: str | Path, per_client: int | None = None, total: int | None = None
    ) -> None:
        self.directory = Path(directory)
        self.per_client = per_client or _setting("VNARCHIVE_EXPORTS_PER_CLIENT", 2)
        self.total = total or _setting("VNARCHIVE_EXPORTS_MAX", 4)
        self._held = 0
        self._lock = threading.Lock()
        self.sweep()

    @property
    def running(self) -> int:
        """Exports streaming now from this process."""
        with self._lock:
            return self._held

    def _take(self, prefix: str, count: int) -> tuple[int, Path] | None:
        """Lock the first free ``<prefix>-<k>`` file, k < count; its descriptor and path,
        or None."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for k in range(count):
            path = self.directory / f"{prefix}-{k}"
            fd = _lock_named(path)
            if fd is not None:
                return fd, path
        return None

    def sweep(self) -> int:
        """Remove the client files no worker holds (left by a worker that died, or by a
        version that kept them); how many were removed."""
        removed = 0
        try:
            names = [p for p in self.directory.iterdir() if p.name.startswith("client-")]
        except FileNotFoundError:
            return 0
        for path in names:
            fd = _lock_named(path, create=False)
            if fd is not None:
                _remove_and_close(fd, path)
                removed += 1
        return removed

    def acquire(self, client: str) -> Callable[[], None]:
        """Take a slot for ``client``; return the function that frees it (safe to call twice).

        Raises ApiError 429 (with ``Retry-After``) when the client or the server is at
        its limit.
        """
        digest = hashlib.sha1(client.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        mine = self._take(f"client-{digest}", self.per_client)
        if mine is None:
            raise _busy(
                f"{self.per_client} exports from your address are still streaming (at most "
                f"{self.per_client} at once); try again when one has finished"
            )
        everyone = self._take("total", self.total)
        if everyone is None:
            _remove_and_close(*mine)
            raise _busy(
                f"the server is streaming {self.total} exports (its limit); try again shortly"
            )
        with self._lock:
            self._held += 1
        held = [mine, everyone]

        def release() -> None:
            with self._lock:
                if not held:
                    return
                (client_fd, client_path), (total_fd, _) = held
                held.clear()
                self._held -= 1
            # the client's file goes (else one file stays per address ever seen)
            _remove_and_close(client_fd, client_path)
            os.close(total_fd)  # closing the last descriptor drops the lock

        return release


def _lock_named(path: Path, *, create: bool = True) -> int | None:
    """A descriptor holding the ``flock`` of the file named ``path``, or None if another
    holds it (or, without ``create``, there is no such file).

    The lock is only kept if ``path`` still names the locked file afterwards: a holder
    removes its file before it lets go of the lock (:func:`_remove_and_close`), so a lock
    won on a file opened just before its removal is a lock on a file nobody else will
    ever open; the name is then opened again.
    """
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            named = os.stat(path)
        except FileNotFoundError:
            named = None
        mine = os.fstat(fd)
        if named is not None and (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino):
            return fd
        os.close(fd)  # removed by its last holder meanwhile
        if not create:
            return None


def _remove_and_close(fd: int, path: Path) -> None:
    """Remove the file ``path`` whose lock ``fd`` holds, then let go of the lock."""
    try:
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def _busy(message: str) -> ApiError:
    return ApiError(
        429, "too_many_exports", message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )

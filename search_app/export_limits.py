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
(``search_app.proxies``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from search_app.errors import ApiError

RETRY_AFTER_SECONDS = 10


def _setting(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name) or default))
    except ValueError:
        return default


class ExportSlots:
    """Counts the exports streaming now, per client and in total."""

    def __init__(self, per_client: int | None = None, total: int | None = None) -> None:
        self.per_client = per_client or _setting("VNARCHIVE_EXPORTS_PER_CLIENT", 2)
        self.total = total or _setting("VNARCHIVE_EXPORTS_MAX", 4)
        self._by_client: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def running(self) -> int:
        """Exports streaming now."""
        with self._lock:
            return sum(self._by_client.values())

    def acquire(self, client: str) -> Callable[[], None]:
        """Take a slot for ``client``; return the function that frees it (safe to call twice).

        Raises ApiError 429 (with ``Retry-After``) when the client or the server is at
        its limit.
        """
        with self._lock:
            mine = self._by_client.get(client, 0)
            if mine >= self.per_client:
                raise _busy(
                    f"{mine} exports from your address are still streaming (at most "
                    f"{self.per_client} at once); try again when one has finished"
                )
            if sum(self._by_client.values()) >= self.total:
                raise _busy(
                    f"the server is streaming {self.total} exports (its limit); try again shortly"
                )
            self._by_client[client] = mine + 1
        freed = threading.Event()

        def release() -> None:
            with self._lock:
                if freed.is_set():
                    return
                freed.set()
                left = self._by_client.get(client, 1) - 1
                if left > 0:
                    self._by_client[client] = left
                else:
                    self._by_client.pop(client, None)

        return release


def _busy(message: str) -> ApiError:
    return ApiError(
        429, "too_many_exports", message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )

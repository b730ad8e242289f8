"""Where the web app finds its data: the archive store, the index and the WARC files.

One :class:`AppContext` per app, kept on ``app.state.ctx``; routes get it with
the :func:`get_ctx` dependency.  ``create_app(data_dir=...)`` points it at a
data directory; without one it follows ``indexer.config`` (``$VNARCHIVE_DATA``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from indexer import config
from indexer.store.archive import ArchiveStore


@dataclass
class AppContext:
    """The paths and the (lazily opened) archive store one app instance reads."""

    data_dir: Path
    db_url: str
    index_dir: Path
    warc_dir: Path
    _store: ArchiveStore | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_data_dir(cls, data_dir: str | Path | None = None) -> AppContext:
        """The context for ``data_dir``, or for ``$VNARCHIVE_DATA`` when None."""
        if data_dir is None:
            return cls(
                data_dir=config.data_dir(),
                db_url=config.db_url(),
                index_dir=config.index_dir(),
                warc_dir=config.warc_dir(),
            )
        root = Path(data_dir).resolve()
        root.mkdir(parents=True, exist_ok=True)
        return cls(
            data_dir=root,
            db_url=f"sqlite:///{root / 'archive.sqlite'}",
            index_dir=root / "index",
            warc_dir=root / "warc",
        )

    @property
    def store(self) -> ArchiveStore:
        """The archive store (opened on first use; created empty if missing)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = ArchiveStore(self.db_url)
        return self._store

    def resolve_warc(self, warc_file: str | None) -> Path | None:
        """The path of a WARC file named in the store (absolute, or relative to the data)."""
        if not warc_file:
            return None
        path = Path(warc_file)
        candidates = [path] if path.is_absolute() else [self.warc_dir / path, self.data_dir / path]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        return None


def get_ctx(request: Request) -> AppContext:
    """FastAPI dependency: the app's :class:`AppContext`."""
    return request.app.state.ctx

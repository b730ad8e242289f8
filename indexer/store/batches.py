"""Write batches: many articles stored in one transaction (``vnarchive import``), a part of
``ArchiveStore``.

Outside a batch every write method of the store is its own transaction.  Inside
``with store.batch() as batch:`` the write methods of the calling thread share one
transaction, committed by ``batch.commit()`` and at the end of the block; each
article is still all or nothing (a savepoint), and what a later call reads sees what
the earlier calls of the batch wrote.  A process killed mid-batch loses that batch's
writes, never a part of an article; the caller must keep anything a batch's rows point
at (the WARC bytes) durable before it commits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection

from indexer.store.errors import StoreError


class WriteBatch:
    """The transaction of a batch: ``commit()`` makes what it wrote so far durable."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.writes = 0  # articles written since the last commit
        #: the change counter last taken in this transaction (``ArchiveStore._next_seq``):
        #: the transaction holds the lock that serialises it until it commits
        self.seq: int | None = None
        self._trans = conn.begin()
        self._cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def commit(self) -> None:
        """Commit what the batch wrote so far and go on in a new transaction."""
        self._trans.commit()
        self.writes = 0
        self.seq = None
        self._trans = self.conn.begin()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """All or nothing within the batch (SAVEPOINT straight to the driver: through
        SQLAlchemy's nested transaction it cost more than storing an article's rows)."""
        self._cursor.execute("SAVEPOINT vnarchive_write")
        try:
            yield
        except BaseException:
            self._cursor.execute("ROLLBACK TO SAVEPOINT vnarchive_write")
            self._cursor.execute("RELEASE SAVEPOINT vnarchive_write")
            self.seq = None  # a counter taken under the savepoint was given back
            raise
        self._cursor.execute("RELEASE SAVEPOINT vnarchive_write")

    def _close(self, ok: bool) -> None:
        if ok:
            self._trans.commit()
        else:
            self._trans.rollback()


class WriteBatches:
    """Write batches (``batch()``), a part of ``ArchiveStore``."""

    writer: Any
    engine: Any
    _batches: dict[int, WriteBatch]

    @contextmanager
    def batch(self) -> Iterator[WriteBatch]:
        """One transaction for the calling thread's writes until ``commit()`` or the end."""
        batches = self.__dict__.setdefault("_batches", {})
        me = threading.get_ident()
        if me in batches:
            raise StoreError("a write batch is already open in this thread")
        with self.writer.connect() as conn:
            batch = WriteBatch(conn)
            batches[me] = batch
            ok = False
            try:
                yield batch
                ok = True
            finally:
                del batches[me]
                batch._close(ok)

    def _open_batch(self) -> WriteBatch | None:
        batches = self.__dict__.get("_batches")
        return batches.get(threading.get_ident()) if batches else None

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A connection in a write transaction: the batch's (under a savepoint) or a new one."""
        batch = self._open_batch()
        if batch is None:
            with self.writer.begin() as conn:
                yield conn
            return
        with batch.savepoint():
            yield batch.conn
        batch.writes += 1

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection to read with: the batch's (it sees the batch's writes) or a new one."""
        batch = self._open_batch()
        if batch is not None:
            yield batch.conn
            return
        with self.engine.connect() as conn:
            yield conn

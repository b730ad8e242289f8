"""The archive store on a real PostgreSQL server: concurrent writers never share a change
counter (``seq``).

Runs only when ``VNARCHIVE_TEST_PG_URL`` names a server the test may create databases on,
e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` (driver: the ``postgresql``
extra); skipped otherwise, so CI does not depend on it.  Each test gets a fresh database,
dropped afterwards.
"""

from __future__ import annotations

import os
import threading

import pytest

from crawler.items import Article
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash

PG_URL = os.environ.get("VNARCHIVE_TEST_PG_URL", "")

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="VNARCHIVE_TEST_PG_URL not set (no PostgreSQL server to test on)"
)


def _article(writer: int, n: int, edit: int = 0) -> Article:
    body = f"Bài {n} của luồng {writer}." + (f" Sửa lần {edit}." if edit else "")
    return Article(
        url=f"http://portal.example.vn/p/{writer}/bai-{n}.html",
        title=f"Bài viết {writer}-{n}",
        portal="p",
        published="2024-05-01",
        body_text=body,
        content_hash=content_hash(body),
    )


def _run_writers(url: str, writers: int, work) -> None:  # type: ignore[no-untyped-def]
    """Run ``work(store, writer)`` in ``writers`` threads at once, each with its own store."""
    stores = [ArchiveStore(url, create=False) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(stores[writer], writer)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for store in stores:
        store.engine.dispose()
    assert errors == []


def test_concurrent_writers_get_distinct_change_counters(pg_url: str) -> None:
    store = ArchiveStore(pg_url)  # creates the schema
    writers, per_writer = 6, 40

    def insert(store: ArchiveStore, writer: int) -> None:
        for n in range(per_writer):
            store.upsert_article(_article(writer, n))

    _run_writers(pg_url, writers, insert)
    seqs = [row["seq"] for row in store.iter_articles()]
    assert len(seqs) == writers * per_writer
    assert len(set(seqs)) == len(seqs), "two writes got the same change counter"
    assert sorted(seqs) == list(range(1, len(seqs) + 1))

    # changes and gone marks bump the counter too, still one value per write
    def change(store: ArchiveStore, writer: int) -> None:
        for n in range(0, per_writer, 2):
            store.upsert_article(_article(writer, n, edit=1))
            aid = store.find_article_by_url(_article(writer, n + 1).url)["id"]
            store.mark_gone(aid)

    _run_writers(pg_url, writers, change)
    after = [row["seq"] for row in store.iter_articles()]
    assert len(set(after)) == len(after) == writers * per_writer
    assert max(after) == len(seqs) + writers * per_writer  # every write took the next one
    assert store.max_seq() == max(after)
    store.engine.dispose()


def test_processes_opening_a_fresh_store_at_once_create_it_once(pg_url: str) -> None:
    from indexer.store.admin import AdminStore

    opened: list[int] = []
    writers = 6

    def open_store(_store: ArchiveStore, _writer: int) -> None:
        admin = AdminStore(ArchiveStore(pg_url))  # tables, migrations, admin tables
        opened.append(admin.store.migrate())
        admin.store.engine.dispose()

    _run_writers(pg_url, writers, open_store)
    assert len(opened) == writers and set(opened) == {ArchiveStore(pg_url).migrate()}

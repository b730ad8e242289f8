"""The archive store: schema version and migration, upsert outcomes, transactions,
crawl-job rows, and two processes writing at once (real SQLite files)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.items import Article, Attachment
from indexer.store.archive import ArchiveStore
from indexer.store.errors import StoreError
from indexer.store.rows import WarcRef, article_id_for
from indexer.store.tables import SCHEMA_VERSION, metadata
from indexer.text import content_hash

BASE = "http://portal.example.vn/p/"


def make_article(n: int, *, body: str | None = None, url: str | None = None, **kw) -> Article:
    text = body if body is not None else f"Nội dung bài viết số {n}.\n\nĐoạn thứ hai của bài {n}."
    return Article(
        url=url or f"{BASE}bai-{n}.html",
        title=kw.pop("title", f"Bài viết {n}"),
        portal=kw.pop("portal", "p"),
        published=kw.pop("published", f"2024-05-0{n % 9 + 1}T08:00:00+07:00"),
        body_text=text,
        content_hash=content_hash(text),
        **kw,
    )


@pytest.fixture
def store(tmp_path: Path) -> ArchiveStore:
    return ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")


def test_fresh_store_is_at_current_schema_version(store: ArchiveStore) -> None:
    assert SCHEMA_VERSION == 9
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("crawl_jobs")}
    assert {"articles_gone", "error_reasons", "stop_reason", "log_path", "pid"} <= columns
    assert "error_urls" in columns
    assert {"node", "scrapyd_job"} <= columns
    assert "extraction_paths" in columns


def _create_v1_store(path: Path) -> None:
    """A store as schema version 1 created it (before the schema-2 columns)."""
    schema2 = {
        ("versions", "warc_length"),
        ("attachments", "warc_length"),
        ("crawl_jobs", "articles_gone"),
        ("crawl_jobs", "error_urls"),  # schema 3
        ("articles", "places"),  # schema 4
        ("articles", "title_words"),  # schema 5
        ("articles", "summary_words"),
        ("articles", "body_words"),
        ("crawl_jobs", "node"),  # schema 6
        ("crawl_jobs", "scrapyd_job"),  # schema 6
        ("crawl_jobs", "extraction_paths"),  # schema 7
        ("crawl_jobs", "discovery"),  # schema 8
        ("articles", "story_key"),  # schema 9
        ("articles", "story_id"),
    }
    md1 = sa.MetaData()
    for table in metadata.sorted_tables:
        columns = [
            sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in table.columns
            if (table.name, c.name) not in schema2
        ]
        constraints = [
            sa.UniqueConstraint(*[c.name for c in uc.columns], name=uc.name)
            for uc in table.constraints
            if isinstance(uc, sa.UniqueConstraint)
        ]
        sa.Table(table.name, md1, *columns, *constraints)
    engine = sa.create_engine(f"sqlite:///{path}")
    md1.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('schema_version', '1')"))
        conn.execute(
            sa.text(
                "INSERT INTO crawl_jobs (portal, started_at, status, trigger, options, pages, "
                "articles_new, articles_changed, articles_unchanged, errors, error_reasons, "
                "extraction_failures) VALUES ('p', '2024-01-01 00:00:00', 'finished', 'manual', "
                "'{}', 7, 5, 0, 0, 0, '{}', 0)"
            )
        )
    engine.dispose()


def test_migration_from_schema_1_keeps_data_and_adds_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _create_v1_store(path)
    before = {
        c["name"]
        for c in sa.inspect(sa.create_engine(f"sqlite:///{path}")).get_columns("crawl_jobs")
    }
    assert "articles_gone" not in before

    store = ArchiveStore(f"sqlite:///{path}")

    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    inspector = sa.inspect(store.engine)
    assert {"articles_gone", "node", "scrapyd_job"} <= {
        c["name"] for c in inspector.get_columns("crawl_jobs")
    }
    assert "warc_length" in {c["name"] for c in inspector.get_columns("versions")}
    assert "warc_length" in {c["name"] for c in inspector.get_columns("attachments")}
    assert {"title_words", "summary_words", "body_words"} <= {
        c["name"] for c in inspector.get_columns("articles")
    }
    job = store.list_jobs(portal="p")[0]
    assert (job["pages"], job["articles_new"], job["articles_gone"]) == (7, 5, 0)
    assert job["error_urls"] == []
    assert job["extraction_paths"] == {}
    # the migrated store works for the crawl as a fresh one does
    outcome, _ = store.upsert_article(make_article(1), warc=WarcRef("w.warc.gz", 10, 99, "<id>"))
    assert outcome == "new"
    assert store.migrate() == SCHEMA_VERSION  # idempotent
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("articles")}
    assert {"places", "story_key", "story_id"} <= columns
    assert job["discovery"] == {}


def test_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    ArchiveStore(url).set_meta("schema_version", str(SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match="newer than this"):
        ArchiveStore(url)


def test_upsert_outcomes_new_unchanged_changed_keep_versions(store: ArchiveStore) -> None:
    art = make_article(1)
    outcome, aid = store.upsert_article(
        art,
        province="Đắk Nông",
        district="Krông Nô",
        warc=WarcRef("w/1.warc.gz", 100, 50, "<r1>"),
        job_id=1,
        etag='"e1"',
    )
    assert (outcome, aid) == ("new", article_id_for(art.url))
    row = store.get_article(aid)
    assert row["province"] == "Đắk Nông" and row["warc_offset"] == 100 and row["etag"] == '"e1"'
    first_seq = row["seq"]

    assert store.upsert_article(make_article(1), job_id=2)[0] == "unchanged"
    assert store.get_article(aid)["seq"] == first_seq  # the indexer has nothing to redo

    edited = make_article(1, body="Nội dung bài viết số 1.\n\nĐoạn thứ hai.\n\nĐoạn mới thêm.")
    outcome, _ = store.upsert_article(edited, warc=WarcRef("w/3.warc.gz", 7, 70, "<r3>"), job_id=3)
    assert outcome == "changed"
    versions = store.versions_of(aid)
    assert [v["job_id"] for v in versions] == [1, 3]
    assert versions[0]["body_text"].endswith("bài 1.")  # the old text is kept
    assert versions[1]["warc_length"] == 70
    row = store.get_article(aid)
    assert row["body_text"].endswith("Đoạn mới thêm.") and row["seq"] > first_seq
    assert store.job_outcome_counts(1) == {"new": 1, "changed": 0}
    assert store.job_outcome_counts(3) == {"new": 0, "changed": 1}
    assert store.job_outcome_counts(2) == {"new": 0, "changed": 0}


def test_a_listing_date_fills_an_undated_article_without_a_version(store: ArchiveStore) -> None:
    _, aid = store.upsert_article(make_article(1, published=None))
    seq = store.get_article(aid)["seq"]
    assert store.known_urls("p")[f"{BASE}bai-1.html"]["published"] is None
    assert store.date_from_listing(aid, "2024-05-03") is True
    row = store.get_article(aid)
    assert (row["published"], row["published_source"]) == ("2024-05-03", "listing")
    assert row["seq"] > seq  # the indexer picks the date up
    assert [v["published"] for v in store.versions_of(aid)] == [None]  # what the page showed
    assert store.date_from_listing(aid, "2024-06-01") is False  # never replaces a date
    assert store.get_article(aid)["published"] == "2024-05-03"
    # an edit captured without a date keeps the known date; its version shows none
    edited = make_article(1, published=None, body="Nội dung đã sửa của bài 1.")
    assert store.upsert_article(edited)[0] == "changed"
    assert store.get_article(aid)["published"] == "2024-05-03"
    assert [v["published"] for v in store.versions_of(aid)] == [None, None]


def test_same_text_under_two_urls_is_linked_not_stored_twice(store: ArchiveStore) -> None:
    _, aid = store.upsert_article(make_article(1))
    twin = make_article(1, url=f"{BASE}ban-in/bai-1.html")
    outcome, twin_id = store.upsert_article(twin)
    assert (outcome, twin_id) == ("duplicate", aid)
    assert store.count_articles() == 1
    assert store.find_article_by_url(f"{BASE}ban-in/bai-1.html")["id"] == aid


def test_the_same_text_published_again_another_day_is_its_own_article(
    store: ArchiveStore,
) -> None:
    _, aid = store.upsert_article(make_article(1, published="2019-04-24T14:34:00+07:00"))
    again = make_article(1, url=f"{BASE}dang-lai/bai-1.html", published="2019-04-25T14:04:00+07:00")
    outcome, again_id = store.upsert_article(again)
    assert outcome == "new" and again_id != aid
    assert store.get_article(again_id)["published"].startswith("2019-04-25")
    # the same day, or a copy that shows no date, is still the first one under another URL
    for n, published in enumerate(("2019-04-24T16:00:00+07:00", None)):
        copy = make_article(1, url=f"{BASE}ban-in/{n}.html", published=published)
        assert store.upsert_article(copy)[0] == "duplicate"
    assert store.count_articles() == 2


def test_canonical_url_maps_an_alias_to_the_article(store: ArchiveStore) -> None:
    canonical = f"{BASE}bai-1.html"
    _, aid = store.upsert_article(make_article(1))
    alias = make_article(1, url=f"{BASE}bai-1.html?print=1", canonical_url=canonical)
    outcome, alias_id = store.upsert_article(alias)
    assert (outcome, alias_id) == ("unchanged", aid)
    known = store.known_urls("p")
    assert known[f"{BASE}bai-1.html?print=1"]["id"] == aid
    assert known[f"{BASE}bai-1.html?print=1"]["kind"] == "alias"
    assert known[canonical]["kind"] == "canonical" and known[canonical]["url"] == canonical
    store.link_url(f"{BASE}old/1", aid)
    assert store.known_urls("p")[f"{BASE}old/1"]["id"] == aid


def test_gone_is_kept_and_a_304_brings_it_back(store: ArchiveStore) -> None:
    _, aid = store.upsert_article(make_article(1))
    seq = store.get_article(aid)["seq"]
    assert store.mark_gone(aid) is True
    assert store.mark_gone(aid) is False
    row = store.get_article(aid)
    assert row["status"] == "gone" and row["body_text"]  # kept, not deleted
    assert row["seq"] > seq
    store.touch_article(aid, etag='"e2"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    row = store.get_article(aid)
    assert row["status"] == "live" and row["etag"] == '"e2"'
    assert row["last_seen"] >= row["first_seen"]
    store.touch_article("no-such-id")  # nothing to touch: no error, no row
    assert store.count_articles() == 1


def test_a_failing_write_leaves_nothing_behind(store: ArchiveStore) -> None:
    bad = make_article(1, attachments=[Attachment(url=f"{BASE}a.pdf", name=None)])  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError):
        store.upsert_article(bad)
    assert store.count_articles() == 0
    assert store.versions_of(article_id_for(bad.url)) == []
    assert store.known_urls("p") == {}


def test_attachments_listed_then_captured(store: ArchiveStore) -> None:
    art = make_article(
        1, attachments=[Attachment(url=f"{BASE}files/Quyết%20định.pdf", name="Quyết định.pdf")]
    )
    _, aid = store.upsert_article(art)
    pending = store.pending_attachments("p")
    assert pending == [
        {
            "article_id": aid,
            "url": f"{BASE}files/Quyết%20định.pdf",
            "name": "Quyết định.pdf",
            "article_url": art.url,
        }
    ]
    store.record_attachment_capture(
        aid,
        f"{BASE}files/Quyết%20định.pdf",
        status="fetched",
        warc=WarcRef("w.warc.gz", 5, 500, "<a>"),
        content_type="application/pdf",
        size=1234,
    )
    assert store.pending_attachments("p") == []
    (att,) = store.get_article(aid)["attachments"]
    assert (att["status"], att["warc_length"], att["size"]) == ("fetched", 500, 1234)


def test_job_rows(store: ArchiveStore) -> None:
    jid = store.start_job("p", options={"full": True}, trigger="schedule", pid=42)
    store.update_job(jid, pages=3, error_reasons={"http_404": 2})
    store.finish_job(jid, "finished", articles_new=2, articles_gone=1, stop_reason=None)
    job = store.get_job(jid)
    assert job["status"] == "finished" and job["finished_at"] is not None
    assert job["error_reasons"] == {"http_404": 2} and job["options"] == {"full": True}
    assert (job["trigger"], job["pid"], job["articles_gone"]) == ("schedule", 42, 1)
    assert [j["id"] for j in store.list_jobs(portal="p", status="finished")] == [jid]


def _writer_process(url: str, start: int, count: int) -> None:
    store = ArchiveStore(url)
    for n in range(start, start + count):
        store.upsert_article(make_article(n, portal="p"), job_id=start)


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    ArchiveStore(url)  # create the schema once
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer_process, args=(url, start, 60)) for start in (0, 1000)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    store = ArchiveStore(url)
    assert store.count_articles() == 120
    seqs = [a["seq"] for a in store.iter_articles()]
    assert len(seqs) == len(set(seqs)) == 120  # every write got its own change number
    assert store.job_outcome_counts(0)["new"] == 60
    assert store.job_outcome_counts(1000)["new"] == 60
    json.dumps(store.portal_stats(), default=str)  # readable while/after writing

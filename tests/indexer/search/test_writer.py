"""The index writer: full and incremental updates agree with the store; one writer at a time."""

from __future__ import annotations

import fcntl
import os

import pytest
from archive_helpers import build_archive, load_docs, make_article
from whoosh import index as whoosh_index

from indexer.search.schema import indexed_body
from indexer.search.writer import LOCK_FILE, IndexBusy, index_state, update_index
from indexer.text import normalize

WORDS = tuple(
    [
        "ủy",
        "ban",
        "nhân",
        "dân",
        "huyện",
        "Tuyên",
        "Hóa",
        "tổ",
        "chức",
        "hội",
        "nghị",
        "giao",
        "ban",
        "cán",
        "bộ",
        "năm",
        "nam",
        "bán",
        "bạn",
    ]
)


def docs(n: int, start: int = 0, portal: str = "p1") -> list[dict]:
    out = []
    for i in range(start, start + n):
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(30))
        out.append(
            {
                "url": f"https://{portal}.example.vn/tin/{i}",
                "title": f"Bài số {i}: {WORDS[i % len(WORDS)]}",
                "portal": portal,
                "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "category": "Tin tức" if i % 2 else "Thông báo",
                "body_text": f"Đoạn {i}. {words}.\n\nĐoạn hai của bài {i}.",
                "province": "Quảng Bình",
                "district": "Tuyên Hóa",
            }
        )
    return out


def index_contents(index_dir) -> dict[str, dict]:
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        return {fields["id"]: fields for fields in searcher.all_stored_fields()}


def assert_index_matches_store(store, index_dir) -> None:
    live = {a["id"]: a for a in store.iter_articles(status="live")}
    indexed = index_contents(index_dir)
    assert set(indexed) == set(live)
    for article_id, fields in indexed.items():
        article = live[article_id]
        assert fields["title"] == normalize(article["title"])
        assert fields["body"] == indexed_body(article)
        assert fields["portal"] == article["portal"]
        assert fields["published"] == (article["published"] or "")


def test_full_build_indexes_every_live_article(tmp_path) -> None:
    store, index_dir, ids = build_archive(tmp_path, docs(25))
    assert len(ids) == 25
    assert_index_matches_store(store, index_dir)
    state = index_state(index_dir)
    assert state["seq"] == store.max_seq()
    assert state["documents"] == 25


def test_incremental_update_follows_changes_and_gone_articles(tmp_path) -> None:
    store, index_dir, ids = build_archive(tmp_path, docs(10))
    changed = docs(1, start=3)[0] | {"body_text": "Văn bản mới hoàn toàn về thủy lợi."}
    load_docs(store, [changed])
    gone_id = ids["https://p1.example.vn/tin/7"]
    assert store.mark_gone(gone_id)
    load_docs(store, docs(2, start=10))
    stats = update_index(store, index_dir)
    assert not stats.rebuilt
    assert stats.indexed == 3  # one changed, two new
    assert stats.removed == 1
    assert stats.documents == 11
    assert_index_matches_store(store, index_dir)
    indexed = index_contents(index_dir)
    assert gone_id not in indexed
    assert store.get_article(gone_id) is not None  # gone leaves the index, never the store
    assert "thủy lợi" in indexed[ids["https://p1.example.vn/tin/3"]]["body"]
    # nothing new: nothing to do
    again = update_index(store, index_dir)
    assert (again.seen, again.indexed, again.removed) == (0, 0, 0)


def test_article_coming_back_is_indexed_again(tmp_path) -> None:
    store, index_dir, ids = build_archive(tmp_path, docs(3))
    article_id = ids["https://p1.example.vn/tin/1"]
    store.mark_gone(article_id)
    update_index(store, index_dir)
    assert article_id not in index_contents(index_dir)
    load_docs(store, docs(1, start=1))  # seen again, unchanged: live again
    update_index(store, index_dir)
    assert article_id in index_contents(index_dir)
    assert_index_matches_store(store, index_dir)


def test_rebuild_replaces_everything_while_a_reader_keeps_working(tmp_path) -> None:
    store, index_dir, _ids = build_archive(tmp_path, docs(12))
    reader_ix = whoosh_index.open_dir(str(index_dir))
    searcher = reader_ix.searcher()
    before = searcher.doc_count()
    store.mark_gone(next(iter(store.iter_articles()))["id"])
    stats = update_index(store, index_dir, rebuild=True)
    assert stats.rebuilt and stats.documents == 11
    # the searcher opened before the rebuild still reads its own generation
    assert searcher.doc_count() == before == 12
    assert len(list(searcher.all_stored_fields())) == 12
    assert not searcher.up_to_date()
    searcher.close()
    with whoosh_index.open_dir(str(index_dir)).searcher() as fresh:
        assert fresh.doc_count() == 11
    assert_index_matches_store(store, index_dir)


def test_parallel_writer_gives_the_same_index(tmp_path) -> None:
    root = tmp_path / "a"
    store, index_dir, _ = build_archive(root, [])
    load_docs(store, docs(40))
    stats = update_index(store, index_dir, procs=2, parallel_threshold=10)
    assert stats.indexed == 40
    assert_index_matches_store(store, index_dir)
    load_docs(store, docs(20, start=40))  # a second parallel batch on top
    update_index(store, index_dir, procs=2, parallel_threshold=10)
    assert_index_matches_store(store, index_dir)


def test_a_second_indexer_is_refused_clearly(tmp_path) -> None:
    store, index_dir, _ = build_archive(tmp_path, docs(2))
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, b"4242", 0)
        load_docs(store, docs(1, start=5))
        with pytest.raises(IndexBusy, match="another indexer \\(pid 4242\\)"):
            update_index(store, index_dir)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    stats = update_index(store, index_dir)  # free again: the pending article goes in
    assert stats.indexed == 1
    assert_index_matches_store(store, index_dir)


def test_other_store_or_missing_state_means_full_rebuild(tmp_path) -> None:
    store, index_dir, _ = build_archive(tmp_path / "one", docs(4))
    other, _, _ = build_archive(tmp_path / "two", docs(3, portal="p2"))
    stats = update_index(other, index_dir)
    assert stats.rebuilt
    assert set(index_contents(index_dir)) == {a["id"] for a in other.iter_articles()}


def test_hostile_sizes_are_bounded(tmp_path) -> None:
    huge = "Tuyên Hóa " * 100_000
    store, index_dir, ids = build_archive(
        tmp_path, [{"url": "https://x.vn/1", "title": "T" * 5000, "body_text": huge}]
    )
    fields = index_contents(index_dir)[ids["https://x.vn/1"]]
    assert len(fields["body"]) <= 300_000
    assert len(fields["title"]) <= 1_000
    assert make_article(url="u", title="t").body_text == ""


@pytest.mark.parametrize("procs", [1, 2])
def test_full_build_in_segments_is_merged_to_one_per_process(tmp_path, monkeypatch, procs) -> None:
    import indexer.search.writer as writer

    monkeypatch.setattr(writer, "SEGMENT_ARTICLES", 7)  # 40 articles: 6 segments, merged
    monkeypatch.setattr(writer, "MAX_SEGMENTS", 3)
    store, index_dir, _ = build_archive(tmp_path, [])
    load_docs(store, docs(40))
    stats = update_index(store, index_dir, rebuild=True, procs=procs, parallel_threshold=10)
    assert stats.indexed == stats.documents == 40
    assert_index_matches_store(store, index_dir)
    ix = whoosh_index.open_dir(str(index_dir))
    assert len(ix._read_toc().segments) == procs  # one per worker process
    assert not (index_dir / "MAIN.tmp").exists()
    with ix.searcher() as searcher:  # postings follow the merged document numbers
        ids = {searcher.stored_fields(d)["id"] for d in searcher.document_numbers(body_f="tuyen")}
    assert len(ids) == 40
    load_docs(store, docs(5, start=40))  # an incremental update on top of the merged segments
    assert update_index(store, index_dir).indexed == 5
    assert_index_matches_store(store, index_dir)


def test_a_few_segments_are_kept_unmerged(tmp_path, monkeypatch) -> None:
    import indexer.search.writer as writer

    monkeypatch.setattr(writer, "SEGMENT_ARTICLES", 10)
    store, index_dir, _ = build_archive(tmp_path, [])
    load_docs(store, docs(25))
    update_index(store, index_dir, rebuild=True, procs=1)
    assert len(whoosh_index.open_dir(str(index_dir))._read_toc().segments) == 3
    assert_index_matches_store(store, index_dir)


def test_an_index_built_before_the_regroup_still_opens(tmp_path, monkeypatch) -> None:
    """Indexes written before issue 16 pickled the analyzers as ``indexer.analysis.*``."""
    from indexer.search import analysis
    from indexer.search.params import SearchParams
    from indexer.search.query import search

    store, index_dir, _ = build_archive(tmp_path, [])
    load_docs(store, docs(12))
    with monkeypatch.context() as patch:  # write the schema as the old code did
        for name in ("VietnameseTokenizer", "FoldFilter", "BigramFilter", "WordTokenizer"):
            patch.setattr(getattr(analysis, name), "__module__", "indexer.analysis")
        update_index(store, index_dir, rebuild=True)
    toc = next(index_dir.glob("_MAIN_*.toc")).read_bytes()
    assert b"indexer.analysis" in toc and b"indexer.search.analysis" not in toc
    assert search(SearchParams(q="tuyen hoa"), index_dir)["total"] == 12
    load_docs(store, docs(3, start=12))
    assert update_index(store, index_dir).indexed == 3
    assert update_index(store, index_dir, rebuild=True).documents == 15

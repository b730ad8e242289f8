"""Word segmentation (underthesea) stored with the article, and the word fields of the index."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from archive_helpers import build_archive, load_docs, make_article
from store_downgrade import downgrade_store

from indexer.search.analysis import compound_key
from indexer.search.writer import open_index, update_index
from indexer.store.archive import ArchiveStore
from indexer.store.tables import articles
from indexer.text.words import MAX_SEGMENT_CHARS, compounds, segment, segment_article

TRAP = "Cán bộ trưởng thôn họp tại xã Nhân Hòa, Bình Minh. Bộ trưởng Bộ Nội vụ đến dự."


def test_segment_joins_the_syllables_of_a_word_and_keeps_one_sentence_a_line() -> None:
    words = segment(TRAP)
    lines = words.split("\n")
    assert len(lines) == 2
    found = [compound_key(w) for w in compounds(words)]
    assert "bộ trưởng" in found  # the real compound of the second sentence
    assert "nhân hòa" in found and "bình minh" in found
    assert "hòa bình" not in found  # "Nhân Hòa, Bình Minh": neighbours, not a word
    # nothing of the text is lost: the syllables read back in order
    assert words.replace("_", " ").split() == segment(TRAP).replace("_", " ").split()
    assert "".join(words.replace("_", " ").split()) == "".join(
        TRAP.replace(",", " ,").replace(".", " .").split()
    )


def test_segment_is_bounded_and_accepts_empty_text() -> None:
    assert segment("") == "" and segment(None) == ""
    long = ("Ủy ban nhân dân huyện họp " * 30_000).strip()  # one "sentence", 750 k chars
    words = segment(long)
    # only the first MAX_SEGMENT_CHARS are segmented, in pieces of bounded length
    assert len(words.replace("_", " ")) <= MAX_SEGMENT_CHARS + 1000
    assert max(len(line) for line in words.split("\n")) < 3000


def test_segment_article_reads_items_and_store_rows() -> None:
    title = "Bộ trưởng đến thăm"
    article = make_article(url="https://a.vn/1", title=title, body_text=TRAP, summary="Tin")
    from_item = segment_article(article)
    from_row = segment_article({"title": title, "body_text": article.body_text, "summary": "Tin"})
    assert from_item == from_row
    assert from_item.title == "Bộ_trưởng đến thăm" and from_item.summary == "Tin"


def test_the_store_keeps_the_segmentation_of_each_new_text(tmp_path: Path) -> None:
    store = ArchiveStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    article = make_article(url="https://a.vn/1", title="Bộ trưởng đến thăm", body_text=TRAP)
    assert store.needs_words(article)
    outcome, article_id = store.upsert_article(article, words=segment_article(article))
    assert outcome == "new"
    row = store.get_article(article_id)
    assert row["title_words"] == "Bộ_trưởng đến thăm"
    assert "Nhân_Hòa" in row["body_words"]
    # the same text again: nothing to segment
    assert not store.needs_words(article)
    # a changed text stored without its segmentation does not keep the old one
    changed = make_article(url="https://a.vn/1", title="Bộ trưởng đến thăm", body_text="Khác.")
    assert store.needs_words(changed)
    assert store.upsert_article(changed)[0] == "changed"
    assert store.get_article(article_id)["body_words"] is None
    assert store.needs_words(changed)


def test_the_indexer_segments_rows_without_words_once_and_stores_them(tmp_path: Path) -> None:
    docs = [{"url": "https://a.vn/1", "title": "Giữ gìn hòa bình", "body_text": TRAP}]
    store, index_dir, ids = build_archive(tmp_path, docs)  # stored without segmentation
    row = store.get_article(ids["https://a.vn/1"])
    assert row["body_words"] and "Bộ_trưởng" in row["body_words"]
    with open_index(index_dir).searcher() as searcher:
        assert searcher.doc_frequency("body_w", "bộ trưởng") == 1
        assert searcher.doc_frequency("body_wf", "bo truong") == 1
        assert searcher.doc_frequency("title_w", "hòa bình") == 1
        assert searcher.doc_frequency("body_w", "hòa bình") == 0  # Nhân_Hòa , Bình_Minh
    # re-indexing reads the stored words: a marker put there shows up in the index
    with store.writer.begin() as conn:
        conn.execute(
            articles.update()
            .where(articles.c.id == ids["https://a.vn/1"])
            .values(body_words="Từ_đã_lưu")
        )
    stats = update_index(store, index_dir, rebuild=True)
    assert stats.segmented == 0
    with open_index(index_dir).searcher() as searcher:
        assert searcher.doc_frequency("body_w", "từ đã lưu") == 1
        assert searcher.doc_frequency("body_w", "bộ trưởng") == 0


def test_a_store_of_schema_4_gets_the_word_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    store = ArchiveStore(f"sqlite:///{path}")
    load_docs(store, [{"url": "https://a.vn/1", "title": "Bộ trưởng", "body_text": TRAP}])
    downgrade_store(store, 4)
    again = ArchiveStore(f"sqlite:///{path}")
    columns = {c["name"] for c in sa.inspect(again.engine).get_columns("articles")}
    assert {"title_words", "summary_words", "body_words"} <= columns
    (row,) = list(again.iter_articles())
    assert row["title"] == "Bộ trưởng" and row["body_words"] is None
    stats = update_index(again, tmp_path / "index")
    assert stats.segmented == 1 and again.get_article(row["id"])["title_words"] == "Bộ_trưởng"

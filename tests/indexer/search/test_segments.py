"""Segments built in memory (indexer.search.segments) hold exactly what Whoosh's own writer writes."""

from __future__ import annotations

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer.search.analysis import (
    bigram_analyzer,
    exact_analyzer,
    folded_analyzer,
    term_lists,
    word_analyzer,
)
from indexer.search.schema import article_document, build_schema
from indexer.search.segment_merge import commit_segments, merge_segments
from indexer.search.segments import SegmentBuilder

SENTENCES = [
    "Ủy ban nhân dân huyện Tuyên Hóa tổ chức hội nghị giao ban.",
    "Cán bộ, công chức xã Đắk R’lấp tham gia tập huấn chuyển đổi số năm 2023.",
    "Sáng 12/3, đoàn công tác của Sở Nông nghiệp đã làm việc tại thôn Nam Hòa.",
    "Thông báo: lịch tiếp công dân tháng 5 (điều chỉnh) – xem tệp đính kèm.",
    "Người dân R'lấp và Rlấp được hỗ trợ; a" + "x" * 50 + " quá dài bị bỏ qua.",
    "Bộ trưởng Bộ Nội vụ thăm và làm việc với huyện Krông Nô, tỉnh Đắk Nông.",
    "Hòa hoà HÒA, Thủy thuỷ: cùng một chữ viết khác nhau. Ở đây có ý kiến.",
]
WORDS = [
    "Ủy_ban nhân_dân huyện Tuyên_Hóa tổ_chức hội_nghị giao_ban .",
    "Cán_bộ , công_chức xã Đắk_R’lấp tham_gia tập_huấn chuyển_đổi số năm 2023 .",
    "Bộ_trưởng Bộ Nội_vụ thăm và làm_việc với huyện Krông_Nô , tỉnh Đắk_Nông .",
]


def articles(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = "\n\n".join(
            " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 3))
        )
        out.append(
            {
                "id": f"{i:016x}",
                "story_id": f"{i // 3:016x}" if i % 5 == 0 else None,
                "url": f"https://p{i % 3}.example.vn/tin/{i}",
                "portal": f"p{i % 3}",
                "title": rng.choice(SENTENCES)[:60],
                "summary": rng.choice(SENTENCES) if i % 4 == 0 else "",
                "body_text": body,
                "title_words": rng.choice(WORDS) if i % 7 else "",
                "summary_words": rng.choice(WORDS) if i % 4 == 0 else "",
                "body_words": "\n".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3))),
                "published": None if i % 9 == 0 else f"20{10 + i % 14}-0{1 + i % 9}-1{i % 10}",
                "category": ["Tin tức", "Thông báo", ""][i % 3],
                "province": ["Đắk Nông", "Quảng Bình", None][i % 3],
                "district": ["Krông Nô", "Tuyên Hóa", None][i % 3],
                "places": None,
            }
        )
    return out


def whoosh_built(path, docs: list[dict]) -> None:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = SegmentWriter(ix)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()


def builder_built(path, docs: list[dict], per_segment: int | None = None, merge=False) -> None:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    segments, builder = [], None
    for doc in docs:
        if builder is None:
            builder = SegmentBuilder(ix.storage, ix.schema)
        builder.add_document(**doc)
        if per_segment and len(builder) >= per_segment:
            segments.append(builder.finish())
            builder = None
    if builder is not None:
        segments.append(builder.finish())
    if merge:
        segments = [merge_segments(ix.storage, ix.schema, segments)]
    commit_segments(ix, segments)


def snapshot(path) -> dict:
    """Everything a search can read from an index, in document order."""
    ix = whoosh_index.open_dir(str(path))
    schema = ix.schema
    out: dict = {}
    with ix.reader() as reader:
        out["docs"] = reader.doc_count_all()
        out["stored"] = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
        for name in schema.names():
            field = schema[name]
            if field.scorable:
                out[f"len:{name}"] = [
                    reader.doc_field_length(d, name) for d in range(reader.doc_count_all())
                ]
                out[f"total:{name}"] = reader.field_length(name)
            if field.column_type:
                out[f"col:{name}"] = list(reader.column_reader(name))
        postings = {}
        for fieldname, tbytes in reader.all_terms():
            info = reader.term_info(fieldname, tbytes)
            matcher = reader.postings(fieldname, tbytes)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[(fieldname, tbytes)] = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
                items,
            )
        out["postings"] = postings
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key == "postings":
            assert a[key].keys() == b[key].keys()
            for term in a[key]:
                assert a[key][term] == b[key][term], term
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("per_segment", [None, 7])
def test_built_segments_equal_whoosh_writer(tmp_path, per_segment) -> None:
    docs = [
        article_document(a, ["Kế hoạch số 12.pdf"] if i % 6 == 0 else [])
        for i, a in enumerate(articles(40))
    ]
    whoosh_built(tmp_path / "whoosh", docs)
    builder_built(tmp_path / "built", docs, per_segment=per_segment, merge=per_segment is not None)
    expected, got = snapshot(tmp_path / "whoosh"), snapshot(tmp_path / "built")
    assert expected["docs"] == 40
    assert_same(expected, got)


@pytest.mark.parametrize("per_segment", [None, 120])
def test_long_posting_lists_span_several_blocks(tmp_path, per_segment) -> None:
    docs = [article_document(a) for a in articles(300, seed=5)]  # common terms: 3 blocks
    whoosh_built(tmp_path / "whoosh", docs)
    builder_built(tmp_path / "built", docs, per_segment=per_segment, merge=bool(per_segment))
    expected, got = snapshot(tmp_path / "whoosh"), snapshot(tmp_path / "built")
    assert max(len(v[-1]) for v in expected["postings"].values()) > 2 * 128
    assert_same(expected, got)


def test_unmerged_segments_read_as_the_same_documents(tmp_path) -> None:
    docs = [article_document(a) for a in articles(30)]
    whoosh_built(tmp_path / "whoosh", docs)
    builder_built(tmp_path / "built", docs, per_segment=8)
    ix = whoosh_index.open_dir(str(tmp_path / "built"))
    assert len(ix._read_toc().segments) == 4
    with ix.searcher() as built, whoosh_index.open_dir(str(tmp_path / "whoosh")).searcher() as ref:
        assert list(built.all_stored_fields()) == list(ref.all_stored_fields())
        for fieldname, text in [("body", "hóa"), ("body_f", "hoa"), ("title_bi_f", "tuyen hoa")]:
            assert built.doc_frequency(fieldname, text) == ref.doc_frequency(fieldname, text) > 0


@pytest.mark.parametrize(
    "analyzer",
    [
        exact_analyzer(),
        folded_analyzer(),
        bigram_analyzer(),
        bigram_analyzer(folded=True),
    ],
)
def test_fast_terms_equal_the_analyzer(analyzer) -> None:
    fast = term_lists(analyzer)
    text = " ".join(SENTENCES) + " 'x' ʼ ĐẮK\u0301 ko\u0300 " + "y" * 41 + " z’"
    assert fast(text, {}) == [t.text for t in analyzer(text)]


@pytest.mark.parametrize("folded", [False, True])
def test_fast_words_equal_the_word_analyzer(folded) -> None:
    analyzer = word_analyzer(folded=folded)
    value = "\n".join(WORDS) + " Đắk_R'lấp _ __ a_ Hòa_Bình"
    assert term_lists(analyzer)(value, {}) == [t.text for t in analyzer(value)]


def test_other_analyzers_have_no_fast_twin() -> None:
    from whoosh.analysis import StandardAnalyzer

    assert term_lists(StandardAnalyzer()) is None
    assert term_lists(None) is None


def test_unknown_field_is_refused(tmp_path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    builder = SegmentBuilder(ix.storage, ix.schema)
    with pytest.raises(ValueError, match="unknown field 'nope'"):
        builder.add_document(id="a", nope="x")

"""The Vietnamese analyzers: syllables, offsets, folding, one-letter words, pickling."""

from __future__ import annotations

import pickle
import unicodedata

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser
from whoosh.query import Term

from indexer.search.analysis import (
    bigram_analyzer,
    exact_analyzer,
    folded_analyzer,
    syllables,
    word_analyzer,
)
from indexer.search.schema import build_schema
from indexer.text import normalize

SAMPLES = [
    "Ủy ban nhân dân huyện Tuyên Hóa tổ chức hội nghị giao ban.",
    "UBND huyện Tuyên Hoá (tỉnh Quảng Bình) ở miền Trung; ý kiến của cán bộ.",
    "Huyện Đắk R’lấp, tỉnh Đắk Nông: Nghị định 15/2023/NĐ-CP về thủy lợi.",
    "Thuỷ lợi&nbsp;và khoẻ mạnh — L&atilde;nh đạo \u200bxã\u00a0Lâm Hóa.",
    unicodedata.normalize("NFD", "Tuyên Hóa, Đắk Nông, Quảng Bình, năm 2024."),
]


def tokens(analyzer, text: str) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)
    ]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("make", [exact_analyzer, folded_analyzer])
def test_offsets_point_at_the_token_text(text: str, make) -> None:
    analyzer = make()
    found = tokens(analyzer, text)
    assert found, "no tokens"
    positions = [pos for _, pos, _, _ in found]
    assert positions == list(range(len(found)))
    exact = [key for key, _, _ in syllables(text, folded=make is folded_analyzer)]
    assert [key for key, *_ in found] == exact
    for key, _pos, start, end in found:
        surface = text[start:end]
        # the surface, analysed alone, is exactly this one token
        assert [t.text for t in analyzer(surface)] == [key]


@pytest.mark.parametrize("text", SAMPLES)
def test_normalisation_is_idempotent_and_analysis_ignores_it(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    analyzer = exact_analyzer()
    assert [t.text for t in analyzer(once)] == [t.text for t in analyzer(normalize(once))]
    if "&" not in text:  # entities are decoded by normalize() only (the writer calls it)
        assert [t.text for t in analyzer(text)] == [t.text for t in analyzer(once)]


def test_syllables_are_canonical_lowercase() -> None:
    keys = [t.text for t in exact_analyzer()("UBND Tuyên Hoá THUỶ lợi khoẻ")]
    assert keys == ["ubnd", "tuyên", "hóa", "thủy", "lợi", "khỏe"]


def test_one_letter_words_are_kept() -> None:
    keys = [t.text for t in exact_analyzer()("Ý kiến ở xã A và ô tô")]
    assert keys == ["ý", "kiến", "ở", "xã", "a", "và", "ô", "tô"]
    assert [t.text for t in folded_analyzer()("ở ý")] == ["o", "y"]


def test_folding_includes_d_stroke() -> None:
    assert [t.text for t in folded_analyzer()("Đắk Nông đường")] == ["dak", "nong", "duong"]


@pytest.mark.parametrize("name", ["R’lấp", "R'lấp", "Rʼlấp", "R‘lấp", "Rlấp", "r`lấp"])
def test_apostrophe_variants_are_one_token(name: str) -> None:
    assert [t.text for t in exact_analyzer()(f"Đắk {name}")] == ["đắk", "rlấp"]
    assert [t.text for t in folded_analyzer()(f"Đắk {name}")] == ["dak", "rlap"]


def test_quotes_around_words_are_not_apostrophes() -> None:
    assert [t.text for t in exact_analyzer()("'Tuyên Hóa' và ‘Quảng Bình’")] == [
        "tuyên",
        "hóa",
        "và",
        "quảng",
        "bình",
    ]


def test_bigrams_pair_neighbouring_syllables() -> None:
    tokens = [t.text for t in bigram_analyzer()("Ủy ban nhân dân")]
    assert tokens == ["ủy ban", "ban nhân", "nhân dân"]
    assert [t.text for t in bigram_analyzer(folded=True)("Đắk R’lấp")] == ["dak rlap"]
    assert [t.text for t in bigram_analyzer()("ở")] == []


def test_numbers_and_codes_split_into_syllables() -> None:
    assert [t.text for t in exact_analyzer()("15/2023/NĐ-CP")] == ["15", "2023", "nđ", "cp"]


def test_overlong_runs_are_dropped() -> None:
    assert [t.text for t in exact_analyzer()("a " + "x" * 500 + " b")] == ["a", "b"]


def test_analyzers_survive_pickling() -> None:
    for make in (exact_analyzer, folded_analyzer, bigram_analyzer):
        analyzer = make()
        clone = pickle.loads(pickle.dumps(analyzer))
        assert clone == analyzer
        assert tokens(clone, SAMPLES[2]) == tokens(analyzer, SAMPLES[2])


def test_word_analyzers_survive_pickling() -> None:
    segmented = "Cán_bộ trưởng_thôn Tuyên_Hóa họp"
    for folded in (False, True):
        analyzer = word_analyzer(folded=folded)
        clone = pickle.loads(pickle.dumps(analyzer))
        assert clone == analyzer
        keys = [(t.text, t.pos) for t in clone(segmented, positions=True)]
        assert keys == [(t.text, t.pos) for t in analyzer(segmented, positions=True)]
        assert len(keys) == 3


def test_a_query_term_is_one_token_as_given() -> None:
    """``tokenize=False`` (how Whoosh analyses a query term): one token, its key."""
    exact = exact_analyzer()(
        "Tuyên HÓA", tokenize=False, positions=True, chars=True, start_pos=3, start_char=5
    )
    assert [(t.text, t.pos, t.startchar, t.endchar) for t in exact] == [("tuyên hóa", 3, 5, 14)]
    words = word_analyzer()("bộ trưởng", tokenize=False, positions=True, start_pos=2)
    assert [(t.text, t.pos) for t in words] == [("bộ trưởng", 2)]  # already a key
    folded = word_analyzer(folded=True)("bộ trưởng", tokenize=False)
    assert [t.text for t in folded] == ["bo truong"]
    segmented = [t.text for t in word_analyzer()("Cán_bộ trưởng_thôn họp")]
    assert segmented == ["cán bộ", "trưởng thôn"]  # tokenised: compounds only


def test_schema_round_trips_through_an_index(tmp_path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with ix.writer() as writer:
        text = normalize(SAMPLES[1])
        writer.add_document(
            id="a",
            title=text,
            title_f=text,
            title_bi_f=text,
            body=text,
            body_f=text,
            body_bi_f=text,
        )
    reopened = whoosh_index.open_dir(str(tmp_path))  # unpickles the schema
    with reopened.searcher() as searcher:
        for field, query in [
            ("body_f", "tuyen hoa"),
            ("body", "Tuyên Hóa"),
            ("body", "ý"),
            ("title_f", "o mien trung"),
        ]:
            parsed = QueryParser(field, reopened.schema).parse(query)
            assert [hit["id"] for hit in searcher.search(parsed)] == ["a"], (field, query)
        for field, pair, found in [
            ("title_bi_f", "tinh quang", True),
            ("body_bi_f", "o mien", True),
            ("body_bi_f", "tuyen hoa", True),
            ("body_bi_f", "tuyen", False),  # a single syllable is no bigram
            ("body_bi_f", "hoa tuyen", False),
        ]:
            hits = [hit["id"] for hit in searcher.search(Term(field, pair))]
            assert hits == (["a"] if found else []), (field, pair)

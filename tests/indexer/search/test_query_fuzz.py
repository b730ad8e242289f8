"""Fuzzing query parsing: any query string parses without raising; every word of a plain
query becomes a clause, in order; every clause points at its words in the query; a
fuzzed query runs on a real index with results or a clear ``QueryError``.

Hypothesis profiles: ``ci`` (default) or ``VNARCHIVE_FUZZ=long`` (see CONTRIBUTING).
"""

from __future__ import annotations

import pytest
from archive_helpers import build_archive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.search.analysis import syllable_key, syllables
from indexer.search.params import QueryError, SearchParams
from indexer.search.parse import parse_query
from indexer.search.query import search
from indexer.text import normalize

WORDS = ["ủy", "ban", "nhân", "dân", "Tuyên", "Hoá", "thuỷ", "lợi", "2019", "cán", "bộ", "Đắk"]
SYNTAX = ["(", ")", '"', "-", "+", "OR", "|", "AND", "NOT", "title:", "body:", "portal:", ":"]
QUERIES = st.one_of(
    st.lists(st.sampled_from(WORDS + SYNTAX), max_size=14).map(" ".join),
    st.lists(st.sampled_from(WORDS + SYNTAX + [" "]), max_size=20).map("".join),
    st.text(max_size=60),
)


@given(QUERIES)
def test_any_query_parses_and_points_at_its_words(q: str) -> None:
    parsed = parse_query(q)
    normalized = normalize(q)
    for clause in parsed.clauses() + parsed.clauses(negated=True):
        assert len(clause.keys) == len(clause.spans)
        for key, (start, end) in zip(clause.keys, clause.spans, strict=True):
            assert syllable_key(normalized[start:end]) == key


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
def test_every_word_of_a_plain_query_is_kept(words: list[str]) -> None:
    parsed = parse_query(" ".join(words))
    keys = [key for clause in parsed.clauses() for key in clause.keys]
    assert keys == [key for word in words for key, _, _ in syllables(normalize(word))]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> str:
    docs = [
        {
            "url": f"https://tuyenhoa.example.vn/{n}",
            "portal": "tuyenhoa",
            "province": "Quảng Bình",
            "district": "Tuyên Hóa",
            "title": title,
            "published": f"2019-06-{n + 10}",
            "category": "Tin tức",
            "body_text": body,
        }
        for n, (title, body) in enumerate(
            [
                ("Ủy ban nhân dân huyện họp", "Cán bộ Tuyên Hóa bàn công tác thủy lợi năm 2019."),
                ("Đắk Nông tổng kết", "Hội nghị tổng kết công tác dân vận của huyện."),
            ]
        )
    ]
    _store, index, _ids = build_archive(tmp_path_factory.mktemp("fuzz"), docs)
    return str(index)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(q=QUERIES)
def test_any_query_runs_on_a_real_index(index_dir: str, q: str) -> None:
    try:
        result = search(SearchParams(q=q), index_dir=index_dir)
    except QueryError as exc:
        assert str(exc)
        return
    assert result["total"] >= len(result["results"]) >= 0


@pytest.mark.parametrize(
    "q", ['"', "(", ")", "-", "title:", 'title:"', "-(", "NOT", "OR OR", '("-")', "portal:", "::"]
)
def test_found_case(q: str) -> None:
    parsed = parse_query(q)
    assert parsed.empty

"""Strict accents, highlighting that follows the match, and did-you-mean from the index's words."""

from __future__ import annotations

import re

import pytest
from archive_helpers import build_archive

from indexer.search.highlight import highlight_html
from indexer.search.params import QueryError, SearchParams
from indexer.search.query import iter_matching_ids, search

DOCS = [
    {
        "url": "https://th.vn/accented",
        "title": "Huyện Tuyên Hóa hoàn thành giao quân",
        "body_text": "Huyện Tuyên Hóa tổ chức lễ giao nhận quân. Công tác tuyển quân đạt chỉ "
        "tiêu. Các xã đẩy mạnh xã hội hóa, vì nước Cộng hòa.",
    },
    {
        "url": "https://th.vn/unaccented",
        "title": "Tin van tat",
        "body_text": "Huyen Tuyen Hoa don Bang cong nhan (ban tin go khong dau).",
    },
    {
        "url": "https://th.vn/tuyen-quan",
        "title": "Tuyển quân năm 2024",
        "body_text": "Hội đồng nghĩa vụ quân sự họp bàn công tác tuyển quân; xã hội hóa nguồn lực.",
    },
    {
        "url": "https://th.vn/thanh-tra",
        "title": "Thanh tra huyện công bố kết luận",
        "body_text": "Thanh tra huyện công bố kết luận thanh tra về đất đai.",
    },
    {
        "url": "https://th.vn/thanh-tra-name",
        "title": "Tiếp xúc cử tri",
        "body_text": "Bộ trưởng Phạm Thị Thanh Trà tiếp xúc cử tri tại huyện.",
    },
    {
        "url": "https://th.vn/phrase",
        "title": "Hội nghị giao ban tháng 3",
        "body_text": "Ủy ban nhân dân huyện tổ chức hội nghị giao ban quý I. Giao ban định kỳ.",
    },
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    _store, index_dir, ids = build_archive(tmp_path_factory.mktemp("accents"), DOCS)
    names = {url: url.rsplit("/", 1)[-1] for url in ids}
    return {"index_dir": index_dir, "name": {ids[u]: names[u] for u in ids}}


def found(archive, q: str, **kw: object) -> set[str]:
    ids = iter_matching_ids(SearchParams(q=q, **kw), archive["index_dir"])
    return {archive["name"][i] for i in ids}


def marks(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def test_strict_accents_match_only_the_typed_diacritics(archive) -> None:
    assert found(archive, "tuyen hoa") == {"accented", "unaccented", "tuyen-quan"}
    assert found(archive, "Tuyên Hóa", exact=True) == {"accented"}
    assert found(archive, "Tuyên Hoá", exact=True) == {"accented"}  # old tone placement
    assert found(archive, "tuyen hoa", exact=True) == {"unaccented"}
    assert found(archive, "tuyển", exact=True) == {"accented", "tuyen-quan"}
    assert found(archive, "Thanh Trà", exact=True) == {"thanh-tra-name"}
    assert found(archive, "thanh tra", exact=True) == {"thanh-tra"}
    assert found(archive, "thanh tra") == {"thanh-tra", "thanh-tra-name"}
    assert found(archive, '"Tuyên Hóa"', exact=True) == {"accented"}
    # an exclusion is strict too: -tuyen removes only the article written without diacritics
    assert found(archive, "huyện -tuyen", exact=False) == {"thanh-tra", "thanh-tra-name", "phrase"}
    assert found(archive, "huyen -tuyen", exact=True) == set()  # only "Huyen Tuyen Hoa" has huyen


def test_the_flag_is_read_from_request_values() -> None:
    assert SearchParams.from_mapping({"q": "x", "exact": "1"}).exact is True
    assert SearchParams.from_mapping({"q": "x", "exact": "on"}).exact is True
    assert SearchParams.from_mapping({"q": "x", "exact": "0"}).exact is False
    assert SearchParams.from_mapping({"q": "x"}).exact is False
    with pytest.raises(QueryError, match="exact must be 1 or 0") as info:
        SearchParams.from_mapping({"q": "x", "exact": "maybe"})
    assert info.value.field == "exact"


def test_unaccented_query_marks_only_what_it_matched_next_to_the_other_words(archive) -> None:
    hits = search(SearchParams(q="tuyen hoa", per_page=10), archive["index_dir"])["results"]
    by_title = {h["title"]: h["snippet_html"] for h in hits}
    snippet = by_title["Huyện Tuyên Hóa hoàn thành giao quân"]
    # one span for the pair; not tuyển, xã hội hóa, Cộng hòa
    assert marks(snippet) == ["Tuyên Hóa"]
    # an article holding the words only apart: the lone words are what matched
    assert marks(by_title["Tuyển quân năm 2024"]) == ["tuyển", "hóa"]
    # strict: the words with exactly these diacritics, still as one span
    strict = search(SearchParams(q="tuyên hóa", exact=True), archive["index_dir"])["results"]
    assert [marks(h["snippet_html"]) for h in strict] == [["Tuyên Hóa"]]
    assert marks(highlight_html("Tuyên Hóa, tuyen hoa", "tuyen hoa", exact=True)) == ["tuyen hoa"]


def test_a_phrase_is_one_span_and_exclusions_are_not_marked() -> None:
    text = "Hội nghị giao ban quý I. Giao ban định kỳ; hội nghị khác."
    assert marks(highlight_html(text, '"hội nghị giao ban"')) == ["Hội nghị giao ban"]
    assert marks(highlight_html(text, "giao ban -hội")) == ["giao ban", "Giao ban"]
    assert marks(highlight_html(text, "bão OR giao")) == ["giao", "Giao"]
    assert "<" not in re.sub(r"</?mark>", "", highlight_html("<b>giao</b> & ban", "giao ban"))


def test_did_you_mean_draws_on_the_index_words_with_and_without_diacritics(archive) -> None:
    def suggestion(q: str, **kw: object) -> str | None:
        result = search(SearchParams(q=q, **kw), archive["index_dir"])
        assert result["total"] == 0
        return result["did_you_mean"]

    # typed without diacritics, a typo: a folded word of the index
    assert suggestion("tuyen hao") == "tuyen hoa"
    # typed with diacritics, a typo: a word of the index with its diacritics
    assert suggestion("Tuyên Hóaa") == "Tuyên Hóa"
    # strict accents, the word exists only with other diacritics: those are offered
    assert suggestion("tuyen quan", exact=True) == "tuyển quân"
    assert suggestion("Thanh Trá", exact=True) in ("Thanh Trà", "Thanh Tra")
    # the suggestion runs: it has results in the same mode
    assert search(SearchParams(q="tuyển quân", exact=True), archive["index_dir"])["total"] == 2

"""Citations and Wayback-style permalinks of captures (indexer.export.citation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from indexer.export.citation import (
    STYLES,
    CiteSource,
    capture_stamp,
    citations,
    cite,
    parse_stamp,
    permalink,
)

CAPTURED = datetime(2024, 5, 1, 3, 4, 5, tzinfo=UTC)
ARTICLE = {
    "id": "0123456789abcdef",
    "portal": "krongno",
    "district": "Krông Nô",
    "province": "Đắk Nông",
    "title": "Hội nghị giao ban 100% {đạt} & vượt_kế hoạch",
    "url": "http://krongno.daknong.gov.vn/tin-tuc/hoi-nghi?id=7&x=1",
    "published": "2019-06-11T08:30:00+07:00",
    "last_changed": CAPTURED,
    "first_seen": CAPTURED - timedelta(days=3),
}


def test_stamps_are_utc_and_wayback_shaped() -> None:
    assert capture_stamp(CAPTURED) == "20240501030405"
    vn = datetime(2024, 5, 1, 10, 4, 5, tzinfo=timezone(timedelta(hours=7)))
    assert capture_stamp(vn) == "20240501030405"
    assert parse_stamp("20240501030405") == CAPTURED
    assert parse_stamp("2024") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_stamp("202405") == datetime(2024, 5, 1, tzinfo=UTC)
    for bad in ("", "abc", "202", "20241301", "2024050103040599", "2024-05-01"):
        assert parse_stamp(bad) is None, bad
    assert (
        permalink(ARTICLE["url"], CAPTURED, "https://archive.example/")
        == "https://archive.example/web/20240501030405/" + ARTICLE["url"]
    )


def test_every_style_names_portal_url_dates_and_permalink() -> None:
    src = CiteSource.of(ARTICLE, base="https://a.example", portal_name="Cổng TTĐT huyện Krông Nô")
    link = "https://a.example/web/20240501030405/" + ARTICLE["url"]
    assert src.permalink == link
    texts = citations(src)
    assert set(texts) == set(STYLES)
    apa = texts["apa"]
    assert apa.startswith("Cổng TTĐT huyện Krông Nô. (2019, June 11). Hội nghị giao ban")
    assert ARTICLE["url"] in apa and "archived May 1, 2024" in apa and link in apa
    chicago = texts["chicago"]
    assert chicago.startswith("Cổng TTĐT huyện Krông Nô. \u201cHội nghị giao ban")
    assert "June 11, 2019" in chicago and "Archived May 1, 2024, at " + link in chicago
    bib = texts["bibtex"]
    assert bib.startswith("@online{vnarchive-0123456789abcdef,\n")
    assert "author = {{Cổng TTĐT huyện Krông Nô}}," in bib
    assert r"title = {Hội nghị giao ban 100\% \{đạt\} \& vượt\_kế hoạch}," in bib
    assert "date = {2019-06-11}," in bib and "urldate = {2024-05-01}," in bib
    assert f"url = {{{link}}}," in bib and f"\\url{{{ARTICLE['url']}}}" in bib
    assert bib.count("{") == bib.count("}")  # balanced: escapes did their job


def test_undated_article_and_place_name_fallback() -> None:
    src = CiteSource.of(dict(ARTICLE, published=None))
    assert src.portal_name == "Krông Nô, Đắk Nông"
    assert src.permalink.startswith("/web/20240501030405/http://")
    assert "(n.d.)" in cite(src, "apa") and " n.d. " in cite(src, "chicago")
    assert "\n  date =" not in cite(src, "bibtex")


def test_a_chosen_capture_and_an_unknown_style() -> None:
    earlier = CAPTURED - timedelta(days=3)
    src = CiteSource.of(ARTICLE, captured_at=earlier)
    assert "/web/20240428030405/" in src.permalink
    assert "archived April 28, 2024" in cite(src, "apa")
    with pytest.raises(ValueError, match="unknown citation style 'mla'; styles: apa"):
        cite(src, "mla")


def test_permalinks_of_a_column_are_each_permalink() -> None:
    """The export's bulk form: ISO 8601 UTC text is cut, anything else goes through
    capture_stamp, and each link is the one permalink() gives."""
    from indexer.export.citation import permalink, permalinks

    when = datetime(2021, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    captured = [
        "2021-01-02T03:04:05.123456Z",
        "2021-01-02T03:04:05Z",
        when,
        when.replace(tzinfo=None),
        when.astimezone(timezone(timedelta(hours=7))),
        "2021-01-02T10:04:05+07:00",
        None,
    ]
    urls = [f"https://x.gov.vn/{n}" for n in range(len(captured))]
    for base in ("", "https://archive.example/"):
        expected = [
            permalink(u, c, base) if c else None for u, c in zip(urls, captured, strict=True)
        ]
        assert permalinks(urls, captured, base) == expected
        assert expected[0] == f"{base.rstrip('/')}/web/20210102030405/https://x.gov.vn/0"
        assert len(set(expected[:-1])) == 6  # one instant, six URLs

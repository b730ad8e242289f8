"""The generic page object on layouts it was not written for (family knowledge switched off)."""

from __future__ import annotations

import json

import pytest
from realdata import need_realpages, realpages

from crawler.pages import extract
from indexer.text import normalize

REAL = realpages()
GOLD = (
    {g["file"]: g for g in json.loads((REAL / "GOLD.json").read_text(encoding="utf-8"))}
    if REAL
    else {}
)


def generic(name: str) -> dict:
    """The generic page object's result on a real page (skips when the real pages are absent)."""
    folder = need_realpages()
    gold = GOLD[name]
    return extract((folder / name).read_bytes(), gold["url"], family="generic").to_dict()


@pytest.mark.parametrize(
    "name",
    [
        "krongno-daknong-sp2010ewh-article-moitruong.html",
        "krongno-daknong-sp2010ewh-article-giaothong.html",
        "dakrlap-daknong-sp2010ewh-article-matuy.html",
    ],
)
def test_articles_title_date_body_credit(name: str) -> None:
    got = generic(name)
    gold = GOLD[name]
    body = normalize(got["body_text"])
    assert got["page_type"] == "article"
    assert got["title"] == gold["title"]  # found through the URL slug, not <title>
    assert got["published"][:10] == gold["date_iso"]
    assert body.startswith(normalize(gold["first_sentence"]))
    assert body.endswith(normalize(gold["last_sentence"]))
    assert got["credit"] == gold["credit"]
    for chrome in gold["must_not_contain"]:
        assert chrome not in got["body_text"]


def test_attachment_only_notice_is_an_article_with_its_file() -> None:
    name = "krongno-daknong-sp2010ewh-notice-giaoban.html"
    got = generic(name)
    assert got["page_type"] == "article"
    assert got["title"] == GOLD[name]["title"]
    assert got["published"] == "2019-06-25"
    assert got["body_text"] == ""
    assert [a["name"] for a in got["attachments"]] == ["217-TB-Kết luận giao ban tháng 5-2019.pdf"]


@pytest.mark.parametrize(
    "name",
    [
        "krongno-daknong-sp2010ewh-listing-tintuc-p1.html",
        "dakrlap-daknong-sp2010ewh-listing-tintuc-p1.html",
        "dakglong-daknong-sp2010ewh-listing-tintuc-p1.html",
        "hanoi-sotttt-liferay-listing-cntt.html",
        "moh-ncov-liferay7-listing-tintuc.html",
    ],
)
def test_listings(name: str) -> None:
    got = generic(name)
    assert got["page_type"] == "listing"
    assert len(got["items"]) >= 4
    assert all(item["title"] and item["published"] for item in got["items"])


def test_hidden_sharepoint_menus_are_not_content() -> None:
    got = generic("dakglong-daknong-sp2010ewh-article-caytrai.html")
    assert "Dashboard Designer" not in got["body_text"]
    assert got["body_text"].endswith(
        "cung ứng tốt hơn cho thị trường trong nước cũng như xuất khẩu."
    )

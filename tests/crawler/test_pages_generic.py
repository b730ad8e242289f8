"""The generic page object on layouts it was not written for (family knowledge switched off)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.pages import extract
from indexer.text import normalize

FIXTURES = Path(__file__).parent / "fixtures"
GOLD = {g["file"]: g for g in json.loads((FIXTURES / "REAL_GOLD.json").read_text(encoding="utf-8"))}


def generic(name: str) -> dict:
    gold = GOLD[name]
    return extract((FIXTURES / name).read_bytes(), gold["url"], family="generic").to_dict()


@pytest.mark.parametrize(
    "name",
    [
        "sharepoint2010/krongno-article-moitruong.html",
        "sharepoint2010/krongno-article-giaothong.html",
        "sharepoint2010/dakrlap-article-matuy.html",
    ],
)
def test_articles_title_date_body_credit(name: str) -> None:
    gold, got = GOLD[name], generic(name)
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
    name = "sharepoint2010/krongno-notice-giaoban.html"
    got = generic(name)
    assert got["page_type"] == "article"
    assert got["title"] == GOLD[name]["title"]
    assert got["published"] == "2019-06-25"
    assert got["body_text"] == ""
    assert [a["name"] for a in got["attachments"]] == ["217-TB-Kết luận giao ban tháng 5-2019.pdf"]


@pytest.mark.parametrize(
    "name",
    [
        "sharepoint2010/krongno-listing-p1.html",
        "sharepoint2010/dakrlap-listing-p1.html",
        "sharepoint2010/dakglong-listing-p1.html",
        "liferay62/hanoi-listing-cntt.html",
        "liferay7/moh-listing-tintuc.html",
    ],
)
def test_listings(name: str) -> None:
    got = generic(name)
    assert got["page_type"] == "listing"
    assert len(got["items"]) >= 4
    assert all(item["title"] and item["published"] for item in got["items"])


def test_hidden_sharepoint_menus_are_not_content() -> None:
    got = generic("sharepoint2010/dakglong-article-caytrai.html")
    assert "Dashboard Designer" not in got["body_text"]
    assert got["body_text"].endswith(
        "cung ứng tốt hơn cho thị trường trong nước cũng như xuất khẩu."
    )

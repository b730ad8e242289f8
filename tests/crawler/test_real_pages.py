"""Real portal pages against hand-written gold fields (not against our own earlier output).

The pages and their gold (``GOLD.json``) are read from the real pages folder
(``$VNARCHIVE_REALPAGES``, default ``../shared/realpages``); without it these tests skip.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urljoin

import pytest
from realdata import need_realpages, realpages

from crawler.pages import extract
from indexer.text import normalize

REAL = realpages()
GOLD = json.loads((REAL / "GOLD.json").read_text(encoding="utf-8")) if REAL else []
ARTICLES = [g for g in GOLD if g["page_type"] == "article"]
LISTINGS = [g for g in GOLD if g["page_type"] == "listing"]


def _run(gold: dict) -> dict:
    return extract((need_realpages() / gold["file"]).read_bytes(), gold["url"]).to_dict()


def _abs(gold: dict, link: str) -> str:
    return unquote(urljoin(gold["url"], link)).rstrip("/")


@pytest.mark.parametrize("gold", ARTICLES, ids=[g["file"] for g in ARTICLES])
def test_article_matches_gold(gold: dict) -> None:
    got = _run(gold)
    body = normalize(got["body_text"])
    assert got["page_type"] == "article"
    assert got["title"] == gold["title"]
    assert got["published"][:10] == gold["date_iso"]
    if gold.get("category"):
        assert got["category"] == gold["category"]
    assert got["author"] == gold["author"]
    assert got["credit"] == gold["credit"]
    if gold.get("first_sentence"):
        assert body.startswith(normalize(gold["first_sentence"]))
        assert body.endswith(normalize(gold["last_sentence"]))
    if gold.get("empty_body"):
        assert got["body_text"] == ""
    for chrome in gold.get("must_not_contain", []):
        assert chrome not in got["body_text"]
    urls = [unquote(a["url"]) for a in got["attachments"]]
    for wanted in gold.get("attachments", []):
        assert _abs(gold, wanted) in urls
    for attachment in got["attachments"]:
        assert attachment["url"].isascii() and " " not in attachment["url"]
    if gold.get("media"):
        assert got["media"]


@pytest.mark.parametrize("gold", LISTINGS, ids=[g["file"] for g in LISTINGS])
def test_listing_matches_gold(gold: dict) -> None:
    got = _run(gold)
    assert got["page_type"] == "listing"
    if "items" in gold:
        assert len(got["items"]) == gold["items"]
    if gold.get("first_item"):
        first = unquote(got["items"][0]["url"]).removesuffix(".html")  # HTTrack mirrors add .html
        assert first == _abs(gold, gold["first_item"])
    if gold.get("next_page"):
        assert unquote(got["next_page"]).rstrip("/") == _abs(gold, gold["next_page"])
    for item in got["items"]:
        assert item["title"] and item["url"].startswith("http")


def test_real_pages_are_there() -> None:
    need_realpages()
    assert ARTICLES and LISTINGS


def test_homepage_is_not_an_article() -> None:
    need_realpages()
    (gold,) = [g for g in GOLD if g["page_type"] == "homepage"]
    assert _run(gold)["page_type"] != "article"


def test_listing_dates_are_parsed_from_every_shape() -> None:
    """Listing items carry the dates written as (dd.mm.yyyy HH:MM), weekday forms and 12-hour clocks."""
    need_realpages()
    for gold in LISTINGS:
        got = _run(gold)
        dated = [item for item in got["items"] if item["published"]]
        assert len(dated) == len(got["items"]), gold["file"]

"""Atom feeds of searches: a feed reader (feedparser) reads them without complaint."""

from __future__ import annotations

import re

import pytest

feedparser = pytest.importorskip("feedparser", reason="feedparser is a dev tool")


def _feed(client, **params):  # type: ignore[no-untyped-def]
    response = client.get("/feed.atom", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_a_search_feed_is_valid_atom_newest_first(client, web_archive) -> None:  # type: ignore[no-untyped-def]
    parsed = _feed(client, q="ủy ban", portal="daknong_krongno")
    assert parsed.feed.title == "vnarchive: “ủy ban”, portal: daknong_krongno"
    assert parsed.feed.id == "http://testserver/feed.atom?q=%E1%BB%A7y+ban&portal=daknong_krongno"
    search = client.get(
        "/api/search",
        params={"q": "ủy ban", "portal": "daknong_krongno", "sort": "newest", "per_page": 50},
    ).json()
    assert len(parsed.entries) == search["total"] > 3
    assert [e.id for e in parsed.entries] == [
        f"http://testserver/articles/{h['id']}" for h in search["results"]
    ]
    published = [e.published_parsed for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    first = parsed.entries[0]
    assert first.link == first.id
    assert any(link.rel == "related" and link.href.startswith("http://") for link in first.links)
    assert first.updated_parsed and first.author
    assert first.summary and "<mark>" not in first.summary  # the snippet, as plain text


def test_filters_narrow_the_feed_and_the_whole_archive_has_one(client, web_archive) -> None:  # type: ignore[no-untyped-def]
    everything = _feed(client)
    assert len(everything.entries) == min(50, web_archive.total)
    dated = _feed(client, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert 0 < len(dated.entries) < len(everything.entries)
    assert all(e.published.startswith("2024-") for e in dated.entries)


def test_hostile_text_stays_text(client, web_archive) -> None:  # type: ignore[no-untyped-def]
    parsed = _feed(client, portal="daknong_krongno", category="Thông báo")
    body = client.get("/feed.atom", params={"portal": "daknong_krongno"}).text
    assert "<script" not in body
    titles = [e.title for e in parsed.entries]
    assert any("<script>" in t for t in titles)  # shown as the text it is, escaped in XML


def test_the_search_page_links_its_feed_without_empty_parameters(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/", params={"q": "ủy ban", "portal": "", "province": "", "sort": "oldest"})
    assert page.history[0].status_code == 303  # the empty filters were dropped
    assert str(page.url) == "http://testserver/?q=%E1%BB%A7y+ban&sort=oldest"
    html = page.text
    links = re.findall(r'href="(/feed\.atom[^"]*)"', html)
    assert links and set(links) == {"/feed.atom?q=%E1%BB%A7y+ban"}
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert client.get(links[0].replace("&amp;", "&")).status_code == 200

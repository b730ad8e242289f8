"""The page's Document finds what a full walk of the tree finds, with its shortcuts.

A whole-page selector that needs a class name or an id the page does not have is not run
(``Document.css`` answers from the page's markup or its list of class names); link
resolution is cached per base URL; chrome and hidden tests remember ancestors.  Each
shortcut must give exactly what the plain computation gives.
"""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.pages import PAGE_OBJECTS
from crawler.pages.body import build_body
from crawler.pages.document import Document, _requirements, compiled, text_of
from crawler.pages.structure import hidden, in_chrome
from crawler.samples import model, render, specs
from indexer.text import normalize

BASE = "http://127.0.0.1:8765"


def _sample_pages() -> list[tuple[str, str]]:
    """(url, html) of a few article and listing pages of every sample portal."""
    pages = []
    for pid in specs.PORTAL_IDS:
        portal = model.get_portal(pid)
        rels = [art.url for art in portal.articles[:3]] + sorted(portal.listing_by_url)[:2]
        for rel in rels:
            resp = render.render(pid, rel, base_url=BASE)
            if resp.status == 200:
                pages.append((f"{BASE}/{pid}/{rel}", resp.body.decode("utf-8", "replace")))
    return pages


def _family_selectors() -> list[str]:
    keys = ("TITLE", "DATE", "CATEGORY", "SUMMARY", "BODY", "REMOVE", "ARTICLE")
    keys += ("LISTING_ITEM", "NEXT_PAGE", "AUTHOR", "ATTACHMENTS")
    found = {sel for cls in PAGE_OBJECTS.values() for key in keys for sel in getattr(cls, key)}
    return sorted(found)


def test_every_family_selector_finds_what_a_full_walk_finds() -> None:
    selectors = _family_selectors()
    pages = _sample_pages()
    assert len(selectors) > 100 and len(pages) >= 16
    matched = 0
    for url, html in pages:
        doc = Document(html, url)
        for selector in selectors:
            expected = compiled(selector)(doc.root)
            assert doc.css(selector) == expected, (url, selector)
            body = doc.root.find("body")
            assert doc.css(selector, body) == compiled(selector)(body), (url, selector)
            matched += bool(expected)
    assert matched > 100  # the comparison covered selectors that do match


@pytest.mark.parametrize(
    "spelled",
    [
        "asset&#45;full-content",  # a numeric character reference for "-"
        "asset-full&#x2d;content",
        "&#97;sset-full-content",
    ],
)
def test_a_class_name_spelled_with_character_references_is_found(spelled: str) -> None:
    html = (
        "<html><body><div class='menu'>x</div>"
        f"<div class='{spelled}'><h3 class='asset-title'>Tiêu đề</h3></div></body></html>"
    )
    doc = Document(html, "http://x.gov.vn/a")
    found = doc.css(".asset-full-content .asset-title")
    assert [el.text for el in found] == ["Tiêu đề"]


@pytest.mark.parametrize(
    ("attribute", "selector"),
    [
        ("class='news&lowbar;detail'", ".news_detail"),
        ("class='news&UnderBar;detail'", ".news_detail"),
        ("id='con&fjlig;'", "#confj"),
        ("id='news&#95;detail'", "#news_detail"),
    ],
)
def test_named_references_that_spell_name_characters(attribute: str, selector: str) -> None:
    html = f"<html><body><div {attribute}><p>Nội dung</p></div></body></html>"
    doc = Document(html, "http://x.gov.vn/a")
    assert len(doc.css(selector)) == 1
    assert doc.css(selector) == compiled(selector)(doc.root)


def test_a_class_only_in_the_text_is_not_a_match() -> None:
    html = "<html><body><p>class asset-full-content</p><p class='x'>y</p></body></html>"
    doc = Document(html, "http://x.gov.vn/a")
    assert doc.css(".asset-full-content") == []


@pytest.mark.parametrize(
    ("selector", "needs"),
    [
        (".a .b", ((frozenset({"a", "b"}), frozenset()),)),
        ("#x p.T", ((frozenset({"T"}), frozenset({"x"})),)),
        ("tr td:not(.Time)", None),  # nothing needed for sure: always run
        (
            "td.Time, .lv_date",
            ((frozenset({"Time"}), frozenset()), (frozenset({"lv_date"}), frozenset())),
        ),
        ("div[class^='ExternalClass']", None),
        (".breadcrumb li:last-child a", ((frozenset({"breadcrumb"}), frozenset()),)),
        ("a, .b", None),  # one alternative needs nothing
    ],
)
def test_what_a_selector_needs(selector: str, needs: tuple | None) -> None:
    assert _requirements(selector) == needs


def test_links_resolve_against_each_page_s_own_base() -> None:
    first = Document("<html><body><a href='tin/a b.html'>x</a></body></html>", "http://a.vn/x/")
    second = Document("<html><body><a href='tin/a b.html'>x</a></body></html>", "http://b.vn/y/")
    based = Document(
        "<html><head><base href='http://c.vn/z/'></head><body>x</body></html>", "http://a.vn/x/"
    )
    assert first.resolve("tin/a b.html") == "http://a.vn/x/tin/a%20b.html"
    assert second.resolve("tin/a b.html") == "http://b.vn/y/tin/a%20b.html"
    assert based.resolve("tin/a b.html") == "http://c.vn/z/tin/a%20b.html"
    assert first.resolve(" javascript:void(0)") is None
    long_href = "tin/" + "a" * 5000 + ".html"
    assert first.resolve(long_href) == "http://a.vn/x/" + long_href
    local = Document("<html><body>x</body></html>", "file:///tmp/page.html")
    assert local.resolve("a.html") == "file:///tmp/a.html"
    assert first.resolve("file:///tmp/a.html") is None  # a file link on a web page


def test_chrome_and_hidden_with_a_memo_answer_as_without() -> None:
    for url, html in _sample_pages():
        doc = Document(html, url)
        chrome: dict = {}
        hid: dict = {}
        elements = [el for el in doc.root.iter() if isinstance(el.tag, str)]
        for el in elements:
            assert in_chrome(el, chrome) == in_chrome(el), (url, el.tag)
            assert hidden(el, hid) == hidden(el), (url, el.tag)
        assert any(chrome.values()) and not all(chrome.values())


_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            list("aăâeêioôơuưyAĐđqQhn0123456789 .,;-&#")
            + list(" \t\n\r\u00a0\u2028\u2029\u0300\u0301\u0303\u0309\u0323\u200b")
            + ["hoà", "thuỷ", "khoẻ", "Quý", "qùa", "cuả", "&amp;", "&#7921;", "&atilde;"]
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
).map("".join)


@given(_TEXT, _TEXT)
def test_normalize_treats_line_breaks_and_edge_spaces_as_any_space(left: str, right: str) -> None:
    """What text_of relies on to normalise a paragraph once (it gives normalize the string
    the body's paragraph is normalised from): a line break or a space at the edge changes
    nothing in the normalised text."""
    text = f"{left}\n{right}\r\n{left}\r{right}"
    assert normalize(text) == normalize(text.replace("\n", " ").replace("\r", " "))
    assert normalize(" " + text) == normalize(text)


def test_text_of_a_paragraph_is_its_body_paragraph() -> None:
    html = (
        "<html><body><div id='c'><p>\n  Sáng nay,\r\nỦy ban <b>nhân dân</b> huyện\n</p>"
        "<p>Đoạn <i>thứ</i>\nhai.</p></div></body></html>"
    )
    doc = Document(html, "http://x.gov.vn/a")
    paragraphs = [text_of(p) for p in doc.root.iter("p")]
    assert paragraphs == ["Sáng nay, Ủy ban nhân dân huyện", "Đoạn thứ hai."]
    assert text_of(doc.root.find(".//div")) == "Sáng nay, Ủy ban nhân dân huyện Đoạn thứ hai."
    body = build_body(lxml.html.tostring(doc.root.find(".//div"), encoding="unicode"), doc)
    assert body.paragraphs == paragraphs

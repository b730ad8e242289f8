"""The crawl frontier and link discovery: cleaning, scope, traps, bounds, pagination shapes."""

from __future__ import annotations

from crawler.frontier import Frontier, paging_of
from crawler.links import page_links, unwayback
from crawler.scope import PortalScope
from crawler.settings import VNARCHIVE_STRIP_PARAMS, VNARCHIVE_TRAP_PATTERNS

BASE = "http://xa.example.gov.vn/"


def _frontier(**kwargs: int) -> Frontier:
    scope = PortalScope(
        BASE, trap_patterns=VNARCHIVE_TRAP_PATTERNS, strip_params=VNARCHIVE_STRIP_PARAMS
    )
    return Frontier(scope, **kwargs)


def test_each_url_is_admitted_once_in_its_clean_form() -> None:
    f = _frontier()
    assert f.admit(BASE + "tin-tuc/;jsessionid=ABCDEF0123") == BASE + "tin-tuc/"
    assert f.admit(BASE + "tin-tuc/#top") is None  # the same page again
    assert f.admit(BASE + "bai/1?print=1&utm_source=x") == BASE + "bai/1"
    assert f.raw_links[BASE + "bai/1"] == {BASE + "bai/1?print=1&utm_source=x"}


def test_skipped_urls_are_counted_by_reason_once_each() -> None:
    f = _frontier()
    for _ in range(3):
        assert f.admit("http://other.example/x") is None
    assert f.admit(BASE + "lich/2019/06/") is None  # calendar
    assert f.admit(BASE + "tin-tuc/?sort=title") is None  # sort switch
    assert f.admit(BASE + "files/qd.pdf") is None  # a file, not a page
    assert f.admit(BASE + "files/qd.pdf", page=False) == BASE + "files/qd.pdf"
    assert f.counts() == {"out_of_scope": 1, "trap_pattern": 2, "not_a_page": 1}


def test_a_generated_url_space_that_yields_no_article_is_bounded() -> None:
    f = _frontier(max_per_pattern=5)
    admitted = []
    for n in range(20):
        url = f.admit(f"{BASE}su-kien/{n}/chi-tiet")
        if url:
            admitted.append(url)
            f.record(url, "other")
    assert len(admitted) == 5 and f.counts()["pattern_limit"] == 15
    # a shape that leads to articles is not bounded
    g = _frontier(max_per_pattern=5)
    for n in range(20):
        url = g.admit(f"{BASE}tin/{n}.html")
        assert url is not None
        g.record(url, "article")


def test_a_folder_of_dead_links_stops_being_walked() -> None:
    f = _frontier(dead_folder_after=3)
    for n in range(3):
        assert not f.dead_folder(f"{BASE}bai-viet-a/lien-ket-{n}")
        f.record(f"{BASE}bai-viet-a/lien-ket-{n}", "missing")
    assert f.dead_folder(f"{BASE}bai-viet-a/lien-ket-9")
    assert not f.dead_folder(f"{BASE}bai-viet-b/lien-ket-9")  # another folder
    f.record(f"{BASE}bai-viet-b/x", "missing")
    f.record(f"{BASE}bai-viet-b/y", "article")
    for n in range(5):
        f.record(f"{BASE}bai-viet-b/z{n}", "missing")
    assert not f.dead_folder(f"{BASE}bai-viet-b/next")  # something was found there


def test_relative_links_below_an_article_are_learnt_dead_and_read_as_siblings() -> None:
    page = f"{BASE}tin-tuc/bai-a/"
    links = page_links(
        '<a href="bai-b">b</a><a href="/tin-tuc/bai-c">c</a><a href="../d">d</a>'
        '<a href="http://xa.example.gov.vn/e">e</a><a href="?p=2">p</a>',
        page,
    )
    assert [(lk.url, lk.relative) for lk in links] == [
        (f"{BASE}tin-tuc/bai-a/bai-b", True),
        (f"{BASE}tin-tuc/bai-c", False),
        (f"{BASE}tin-tuc/d", True),
        (f"{BASE}e", False),
        (f"{page}?p=2", False),
    ]
    assert Frontier.nested(page, links[0].url) and not Frontier.nested(page, links[2].url)
    assert not Frontier.nested(f"{BASE}tin-tuc/bai-a.html", f"{BASE}tin-tuc/bai-b")
    assert Frontier.sibling(page, links[0].url) == f"{BASE}tin-tuc/bai-b"
    f = _frontier(dead_folder_after=3)
    for _ in range(3):
        assert not f.nested_dead()
        f.record_nested(found=False)
    assert f.nested_dead()
    f.record_nested(found=True)  # one that answered: the portal means them
    assert not f.nested_dead()


def test_pagination_shapes_are_recognised_and_continued() -> None:
    assert paging_of(BASE + "tin-tuc/page/3/").number == 3
    assert paging_of(BASE + "tin?trang=4").key == "trang"
    assert paging_of(BASE + "x?p_p_id=101&_101_INSTANCE_ab_cur=2").key == "_101_INSTANCE_ab_cur"
    assert paging_of(BASE + "tin-tuc/2019/") is None
    f = _frontier()
    assert f.next_page_guesses(BASE + "tin-tuc/page/3/", BASE + "tin-tuc/", 4) == [
        BASE + "tin-tuc/page/4/"
    ]
    assert f.next_page_guesses(BASE + "thong-bao/", BASE + "thong-bao/", 2) == []
    f.learn([BASE + "tin-tuc/page/2/", BASE + "x/page/5/", BASE + "y?trang=2"])
    assert f.next_page_guesses(BASE + "thong-bao/", BASE + "thong-bao/", 2) == [
        BASE + "thong-bao/page/2/",
        BASE + "thong-bao/?trang=2",
    ]


def test_broken_next_links_are_recognised() -> None:
    f = _frontier()
    assert f.broken_next(BASE) and f.broken_next("http://elsewhere.example/page/2/")
    assert not f.broken_next(BASE + "tin-tuc/page/2/")


def test_page_links_reads_every_anchor_but_not_scripts_or_comments() -> None:
    html = (
        '<html><head><base href="/goc/"><link rel="next" href="page/2/">'
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="stylesheet" href="/a.css"><script>var s = "<a href=\\"/js-only\\">";</script>'
        "</head><body><!-- <a href='/commented'>x</a> -->"
        '<a class="m" href="tin-tuc/">Tin <b>tức</b></a><a href="javascript:void(0)">x</a>'
        "<a href=\"mailto:a@b.c\">m</a><a href=#top>t</a><A HREF='/HOA'>Hoa &amp; lá</A>"
        '<area href="/vung"><a href="/web/20190611000000/http://xa.example.gov.vn/cu/">w</a>'
        "</body></html>"
    )
    links = page_links(html, BASE)
    urls = [link.url for link in links]
    assert urls == [
        BASE + "goc/page/2/",
        BASE + "rss.xml",
        BASE + "goc/tin-tuc/",
        BASE + "HOA",
        BASE + "vung",
        BASE + "cu/",
    ]
    assert [link.rel for link in links][:2] == ["next", "feed"]
    assert links[2].text == "Tin tức" and links[3].text == "Hoa & lá"


def test_wayback_links_map_back_to_the_original() -> None:
    assert unwayback("https://web.archive.org/web/20190611000000/http://a.vn/x?y=1") == (
        "http://a.vn/x?y=1"
    )
    assert unwayback("http://a.vn/web/20190101im_/https://a.vn/i.png") == "https://a.vn/i.png"
    assert unwayback("http://a.vn/web/*/http://a.vn/Pages/x.aspx") == "http://a.vn/Pages/x.aspx"
    assert unwayback("http://a.vn/web/tin-tuc/") == "http://a.vn/web/tin-tuc/"

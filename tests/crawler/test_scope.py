"""Crawl scope: host + path prefix, robots.txt, trap rules, clean URLs."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from crawler.scope import PortalScope


@pytest.fixture
def scope() -> PortalScope:
    settings = Settings()
    settings.setmodule("crawler.settings")
    return PortalScope(
        "http://127.0.0.1:8765/sample-sp2010/",
        trap_patterns=settings.getlist("VNARCHIVE_TRAP_PATTERNS"),
        strip_params=settings.getlist("VNARCHIVE_STRIP_PARAMS"),
        max_url_length=settings.getint("VNARCHIVE_MAX_URL_LENGTH"),
    )


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://127.0.0.1:8765/sample-sp2010/", True),
        ("http://127.0.0.1:8765/sample-sp2010", True),
        ("http://127.0.0.1:8765/sample-sp2010/tin-tuc/bai-1/", True),
        ("http://127.0.0.1:8765/sample-sp2010x/", False),  # another portal's prefix
        ("http://127.0.0.1:8765/sample-wordpress/", False),  # same host, other portal
        ("http://127.0.0.1:9999/sample-sp2010/", False),  # other port
        ("http://example.invalid/sample-sp2010/", False),
        ("ftp://127.0.0.1:8765/sample-sp2010/a", False),
        ("http://127.0.0.1:8765/robots.txt", False),
    ],
)
def test_in_scope(scope: PortalScope, url: str, inside: bool) -> None:
    assert scope.in_scope(url) is inside


def test_robots_of_the_host_is_the_one_exception(scope: PortalScope) -> None:
    assert scope.is_robots("http://127.0.0.1:8765/robots.txt")
    assert not scope.is_robots("http://example.invalid/robots.txt")


def test_www_and_bare_host_are_one_portal() -> None:
    scope = PortalScope("http://krongno.daknong.gov.vn/")
    assert scope.in_scope("http://www.krongno.daknong.gov.vn/tin-tuc/")
    assert scope.in_scope("https://KRONGNO.daknong.gov.vn/a")
    assert not scope.in_scope("http://daknong.gov.vn/a")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/sample-sp2010/lich/?thang=2019-06",
        "http://127.0.0.1:8765/sample-sp2010/lich-cong-tac/2024/05/",
        "http://127.0.0.1:8765/sample-sp2010/a.aspx?month=5&year=2024",
        "http://127.0.0.1:8765/sample-sp2010/a;jsessionid=ABCDEF0123",
        "http://127.0.0.1:8765/sample-sp2010/a?PHPSESSID=0123abcd",
        "http://127.0.0.1:8765/sample-sp2010/(S(abcdefghijklmnopqrstu))/a.aspx",
        "http://127.0.0.1:8765/sample-sp2010/a/a/a/b",
        "http://127.0.0.1:8765/sample-sp2010/" + "x" * 1100,
    ],
)
def test_traps_are_refused(scope: PortalScope, url: str) -> None:
    ok, reason = scope.accept(url)
    assert not ok and reason in ("trap_pattern", "url_too_long")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/sample-sp2010/tin-tuc/page/2/",
        "http://127.0.0.1:8765/sample-sp2010/thu-ngan-sach-2024-dat-53-du-toan/",
        "http://127.0.0.1:8765/sample-sp2010/lists/posts/post.aspx?CategoryId=9&ItemID=1390",
        "http://127.0.0.1:8765/sample-sp2010/tin-tuc?p_p_id=101&_101_cur=3",
        "http://127.0.0.1:8765/sample-sp2010/2024/05/12/bai-viet/",
    ],
)
def test_ordinary_pages_pass(scope: PortalScope, url: str) -> None:
    assert scope.accept(url) == (True, "")


def test_clean_strips_session_ids_print_views_and_fragments(scope: PortalScope) -> None:
    base = "http://127.0.0.1:8765/sample-sp2010/"
    assert scope.clean("bai-1/?print=1#top", base) == base + "bai-1/"
    assert scope.clean("a;jsessionid=XYZ?b=1&Print=1&c=2", base) == base + "a?b=1&c=2"
    assert scope.clean("a?b=1&b=2") == "a?b=1&b=2"  # repeated keys are kept
    # unencoded Vietnamese and spaces are percent-encoded, idempotently
    once = scope.clean("Quyết định số 1.pdf", base)
    assert once == base + "Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20s%E1%BB%91%201.pdf"
    assert scope.clean(once) == once
    assert scope.clean("HTTP://127.0.0.1:8765/sample-sp2010/A") == base + "A"

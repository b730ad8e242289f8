"""Listing pagination is found whatever order the pages arrive in.

A real crawl's order depends on timing (tests/crawler/test_discovery.py crawls the
sample-discovery portal once, in the order Scrapy and the server happen to give). Here
PortalSpider's own callbacks get that portal's pages, fetched over HTTP from the sample
server, in orders the test chooses: first in first out, last in first out, guessed
pages before or after everything else, and seeded shuffles. The order that lost a
section's third page (a guess made with one page-number shape came back a repeat
after the other shape had been learnt) is among them.
"""

from __future__ import annotations

import asyncio
import random
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy.http import Request
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from crawler.job import CrawlJob
from crawler.samples import discovery
from crawler.spiders.options import parse_options
from crawler.spiders.portal import PortalSpider
from indexer.store.archive import ArchiveStore

PORTAL = discovery.PORTAL_ID
# every kind of pagination the portal has, to its last page
LAST_PAGES = ("thong-bao/page/3/", "tin-tuc/kinh-te/page/3/", "tin-moi/?trang=7")

Pick = Callable[[list[Request]], Request]


def _fetch(request: Request) -> tuple[int, str, dict[str, str], bytes]:
    """The status, final URL, headers and body of a request, over HTTP."""
    try:
        with urllib.request.urlopen(request.url, timeout=10) as answer:
            return answer.status, answer.url, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as err:
        return err.code, request.url, dict(err.headers), err.read()


def _crawl_in_order(pick: Pick, data_dir: Path) -> list[str]:
    """Run the spider's callbacks on every request it makes, taking the next one with
    ``pick``; the URLs fetched, in order."""
    crawler = get_crawler(
        PortalSpider, {"VNARCHIVE_POLITENESS": False, "VNARCHIVE_DISCOVER_SITEMAPS": False}
    )
    spider = PortalSpider.from_crawler(crawler, portal=PORTAL)
    spider.job = CrawlJob.open(
        spider.profile,
        parse_options(),
        store=ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}"),
        warc=False,
    )

    async def start() -> list[Request]:
        return [req async for req in spider.start()]

    queue = [r for r in asyncio.run(start()) if isinstance(r, Request)]
    fetched: list[str] = []
    try:
        while queue:
            request = pick(queue)
            queue.remove(request)
            status, url, headers, body = _fetch(request)
            fetched.append(request.url)
            cls = responsetypes.from_args(headers=headers, url=url, body=body)
            response = cls(url, status=status, headers=headers, body=body, request=request)
            for out in request.callback(response) or ():
                if isinstance(out, Request):
                    queue.append(out)
    finally:
        spider.job.close("finished")
    return fetched


def _guesses_last(queue: list[Request]) -> Request:
    return next((r for r in queue if not r.meta.get("guessed")), queue[0])


def _guesses_first(queue: list[Request]) -> Request:
    return next((r for r in queue if r.meta.get("guessed")), queue[0])


def _scripted(*paths: str) -> Pick:
    """The pages at ``paths`` (below the portal) in this order, as soon as each is
    queued; then first in first out."""
    script = list(paths)

    def pick(queue: list[Request]) -> Request:
        if script:
            wanted = next((r for r in queue if r.url.endswith(f"/{PORTAL}/{script[0]}")), None)
            if wanted is not None:
                script.pop(0)
                return wanted
        return queue[0]

    return pick


def _shuffled(seed: int) -> Pick:
    rng = random.Random(seed)
    return lambda queue: rng.choice(queue)


ORDERS: dict[str, Pick] = {
    "fifo": lambda queue: queue[0],
    "lifo": lambda queue: queue[-1],
    "guesses-last": _guesses_last,
    "guesses-first": _guesses_first,
    # the order that lost tin-tuc/kinh-te/page/3/: the section's guessed second page
    # (?trang=2, the only shape known when its first page came) is still out when
    # thong-bao teaches /page/N/, and the home page's own guess comes back first
    "shape-learnt-while-a-guess-is-out": _scripted(
        "", "tin-moi/", "tin-tuc/kinh-te/", "thong-bao/", "?trang=2", "tin-tuc/kinh-te/?trang=2"
    ),
    **{f"shuffled-{seed}": _shuffled(seed) for seed in range(8)},
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_every_pagination_is_followed_to_its_end_in_any_order(
    order: str, samples_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    fetched = _crawl_in_order(ORDERS[order], tmp_path)
    prefix = f"{samples_server}/{PORTAL}/"
    assert len(fetched) == len(set(fetched))  # each URL asked for once
    missing = [path for path in LAST_PAGES if prefix + path not in fetched]
    assert missing == [], f"{order}: never fetched {missing}"
    articles = {prefix + art["url"] for art in discovery.truth()}
    assert articles <= set(fetched)


@pytest.mark.parametrize("order", ["fifo", "guesses-first"])
def test_a_short_listing_page_that_links_no_next_page_is_its_chains_last(
    order: str, samples_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home page, "Hoạt động" and the travel sections list fewer than five items and
    link no next page: no next page of theirs is guessed (each guess would cost a
    politeness delay for a 404 or a repeat)."""
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    fetched = _crawl_in_order(ORDERS[order], tmp_path)
    prefix = f"{samples_server}/{PORTAL}/"
    guessed = [
        u.removeprefix(prefix)
        for u in fetched
        if u.removeprefix(prefix).split("?")[0] in ("", "hoat-dong/", "du-lich/dac-san/")
        and ("page/" in u or "trang=" in u)
    ]
    assert guessed == []
    assert prefix + "tin-tuc/kinh-te/page/3/" in fetched  # full pages are still followed

"""A crawl whose profile leaves the family to the markup (``family = "auto"``), and one whose
profile names the wrong family: both archive the sample portal as its own family does; next
pages held while the family is judged."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from crawl_support import REPO, compare_with_truth, profiles_with_family, run_crawl, truth
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.operations.try_portal import try_portal
from crawler.profiles import load_profile
from crawler.spiders.portal import PortalSpider
from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow
PORTAL = "sample-wordpress"


def _reset(samples_url: str) -> None:
    request = urllib.request.Request(f"{samples_url}/_control/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _crawl_as(
    tmp_path: Path,
    samples_url: str,
    family: str,
    portal: str = PORTAL,
    first: list[str] | None = None,
) -> tuple[ArchiveStore, dict]:
    """Crawl a sample portal with its profile's family set to ``family`` (and ``first``,
    URLs relative to the portal, as its first start URLs)."""
    profiles = profiles_with_family(tmp_path / f"portals-{family}", portal, family, first)
    data_dir = tmp_path / family
    proc = run_crawl(data_dir, samples_url, portal, "--no-health", VNARCHIVE_PORTALS=str(profiles))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    return store, store.list_jobs(portal=portal)[0]


def test_family_auto_archives_the_portal_as_its_own_family(
    samples_url: str, tmp_path: Path
) -> None:
    _reset(samples_url)
    store, job = _crawl_as(tmp_path, samples_url, "auto")
    result = compare_with_truth(store, PORTAL, samples_url)
    assert result["missing"] == [] and result["extra"] == [], result
    assert result["fields"] == {}, {f: urls[:3] for f, urls in result["fields"].items()}
    assert "family_unfit" not in job["error_reasons"]
    assert {k for k in job["extraction_paths"] if k.startswith("article:")} == {"article:family"}


def test_a_profile_naming_the_wrong_family_archives_the_portal_and_says_so(
    samples_url: str, tmp_path: Path
) -> None:
    """SharePoint named, WordPress served: none of the first pages fits, the rest is read
    by the family the markup shows; only articles read before that may be missing."""
    _reset(samples_url)
    store, job = _crawl_as(tmp_path, samples_url, "sharepoint2010")
    result = compare_with_truth(store, PORTAL, samples_url)
    assert result["extra"] == [], result["extra"]
    assert result["missing"] == [], result["missing"]
    assert result["fields"] == {}, {f: urls[:3] for f, urls in result["fields"].items()}
    assert job["error_reasons"]["family_unfit"] == 1
    paths = job["extraction_paths"]
    assert paths["article:rescued"] == result["found"] and "article:family" not in paths


def test_the_pages_read_before_the_family_was_judged_are_read_again(
    samples_url: str, tmp_path: Path
) -> None:
    """Liferay served, WordPress named, and the crawl starts on five article pages whose
    URLs name no title (``view-article/1/ID/…``): read by the WordPress page object while
    it was judged, they were lost; they are fetched again once it is found not to fit."""
    _reset(samples_url)
    portal = "sample-liferayqb"
    first = [art["url"] for art in truth(portal)["articles"][:5]]
    store, job = _crawl_as(tmp_path, samples_url, "wordpress", portal, first)
    result = compare_with_truth(store, portal, samples_url)
    assert result["missing"] == [] and result["extra"] == [], result
    assert result["fields"] == {}, {f: urls[:3] for f, urls in result["fields"].items()}
    assert job["error_reasons"]["family_unfit"] == 1


def test_next_pages_held_while_judging_are_released_when_the_crawl_runs_dry(
    samples_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing read before the family is judged keeps its next page back; a crawl that
    runs out of pages before any verdict takes the family to fit and follows it."""
    profiles = profiles_with_family(tmp_path / "portals", PORTAL, "sharepoint2010")
    monkeypatch.setenv("VNARCHIVE_PORTALS", str(profiles))
    monkeypatch.setenv("VNARCHIVE_SAMPLES_URL", samples_url)
    crawler = get_crawler(PortalSpider, {"VNARCHIVE_POLITENESS": False})
    spider = PortalSpider.from_crawler(crawler, portal=PORTAL)
    listing = f"{samples_url}/{PORTAL}/chuyen-muc/tin-tuc/"
    request = Request(listing, meta={"role": "start", "hops": 0})
    response = HtmlResponse(listing, body=b"<html><body></body></html>", request=request)
    spider.judged_pages.append((listing, "start", 0))
    nxt = Request(f"{listing}page/2/")
    assert list(spider.hold_while_judging(response, nxt)) == []
    assert spider.fit.judging and spider.held_next == [nxt]
    assert spider.release_held() == [nxt]
    assert not spider.fit.judging and spider.fit.replacement is None
    assert spider.held_next == [] and spider.release_held() == []
    # once the family fits, a listing's next page is followed at once
    assert list(spider.hold_while_judging(response, nxt)) == [nxt]


def test_trying_a_profile_with_the_wrong_family_names_the_one_the_markup_shows(
    samples_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Test this portal" on a Liferay portal whose profile says WordPress: the article is
    not read as one, and the problem says which family the page's markup shows."""
    monkeypatch.setenv("VNARCHIVE_SAMPLES_URL", samples_url)
    portal = "sample-liferayqb"
    folder = profiles_with_family(tmp_path / "portals", portal, "wordpress")
    trial = try_portal(load_profile(folder / f"{portal}.toml"))
    assert not trial.ok and trial.extraction_problems
    assert (
        "the page's markup shows 'liferay_qb', the profile says 'wordpress'"
        in (trial.extraction_problems[0])
    )
    right = try_portal(load_profile(REPO / "data" / "portals" / f"{portal}.toml"))
    assert right.ok, right.problems

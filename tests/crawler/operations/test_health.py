"""Health flags, raised by making the sample server change a portal's layout, redirect it,
take it down or park it (its control API), and by an archive that stopped growing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support import control, sample_profiles

from crawler.items import Article
from crawler.operations.fetch import fetch
from crawler.operations.health import check_portal, evaluate, extraction_failures
from crawler.operations.job_runner import CrawlRunner
from crawler.operations.try_portal import try_portal
from indexer.store.admin import AdminStore
from indexer.store.archive import ArchiveStore
from indexer.store.rows import utcnow

PORTAL = "sample-sp2010"


@pytest.fixture()
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples_url: str) -> AdminStore:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    return AdminStore(ArchiveStore())


def profile(portal: str = PORTAL):  # type: ignore[no-untyped-def]
    return next(p for p in sample_profiles() if p.id == portal)


def crawl(admin: AdminStore, portal: str = PORTAL, max_pages: int = 10) -> dict:
    runner = CrawlRunner(admin, max_pages=max_pages, probe_health=True)
    return runner.wait(runner.start(portal), timeout=180)


def test_a_healthy_portal_has_no_flag(admin: AdminStore) -> None:
    job = crawl(admin)
    assert job["status"] == "finished" and job["articles_new"] > 0
    assert admin.health(PORTAL) == {}
    result = try_portal(profile())
    assert result.ok, result.problems
    assert result.items and result.fields["title"] and result.fields["published"]
    assert result.fields["body_chars"] > 100


def test_layout_change_is_flagged(admin: AdminStore, samples_url: str) -> None:
    normal = crawl(admin)
    assert normal["extraction_failures"] == 0
    assert "layout_changed" not in admin.health(PORTAL).get(PORTAL, [])
    control(samples_url, PORTAL, "relayout")
    # (the first pages read before the family was judged are read again: a budget of
    # twenty pages leaves the health rules enough articles to judge by)
    job = crawl(admin, max_pages=20)
    assert job["status"] == "finished"
    # nothing is lost: the new template's articles are read by the generic page object
    # (none of the family's markers is on them), and that is what the health check sees
    paths = job["extraction_paths"]
    rescued = paths.get("article:rescued", 0)
    assert rescued > 0 and "article:family" not in paths, paths
    total = sum(v for k, v in paths.items() if k.startswith("article:"))
    flags = {f["flag"]: f["detail"] for f in admin.health(PORTAL)[PORTAL]}
    assert "layout_changed" in flags
    assert flags["layout_changed"].startswith(
        f"job {job['id']}: {total} of {total} articles were read without the family's selectors"
    )
    # "test this portal" shows the same breakage before anything is saved
    trial = try_portal(profile())
    assert not trial.ok and trial.extraction_problems
    assert "sharepoint2010 family's markers" in trial.extraction_problems[0]
    assert trial.fields["title"] and trial.fields["published"]  # and what it could read
    # the layout comes back: the next crawl clears the flag (the flag is not sticky)
    control(samples_url, PORTAL, "normal")
    crawl(admin)
    assert "layout_changed" not in {f["flag"] for f in admin.health(PORTAL).get(PORTAL, [])}


def test_extraction_failures_read_the_column_first(admin: AdminStore) -> None:
    """The column is the count; the error reasons stand in only for rows that left it at
    0 (written before the crawl counted every expected article that failed)."""

    def job(failures: int, reasons: dict[str, int]) -> dict:
        return {"pages": 10, "extraction_failures": failures, "error_reasons": reasons}

    # whenever the column is set it is the count, whatever the reasons add up to
    assert extraction_failures(job(1, {"not_an_article": 7, "not_html": 6})) == 1
    assert extraction_failures(job(8, {"not_an_article": 8})) == 8
    # an old row: the column was left at 0, the reasons tell
    assert extraction_failures(job(0, {"not_an_article": 6, "no_date": 1})) == 7
    assert extraction_failures(job(0, {"http_404": 3})) == 0

    for failures, reasons, flagged in (
        (1, {"not_an_article": 7}, False),
        (0, {"not_an_article": 7}, True),
    ):
        portal = f"rows-{failures}"
        row = admin.store.start_job(portal)
        admin.store.finish_job(
            row, "finished", pages=10, extraction_failures=failures, error_reasons=reasons
        )
        assert ("layout_changed" in evaluate(admin, portal)) is flagged


def test_layout_changed_when_most_articles_fall_back_to_the_page_structure(
    admin: AdminStore,
) -> None:
    """A real site whose family selectors no longer match still archives (through the
    structural fallback), with no extraction failure: the job's extraction paths tell."""
    for paths, flagged in (
        ({"article:structural": 9, "article:family": 3, "listing:structural": 4}, True),
        # read by the generic page object: no marker of the family was on the pages
        ({"article:rescued": 6, "article:structural": 3, "article:family": 3}, True),
        ({"article:structural": 3, "article:family": 9}, False),
        ({"article:rescued": 3, "article:family": 9}, False),
        ({"article:structural": 3}, False),  # too few articles to say
        ({"listing:structural": 40, "article:family": 12}, False),  # listings guessed only
    ):
        portal = f"paths-{len(admin.store.list_jobs(limit=100))}"
        row = admin.store.start_job(portal)
        admin.store.finish_job(row, "finished", pages=20, extraction_paths=paths)
        assert admin.store.get_job(row)["extraction_paths"] == paths
        flags = evaluate(admin, portal)
        assert ("layout_changed" in flags) is flagged, (paths, flags)
        if flagged:
            assert flags["layout_changed"] == (
                f"job {row}: 9 of 12 articles were read without the family's selectors "
                "(they no longer match the portal's pages, or the profile names the wrong "
                "family)"
            )


def test_redirect_to_another_domain_is_flagged_without_following_it(
    admin: AdminStore, samples_url: str
) -> None:
    control(samples_url, PORTAL, "redirect")
    probe = fetch(profile().start_urls[0])
    assert probe.redirects and probe.final_url.startswith("http://example.invalid/")
    assert probe.error is None and probe.html == ""  # recorded, never fetched
    flags = check_portal(admin, profile())
    assert "redirected" in flags and "example.invalid" in flags["redirected"]
    assert "unreachable" not in flags
    assert [f["flag"] for f in admin.health(PORTAL)[PORTAL]] == ["redirected"]


def test_a_portal_that_is_down_is_flagged_and_recovers(admin: AdminStore, samples_url: str) -> None:
    control(samples_url, PORTAL, "down")
    job = crawl(admin)
    assert job["pages"] == 0 or job["errors"] > 0
    flags = {f["flag"]: f for f in admin.health(PORTAL)[PORTAL]}
    assert "unreachable" in flags and "503" in flags["unreachable"]["detail"]
    since = flags["unreachable"]["since"]
    # still down: the flag stays, with its first date
    check_portal(admin, profile())
    again = {f["flag"]: f for f in admin.health(PORTAL)[PORTAL]}
    assert again["unreachable"]["since"] == since
    control(samples_url, PORTAL, "normal")
    crawl(admin)
    assert "unreachable" not in {f["flag"] for f in admin.health(PORTAL).get(PORTAL, [])}


def test_a_closed_host_is_unreachable(admin: AdminStore) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    probe = fetch(f"http://127.0.0.1:{port}/portal/", timeout=5)
    assert probe.error == "connection"
    flags = evaluate(admin, "gone-portal", base_url=f"http://127.0.0.1:{port}/", probe=probe)
    assert "unreachable" in flags and "connection fails" in flags["unreachable"]


def test_a_maintenance_page_is_flagged_as_parked(admin: AdminStore, samples_url: str) -> None:
    control(samples_url, PORTAL, "maintenance")
    flags = check_portal(admin, profile())
    assert "parked" in flags and "bao tri" in flags["parked"]
    assert "layout_changed" not in flags


def test_no_new_article_for_long_is_stale(admin: AdminStore) -> None:
    old = utcnow() - timedelta(days=200)
    article = Article(
        url="http://127.0.0.1/old/a.html",
        title="Tin cũ",
        portal="old-portal",
        published="2024-01-01",
        body_text="Nội dung cũ.",
        content_hash="x",
    )
    admin.store.upsert_article(article, seen_at=old)
    job = admin.store.start_job("old-portal")
    admin.store.finish_job(job, "finished", pages=10)
    flags = evaluate(admin, "old-portal")
    assert "stale" in flags and "no new article for 200 days" in flags["stale"]
    # a fresh article clears it
    article.url = article.canonical_url = "http://127.0.0.1/old/b.html"
    article.body_text = "Nội dung mới."
    article.content_hash = "y"
    admin.store.upsert_article(article)
    assert "stale" not in evaluate(admin, "old-portal")

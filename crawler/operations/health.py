"""Portal health: the rules that flag a portal as stale, changed, moved, down or parked.

Computed after each crawl (the scheduler and the admin "Run now" call
:func:`check_portal`) from two sources: the archive store (crawl job counts,
when the newest article was first archived) and one live probe of the portal's
start page.  The flags are stored in ``portal_health`` (a flag that stays raised
keeps its ``since``) and shown on the admin pages and in ``vnarchive status``.

| flag | raised when |
|---|---|
| ``stale`` | a crawl finished but nothing new has been archived for ``stale_days`` |
| ``layout_changed`` | the share of crawled pages with no title/date/body jumps (latest job vs the median of earlier ones) |
| ``redirected`` | the start page redirects to another domain |
| ``unreachable`` | the host does not resolve, refuses connections, times out, answers 5xx, or the last crawls fetched nothing |
| ``parked`` | the start page is an "under maintenance"/parked/closed page (a sunset) |

:func:`crawler.operations.try_portal.try_portal` is the admin form's "test this portal":
it fetches one listing and one article and returns what the extractor found; the live
fetches of both go through :func:`crawler.operations.fetch.fetch`.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from crawler.operations.fetch import (
    Probe,
    Progress,
    _bare_host,
    _no_progress,
    default_deadline,
    fetch,
)
from crawler.operations.try_portal import try_portal
from indexer.store.admin import AdminStore
from indexer.store.rows import utcnow
from indexer.text import fold_lower


@dataclass(frozen=True)
class HealthSettings:
    """The thresholds of the health rules."""

    stale_days: float = 60.0
    layout_min_pages: int = 5  # a job with fewer pages says nothing about extraction
    layout_min_share: float = 0.3  # at least this share of pages failing…
    layout_min_jump: float = 0.25  # …and this much more than the earlier median
    layout_fallback_share: float = 0.5  # more articles than this read by the structural fallback
    unreachable_streak: int = 2  # this many latest jobs with no page fetched
    timeout: float = 10.0  # per connect/read
    deadline: float = field(default_factory=default_deadline)  # the whole check, wall clock


# Phrases of maintenance / parked / closed pages, folded (no diacritics, lower case).
_PARKED_PHRASES = (
    "dang bao tri",
    "bao tri he thong",
    "he thong dang nang cap",
    "website dang nang cap",
    "trang web dang nang cap",
    "dang duoc nang cap",
    "tam ngung hoat dong",
    "tam dung hoat dong",
    "ngung hoat dong",
    "ngung cung cap thong tin",
    "da dung hoat dong",
    "under maintenance",
    "down for maintenance",
    "temporarily unavailable",
    "this domain is parked",
    "domain is for sale",
    "domain may be for sale",
    "buy this domain",
    "parked free",
    "this site has been closed",
)


def is_parked(probe: Probe, *, short_page_chars: int = 3000) -> str | None:
    """The maintenance/parked phrase a page shows, if it looks like a sunset page.

    A phrase counts in the page title, or anywhere on a short page: a live portal's
    listing may well carry a headline such as "… tạm ngừng hoạt động".
    """
    if not probe.html:
        return None
    title = fold_lower(probe.title)
    text = probe.text
    body = fold_lower(text) if len(text) <= short_page_chars else ""
    for phrase in _PARKED_PHRASES:
        if phrase in title or phrase in body:
            return phrase
    return None


# Error reasons the crawl counts for pages whose fields could not be extracted.
EXTRACTION_REASONS = ("no_title", "not_an_article", "no_date", "no_body")


def extraction_failures(job: dict[str, Any]) -> int:
    """Pages of a job that should have been articles but had no title/date/body.

    The ``extraction_failures`` column first: a crawl counts there every page it
    expected to be an article (a listing item, a sitemap entry, an archived URL)
    whose extraction found no title, no date or no body/attachment/media.  Rows
    written before the crawl counted them all left the spider's ``not_an_article``
    pages out of the column (a relayout crawl recorded 0): when the column is 0,
    the job's error reasons stand in for it.
    """
    column = int(job.get("extraction_failures") or 0)
    if column:
        return column
    reasons = job.get("error_reasons") or {}
    return sum(int(reasons.get(k) or 0) for k in EXTRACTION_REASONS)


#: Extraction paths of articles read without the family's selectors (crawler.pages).
FALLBACK_PATHS = ("article:structural", "article:rescued")


def fallback_share(job: dict[str, Any]) -> tuple[int, int]:
    """(articles read without the family's selectors, articles extracted) in a job: by
    the structural fallback, or rescued by the generic page object from pages none of
    the family's markers fits."""
    paths = job.get("extraction_paths") or {}
    articles = {k: int(v or 0) for k, v in paths.items() if k.startswith("article:")}
    return sum(articles.get(k, 0) for k in FALLBACK_PATHS), sum(articles.values())


def _job_share(job: dict[str, Any]) -> float:
    pages = job.get("pages") or 0
    return min(1.0, extraction_failures(job) / pages) if pages else 0.0


def evaluate(
    admin: AdminStore,
    portal: str,
    *,
    base_url: str | None = None,
    probe: Probe | None = None,
    settings: HealthSettings | None = None,
) -> dict[str, str]:
    """The flags a portal deserves now: {flag: human detail}.

    ``probe`` is a fetch of the portal's start page (pass None to judge from the
    store alone); ``base_url`` is the profile's, to tell a redirect to another
    domain from one within the site.
    """
    settings = settings or HealthSettings()
    flags: dict[str, str] = {}
    jobs = admin.finished_jobs(portal, limit=20)
    done = [j for j in jobs if j["status"] in ("finished", "cancelled", "failed")]

    # stale: crawls keep finishing, but nothing new has been archived for a long time
    finished = [j for j in jobs if j["status"] == "finished"]
    if finished:
        newest = admin.latest_first_seen(portal)
        last_crawl = finished[0]["finished_at"] or utcnow()
        reference = newest or finished[-1]["started_at"]
        days = (last_crawl - reference).total_seconds() / 86400
        if days >= settings.stale_days:
            flags["stale"] = (
                f"no new article for {int(days)} days (newest first archived {newest:%Y-%m-%d})"
                if newest
                else f"no article archived in {int(days)} days of crawling"
            )

    # layout_changed: the share of pages with no title/date/body jumps
    measured = [j for j in done if (j.get("pages") or 0) >= settings.layout_min_pages]
    if measured:
        latest = measured[0]
        share = _job_share(latest)
        earlier = [_job_share(j) for j in measured[1:6]]
        baseline = statistics.median(earlier) if earlier else 0.0
        if share >= settings.layout_min_share and share - baseline >= settings.layout_min_jump:
            flags["layout_changed"] = (
                f"job {latest['id']}: {extraction_failures(latest)} of {latest['pages']} pages "
                f"({share:.0%}) had no title/date/body"
                + (f", earlier median {baseline:.0%}" if earlier else " (no earlier crawl)")
            )

    # layout_changed, too: the family's selectors no longer find most articles, which
    # were read by the structural fallback (crawler.pages.base) instead
    if measured and "layout_changed" not in flags:
        latest = measured[0]
        fallback, total = fallback_share(latest)
        if total >= settings.layout_min_pages and fallback > settings.layout_fallback_share * total:
            flags["layout_changed"] = (
                f"job {latest['id']}: {fallback} of {total} articles were read without the "
                "family's selectors (they no longer match the portal's pages, or the profile "
                "names the wrong family)"
            )

    # unreachable from the job history: the latest crawls fetched nothing
    streak = done[: settings.unreachable_streak]
    if len(streak) == settings.unreachable_streak and all(
        not (j.get("pages") or 0) and (j.get("errors") or 0) for j in streak
    ):
        reasons = streak[0].get("error_reasons") or {}
        top = ", ".join(f"{k}: {v}" for k, v in list(reasons.items())[:3])
        flags["unreachable"] = f"the last {len(streak)} crawls fetched no page" + (
            f" ({top})" if top else ""
        )

    if probe is not None:
        if probe.ok:
            flags.pop("unreachable", None)  # it answers now: the next crawl will tell
        flags.update(_probe_flags(probe, base_url))
    return flags


def _probe_flags(probe: Probe, base_url: str | None) -> dict[str, str]:
    flags: dict[str, str] = {}
    if probe.error is not None:
        what = {
            "dns": "the host name does not resolve",
            "connection": "the connection fails",
            "timeout": "the server does not answer in time",
            "too_many_redirects": "the redirects never end",
        }.get(probe.error, "the request fails")
        flags["unreachable"] = f"{what}: {probe.error_detail[:200]}"
        return flags
    expected = _bare_host(base_url or probe.url)
    final = _bare_host(probe.final_url)
    if probe.redirects and final and expected and final != expected:
        flags["redirected"] = f"{probe.url} redirects to {probe.final_url}"[:500]
    phrase = is_parked(probe)
    if phrase:
        flags["parked"] = f"{probe.final_url or probe.url} shows a sunset page ({phrase!r})"
    elif probe.status is not None and probe.status >= 500:
        flags["unreachable"] = f"{probe.final_url or probe.url} answers HTTP {probe.status}"
    return flags


def check_portal(
    admin: AdminStore,
    profile: Any,
    *,
    probe: bool = True,
    settings: HealthSettings | None = None,
    progress: Progress | None = None,
) -> dict[str, str]:
    """Evaluate a portal (a ``PortalProfile``), store its flags and return them.

    With ``probe``, the start page is fetched; when it answers normally and the
    portal has articles archived, one listing and one article are extracted too
    (:func:`try_portal`): if that fails, the layout has changed even before a crawl
    has counted failures.  The whole check takes at most ``settings.deadline``
    seconds (wall clock); ``progress`` hears what it is doing.
    """
    settings = settings or HealthSettings()
    say = progress or _no_progress
    end = time.monotonic() + settings.deadline
    result = None
    if probe:
        start = profile.start_urls[0] if profile.start_urls else profile.base_url
        result = fetch(start, timeout=settings.timeout, deadline=settings.deadline, progress=say)
    flags = evaluate(admin, profile.id, base_url=profile.base_url, probe=result, settings=settings)
    if (
        result is not None
        and result.ok
        and not flags.keys() & {"parked", "redirected", "layout_changed"}
        and admin.store.count_articles(profile.id) > 0
    ):
        say("extracting one listing and one article")
        trial = try_portal(
            profile,
            timeout=settings.timeout,
            deadline=max(0.0, end - time.monotonic()),
            progress=say,
        )
        if trial.extraction_problems:
            flags["layout_changed"] = (
                "extraction fails on the live site: " + "; ".join(trial.extraction_problems)[:400]
            )
    admin.set_health(profile.id, flags)
    return flags

""" "Test this portal": fetch a profile's first listing and one article on it, report the extracted fields."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from crawler.operations.fetch import (
    DEADLINE_FACTOR,
    USER_AGENT,
    Probe,
    Progress,
    _no_progress,
    fetch,
)

# -- "test this portal" ------------------------------------------------------------


@dataclass
class TryResult:
    """What the extractor got from one listing and one article of a portal."""

    listing_url: str
    listing: Probe | None = None
    listing_kind: str = ""  # listing | article | other
    items: list[dict[str, Any]] = field(default_factory=list)
    next_page: str | None = None
    article_url: str | None = None
    article: Probe | None = None
    article_kind: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    extraction_problems: list[str] = field(default_factory=list)  # pages fetched, fields not

    def _extraction(self, message: str) -> None:
        self.problems.append(message)
        self.extraction_problems.append(message)

    @property
    def ok(self) -> bool:
        """Whether both pages came back and the article has a title, a date and a body."""
        return not self.problems


def _failure(probe: Probe) -> str:
    if probe.error:
        return f"{probe.error}: {probe.error_detail}"[:200]
    if probe.redirects and probe.final_url:
        return f"HTTP {probe.status}, redirects off-site to {probe.final_url}"[:200]
    return f"HTTP {probe.status}"


def _extract(html: str, url: str, profile: Any) -> Any:
    from crawler.pages import extract

    return extract(html, url, family=profile.family, profile=profile)


def _family_hint(html: str, url: str, profile: Any) -> str:
    """What the page's markup says of its CMS when that is not the profile's family (a
    clause to add to a problem), else ""."""
    from crawler.pages import detect_family

    shown = detect_family(html or "", url)
    if profile.family in ("auto", shown):
        return ""
    if shown == "generic":
        return "; the page's markup shows no CMS the page objects know (family 'generic')"
    return f"; the page's markup shows {shown!r}, the profile says {profile.family!r}"


def try_portal(
    profile: Any,
    *,
    timeout: float = 10.0,
    max_items: int = 10,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> TryResult:
    """Fetch the first start URL and one article listed on it; report the extracted fields.

    Both fetches together take at most ``deadline`` seconds (default
    ``DEADLINE_FACTOR × timeout``); ``progress`` hears what it is doing.
    """
    start = profile.start_urls[0] if profile.start_urls else profile.base_url
    result = TryResult(listing_url=start)
    say = progress or _no_progress
    end = time.monotonic() + (deadline if deadline is not None else DEADLINE_FACTOR * timeout)

    def left() -> float:
        return max(0.0, end - time.monotonic())

    with httpx.Client(
        follow_redirects=False,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"},
    ) as client:
        result.listing = fetch(start, client=client, timeout=timeout, deadline=left(), progress=say)
        if not result.listing.ok:
            result.problems.append(f"listing {start}: {_failure(result.listing)}")
            return result
        listing_url = result.listing.final_url or start
        say(f"extracting {listing_url[:200]}")
        try:
            page = _extract(result.listing.html, listing_url, profile)
        except Exception as exc:  # crawled content is hostile; report, never crash the form
            result.problems.append(f"listing {start}: extraction failed: {exc}"[:300])
            return result
        result.listing_kind = page.page_type
        if page.page_type == "article":
            # A start URL may be an article itself; show it as the article.
            result.article_url, result.article, article = listing_url, result.listing, page
        else:
            if page.page_type != "listing" or not page.items:
                result.problems.append(
                    f"{start}: no listing items found (page type: {page.page_type})"
                )
                return result
            result.items = [
                {"url": i.url, "title": i.title, "published": i.published}
                for i in page.items[:max_items]
            ]
            result.next_page = page.next_page
            result.article_url = urljoin(listing_url, page.items[0].url)
            result.article = fetch(
                result.article_url, client=client, timeout=timeout, deadline=left(), progress=say
            )
            if not result.article.ok:
                result.problems.append(f"article {result.article_url}: {_failure(result.article)}")
                return result
            say(f"extracting {result.article_url[:200]}")
            try:
                article = _extract(
                    result.article.html, result.article.final_url or result.article_url, profile
                )
            except Exception as exc:
                result.problems.append(f"article: extraction failed: {exc}"[:300])
                return result
            result.article_kind = article.page_type
    hint = _family_hint(result.article.html, result.article_url or "", profile)
    if article.page_type != "article":
        result._extraction(f"{result.article_url}: not recognised as an article{hint}")
        return result
    result.article_kind = "article"
    if article.extraction_path == "rescued":
        result._extraction(
            f"{result.article_url}: none of the {profile.family} family's markers is on the "
            f"page (read by the generic page object){hint}: check the profile's family "
            "and selectors"
        )
    body = article.body_text or ""
    result.fields = {
        "title": article.title,
        "published": article.published,
        "category": article.category,
        "author": article.author,
        "credit": article.credit,
        "summary": article.summary,
        "body_chars": len(body),
        "body_start": body[:400],
        "attachments": [a.name for a in article.attachments][:10],
        "images": len(article.images),
    }
    for name, value in (("title", article.title), ("date", article.published), ("body", body)):
        if not value:
            result._extraction(f"the article has no {name}")
    return result

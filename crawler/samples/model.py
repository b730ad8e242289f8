"""The content of the sample portals: deterministic, seeded generation.

:func:`get_portal` builds (once per process) a :class:`Portal`: its articles
(id, URL, title, date, category, lead, body blocks, author/credit,
attachments, images, media, hard cases), its listing pages and its special
URLs (redirects, 404, flaky, duplicate, crawler trap, disallowed path).
Everything derives from :data:`SEED` and the portal id, so the same code
gives byte-identical pages and ground truth.

Text is kept in its *logical* form (NFC, new tone placement); the renderers
apply the per-article transformations (NFD, old tone placement, entities,
windows-1258) with :func:`transform_text`, and the ground truth is always
``normalize(transform_text(...))`` — what an ideal extraction returns.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from functools import cache

from crawler.samples.articles import _build_articles
from crawler.samples.listings import _build_listings, _dead_link
from crawler.samples.records import Portal, SampleArticle, SampleAttachment
from crawler.samples.specs import SPECS
from crawler.samples.wording import Writer


def build_portal(portal_id: str) -> Portal:
    """Generate one portal from the seed (use :func:`get_portal`, which caches).

    ``$VNARCHIVE_SAMPLES_SCALE`` (a number, default 1) multiplies the article count,
    for benchmarks (``bench/crawl_bench.py``); the ground-truth files are for scale 1.
    """
    spec = SPECS[portal_id]
    scale = float(os.environ.get("VNARCHIVE_SAMPLES_SCALE") or 1)
    if scale != 1:
        spec = replace(spec, n_articles=max(20, round(spec.n_articles * scale)))
    articles = _build_articles(spec)
    listings = _build_listings(spec, articles)
    dead_url, dead_title = _dead_link(spec)
    second = next((p for p in listings if p.number == 2), listings[0])
    second.extra_items.append((3, dead_url, dead_title))

    by_url: dict[str, tuple[SampleArticle, str]] = {}
    redirects: dict[str, tuple[int, str]] = {}
    files: dict[str, tuple[str, SampleAttachment | None]] = {}
    for art in articles:
        by_url[art.url] = (art, "canonical")
        for alt in art.alt_urls:
            by_url[alt] = (art, "alternate")
        for old in art.redirect_from:
            redirects[old] = (301, art.url)
        if spec.family == "sharepoint2010":
            redirects[art.url.rstrip("/")] = (301, art.url)
        for att in art.attachments:
            ctype = (
                "application/pdf"
                if att.path.endswith(".pdf")
                else ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            )
            files[att.path] = (ctype, att)
        for src in art.images:
            files[src] = ("image/jpeg", None)
        for src in art.media:
            files[src] = ("video/mp4", None)
    if spec.family == "liferay62":
        files["image/journal/article?img_id=10452&t=1"] = ("image/jpeg", None)
    disallowed = {
        "sharepoint2010": "tim-kiem/",
        "liferay62": "c/",
        "liferay_qb": "tim-kiem",
        "wordpress": "wp-admin/",
    }[spec.family]
    flaky = [a.url for a in articles if a.has("flaky")]
    return Portal(
        spec=spec,
        articles=articles,
        listings=listings,
        by_url=by_url,
        listing_by_url={p.url: p for p in listings},
        redirects=redirects,
        files=files,
        not_found=[dead_url],
        flaky=flaky,
        disallowed=disallowed,
        trap="lich/?thang=",
        comunes=Writer(spec, random.Random(0)).communes,
    )


def deliberate_break(portal_id: str, url: str) -> str | None:
    """What a sample portal breaks on purpose at ``url`` (any host), or None.

    The dead listing link (404), the article answering 500 on its first request,
    the endless calendar (trap), the path robots.txt disallows, and the article whose
    Content-Type header names the wrong charset (``bad_charset``; it is still read).
    """
    marker = f"/{portal_id}/"
    if marker not in url:
        return None
    path = url.split(marker, 1)[1]
    portal = get_portal(portal_id)
    if path in portal.not_found:
        return "the sample's dead listing link (404 on purpose)"
    if path in portal.flaky:
        return "the sample's flaky article (500 on the first request, on purpose)"
    if path.startswith(portal.trap):
        return "the sample's endless calendar (a crawler trap, on purpose)"
    if path.startswith(portal.disallowed):
        return "disallowed by the sample's robots.txt, on purpose"
    found = portal.by_url.get(path)
    if found is not None and found[1] == "canonical" and found[0].has("wrong_charset"):
        return "the sample's article served with a wrong charset header, on purpose (still read)"
    return None


@cache
def get_portal(portal_id: str) -> Portal:
    """The generated portal (built once per process; KeyError for an unknown id)."""
    if portal_id not in SPECS:
        raise KeyError(portal_id)
    return build_portal(portal_id)

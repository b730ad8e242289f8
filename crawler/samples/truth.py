"""Ground truth of the sample portals: what an ideal extraction returns.

One JSON file per portal, shipped at ``crawler/samples/truth/<portal-id>.json``::

    {"portal", "family", "name", "province", "district",
     "articles": [{"id", "url", "alt_urls", "redirect_from", "title", "published",
                   "category", "author", "credit", "summary", "body_text",
                   "attachments": [{"url", "name"}], "images", "media",
                   "must_not_contain", "cases"}],
     "listings": [{"url", "items", "next_page"}],
     "special": {...}}

URLs are relative to the portal prefix (``http://HOST/<portal-id>/``) and
percent-encoded; text fields are ``indexer.text.normalize``-d (body with
``multiline=True``: paragraphs joined by a blank line, image captions are
paragraphs of their own, the lead (sapo) is the first paragraph and also the
``summary``; the author or
source credit line is not body text).  ``published`` is ``YYYY-MM-DD``, or
``YYYY-MM-DDTHH:MM:00+07:00`` when the article page shows a time.  Listing
``items`` are in page order and include the link that answers 404;
``next_page`` is the real next page even where the page's own link is broken.

:func:`generate` builds the dict from the generator; :func:`write_truth`
rewrites the shipped files; :func:`load_truth` reads them;
:func:`edited_body` gives the body after the control API edited an article.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.samples import model, specs, wording
from crawler.samples.records import Portal, SampleArticle, quote_path
from crawler.samples.specs import BOILERPLATE
from crawler.samples.wording import truth_text
from indexer.text import normalize

TRUTH_DIR = Path(__file__).resolve().parent / "truth"

# Labels printed before attachment links, per family.
_ATTACH_LABEL = {
    "sharepoint2010": "Tệp đính kèm",
    "liferay62": "Tệp đính kèm",
    "liferay_qb": "File đính kèm",
    "wordpress": "Tải xuống",
}


def _published(art: SampleArticle) -> str:
    when = art.published
    if art.show_time:
        return when.strftime("%Y-%m-%dT%H:%M:00+07:00")
    return when.strftime("%Y-%m-%d")


def body_text(art: SampleArticle, edit: int = 0) -> str:
    """The normalised body of an article (after ``edit`` control-API edits)."""
    return normalize(
        "\n\n".join(wording.transform_text(p, art.cases) for p in art.paragraphs(edit)),
        multiline=True,
    )


def article_truth(portal: Portal, art: SampleArticle) -> dict[str, Any]:
    """The truth record of one article."""
    family = portal.family
    title = normalize(wording.transform_text(art.title, art.cases))
    body = body_text(art)
    # every family marks the lead (sapo) apart: b.lv_description_mode1, div.sapo, or a bold
    # first paragraph; it is the summary and also the body's first paragraph
    summary = truth_text(art.lead, art.cases)
    category = normalize(art.category.name)
    haystack = "\n".join(x for x in (title, body, summary or "", category) if x)
    boiler = list(BOILERPLATE[family])
    if art.attachments and not (family == "sharepoint2010" and art.has("attachment_only")):
        boiler.append(_ATTACH_LABEL[family])
    must_not = [b for b in boiler if b not in haystack]
    return {
        "id": art.id,
        "url": quote_path(art.url),
        "alt_urls": [quote_path(u) for u in art.alt_urls],
        "redirect_from": [quote_path(u) for u in art.redirect_from],
        "title": title,
        "published": _published(art),
        "category": category,
        "author": truth_text(art.author, art.cases) if art.author else None,
        "credit": truth_text(art.credit, art.cases) if art.credit else None,
        "summary": summary,
        "body_text": body,
        "attachments": [
            {
                "url": att.url,
                "name": normalize(att.path.rsplit("/", 1)[-1] if att.generic_link else att.name),
            }
            for att in art.attachments
        ],
        "images": [quote_path(src) for src in art.images],
        "media": [quote_path(src) for src in art.media],
        "must_not_contain": must_not,
        "cases": list(art.cases),
    }


def generate(portal_id: str) -> dict[str, Any]:
    """The truth dict of one portal, computed by the generator now."""
    portal = model.get_portal(portal_id)
    spec = portal.spec
    articles = [article_truth(portal, art) for art in portal.articles]
    listings = [
        {
            "url": quote_path(page.url),
            "items": [quote_path(u) for u in page.item_urls()],
            "next_page": page.next_url,
        }
        for page in portal.listings
    ]
    redirects = {
        quote_path(src): quote_path(art.url) for art in portal.articles for src in art.redirect_from
    }
    start_urls = [quote_path(page.url) for page in portal.listings if page.number == 1]
    special = {
        "start_urls": start_urls,
        "robots_disallow": portal.disallowed,
        "trap": "lich/?thang=2019-06",
        "not_found": portal.not_found,
        "flaky": portal.flaky,
        "redirects": redirects,
        "duplicates": {
            quote_path(alt): quote_path(art.url) for art in portal.articles for alt in art.alt_urls
        },
        "charset": {
            quote_path(art.url): (
                "windows-1258" if art.has("windows1258") else "iso-8859-1 header, utf-8 body"
            )
            for art in portal.articles
            if art.has("windows1258") or art.has("wrong_charset")
        },
        "attachment_only": [quote_path(a.url) for a in portal.articles if a.has("attachment_only")],
        "video_only": [quote_path(a.url) for a in portal.articles if a.has("video_only")],
        "broken_next_links": portal.family == "sharepoint2010",
        # sp2010 also answers "<slug>" (no slash, as its related lists link) with 301 to "<slug>/"
        "slashless_redirects": portal.family == "sharepoint2010",
        "sitemap": "sitemap.xml" if portal.family == "wordpress" else None,
    }
    return {
        "portal": spec.id,
        "family": spec.family,
        "name": spec.name,
        "province": spec.province,
        "district": spec.district,
        "articles": articles,
        "listings": listings,
        "special": special,
    }


def dumps(data: dict[str, Any]) -> str:
    """The canonical JSON text of a truth dict (what is shipped)."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def write_truth(directory: Path = TRUTH_DIR) -> list[Path]:
    """Rewrite every portal's truth file; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for portal_id in specs.PORTAL_IDS:
        path = directory / f"{portal_id}.json"
        path.write_text(dumps(generate(portal_id)), encoding="utf-8")
        paths.append(path)
    return paths


def load_truth(portal_id: str, directory: Path = TRUTH_DIR) -> dict[str, Any]:
    """The shipped truth of one portal."""
    path = directory / f"{portal_id}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no truth file for {portal_id!r} at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def edited_body(portal_id: str, article_id: str, edits: int) -> str:
    """The truth ``body_text`` of an article after ``edits`` control-API edits."""
    portal = model.get_portal(portal_id)
    art = portal.article(article_id)
    if art is None:
        raise KeyError(f"no article {article_id!r} in {portal_id}")
    return body_text(art, edits)

"""Atom feeds of searches: ``/feed.atom?q=…&<filters>`` follows a search over time.

The feed takes the search page's parameters (query and filters; ``sort`` and
``page`` are ignored) and lists the newest matching articles first, so a feed
reader subscribed to it sees each article newly archived for that search.  Each
entry links to the archived article page and to the original URL; its text is the
search snippet (plain text: crawled content is never sent as markup).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response

from search_app.api import search_args
from search_app.citing import base_url
from search_app.context import AppContext, get_ctx
from search_app.i18n import add_strings
from search_app.searching import RawSearch, run_search

router = APIRouter(include_in_schema=False)

FEED_ENTRIES = 50
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
FEED_PARAMS = ("q", "portal", "province", "category", "from", "to", "place", "topic")
# Characters XML 1.0 cannot hold at all (crawled text may carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"<[^>]+>")

STRINGS = {
    "feed": {"vi": "Theo dõi (Atom)", "en": "Follow (Atom feed)"},
    "feed_title": {"vi": "Bài mới", "en": "New articles"},
}


def setup(app: FastAPI) -> None:
    """Register the feed strings (the search page links to the feed)."""
    add_strings(STRINGS)


def feed_query(request: Request) -> str:
    """The feed's query string for the current search (empty parameters left out)."""
    params = [
        (k, v) for k, v in request.query_params.multi_items() if k in FEED_PARAMS and v.strip()
    ]
    return urlencode(params)


def feed_url(request: Request) -> str:
    """The path of the Atom feed of the search in ``request``."""
    query = feed_query(request)
    return "/feed.atom" + (f"?{query}" if query else "")


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub("", str(value or "")))


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
        return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _published(value: str | None) -> str | None:
    """An RFC 3339 instant of a stored publication date (a day: midnight +07:00)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    return parsed.isoformat(timespec="seconds")


def _title(raw: RawSearch) -> str:
    parts = [f"“{raw.q}”"] if raw.q else []
    for label, value in (
        ("portal", raw.portal),
        ("province", raw.province),
        ("category", raw.category),
        ("place", raw.place),
        ("topic", raw.topic),
        ("from", raw.date_from),
        ("to", raw.date_to),
    ):
        if value:
            parts.append(f"{label}: {value}")
    return "vnarchive: " + (", ".join(parts) if parts else "every archived article")


def render_feed(request: Request, raw: RawSearch, result: dict[str, Any], rows: dict) -> str:
    """The Atom document of a search result (``rows``: stored articles by id)."""
    base = base_url(request)
    query = feed_query(request)
    self_url = f"{base}/feed.atom" + (f"?{query}" if query else "")
    page_url = f"{base}/?" + (f"{query}&" if query else "") + "sort=newest"
    entries = []
    newest: datetime | None = None
    for hit in result["results"]:
        stored = rows.get(hit["id"], {})
        captured = stored.get("last_changed") or stored.get("first_seen")
        if isinstance(captured, datetime) and (newest is None or captured > newest):
            newest = captured
        link = f"{base}/articles/{hit['id']}"
        summary = html.unescape(_TAG.sub("", hit.get("snippet_html") or ""))
        summary = " ".join(summary.split()) or (stored.get("summary") or "")
        published = _published(hit.get("published"))
        place = ", ".join(p for p in (hit.get("district"), hit.get("province")) if p)
        entries.append(
            "  <entry>\n"
            f"    <id>{_text(link)}</id>\n"
            f'    <title type="text">{_text(hit.get("title"))}</title>\n'
            f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>\n'
            + (
                f'    <link rel="related" href={quoteattr(_NOT_XML.sub("", hit["url"]))}/>\n'
                if hit.get("url")
                else ""
            )
            + f"    <updated>{_instant(captured)}</updated>\n"
            + (f"    <published>{published}</published>\n" if published else "")
            + f"    <author><name>{_text(place or hit.get('portal'))}</name></author>\n"
            + (
                f"    <category term={quoteattr(_NOT_XML.sub('', hit['category']))}/>\n"
                if hit.get("category")
                else ""
            )
            + f'    <summary type="text">{_text(summary)}</summary>\n'
            "  </entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>{_text(self_url)}</id>\n"
        f'  <title type="text">{_text(_title(raw))}</title>\n'
        f'  <subtitle type="text">{result["total"]} articles; the {FEED_ENTRIES} newest '
        "are listed</subtitle>\n"
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>\n'
        f'  <link rel="alternate" type="text/html" href={quoteattr(page_url)}/>\n'
        f"  <updated>{_instant(newest)}</updated>\n"
        "  <author><name>vnarchive</name></author>\n"
        "  <generator>vnarchive</generator>\n" + "".join(entries) + "</feed>\n"
    )


@router.get("/feed.atom")
def feed(
    request: Request,
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
) -> Response:
    """The Atom feed of a search: its newest matching articles first."""
    raw.sort, raw.page, raw.per_page = "newest", 1, FEED_ENTRIES
    result = run_search(ctx.index_dir, raw)
    rows = {a["id"]: a for a in ctx.store.articles_by_ids([h["id"] for h in result["results"]])}
    return Response(
        render_feed(request, raw, result, rows),
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=300"},
    )

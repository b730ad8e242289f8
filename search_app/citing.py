"""Citations and permalinks of the web app: the portal names they cite, and the capture
a ``/web/<timestamp>/<url>`` permalink names (see :mod:`indexer.export.citation`)."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from fastapi import Request

from indexer.export.citation import CiteSource, capture_stamp, citations, parse_stamp, permalink
from search_app.context import AppContext

_NAMES_TTL = 60.0  # seconds a read of the portal profiles' names is reused
_names: dict[str, str] = {}
_names_read = 0.0
_names_lock = threading.Lock()


def portal_names() -> dict[str, str]:
    """Portal id → the portal's own name, from the profiles (re-read at most once a minute)."""
    global _names, _names_read
    with _names_lock:
        if time.monotonic() - _names_read > _NAMES_TTL:
            try:
                from crawler.profiles import load_profiles

                _names = {p.id: p.name for p in load_profiles()}
            except Exception:  # citations fall back to the place names; never fail a page
                _names = {}
            _names_read = time.monotonic()
        return _names


def base_url(request: Request) -> str:
    """This app's address as the request saw it (no trailing slash)."""
    return str(request.base_url).rstrip("/")


def cite_source(
    request: Request, article: dict[str, Any], captured_at: datetime | None = None
) -> CiteSource:
    """What a citation of ``article``'s current capture (or the one at ``captured_at``) names."""
    return CiteSource.of(
        article,
        base=base_url(request),
        portal_name=portal_names().get(article.get("portal") or ""),
        captured_at=captured_at,
    )


def article_citations(request: Request, article: dict[str, Any]) -> dict[str, str]:
    """APA, Chicago and BibTeX citations of the article's current capture."""
    return citations(cite_source(request, article))


def wayback_url(raw_path: str, query: str) -> str:
    """The original URL of a permalink path (``http:/x`` as some clients collapse it fixed)."""
    url = raw_path + (f"?{query}" if query else "")
    for scheme in ("http:/", "https:/"):
        if url.startswith(scheme) and not url.startswith(scheme + "/"):
            return scheme + "/" + url[len(scheme) :]
    return url


def find_capture(
    ctx: AppContext, stamp: str, url: str
) -> tuple[dict[str, Any], int, datetime] | None:
    """(article, version number, captured_at) of the capture of ``url`` nearest ``stamp``.

    None when the URL was never archived or ``stamp`` is not a timestamp.
    """
    when = parse_stamp(stamp)
    if when is None:
        return None
    article = None
    for candidate in dict.fromkeys((url, unquote(url), url + "/")):
        article = ctx.store.find_article_by_url(candidate)
        if article is not None:
            break
    if article is None:
        return None
    versions = ctx.store.versions_of(article["id"])
    if not versions:
        captured = article.get("last_changed") or article["first_seen"]
        return article, 0, captured
    exact = [n for n, v in enumerate(versions, 1) if capture_stamp(v["captured_at"]) == stamp]
    if exact:
        number = exact[-1]
    else:
        number = min(
            range(1, len(versions) + 1),
            key=lambda n: abs((versions[n - 1]["captured_at"] - when).total_seconds()),
        )
    return article, number, versions[number - 1]["captured_at"]


__all__ = [
    "article_citations",
    "base_url",
    "cite_source",
    "find_capture",
    "permalink",
    "portal_names",
    "wayback_url",
]

"""The archived original: a wrapper page with a sandboxed frame, the replay and its assets.

``/articles/{id}/original`` shows the capture in ``<iframe sandbox>``;
``/replay/{id}`` serves the sanitized captured HTML with the strict replay CSP;
``/replay/{id}/asset?url=…`` serves an image, stylesheet or font from the same
WARC file, and nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from search_app.articles import get_article
from search_app.context import AppContext, get_ctx
from search_app.errors import ApiError
from search_app.i18n import add_strings
from search_app.replay import rewrite_css, sanitize_capture
from search_app.security import DOWNLOAD_CSP, REPLAY_CSP
from search_app.templating import render
from search_app.warcs import CaptureError, find_capture, read_capture

router = APIRouter(include_in_schema=False)

add_strings(
    {
        "capture_source_crawl": {
            "vi": "Nguồn: thu thập của vnarchive ({file})",
            "en": "Source: a vnarchive crawl ({file})",
        },
        "capture_source_import": {
            "vi": "Nguồn: nhập từ tệp {file}",
            "en": "Source: imported from {file}",
        },
    }
)


def capture_source(warc_file: str | None) -> dict[str, str] | None:
    """Where a capture came from: our crawl or an import (with the file's own name)."""
    if not warc_file:
        return None
    parts = warc_file.replace("\\", "/").split("/")
    name = parts[-1]
    if "imported" in parts[:-1]:
        # imported copies are named <sha1 prefix>-<original name>
        return {"kind": "import", "file": name.split("-", 1)[-1]}
    return {"kind": "crawl", "file": name}


ASSET_TYPES = ("image/", "text/css", "font/", "application/font", "application/x-font")
MAX_ASSET_BYTES = 10 * 1024 * 1024


def _capture_ref(ctx: AppContext, article: dict[str, Any], version: int | None) -> tuple[Any, int]:
    """The (WARC path, offset) of an article's capture, or of one of its versions."""
    ref: dict[str, Any] = article
    if version is not None:
        versions = ctx.store.versions_of(article["id"])
        if not 1 <= version <= len(versions):
            raise ApiError(404, "not_found", f"article {article['id']} has no version {version}")
        ref = versions[version - 1]
    path = ctx.resolve_warc(ref.get("warc_file"))
    if path is None or ref.get("warc_offset") is None:
        raise ApiError(404, "not_archived", "no archived capture of this page")
    return path, int(ref["warc_offset"])


@router.get("/articles/{article_id}/original", response_class=HTMLResponse)
def original_page(
    request: Request,
    article_id: str,
    ctx: Annotated[AppContext, Depends(get_ctx)],
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Any:
    """The archived original in a sandboxed frame, with where and when it was captured."""
    article = get_article(ctx, article_id)
    captured = None
    source = None
    try:
        path, offset = _capture_ref(ctx, article, version)
        captured = read_capture(path, offset, max_bytes=0)
        ref = article if version is None else ctx.store.versions_of(article["id"])[version - 1]
        source = capture_source(ref.get("warc_file"))
    except (ApiError, CaptureError):
        captured = None
    src = f"/replay/{article['id']}" + (f"?version={version}" if version else "")
    return render(
        request,
        "original.html",
        {
            "article": article,
            "capture": captured,
            "source": source,
            "src": src,
            "version": version,
        },
    )


@router.get("/replay/{article_id}")
def replay(
    article_id: str,
    ctx: Annotated[AppContext, Depends(get_ctx)],
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """The captured page, sanitized, with the strict replay CSP (framable by us only)."""
    article = get_article(ctx, article_id)
    path, offset = _capture_ref(ctx, article, version)
    try:
        capture = read_capture(path, offset)
    except CaptureError as exc:
        raise ApiError(404, "not_archived", str(exc)) from None
    headers = {
        "Content-Security-Policy": REPLAY_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "private, max-age=600",
    }
    if "html" not in capture.content_type.lower() and capture.payload.lstrip()[:1] != b"<":
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><p>The archived capture is not an HTML page.</p>",
            headers=headers,
        )
    suffix = f"&version={version}" if version else ""

    def lookup(url: str) -> str | None:
        if find_capture(path, url) is not None:
            return f"/replay/{article['id']}/asset?url={quote(url, safe='')}{suffix}"
        return None

    page_url = capture.target_uri or article.get("url") or ""
    html = sanitize_capture(capture.payload, page_url, lookup)
    return HTMLResponse(html, headers=headers)


@router.get("/replay/{article_id}/asset")
def replay_asset(
    article_id: str,
    ctx: Annotated[AppContext, Depends(get_ctx)],
    url: Annotated[str, Query(max_length=4000)],
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """An image, stylesheet or font archived in the same WARC file as the article's capture."""
    article = get_article(ctx, article_id)
    path, _ = _capture_ref(ctx, article, version)
    found = find_capture(path, url)
    if found is None:
        raise ApiError(404, "not_archived", "this resource was not archived with the page")
    try:
        capture = read_capture(*found, max_bytes=MAX_ASSET_BYTES)
    except CaptureError as exc:
        raise ApiError(404, "not_archived", str(exc)) from None
    content_type = capture.content_type.split(";")[0].strip().lower()
    if not content_type.startswith(ASSET_TYPES) or capture.truncated:
        raise ApiError(404, "not_archived", "only images, stylesheets and fonts are replayed")
    body: bytes | str = capture.payload
    if content_type == "text/css":
        suffix = f"&version={version}" if version else ""

        def lookup(asset: str) -> str | None:
            if find_capture(path, asset) is not None:
                return f"/replay/{article['id']}/asset?url={quote(asset, safe='')}{suffix}"
            return None

        body = rewrite_css(capture.payload.decode("utf-8", "replace"), url, lookup)
        content_type = "text/css; charset=utf-8"
    return Response(
        body,
        media_type=content_type,
        headers={
            "Content-Security-Policy": DOWNLOAD_CSP,
            "Cache-Control": "private, max-age=86400",
        },
    )

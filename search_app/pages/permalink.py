"""Permalinks of captures, in the Wayback convention: ``/web/<YYYYMMDDhhmmss>/<original URL>``.

The exact timestamp of a capture shows that capture (the archived original, with
where and when it was taken and how to cite it); any other timestamp (``/web/2024/…``
too) redirects to the capture nearest to it, as the Wayback Machine does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from indexer.export.citation import capture_stamp, citations, permalink
from search_app.citing import base_url, cite_source, find_capture, wayback_url
from search_app.context import AppContext, get_ctx
from search_app.errors import ApiError
from search_app.i18n import add_strings
from search_app.templating import render
from search_app.warcs import CaptureError, read_capture

router = APIRouter(include_in_schema=False)

STRINGS = {
    "permalink": {"vi": "Liên kết cố định", "en": "Permalink"},
    "cite_this": {"vi": "Trích dẫn", "en": "Cite this"},
    "cite_hint": {
        "vi": "Mỗi trích dẫn ghi cổng thông tin, địa chỉ gốc, ngày đăng, ngày lưu trữ và liên kết cố định của bản lưu này.",
        "en": "Each citation names the portal, the original URL, the publication date, the capture date and this capture's permalink.",
    },
    "capture_of": {"vi": "Bản lưu ngày {date}", "en": "Capture of {date}"},
    "open_article": {"vi": "Xem bài viết", "en": "Open the article"},
}


def setup(app: FastAPI) -> None:
    """Register the strings of permalinks and citations."""
    add_strings(STRINGS)


def _raw_target(request: Request, stamp: str) -> str:
    """The original URL exactly as written in the permalink (percent-escapes kept)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")
    prefix = f"/web/{stamp}/"
    return path[len(prefix) :] if path.startswith(prefix) else request.path_params["target"]


@router.get("/web/{stamp}/{target:path}", response_class=HTMLResponse)
def wayback(
    request: Request, stamp: str, target: str, ctx: Annotated[AppContext, Depends(get_ctx)]
) -> Any:
    """Show the capture a permalink names, or redirect to the capture nearest its time."""
    url = wayback_url(_raw_target(request, stamp), request.url.query)
    found = find_capture(ctx, stamp, url)
    if found is None:
        raise ApiError(404, "not_found", f"no capture of {url[:200]} in the archive")
    article, number, captured_at = found
    if capture_stamp(captured_at) != stamp or url != article["url"]:
        exact = permalink(article["url"], captured_at)
        return RedirectResponse(exact, status_code=302)
    ref: dict[str, Any] = article
    if number:
        ref = ctx.store.versions_of(article["id"])[number - 1]
    capture = None
    path = ctx.resolve_warc(ref.get("warc_file"))
    if path is not None and ref.get("warc_offset") is not None:
        try:
            capture = read_capture(path, int(ref["warc_offset"]), max_bytes=0)
        except CaptureError:
            capture = None
    src = f"/replay/{article['id']}" + (f"?version={number}" if number else "")
    source = cite_source(request, article, captured_at)
    return render(
        request,
        "original.html",
        {
            "article": article,
            "capture": capture,
            "src": src,
            "version": number or None,
            "permalink": permalink(article["url"], captured_at, base_url(request)),
            "captured_at": captured_at,
            "citations": citations(source),
        },
    )

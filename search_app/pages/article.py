"""The article page (``/articles/{id}``) and its attachment downloads from the archive."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from markupsafe import Markup

from indexer.export.citation import citations
from indexer.text import fold, normalize
from search_app.articles import (
    QueryMarks,
    attachment_download_path,
    diff_html,
    get_article,
    paragraphs,
    story_copies,
)
from search_app.citing import cite_source
from search_app.context import AppContext, get_ctx
from search_app.errors import ApiError
from search_app.figures import Figure, article_figures
from search_app.security import DOWNLOAD_CSP
from search_app.templating import render
from search_app.warcs import CaptureError, capture_content_type, stream_payload

router = APIRouter(include_in_schema=False)


def body_blocks(
    paras: list[str], figures: list[Figure], mark: Callable[[str], Markup]
) -> list[dict[str, Any]]:
    """The clean text as paragraphs (query words marked) with the archived images in place.

    A paragraph that is an image's caption is shown once, as the caption.
    """
    by_index: dict[int, list[Figure]] = {}
    for figure in figures:
        by_index.setdefault(figure.before, []).append(figure)
    blocks: list[dict[str, Any]] = []
    for n in range(len(paras) + 1):
        here = by_index.get(n, [])
        for figure in here:
            blocks.append({"figure": figure, "caption": mark(figure.caption)})
        if n < len(paras) and not any(f.replaces_caption for f in here):
            blocks.append({"p": mark(paras[n])})
    return blocks


# Content types served as themselves; anything else is sent as application/octet-stream.
SAFE_DOWNLOAD_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/zip",
    "application/x-rar-compressed",
    "application/vnd.rar",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
}


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    article_id: str,
    ctx: Annotated[AppContext, Depends(get_ctx)],
    q: Annotated[str | None, Query(max_length=2000)] = None,
    exact: Annotated[str | None, Query(max_length=10)] = None,
    diff: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Any:
    """Render one article: text (query words marked), attachments, versions, archived original."""
    article = get_article(ctx, article_id)
    versions = ctx.store.versions_of(article["id"])
    # Most portals repeat their lead (sapo) as the body's first paragraph: show it once.
    summary = (article.get("summary") or "").strip()
    if summary and (article.get("body_text") or "").startswith(summary):
        summary = ""
    strict = (exact or "").strip().lower() in ("1", "true", "yes", "on")
    texts = [article.get("title") or "", summary, article.get("body_text") or ""]
    mark = QueryMarks(q, texts, exact=strict)
    body = body_blocks(paragraphs(article.get("body_text")), article_figures(ctx, article), mark)
    title = mark(article.get("title") or "")
    version_diff = None
    if len(versions) > 1:
        newer = diff if diff is not None and 2 <= diff <= len(versions) else len(versions)
        old, new = versions[newer - 2], versions[newer - 1]
        version_diff = {
            "from": newer - 1,
            "to": newer,
            "old": old,
            "new": new,
            "html": diff_html(old.get("body_text") or "", new.get("body_text") or ""),
            "same": (old.get("body_text") or "") == (new.get("body_text") or ""),
        }
    attachments = [
        {
            **att,
            "download": attachment_download_path(article["id"], n)
            if att.get("warc_file")
            else None,
        }
        for n, att in enumerate(article.get("attachments") or [], start=1)
    ]
    source = cite_source(request, article)
    context = {
        "article": article,
        "title_html": title,
        "summary_html": mark(summary) if summary else None,
        "body": body,
        "q": q,
        "exact": strict,
        "versions": versions,
        "diff": version_diff,
        "attachments": attachments,
        "has_capture": bool(article.get("warc_file")),
        "permalink": source.permalink,
        "citations": citations(source),
        "also_on": story_copies(ctx, article),
    }
    return render(request, "article.html", context)


def safe_filename(name: str | None, url: str) -> tuple[str, str]:
    """A download file name from an attachment's (hostile) name: (ASCII fallback, UTF-8 name)."""
    from_url = unquote(PurePosixPath(urlsplit(url).path).name) if url else ""
    text = normalize(name or "") or normalize(from_url) or "attachment"
    text = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|;]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .")[:150] or "attachment"
    text = re.sub(r"\s+(\.[A-Za-z0-9]{1,5})$", r"\1", text)
    ext = PurePosixPath(from_url).suffix.lower()
    if ext and re.fullmatch(r"\.[a-z0-9]{1,5}", ext) and not text.lower().endswith(ext):
        text += ext
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", fold(text)).strip("._") or "attachment"
    return ascii_name[:150], text


@router.get("/articles/{article_id}/attachments/{number}")
def download_attachment(
    article_id: str, number: int, ctx: Annotated[AppContext, Depends(get_ctx)]
) -> StreamingResponse:
    """Download attachment ``number`` (from 1) of an article, from its WARC capture."""
    article = get_article(ctx, article_id)
    items = article.get("attachments") or []
    if not 1 <= number <= len(items):
        raise ApiError(404, "not_found", f"article {article_id} has no attachment {number}")
    att = items[number - 1]
    path = ctx.resolve_warc(att.get("warc_file"))
    if path is None or att.get("warc_offset") is None:
        raise ApiError(404, "not_archived", f"attachment {number} was not archived")
    try:
        recorded = capture_content_type(path, int(att["warc_offset"]))
    except CaptureError as exc:
        raise ApiError(404, "not_archived", str(exc)) from None
    content_type = recorded.split(";")[0].strip().lower()
    if content_type not in SAFE_DOWNLOAD_TYPES:
        content_type = "application/octet-stream"
    ascii_name, utf8_name = safe_filename(att.get("name"), att.get("url") or "")
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"
    )
    return StreamingResponse(
        stream_payload(path, int(att["warc_offset"])),
        media_type=content_type,
        headers={
            "Content-Disposition": disposition,
            "Content-Security-Policy": DOWNLOAD_CSP,
            "Cache-Control": "private, max-age=3600",
        },
    )

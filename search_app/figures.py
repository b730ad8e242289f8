"""Images in the clean text: where each of an article's images stood, and its caption.

The extractor keeps an article's image URLs (``images``) but not where they stood,
and keeps a caption as an ordinary paragraph.  :func:`body_blocks` reads the
article's archived capture once more, finds each image there, and places it in
the clean text: a caption paragraph (a ``<figcaption>``, text in the image's own
figure, table or block, or an italic/"caption" block right after it) becomes the
image's caption instead of a stray paragraph; otherwise the image goes before the
paragraph that followed it on the page.

Images are served from the archive only (``/replay/<id>/asset?url=…``, the same
WARC as the page); an image the archive did not capture is not shown, and nothing
is ever fetched from the live site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from bs4 import Tag

from indexer.text import normalize

MAX_FIGURES = 30
MAX_FOLLOWING = 60  # strings looked at after an image for the paragraph that follows it
MAX_CAPTION = 300  # characters: a longer paragraph is text, not a caption
_BLOCKS = ("p", "div", "td", "li", "figcaption", "figure", "h2", "h3", "h4", "h5", "center")
_CAPTION_CLASSES = ("caption", "chuthich", "chu-thich", "image_desc", "desc", "note", "legend")


@dataclass(frozen=True)
class Figure:
    """An archived image of the article, where it goes in the text, and its caption."""

    url: str  # the image's original URL
    src: str  # where the page loads it from (the archive)
    caption: str  # "" when the page gave none
    before: int  # index of the paragraph it goes before (len(paragraphs): at the end)
    replaces_caption: bool  # the paragraph at ``before`` is its caption (not shown twice)


def _block(tag: Tag) -> Tag:
    """The closest block-level element holding ``tag`` (itself if it is one)."""
    node: Any = tag
    while isinstance(node, Tag) and node.name not in _BLOCKS and node.parent is not None:
        node = node.parent
    return node if isinstance(node, Tag) else tag


def _container(img: Tag) -> Tag | None:
    """The figure or layout table the image sits in, if any (captions live there)."""
    for parent in img.parents:
        if parent.name in ("figure", "table"):
            return parent
        if parent.name in ("body", "html"):
            return None
    return None


def _looks_like_caption(block: Tag, img: Tag, text: str) -> bool:
    """Whether ``block`` (the first text after ``img``) is the image's caption."""
    if len(text) > MAX_CAPTION:
        return False
    if block.name == "figcaption":
        return True
    container = _container(img)
    if container is not None and container in block.parents:
        return True
    if _block(img) is block:  # <p><img><br>caption</p>
        return True
    classes = " ".join(block.get("class") or []).lower() + " " + str(block.get("style", "")).lower()
    if any(name in classes for name in _CAPTION_CLASSES) or "italic" in classes:
        return True
    if "center" in classes or block.get("align", "").lower() == "center":
        return True
    inner = [c for c in block.children if not (isinstance(c, str) and not c.strip())]
    return len(inner) == 1 and isinstance(inner[0], Tag) and inner[0].name in ("em", "i")


def place_figures(
    html: bytes | str,
    page_url: str,
    images: list[str],
    paragraphs: list[str],
    archived: Callable[[str], str | None],
) -> list[Figure]:
    """The article's images found in its captured ``html``, placed among ``paragraphs``.

    ``archived(url)`` gives where the archive serves an image, or None (not shown).
    """
    from crawler.pages.document import PageError, decode_html, parse_html

    wanted = set(images)
    if not wanted:
        return []
    try:
        text = decode_html(html)[0]
        soup = parse_html(text, soup=True)
    except (PageError, ValueError):
        return []
    where = {normalize(p): n for n, p in enumerate(paragraphs)}
    figures: list[Figure] = []
    seen: set[str] = set()
    for img in soup.find_all("img"):
        raw = img.get("data-src") or img.get("data-original") or img.get("src") or ""
        url = urljoin(page_url, str(raw).strip())
        if url not in wanted or url in seen:
            continue
        seen.add(url)
        src = archived(url)
        if src is None:
            continue  # not captured: show nothing rather than reach the live site
        figures.append(_place(img, url, src, where, len(paragraphs)))
        if len(figures) >= MAX_FIGURES:
            break
    return figures


def _place(img: Tag, url: str, src: str, where: dict[str, int], end: int) -> Figure:
    container = _container(img)
    if container is not None and container.name == "figure":
        caption_tag = container.find("figcaption")
        if caption_tag is not None:
            caption = normalize(caption_tag.get_text(" "))
            if caption in where:
                return Figure(url, src, caption, where[caption], True)
    for count, string in enumerate(img.find_all_next(string=True)):
        if count >= MAX_FOLLOWING:
            break
        if not string.strip() or not isinstance(string.parent, Tag):
            continue
        if string.parent.name in ("script", "style"):
            continue
        block = _block(string.parent)
        text = normalize(block.get_text(" "))
        if text in where:
            caption = _looks_like_caption(block, img, text)
            return Figure(url, src, text if caption else "", where[text], caption)
    alt = normalize(str(img.get("alt") or img.get("title") or ""))
    caption = alt if " " in alt and len(alt) <= MAX_CAPTION else ""
    return Figure(url, src, caption, end, False)


@lru_cache(maxsize=256)
def _cached(
    path: str, offset: int, mtime: float, page_url: str, images: tuple[str, ...], body: str
) -> tuple[Figure, ...]:
    from search_app.warcs import CaptureError, find_capture, read_capture

    try:
        capture = read_capture(Path(path), offset)
    except CaptureError:
        return ()

    def archived(url: str) -> str | None:
        return url if find_capture(Path(path), url) is not None else None

    from search_app.articles import paragraphs

    found = place_figures(
        capture.payload, capture.target_uri or page_url, list(images), paragraphs(body), archived
    )
    return tuple(found)


def article_figures(ctx: Any, article: dict[str, Any]) -> list[Figure]:
    """The archived images of an article's current capture, placed in its clean text."""
    images = tuple(str(u) for u in (article.get("images") or []) if isinstance(u, str))
    path = ctx.resolve_warc(article.get("warc_file"))
    if not images or path is None or article.get("warc_offset") is None:
        return []
    figures = _cached(
        str(path),
        int(article["warc_offset"]),
        path.stat().st_mtime,
        article.get("url") or "",
        images,
        article.get("body_text") or "",
    )
    base = f"/replay/{article['id']}/asset?url="
    return [
        Figure(f.url, base + quote(f.url, safe=""), f.caption, f.before, f.replaces_caption)
        for f in figures
    ]

"""Reading one article for the article page and its API twin: lookup, marking, versions.

Everything here treats crawled text as hostile: output is built from escaped
pieces (``markupsafe``) and only our own ``<mark>``, ``<p>``, ``<ins>`` and
``<del>`` tags are added.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from indexer.export.citation import permalink
from indexer.search.placeindex import article_places
from indexer.text.topics import topic_for
from search_app.context import AppContext
from search_app.errors import ApiError

ID_PATTERN = r"^[0-9a-f]{8,32}$"
ID_RE = re.compile(ID_PATTERN)
MAX_DIFF_CHARS = 400_000


def get_article(ctx: AppContext, article_id: str) -> dict[str, Any]:
    """The stored article ``article_id`` (with ``attachments``), or a 404 ``ApiError``."""
    if not ID_RE.match(article_id or ""):
        raise ApiError(404, "not_found", f"article {article_id[:40]!r} not found")
    article = ctx.store.get_article(article_id)
    if article is None:
        raise ApiError(404, "not_found", f"article {article_id!r} not found")
    return article


class QueryMarks:
    """Marks what a search query found in an article's texts (``indexer.search.highlight``).

    The lone words of a query are marked only when the article holds none of its
    neighbouring words side by side (decided once over the whole article, so its
    title and paragraphs agree).  ``exact``: strict accents.
    """

    def __init__(self, q: str | None, texts: list[str], *, exact: bool = False) -> None:
        from indexer.search.highlight import highlighter  # lazily: the search engine loads on use

        self.marks = highlighter((q or "")[:1000], exact=exact) if q else None
        self.lone = (
            not self.marks.chains_found("\n\n".join(texts)) if self.marks is not None else False
        )

    def __call__(self, text: str) -> Markup:
        """``text`` escaped, what the query found in ``<mark>``."""
        if self.marks is None:
            return escape(text)
        return Markup(self.marks.mark(text, lone=self.lone))


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a stored body (separated by blank lines, or by line breaks)."""
    if not text:
        return []
    parts = re.split(r"\n\s*\n", text) if "\n\n" in text else text.split("\n")
    return [p.strip() for p in parts if p.strip()]


def diff_html(old: str, new: str) -> Markup:
    """An escaped diff of two texts: paragraphs kept, removed words in ``<del>``, added in ``<ins>``."""
    if len(old) + len(new) > MAX_DIFF_CHARS:
        old, new = old[: MAX_DIFF_CHARS // 2], new[: MAX_DIFF_CHARS // 2]
    a, b = paragraphs(old), paragraphs(new)
    blocks: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            blocks.extend(f'<p class="same">{escape(p)}</p>' for p in a[i1:i2])
        elif op == "delete":
            blocks.extend(f"<p><del>{escape(p)}</del></p>" for p in a[i1:i2])
        elif op == "insert":
            blocks.extend(f"<p><ins>{escape(p)}</ins></p>" for p in b[j1:j2])
        else:
            blocks.append(f"<p>{_word_diff(' '.join(a[i1:i2]), ' '.join(b[j1:j2]))}</p>")
    return Markup("\n".join(blocks))


def _word_diff(old: str, new: str) -> str:
    a, b = old.split(" "), new.split(" ")
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape(" ".join(a[i1:i2]))))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(out)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


PUBLIC_FIELDS = (
    "id",
    "portal",
    "province",
    "district",
    "url",
    "canonical_url",
    "title",
    "published",
    "category",
    "author",
    "credit",
    "summary",
    "body_text",
    "images",
    "media",
    "content_hash",
    "status",
    "duplicate_of",
    "first_seen",
    "last_seen",
    "last_changed",
)


def story_copies(ctx: AppContext, article: dict[str, Any]) -> list[dict[str, Any]]:
    """The copies of the article's story archived from other portals: [{id, portal, url,
    title, published}] (indexer.text.stories)."""
    story = article.get("story_id")
    if not story:
        return []
    return [
        {k: c[k] for k in ("id", "portal", "url", "title", "published")}
        for c in ctx.store.story_copies(story)
        if c["id"] != article["id"] and c["portal"] != article.get("portal")
    ]


def attachment_download_path(article_id: str, index: int) -> str:
    """Where an attachment is downloaded from the archive (``index`` counts from 1)."""
    return f"/articles/{article_id}/attachments/{index}"


def article_json(article: dict[str, Any], versions: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON twin of the article page."""
    out = {key: _iso(article.get(key)) for key in PUBLIC_FIELDS}
    archived = bool(article.get("warc_file"))
    out["archived_original"] = f"/replay/{article['id']}" if archived else None
    out["html_url"] = f"/articles/{article['id']}"
    out["places"] = article_places(article)  # old → new (indexer.text.places)
    out["topic"] = topic_for(article.get("category"))
    captured = article.get("last_changed")
    out["capture_time"] = _iso(captured)
    out["permalink"] = permalink(article["url"], captured) if captured else None
    out["attachments"] = [
        {
            "name": att.get("name"),
            "url": att.get("url"),
            "status": att.get("status"),
            "content_type": att.get("content_type"),
            "size": att.get("size"),
            "download": attachment_download_path(article["id"], n)
            if att.get("warc_file")
            else None,
        }
        for n, att in enumerate(article.get("attachments") or [], start=1)
    ]
    out["versions"] = [
        {
            "number": n,
            "captured_at": _iso(v.get("captured_at")),
            "title": v.get("title"),
            "published": v.get("published"),
            "content_hash": v.get("content_hash"),
            "body_text": v.get("body_text"),
            "archived_original": f"/replay/{article['id']}?version={n}"
            if v.get("warc_file")
            else None,
            "permalink": permalink(article["url"], v["captured_at"]),
        }
        for n, v in enumerate(versions, start=1)
    ]
    return out

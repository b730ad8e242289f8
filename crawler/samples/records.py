"""The records a sample portal is built of: articles, their blocks and attachments, listing pages, the portal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from crawler.samples import corpus
from crawler.samples.specs import Category, PortalSpec
from indexer.text import fold_lower, normalize


@dataclass
class Block:
    """One piece of an article body: a paragraph, an image (with caption) or a video."""

    kind: str  # "p", "img", "video"
    text: str = ""  # paragraph text or image caption (logical form)
    src: str = ""  # relative, unencoded (img/video)


@dataclass
class SampleAttachment:
    """A file linked from an article and served by the sample server."""

    path: str  # relative to the portal prefix, unencoded (as in the href)
    name: str  # link text shown on the page (truth "name")
    generic_link: bool = False  # link text is "Tại đây", name is the file name

    @property
    def url(self) -> str:
        """The percent-encoded relative URL (truth form)."""
        return quote_path(self.path)


@dataclass
class SampleArticle:
    """One article of a sample portal (logical content + how it is rendered)."""

    id: str
    num: int  # numeric id
    slug: str
    url: str  # canonical path relative to the portal prefix
    title: str
    published: datetime
    show_time: bool
    category: Category
    lead: str | None
    blocks: list[Block]
    author: str | None
    credit: str | None
    attachments: list[SampleAttachment] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    alt_urls: list[str] = field(default_factory=list)  # served 200 with rel=canonical
    redirect_from: list[str] = field(default_factory=list)  # 301/302 to url
    related: list[int] = field(default_factory=list)  # indexes of related articles

    @property
    def images(self) -> list[str]:
        """Relative unencoded image sources in body order."""
        return [b.src for b in self.blocks if b.kind == "img"]

    @property
    def media(self) -> list[str]:
        """Relative unencoded video sources."""
        return [b.src for b in self.blocks if b.kind == "video"]

    def paragraphs(self, edit: int = 0) -> list[str]:
        """Body paragraphs (logical form) including the lead and image captions."""
        out = [self.lead] if self.lead else []
        for block in self.blocks:
            if block.kind == "p" or (block.kind == "img" and block.text):
                out.append(block.text)
        out.extend(edit_paragraphs(self, edit))
        return out

    def has(self, case: str) -> bool:
        """Whether the article carries a hard case."""
        return case in self.cases


@dataclass
class ListingPage:
    """One page of a listing."""

    url: str  # relative (may hold a query)
    number: int
    last: int
    category: Category | None
    items: list[SampleArticle]
    extra_items: list[tuple[int, str, str]]  # (position, url, title): links that 404
    next_url: str | None  # the real next page (truth)
    page_urls: list[str]  # url of page 1..last

    def item_urls(self) -> list[str]:
        """The article URLs in page order, including the dead links."""
        urls = [a.url for a in self.items]
        for pos, url, _title in self.extra_items:
            urls.insert(pos, url)
        return urls


@dataclass
class Portal:
    """A generated sample portal."""

    spec: PortalSpec
    articles: list[SampleArticle]  # newest first
    listings: list[ListingPage]
    by_url: dict[str, tuple[SampleArticle, str]]  # path(+query) -> (article, variant)
    listing_by_url: dict[str, ListingPage]
    redirects: dict[str, tuple[int, str]]  # path(+query) -> (status, target rel url)
    files: dict[str, tuple[str, SampleAttachment | None]]  # path -> (content type, attachment)
    not_found: list[str]
    flaky: list[str]
    disallowed: str
    trap: str
    comunes: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def family(self) -> str:
        return self.spec.family

    def article(self, article_id: str) -> SampleArticle | None:
        """The article with this id, if any."""
        for art in self.articles:
            if art.id == article_id:
                return art
        return None


def quote_path(path: str) -> str:
    """Percent-encode a relative URL path (keeping an existing query)."""
    return quote(path, safe="/-_.~?=&%")


def slugify(text: str, limit: int = 90) -> str:
    """ASCII slug of a Vietnamese title (``đ`` → ``d``, words joined by ``-``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold_lower(normalize(text))).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def edit_paragraphs(article: SampleArticle, edit: int) -> list[str]:
    """Paragraphs appended to an article by the control API's ``edit`` (``edit`` times)."""
    sentences = corpus.load_sentences()
    return [
        f"Cập nhật lần {n}: {sentences[(article.num * 7 + n * 13) % len(sentences)]}"
        for n in range(1, edit + 1)
    ]

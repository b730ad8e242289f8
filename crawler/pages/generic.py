"""The fallback page object for unknown layouts: density-based main-content location.

* The content region is the page's main text block
  (:func:`crawler.pages.structure.main_text_block`).
* The title is the heading-like element that best matches the URL's slug
  (Vietnamese CMSs build slugs from the title without diacritics), else the
  last heading before the content region, else ``og:title``/``<title>``.
* The date is the first date written just after (else just before) the title.
* A page is an article when its content region is not one of many alike
  items; a listing when alike title links repeat; otherwise ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from crawler.items import Attachment, ListingItem
from crawler.pages.base import PageObject
from crawler.pages.body import is_date_line
from crawler.pages.document import text_of
from crawler.pages.listing_fields import _item_container
from crawler.pages.structure import hidden, main_text_block
from indexer.text import fold_lower, normalize
from indexer.text.dates import ParsedDate, find_dates

_HEADINGS = (
    "//h1 | //h2 | //h3 | //h4 | //*[self::p or self::div or self::span or self::td or self::strong"
    " or self::b][contains(translate(@class, 'TITLE', 'title'), 'title')"
    " or contains(@class, 'tieude') or contains(@class, 'tieu-de')]"
)
_TOKEN = re.compile(r"[a-z0-9]+")
_INLINE = frozenset({"b", "strong", "span", "font", "em", "i", "u", "small", "big"})
_NOT_TITLES = frozenset({"a", "title", "option", "script", "style", "textarea", "head", "html"})


class GenericPage(PageObject):
    """Any page: generic selectors first, then text density."""

    family = "generic"
    TITLE = (
        "h1.title",
        "h1.entry-title",
        "h1.article-title",
        "h1.post-title",
        ".article-title",
        ".news-title",
    )
    DATE = (
        "time[datetime]",
        ".published",
        ".post-date",
        ".entry-date",
        ".date-time",
        ".news-date",
        ".article-date",
    )
    CATEGORY = (
        ".breadcrumb li:last-child a",
        ".breadcrumb li:last-child",
        ".breadcrumbs a:last-child",
    )
    SUMMARY = (".sapo", ".summary", ".article-summary", ".lead")
    BODY = (
        "article .content",
        "[itemprop=articleBody]",
        ".article-content",
        ".news-content",
        ".post-content",
    )
    NEXT_PAGE = ()

    def body_elements(self) -> list[etree._Element]:
        found = super().body_elements()
        if found:
            return found
        region = self.dense_region()
        return [region] if region is not None else []

    def dense_region(self) -> etree._Element | None:
        """The element holding most paragraph text (None when the page has none)."""
        if not hasattr(self, "_region"):
            self._region = main_text_block(self.doc.root)
            if self._region is None:  # a template that names its content area "header…"
                self._region = main_text_block(self.doc.root, chrome_share=0.5)
        return self._region

    def _find_title(self) -> str:
        for selector in self.selectors("title", self.TITLE):
            for el in self.doc.css(selector):
                text = text_of(el)
                if text:
                    self._title_el = el
                    return self._split_title_date(text)
        # the URL's slug names the title: a heading, or a styled block that names more of it
        # (a section's heading often shares most of an article's slug)
        el, score = self._scored_slug_heading()
        block, block_score = self._scored_slug_block()
        if block is not None and block_score > score:
            el = block
        if el is None:
            el = self.heading_before_region()
        if el is not None:
            self._title_el = el
            self._consumed.append(el)
            return self._split_title_date(text_of(el))
        return self.fallback_title()

    def _headings(self) -> list[tuple[etree._Element, str]]:
        """Heading-like elements of the page's content, innermost first: a container
        whose class says "title" (``show-asset-title``) and holds a heading is not one."""
        cached = getattr(self, "_heading_list", None)
        if cached is not None and cached[0] == self.doc.generation:
            return cached[1]
        found = []
        for el in self.doc.root.xpath(_HEADINGS):
            if any(a.tag == "a" for a in el.iterancestors()) or el.find(".//a") is not None:
                continue
            text = text_of(el)
            if (
                10 <= len(text) <= 300
                and len(text.split()) >= 3
                and not _around(el)
                and not hidden(el)
            ):
                found.append((el, text))
        members = {el for el, _ in found}  # held, so lxml hands out the same proxies
        outer = {a for el, _ in found for a in el.iterancestors() if a in members}
        headings = [(el, text) for el, text in found if el not in outer]
        self._heading_list = (self.doc.generation, headings)
        return headings

    def titled_by_slug(self, min_words: int) -> bool:
        """Whether the page's title is the heading or block its URL's slug names, a slug of
        ``min_words`` words at least."""
        self.title()
        el = self._title_el
        return (
            el is not None
            and len(self._slug_words()) >= min_words
            and el in (self.slug_heading(), self.slug_block())
        )

    def _slug_tokens(self) -> list[str]:
        """The words of the URL's last path segment, numbers left out."""
        return slug_tokens(self.doc.url)

    def _slug_words(self) -> list[str]:
        """The slug's words when there are three at least (else none)."""
        words = self._slug_tokens()
        return words if len(words) >= 3 else []

    def slug_heading(self) -> etree._Element | None:
        """The heading whose words best cover the URL's slug (at least 60 % of them)."""
        return self._scored_slug_heading()[0]

    def _scored_slug_heading(self) -> tuple[etree._Element | None, tuple[float, float]]:
        wanted = set(self._slug_words())
        if not wanted:
            return None, (0.0, 0.0)
        best, best_score = None, (0.6, 1.0)
        for el, text in self._headings():
            score = _slug_fit(wanted, text)
            if score > best_score:
                best, best_score = el, score
        return best, best_score

    def slug_block(self) -> etree._Element | None:
        """The short block of text whose words best cover the URL's slug (at least 80 % of
        them, and five words at least): a title set in a styled ``<p>`` or ``<div>`` with
        no heading tag or class.

        Only texts about as long as the slug are looked at; inline wrappers (``<b>``,
        ``<span>``…) give way to their block; links (other articles), menus and hidden
        elements are not titles."""
        return self._scored_slug_block()[0]

    def _scored_slug_block(self) -> tuple[etree._Element | None, tuple[float, float]]:
        cached = getattr(self, "_slug_block", None)
        if cached is not None and cached[0] == self.doc.generation:
            return cached[1]
        found = self._find_slug_block()
        self._slug_block = (self.doc.generation, found)
        return found

    def _find_slug_block(self) -> tuple[etree._Element | None, tuple[float, float]]:
        words = self._slug_words()
        if len(words) < 5:  # a short slug may name the page's section, not its article
            return None, (0.0, 0.0)
        wanted, size = set(words), len(" ".join(words))
        best, best_score = None, (0.8, 1.0)
        for el in self._text_blocks(0.5 * size, 3 * size + 20, labels=False):
            full = text_of(el)
            if not 10 <= len(full) <= 300:
                continue
            score = _slug_fit(wanted, full)
            if score > best_score:
                best, best_score = el, score
        return best, best_score

    def heading_before_region(self) -> etree._Element | None:
        """The last heading-like element before the content region."""
        region = self.dense_region()
        if region is None:
            return None
        last = None
        stop = region
        for el, _text in self._headings():
            if el is stop or _before(stop, el):
                break
            last = el
        inside = [el for el, _ in self._headings() if _ancestor(region, el)]
        return last if last is not None else (inside[0] if inside else None)

    def guess_items(
        self,
        root: etree._Element | None = None,
        min_items: int = 3,
        after: etree._Element | None = None,
        stops: Collection[etree._Element] = (),
        chrome: dict[etree._Element, bool] | None = None,
    ) -> list[ListingItem]:
        """A section's own list first: the largest group of alike title links between the
        heading that names the listing's URL (``/cai-cach-hanh-chinh/``: "Cải cách hành
        chính") and the next heading, even one or two of them; else the page's largest
        group (a site-wide box of news can outnumber a section's own list)."""
        heading = self.section_heading() if root is None else None
        if heading is not None:
            # what holds the heading that names the page is the page's content, however
            # its containers are named (``header_left`` around a section's whole list)
            content = {el: False for el in heading.iterancestors()}
            node = heading.getparent()
            # the next heading ends the section ("TIN ĐÃ ĐƯA" before the older news); an
            # item's own heading holds its link, a section's does not
            section_stops = {el for el, _ in self._headings()} | {
                h
                for h in self.doc.root.iter("h1", "h2", "h3", "h4", "h5", "h6")
                if h.find(".//a") is None and not _screen_reader(h)
            }
            for _ in range(5):
                if node is None:
                    break
                items = super().guess_items(
                    node, min_items=1, after=heading, stops=section_stops, chrome=dict(content)
                )
                if items:
                    self._items_explicit = True  # as good as a selector: even one item
                    return items
                node = node.getparent()
        return super().guess_items(root, min_items, after, stops, chrome)

    def _is_home(self) -> bool:
        """Whether the page is the portal's home page (or one of its later pages): its
        site root or the profile's base URL, with no query but a page number
        (``/?page=2``; ``/?p=12`` is a WordPress post)."""
        parts = urlsplit(self.doc.url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if not all(_HOME_PAGE_KEY.search(k) and v.isdigit() for k, v in pairs):
            return False
        path = _HOME_PAGE_PATH.sub("", parts.path).rstrip("/")
        base = urlsplit(self.profile.base_url).path.rstrip("/") if self.profile else ""
        return path in ("", base) or path.lower() in ("/index.html", "/default.aspx", "/index.php")

    def _lists_its_section(self) -> bool:
        """Whether the page lists its section's items after the heading that names it and
        its densest text is none of its own: no text block, the list itself (two of its
        items or more), or one item's summary."""
        items = self.listing_items()
        if not items or not self._items_explicit:
            return False
        region = self.dense_region()
        if region is None:
            return True
        urls = {i.url for i in items}
        anchors = [a for a in self.doc.root.iter("a") if self.doc.resolve(a.get("href")) in urls]
        if sum(1 for a in anchors if _ancestor(region, a)) >= 2:
            return True
        return any(_ancestor(_item_container(a, anchors), region) for a in anchors)

    def section_heading(self) -> etree._Element | None:
        """The heading or short block whose words are the URL slug's words, all of them
        and no more (a section page names itself: ``/tin-tuc-su-kien/`` "Tin tức - Sự
        kiện"); None when the slug has no words or more than eight."""
        wanted = set(self._slug_tokens())
        if not wanted or len(wanted) > 8:
            return None
        for el, text in self._headings():
            if set(_TOKEN.findall(fold_lower(text))) == wanted and not _screen_reader(el):
                return el
        size = len(" ".join(sorted(wanted)))
        for el in self._text_blocks(0.7 * size, 2 * size + 10, labels=True):
            if not _screen_reader(el) and set(_TOKEN.findall(fold_lower(text_of(el)))) == wanted:
                return el
        return None

    def _text_blocks(
        self, shortest: float, longest: float, *, labels: bool
    ) -> Iterator[etree._Element]:
        """The blocks holding a text node of ``shortest`` to ``longest`` characters, each
        once, in page order: inline wrappers give way to their block; links, menus and
        hidden elements are left out.  ``labels``: an ``<a>`` with no ``href`` (a box's
        label) is text like a ``<span>``; else any ``<a>`` rules its block out (a title
        is no link, and a box label is no title)."""
        anchor = "a[@href]" if labels else "a"
        seen: set[etree._Element] = set()  # held: lxml keeps their proxies the same
        for text in self.doc.root.xpath("//text()"):
            if not shortest <= len(text.strip()) <= longest:
                continue
            el = text.getparent()
            if text.is_tail:
                el = el.getparent()
            while (
                el is not None
                and (el.tag in _INLINE or (labels and el.tag == "a" and el.get("href") is None))
                and el.getparent() is not None
            ):
                el = el.getparent()
            if el is None or el in seen or el.tag in _NOT_TITLES:
                continue
            seen.add(el)
            if el.find(f".//{anchor}") is not None or any(
                a.tag == "a" and (a.get("href") or not labels) for a in el.iterancestors()
            ):
                continue
            if not _around(el) and not hidden(el):
                yield el

    def category(self) -> str | None:
        """The section the page names: the family-less selectors' (a breadcrumb,
        ``article:section``), else the label of the header row that dates the article
        (``tin nổi bật | 11/06/2019`` above the title; see :meth:`label_before_date`), else
        the section heading just above the title (:meth:`heading_before_title`)."""
        return super().category() or self.label_before_date() or self.heading_before_title()

    def heading_before_title(self) -> str | None:
        """The section's name printed as a heading just above the title: the nearest text
        before it, held by a heading tag or a container classed as a title or heading
        (``<div class="title-gt">Thông báo</div>``), short (at most eight words, no
        digits) and no link."""
        self.title()
        el = self._title_el
        if el is None:
            return None
        texts = [t for t in _PRECEDING_TEXT(el) if normalize(t)]
        if not texts:
            return None
        nearest = texts[-1]
        owner = nearest.getparent()
        if owner is not None and nearest.is_tail:
            owner = owner.getparent()
        label = _section_label(nearest, owner) if owner is not None else None
        if label is None:
            return None
        node, headed = owner, False
        for _ in range(3):
            if node is None:
                break
            if node.tag in _HEADING_TAGS or _HEADING_CLASS.search(node.get("class") or ""):
                headed = True
                break
            node = node.getparent()
        if headed and label.casefold() != (self.title() or "").casefold():
            return label
        return None

    def label_before_date(self) -> str | None:
        """The short label just before the date written above the title, when the date
        stands in a text of its own: a section name (no digits, at most eight words, not
        a link), as header rows print them."""
        self.title()
        el = getattr(self, "_title_el", None)
        if el is None:
            return None
        texts = [t for t in _PRECEDING_TEXT(el) if t.strip()]
        for i in range(len(texts) - 1, 0, -1):
            if not is_date_line(normalize(texts[i])):
                continue
            return _section_label(texts[i - 1], texts[i - 1].getparent())
        return None

    def summary_element(self) -> etree._Element | None:
        """The lead: the family-less selectors' (``.sapo``, ``.summary``…), else a lead
        block standing between the title and the main text block (see :meth:`lead_block`)."""
        lead = super().summary_element()
        return lead if lead is not None else self.lead_block()

    def lead_block(self) -> etree._Element | None:
        """A lead (sapo) written between the title and the main text block, outside it: the
        first block of text after the title that is set in bold throughout (a tag or a
        style), or whose class says so (``sapo``, ``lead``, ``description``, ``summary``,
        ``tom-tat``, ``mo-ta``)."""
        region = self.dense_region()
        self.title()
        title_el = getattr(self, "_title_el", None)
        if region is None or title_el is None or _ancestor(title_el, region):
            return None
        # (sets of the elements themselves: holding them keeps lxml's proxies, and so
        # their identities, alive while the tree is walked)
        around = set(region.iterancestors())
        inside_title = set(title_el.iter())
        started = False
        for el in self.doc.root.iter():
            if el is title_el:
                started = True
                continue
            if not started or el in inside_title or el in around:
                continue
            if el is region:
                return None
            if not isinstance(el.tag, str) or el.tag in _INLINE or hidden(el):
                continue
            text = text_of(el)
            if len(text) < 40:
                continue
            if len(text) > 1200 or el.find(".//a") is not None:
                continue  # a menu, a block of links: what follows may still be the lead
            bold = [
                b
                for b in el.iter()
                if (b.tag in ("b", "strong") or _BOLD_STYLE.search(b.get("style") or ""))
                and len(text_of(b)) >= 0.9 * len(text)
            ]
            if bold or _LEAD_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
                return el
            return None  # the first text block after the title is not a lead
        return None

    def attachment_links(self, regions: list[etree._Element]) -> list[Attachment]:
        """Files in the content region, else in the title's nearest container that links any."""
        found = super().attachment_links(regions)
        if found or getattr(self, "_title_el", None) is None:
            return found
        node = self._title_el
        for _ in range(5):
            node = node.getparent()
            if node is None or len(text_of(node)) > 5000:
                break
            hits = super().attachment_links([node])
            if hits:
                return hits
        return found

    def date_near_title(self) -> ParsedDate | None:
        """The first date written just after the title, else just before it."""
        self.title()
        el = getattr(self, "_title_el", None)
        if el is None:
            return super().date_near_title()
        after = " ".join(_FOLLOWING_TEXT(el))
        before = " ".join(_PRECEDING_TEXT(el))
        after, before = after[:400], before[-300:]
        candidates = [(d.start, d) for d in find_dates(after, month_first=self.month_first)[:1]]
        candidates += [
            (len(before) - d.end, d) for d in find_dates(before, month_first=self.month_first)[-1:]
        ]
        return min(candidates, key=lambda c: c[0])[1] if candidates else None

    def is_article(self) -> bool:
        if super().is_article():
            return True
        if self._is_home():
            return False  # a portal's front page shows its news; it is none of them
        self.title()
        title_el = getattr(self, "_title_el", None)
        if title_el is not None and title_el in (self.slug_heading(), self.slug_block()):
            # the page's URL is this heading's slug: the article itself, unless the heading
            # names a section whose list follows it and the page has no text of its own
            return title_el is not self.section_heading() or not self._lists_its_section()
        region = self.dense_region()
        if region is None or not self.title():
            return False
        items = self.listing_items()
        anchors = [a for a in region.iter("a") if len(text_of(a).split()) >= 4]
        if len(anchors) >= 4:
            return False
        if len(items) >= 3:
            # a listing's "densest" block is one item's summary: inside an item's container
            page_anchors = [
                a
                for a in self.doc.root.iter("a")
                if self.doc.resolve(a.get("href")) in {i.url for i in items}
            ]
            for a in page_anchors:
                if _ancestor(_item_container(a, page_anchors), region):
                    return False
        return True


_AROUND = re.compile(
    r"(?:^|[-_\s])(nav|navbar|menu|footer|sidebar|banner|breadcrumbs?)(?:$|[-_\s])", re.I
)


def slug_tokens(url: str) -> list[str]:
    """The words of a URL's last path segment (its slug), numbers left out."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return []
    slug = re.sub(r"\.[a-z]{2,5}$", "", unquote(segments[-1]).lower())
    return [w for w in _TOKEN.findall(fold_lower(slug)) if not w.isdigit()]


def _section_label(text: str, owner: etree._Element | None) -> str | None:
    """``text`` as a section's name (the label of a header row, a heading above the
    title): at most sixty characters and eight words, no digits, not in a link."""
    if owner is not None and any(
        a.tag == "a" and a.get("href") for a in (owner, *owner.iterancestors())
    ):
        return None
    label = normalize(text).strip(" |-–:/")
    if 2 <= len(label) <= 60 and len(label.split()) <= 8 and not any(c.isdigit() for c in label):
        return label
    return None


_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_HEADING_CLASS = re.compile(r"title|heading|chuyen-?muc|danh-?muc|category", re.I)
_HOME_PAGE_KEY = re.compile(r"(?:^|_)(?:cur|page|trang|paged)$", re.I)
_HOME_PAGE_PATH = re.compile(r"/page/\d+/?$")


def _slug_fit(wanted: set[str], text: str) -> tuple[float, float]:
    """How well a text matches a URL's slug words: the share of the slug's words it has,
    then (to choose between two that have them all, such as a section's "monthly reports"
    heading and the article's "report for May") the share of its own words in the slug."""
    own = {w for w in _TOKEN.findall(fold_lower(text)) if not w.isdigit()}
    found = len(wanted & own)
    return found / len(wanted), found / len(own) if own else 0.0


def _around(el: etree._Element) -> bool:
    """True for a heading in the page's frame (menus, footers, sidebars), not its content."""
    for anc in el.iterancestors():
        if anc.tag in ("nav", "footer", "aside"):
            return True
        if _AROUND.search(f"{anc.get('class') or ''} {anc.get('id') or ''}"):
            return True
    return False


# the text around the title, scripts and styles left out
_SHOWN = "[normalize-space()][not(ancestor::script) and not(ancestor::style)]"
_FOLLOWING_TEXT = etree.XPath(f"following::text(){_SHOWN}[position() <= 12]")
_PRECEDING_TEXT = etree.XPath(f"preceding::text(){_SHOWN}[position() <= 8]")
_SCREEN_READER = re.compile(r"hide-accessible|sr-only|visually-hidden|screen-reader", re.I)


def _screen_reader(el: etree._Element) -> bool:
    """A heading written for screen readers only (Liferay's ``hide-accessible``): no
    section a reader sees starts there."""
    return bool(_SCREEN_READER.search(el.get("class") or ""))


_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)
_LEAD_CLASS = re.compile(r"sapo|lead|desc|summary|tom-?tat|mo-?ta|trich-?yeu", re.I)


def _ancestor(outer: etree._Element, inner: etree._Element) -> bool:
    return any(a is outer for a in inner.iterancestors()) or outer is inner


def _before(a: etree._Element, b: etree._Element) -> bool:
    """True when ``a`` starts before ``b`` in document order (and is not its ancestor)."""
    return _position(a) < _position(b) and not _ancestor(a, b)


def _position(el: etree._Element) -> int:
    return int(el.xpath("count(preceding::*) + count(ancestor::*)"))

"""An article page's body: lead, paragraphs, the structural fallback region, attachments."""

from __future__ import annotations

import lxml.html
from lxml import etree

from crawler.items import Attachment
from crawler.pages.body import ATTACHMENT_EXT, Body, attachment_name, build_body
from crawler.pages.closing import split_closing
from crawler.pages.document import text_of
from crawler.pages.structure import main_text_block

FALLBACK_MIN_TEXT = 200
"""Characters the main text block must hold (beyond the lead) to replace a family's region."""


FALLBACK_RATIO = 0.5
"""The family's region is replaced when it holds less than this share of the block's text."""


# -- helpers ---------------------------------------------------------------------------
def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    node = inner
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


class ArticleBody:
    """PageObject's summary, body (family region or structural fallback) and attachment links."""

    def summary_element(self) -> etree._Element | None:
        """The lead (sapo) element, when the family marks one."""
        if self._lead is not None and self._lead[0] == self.doc.generation:
            return self._lead[1]
        lead = None
        for selector in self.SUMMARY:
            lead = next((el for el in self.doc.css(selector) if text_of(el)), None)
            if lead is not None:
                break
        self._lead = (self.doc.generation, lead)
        return lead

    def body_elements(self) -> list[etree._Element]:
        """The content region(s), in reading order."""
        for selector in self.selectors("body", self.BODY):
            found = self.doc.css(selector)
            if found:
                return [found[0]]
        return []

    def body(self) -> Body:
        """The cleaned body of the content region (empty when there is none)."""
        return self._body_from(self.body_elements())

    def _body_from(self, regions: list[etree._Element]) -> Body:
        """The cleaned body of ``regions`` (the lead put first when it sits outside them)."""
        lead = self.summary_element()
        if lead is not None and not any(_contains(r, lead) for r in regions):
            regions = [lead, *regions]
        regions = [r for r in regions if not any(o is not r and _contains(o, r) for o in regions)]
        self._regions = regions
        self._area_attachments = self.attachment_links(regions)
        if not regions:
            return Body()
        doomed = [
            el for el in self._consumed if any(_contains(r, el) and r is not el for r in regions)
        ]
        for region in regions:
            for selector in self.REMOVE:
                doomed.extend(el for el in self.doc.css(selector, region) if el is not region)
        for el in doomed:
            _drop(el)
        if doomed:
            self.doc.changed()
        html = "".join(lxml.html.tostring(r, encoding="unicode", with_tail=False) for r in regions)
        return build_body(html, self.doc, title=self.title())

    def article_scope(self) -> etree._Element | None:
        """The article's own container: where its title and its family marker meet.

        Climbs at most three levels from there until the container holds a main text
        block, so that a sidebar or the page's footer is never taken for the body.
        """
        return self._scope_and_block()[0]

    def _scope_and_block(self) -> tuple[etree._Element | None, etree._Element | None]:
        """The article scope and its main text block (the block found while climbing is
        the one structural_body needs: computed once, it was 9 % of a crawl's CPU twice)."""
        self.title()
        marker = self.doc.first(self.selectors("body", self.ARTICLE))
        anchors = [el for el in (self._title_el, marker) if el is not None]
        if not anchors:
            return None, None
        scope = anchors[0]
        for other in anchors[1:]:
            while scope is not None and not _contains(scope, other):
                scope = scope.getparent()
        for _ in range(3):
            if scope is None:
                return None, None
            block = main_text_block(scope, min_text=FALLBACK_MIN_TEXT)
            if block is not None:
                return scope, block
            scope = scope.getparent()
        if scope is None:
            return None, None
        return scope, main_text_block(scope, min_text=FALLBACK_MIN_TEXT)

    def structural_body(self, body: Body, lead: str) -> Body | None:
        """A body from the main text block when the family's region says much less, else None."""
        scope, block = self._scope_and_block()
        if scope is None:
            return None
        if block is None or any(_contains(r, block) for r in self._regions):
            return None
        family_regions, family_attachments = self._regions, self._area_attachments
        candidate = self._body_from([block])
        own = len(body.text) - len(lead)
        theirs = len(candidate.text) - len(lead)
        if theirs >= FALLBACK_MIN_TEXT and own < FALLBACK_RATIO * theirs:
            return candidate
        self._regions, self._area_attachments = family_regions, family_attachments
        return None

    def _closing_after_region(self, body: Body) -> Body:
        """Signature and credit lines standing just after the content region, read as its end."""
        if not self._regions:
            return body
        node, lines = self._regions[-1], []
        while len(lines) < 2:
            following = node.getnext()
            while following is None and node.getparent() is not None and len(lines) == 0:
                node = node.getparent()
                following = node.getnext()
                if node.tag in ("table", "body", "form"):
                    following = None
                    break
            if following is None or not isinstance(following.tag, str):
                break
            node = following
            line = text_of(following)
            if not line:
                continue
            if len(line) > 90 or any(True for _ in following.iter("a")):
                break
            lines.append(line)
        if not lines:
            return body
        rest, author, credit = split_closing([*body.paragraphs, *lines])
        if len(rest) < len(body.paragraphs) or (author is None and credit is None):
            return body  # the lines after the region are not a closing: leave the body as it is
        body.author = body.author or author
        body.credit = body.credit or credit
        return body

    def attachment_links(self, regions: list[etree._Element]) -> list[Attachment]:
        """Files linked from the article's attachment areas (and its regions), in page order."""
        areas = [el for selector in self.ATTACHMENTS for el in self.doc.css(selector)]
        found: dict[str, Attachment] = {}
        for area in [*areas, *regions]:
            for a in area.iter("a"):
                href = a.get("href") or ""
                if not ATTACHMENT_EXT.search(href):
                    continue
                url = self.doc.resolve(href)
                if url and url not in found:
                    found[url] = Attachment(url=url, name=attachment_name(text_of(a), url))
        return list(found.values())

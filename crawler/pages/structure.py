"""Where a page's main text sits, found from its structure alone (no family knowledge).

The content region is the element whose paragraphs carry the most text, a small
readability-style score: each text paragraph scores its parent fully and its
grandparent by half; link-heavy paragraphs, page chrome and hidden elements score
nothing.  The generic page object uses it as its body; family page objects use it
to check their own region (:meth:`crawler.pages.base.PageObject.article` falls back
to it when the family's region holds only the lead or much less text).
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.pages.document import text_of

MIN_PARAGRAPH = 25
"""Characters a paragraph needs to count towards a region's score."""
MIN_REGION_TEXT = 250
"""Characters a region needs to be a page's main text block at all."""

_CHROME_ANCESTOR = re.compile(
    r"(?:^|[-_\s])(nav|navbar|menu|footer|header|breadcrumbs?|sidebar|banner)(?:$|[-_\s])", re.I
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _chrome_itself(el: etree._Element) -> bool:
    return el.tag in ("nav", "header", "footer", "aside") or bool(
        _CHROME_ANCESTOR.search(f"{el.get('class') or ''} {el.get('id') or ''}")
    )


def _hidden_itself(el: etree._Element) -> bool:
    style = el.get("style")
    return bool(style and _HIDDEN.search(style)) or el.get("hidden") is not None


def in_chrome(el: etree._Element, memo: dict | None = None) -> bool:
    """True for an element inside page chrome (nav, header, footer, menus, sidebars).

    ``memo`` (element -> answer, for one unchanged tree) keeps what was learnt about each
    ancestor for the next element: siblings share their ancestors.
    """
    return _up(el.getparent(), _chrome_itself, memo)


def hidden(el: etree._Element, memo: dict | None = None) -> bool:
    """True when the element or an ancestor is hidden (``display:none``, ``hidden``)."""
    return _up(el, _hidden_itself, memo)


def _up(node: etree._Element | None, test, memo: dict | None) -> bool:
    """Whether ``test`` holds for ``node`` or one of its ancestors (answers kept in ``memo``)."""
    if memo is None:
        while node is not None:
            if test(node):
                return True
            node = node.getparent()
        return False
    path = []
    answer = False
    while node is not None:
        known = memo.get(node)
        if known is not None:
            answer = known
            break
        if test(node):
            answer = True
            break
        path.append(node)
        node = node.getparent()
    if node is not None:
        memo[node] = answer
    for seen in path:
        memo[seen] = answer
    return answer


def main_text_block(
    root: etree._Element, *, min_text: int = MIN_REGION_TEXT, chrome_share: float | None = None
) -> etree._Element | None:
    """The element under ``root`` holding most paragraph text (None when there is none).

    With ``chrome_share``, a container named as chrome (``header``, ``menu``…) that holds
    more than that share of the page's text is not taken for chrome: some templates wrap
    their whole content in containers named ``header_left``/``header_middle``."""
    scores: dict[etree._Element, float] = {}
    chrome: dict[etree._Element, bool] = {}
    hid: dict[etree._Element, bool] = {}
    if chrome_share is not None:
        # the big containers named as chrome are known not to be before the walk starts
        whole = len(text_of(root))
        for el in root.iter():
            if (
                isinstance(el.tag, str)
                and el.tag not in ("nav", "header", "footer", "aside")
                and _chrome_itself(el)
                and len(text_of(el)) > chrome_share * whole
            ):
                chrome[el] = in_chrome(el, chrome)  # what its own ancestors say
    for el in root.iter("p", "td", "pre", "blockquote", "div", "h1", "h2", "h3"):
        if el.tag in ("div", "td", "h1", "h2", "h3") and (
            len(el) and any(c.tag in ("p", "div", "table") for c in el)
        ):
            continue
        text = text_of(el)
        if len(text) < MIN_PARAGRAPH or (el.tag in ("h1", "h2", "h3") and len(text) < 200):
            continue  # a heading counts only when it really holds a paragraph of text
        link_text = sum(len(text_of(a)) for a in el.iter("a"))
        if link_text > len(text) * 0.5 or in_chrome(el, chrome) or hidden(el, hid):
            continue
        score = 1 + text.count(",") + min(len(text) / 100, 3)
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + score / 2
    best = max(scores, key=scores.get, default=None)
    if best is not None and len(text_of(best)) < min_text:
        return None
    return best

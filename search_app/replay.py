"""Replaying an archived original: the captured HTML made inert and self-contained.

The captured page is hostile.  :func:`sanitize_capture` parses it and removes
everything that could run or reach the network: scripts, event handlers,
``javascript:`` URLs, frames, objects, forms' targets, ``<base>``, meta
refreshes; links lose their ``href`` (the original target stays in ``title``);
images, stylesheets and fonts point at the same capture's records through
``asset_url`` when archived there, and are left out otherwise; CSS (``<style>``,
``style=``, archived stylesheets) goes through :mod:`search_app.replay_css`.  It is
served with :data:`search_app.security.REPLAY_CSP` inside a sandboxed iframe, so even
what slipped through could neither run nor reach the live site.
"""

from __future__ import annotations

import re

from bs4 import Comment, Tag

from crawler.pages.document import PageError, decode_html, parse_html
from search_app.replay_css import AssetLookup, rewrite_css
from search_app.replay_css import absolute_http as _absolute

# Elements removed with their content.
DROP_TAGS = {
    "script",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "template",
    "portal",
    "audio",
    "video",
    "source",
    "track",
    "canvas",
    "dialog",
    "param",
    "set",
    "animate",
}
# Attributes that load or navigate somewhere (handled or dropped).
URL_ATTRS = {
    "src",
    "href",
    "srcset",
    "action",
    "formaction",
    "background",
    "poster",
    "data",
    "ping",
    "longdesc",
    "usemap",
    "codebase",
    "cite",
    "manifest",
    "xlink:href",
    "lowsrc",
    "dynsrc",
    "imagesrcset",
}
_IMAGE_DATA = re.compile(r"^data:image/(png|gif|jpeg|jpg|webp|bmp);", re.I)


def sanitize_capture(html: bytes | str, page_url: str, lookup: AssetLookup) -> str:
    """The captured page as inert HTML whose only requests go to archived assets."""
    if isinstance(html, bytes):
        try:
            html = decode_html(html)[0]
        except PageError:  # NUL bytes in an HTML capture: keep what can be read
            html = html.decode("utf-8", errors="replace")
    soup = parse_html(html, soup=True)
    base = page_url
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        base = _absolute(page_url, str(base_tag.get("href"))) or page_url
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()  # conditional comments can hold scripts for old browsers
    for tag in soup.find_all(list(DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.decomposed or tag.attrs is None:
            continue
        name = tag.name.lower()
        if name == "meta":
            if tag.get("http-equiv") or tag.get("charset"):
                tag.decompose()
            continue
        if name == "link":
            rels = [r.lower() for r in (tag.get("rel") or [])]
            href = _absolute(base, str(tag.get("href") or ""))
            target = lookup(href) if href and "stylesheet" in rels else None
            if target:
                media = tag.get("media")
                tag.attrs = {"rel": "stylesheet", "href": target}
                if isinstance(media, str):
                    tag.attrs["media"] = media
            else:
                tag.decompose()
            continue
        if name == "form":
            tag.name = "div"
        if name == "style":
            tag.string = rewrite_css(tag.get_text(), base, lookup)
        _clean_attributes(tag, name, base, lookup)
    head = soup.head
    if head is None:
        if soup.html is None:
            wrapper = soup.new_tag("html")
            for child in list(soup.contents):
                wrapper.append(child.extract())
            soup.append(wrapper)
        head = soup.new_tag("head")
        soup.html.insert(0, head)
    meta = soup.new_tag("meta", attrs={"charset": "utf-8"})
    head.insert(0, meta)
    referrer = soup.new_tag("meta", attrs={"name": "referrer", "content": "no-referrer"})
    head.insert(1, referrer)
    return "<!doctype html>\n" + str(soup.html)


def _clean_attributes(tag: Tag, name: str, base: str, lookup: AssetLookup) -> None:
    for attr in list(tag.attrs):
        key = attr.lower()
        value = tag.attrs[attr]
        if key.startswith("on") or key in ("formaction", "action", "ping", "srcset", "imagesrcset"):
            del tag.attrs[attr]
        elif key == "style":
            tag.attrs[attr] = rewrite_css(str(value), base, lookup)
        elif key == "href" and name in ("a", "area"):
            text = str(value).strip()
            del tag.attrs[attr]
            if text.startswith("#") and len(text) > 1:
                tag.attrs["href"] = text
            else:
                url = _absolute(base, text)
                if url:
                    tag.attrs["title"] = url
                    tag.attrs["data-original-href"] = url
        elif key == "src" and name in ("img", "input", "image"):
            text = str(value).strip()
            if _IMAGE_DATA.match(text):
                continue
            url = _absolute(base, text)
            target = lookup(url) if url else None
            if target:
                tag.attrs[attr] = target
            else:
                del tag.attrs[attr]
                tag.attrs["data-original-src"] = url or ""
                if name == "img":
                    _mark_missing(tag)  # replaces every attribute with safe ones
                    return
        elif key == "background":
            url = _absolute(base, str(value))
            target = lookup(url) if url else None
            if target:
                tag.attrs[attr] = target
            else:
                del tag.attrs[attr]
        elif _is_url_attr(key) or _is_script_url(value):
            del tag.attrs[attr]
    if "target" in tag.attrs:
        del tag.attrs["target"]


def _is_url_attr(key: str) -> bool:
    return key in URL_ATTRS or (":" in key and key.endswith("href"))


def _is_script_url(value: object) -> bool:
    return isinstance(value, str) and bool(re.match(r"\s*(javascript|vbscript|data):", value, re.I))


MISSING_STYLE = (
    "display:inline-block;box-sizing:border-box;border:1px dashed #999;color:#666;"
    "background:#f4f4f4;font:12px/1.3 sans-serif;padding:2px 6px;overflow:hidden;"
)


def _mark_missing(img: Tag) -> None:
    """Show an image that was not archived as a dashed box with its alt text."""
    size = ""
    for key in ("width", "height"):
        value = str(img.get(key) or "").strip()
        if value.isdigit() and 0 < int(value) <= 4000:
            size += f"{key}:{value}px;"
    img.name = "span"
    alt = str(img.get("alt") or "").strip()
    keep = {
        k: v for k, v in img.attrs.items() if k in ("id", "class", "title", "data-original-src")
    }
    img.attrs = keep
    img.attrs["style"] = MISSING_STYLE + size
    img.attrs["role"] = "img"
    img.attrs["aria-label"] = alt or "image not archived"
    img.string = alt or "\u2205"

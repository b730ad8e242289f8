"""Which HTML parser extraction and replay use: speed and text kept, against the HTML5 algorithm.

Usage::

    python bench/html_parser_bench.py [REALPAGES_DIR] [--passes 5] [--articles 40]

Pages: every ``*.html`` of ``REALPAGES_DIR`` (when given) and sample-portal
articles rendered in-process; each page also in a *hostile* variant where an
unclosed ``<embed>`` (and ``<wbr>``, ``<source>``, …) sits in the middle of its
text, as on Flash-era portals.  For each parser option the table shows the
median parse time per page and, against html5lib (the WHATWG tree-construction
algorithm, what a browser builds), the share of the reference's visible words
that the option's tree keeps *outside* void elements (text inside a void
element is what a page object drops with the element, so it counts as lost).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402

VOIDS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "keygen",
}
SKIP = {"script", "style", "noscript", "template", "title"}
HOSTILE = (
    '<EMBED src="/v.swf" width=400><wbr><object><param name=movie value=x>'
    "<embed src=x.swf></object><video><source src=a.mp4><track src=a.vtt></video><keygen>"
)


def _words_lxml(root) -> Counter:
    words: Counter = Counter()

    def walk(el, lost: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        inside = lost or tag in VOIDS
        if tag not in SKIP and not inside and el.text and isinstance(el.tag, str):
            words.update(el.text.split())
        for child in el:
            walk(child, inside or tag in SKIP)
            if child.tail and not lost and tag not in SKIP and tag not in VOIDS:
                words.update(child.tail.split())

    walk(root, False)
    return words


def _words_soup(soup) -> Counter:
    words: Counter = Counter()
    for s in soup.find_all(string=True):
        names = {p.name for p in s.parents}
        if names & SKIP or names & VOIDS or type(s).__name__ in ("Comment", "Doctype"):
            continue
        words.update(str(s).split())
    return words


def options():
    """name -> (parse function, words function)."""
    from html5lib import parse as html5_parse

    from crawler.pages.document import parse_html

    out = {
        "lxml.html (as before)": (lxml.html.document_fromstring, _words_lxml),
        "lxml + void pre-pass (parse_html)": (parse_html, _words_lxml),
        "html5lib -> lxml": (
            lambda t: html5_parse(t, treebuilder="lxml", namespaceHTMLElements=False).getroot(),
            _words_lxml,
        ),
        "bs4 lxml": (lambda t: BeautifulSoup(t, "lxml"), _words_soup),
        "bs4 html.parser": (lambda t: BeautifulSoup(t, "html.parser"), _words_soup),
        "bs4 html5lib": (lambda t: BeautifulSoup(t, "html5lib"), _words_soup),
    }
    return out


def pages(realpages: Path | None, n_articles: int) -> list[tuple[str, str]]:
    """(name, html) of the pages measured, each with its hostile variant."""
    from crawler.samples import model, render, specs

    found: list[tuple[str, str]] = []
    if realpages is not None and not realpages.is_dir():
        print(f"no directory {realpages}: sample-portal pages only")
    elif realpages is not None:
        for path in sorted(realpages.glob("*.html")):
            found.append((path.name, path.read_bytes().decode("utf-8", "replace")))
    for pid in specs.PORTAL_IDS:
        portal = model.get_portal(pid)
        for art in portal.articles[: max(1, n_articles // len(specs.PORTAL_IDS))]:
            resp = render.render(pid, art.url, base_url="http://127.0.0.1:8765")
            if resp.status == 200:
                found.append((f"{pid}/{art.id}", resp.body.decode("utf-8", "replace")))
    hostile = []
    for name, text in found:
        # the hostile tags go after the first paragraph that closes in the page's second half
        at = text.find("</p>", len(text) // 3)
        if at > 0:
            hostile.append((name + " +voids", text[: at + 4] + HOSTILE + text[at + 4 :]))
    return found + hostile


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("realpages", nargs="?", type=Path)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--articles", type=int, default=40)
    args = ap.parse_args(argv)
    docs = pages(args.realpages, args.articles)
    opts = options()
    ref_parse, ref_words = opts["html5lib -> lxml"]
    reference = [ref_words(ref_parse(text)) for _name, text in docs]
    print(f"{len(docs)} pages ({sum(len(t) for _n, t in docs) // 1024} KB), {args.passes} passes")
    print(f"{'parser':36} {'ms/page':>8} {'x lxml':>7} {'words kept':>11} {'pages w/ loss':>14}")
    base_ms = None
    for name, (parse, words_of) in opts.items():
        times = []
        for _ in range(args.passes):
            start = time.perf_counter()
            for _n, text in docs:
                parse(text)
            times.append((time.perf_counter() - start) * 1000 / len(docs))
        ms = statistics.median(times)
        base_ms = base_ms or ms
        kept = total = lossy = 0
        for (_n, text), ref in zip(docs, reference, strict=True):
            got = words_of(parse(text))
            page_kept = sum(min(c, got[w]) for w, c in ref.items())
            page_total = sum(ref.values())
            kept += page_kept
            total += page_total
            lossy += page_kept < page_total
        print(f"{name:36} {ms:8.2f} {ms / base_ms:7.1f} {kept / total:10.2%} {lossy:14d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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

Then the extraction line: CPU milliseconds per page of ``crawler.pages.extract`` (the page
objects, decoding and parse included) on the sample portals' every page, on ``REALPAGES_DIR``
and on the real-site snapshots named by ``--sites`` under ``--realsites DIR``, beside the lxml
parse of the same pages in the same process (``x parse``).  ``--extraction-only`` prints just
that line.

Where extraction's time goes (session 5, issue 12/14; py-spy at 400-500 Hz over every sample
page, shares of ``extract``): normalising text 25-30 % (``indexer.text.normalize``, ~0.13 ms
per 1,000 characters: each candidate paragraph of the main-text search, each body paragraph,
the whole body again for ``content_hash``), the main-text search (``main_text_block``, the
structural check every family article gets) ~22 % with its normalising, whole-page CSS
selectors ~18 %, BeautifulSoup4 building the region's tree ~14 %, libxml2's parse of the page
~9 % (a quarter of the time on real 100-200 KB SharePoint pages), decoding ~4 %.

What session 5 changed (same fields out, compared as JSON over every page of realpages, of
the five realsites snapshots and of the sample portals, each under its profile's family, the
detected one and ``generic``: 5,073 extractions, 0 differences):

* a whole-page selector that needs a class name or an id the page does not have is not run
  (most of a family's selectors on most pages; each run tests every element's class): the
  names are looked up in the markup, or, when a character reference could spell one, in the
  tree's list of class names and ids (``Document._may_match``);
* ``Document.resolve`` is cached per (base URL, link) (a portal's menus repeat on every page;
  ``guess_items`` resolved every link of a listing);
* ``body.build_body`` walks the region's BeautifulSoup tree itself instead of eight
  ``find_all`` calls (bs4 4.13+'s matching machinery cost more than the walk), and no longer
  asks ``Tag.decomposed`` of live tags (bs4 reads an unknown attribute as ``find("_decomposed")``:
  a search of the whole subtree per check);
* chrome and hidden tests remember each ancestor's answer during the main-text search and the
  guessed listing; ``text_of`` hands ``normalize`` the string the body paragraph is normalised
  from, so a short paragraph is normalised once per page.

CPU ms per page: each figure the median of 3 passes, every pass with cold per-process caches;
"before" (main at 9f49808) and "after" alternated in separate processes, three rounds, on a
2-core machine shared with seven other sessions (load average 8-10; CPU time, which the load
blurs less than wall time, but still ±15 % between rounds).  Median of the rounds, and the
after/before ratio of each round::

    set                                 pages   before   after   ratio per round
    sample portals (every page)           782     5.01    3.78   0.82 0.84 0.71
    realpages                              15    10.26    7.99   0.80 0.78 0.76
    krongno.daknong.gov.vn@2019-07-30     222     5.79    4.49   0.78 0.96 0.72
    stc.daknong.gov.vn@2019-08-05         382     6.32    5.57   0.79 0.83 0.88
    ldld.daknong.gov.vn@2019-08-06         63     9.50    8.82   0.76 0.90 0.93

A tenth to a quarter less, not the half issue 12 asked of this step.  What stands in the way: the
normalising (another helper's module; page objects call it on ~4-7 k characters a page, the
main-text search doing most of it), BeautifulSoup4's tree of the region (its Python handlers
per tag; building it from the lxml subtree instead of re-parsing the serialised region was
measured to give the same tree in 42,000 subtrees once libxml2's URI escaping of ``href``/``src``
and its boolean attributes are copied, but would save only the C re-parse, a few per cent),
the selectors that do match (each walks the whole tree), and libxml2's own parse.  Tried and
not kept: a tree walk feeding BeautifulSoup's builder (above); dropping ``_DROP_TAGS`` subtrees
before BeautifulSoup (3 % of a region's elements on the samples, under 1 % on real sites).
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


def extraction_sets(
    realpages: Path | None, realsites: Path | None, sites: list[str]
) -> dict[str, list[tuple[str, bytes, dict]]]:
    """(url, bytes, extract() arguments) of each page set the extraction line measures.

    The sample portals' every page (articles, listings, home page) with their profiles;
    the ``*.html`` of ``realpages``; each HTML page of the real-site snapshots named in
    ``sites`` (``HOST@DAY`` under ``realsites``, read from the tarball as they are), with
    the profile of the same name in ``data/portals``.
    """
    import re
    import tarfile

    from crawler.profiles import load_profile
    from crawler.samples import model, render, specs

    out: dict[str, list[tuple[str, bytes, dict]]] = {"sample portals": []}
    base = "http://127.0.0.1:8765"
    for pid in specs.PORTAL_IDS:
        profile = load_profile(ROOT / "data" / "portals" / f"{pid}.toml")
        portal = model.get_portal(pid)
        for rel in ["", *sorted(portal.by_url), *sorted(portal.listing_by_url)]:
            resp = render.render(pid, rel, base_url=base)
            ctype = resp.headers.get("Content-Type", "")
            if resp.status != 200 or "html" not in ctype:
                continue
            charset = re.search(r"charset=([\w-]+)", ctype)
            kwargs = {"profile": profile, "encoding": charset.group(1) if charset else None}
            out["sample portals"].append((f"{base}/{pid}/{rel}", resp.body, kwargs))
    if realpages is not None and realpages.is_dir():
        out["realpages"] = [
            (f"http://realpages.invalid/{path.name}", path.read_bytes(), {})
            for path in sorted(realpages.glob("*.html"))
        ]
    for site in sites if realsites is not None else []:
        tarball = realsites / f"{site}.tar.gz"
        if not tarball.is_file():
            print(f"no snapshot {tarball}: skipped")
            continue
        host = site.split("@")[0]
        profile_path = ROOT / "data" / "portals" / f"{host.split('.')[0]}.toml"
        kwargs = {"profile": load_profile(profile_path)} if profile_path.is_file() else {}
        pages = []
        with tarfile.open(tarball) as tf:
            for member in sorted(tf.getmembers(), key=lambda m: m.name):
                if member.isfile() and re.search(r"\.html?$", member.name, re.I):
                    path = member.name.removesuffix("index.html")
                    body = tf.extractfile(member).read()
                    pages.append((f"http://{host}/{path}", body, kwargs))
        out[site] = pages
    return out


def extraction_line(sets: dict[str, list[tuple[str, bytes, dict]]], passes: int) -> None:
    """CPU ms per page of ``crawler.pages.extract`` and of the lxml parse alone, per set.

    The parse (``lxml.html.document_fromstring`` on the decoded page) is the baseline, run
    in the same process on the same pages: ``x parse`` is what the page objects cost on top
    of the one parse they cannot avoid.  Every pass starts with the per-process caches
    (short strings' normalisation, resolved links) empty, as a new import's first page would.
    """
    import crawler.pages.document as document
    import indexer.text
    from crawler.pages import extract

    def cold() -> None:
        indexer.text._normalize_short.cache_clear()
        document._resolve.cache_clear()

    print()
    print(
        f"{'extraction (CPU, median)':36} {'pages':>6} {'extract ms':>11} {'parse ms':>9} {'x parse':>8}"
    )
    for name, pages in sets.items():
        if not pages:
            continue
        texts = []
        for _u, body, kw in pages:
            try:
                texts.append(document.decode_html(body, kw.get("encoding"))[0])
            except document.PageError:  # a binary "page": extract() refuses it too
                continue
        for url, body, kw in pages:
            extract(body, url, **kw)  # imports, compiled selectors
        ext, parse = [], []
        for _ in range(passes):
            cold()
            start = time.process_time()
            for url, body, kw in pages:
                extract(body, url, **kw)
            ext.append((time.process_time() - start) * 1000 / len(pages))
            start = time.process_time()
            for text in texts:
                if text.strip():
                    lxml.html.document_fromstring(text)
            parse.append((time.process_time() - start) * 1000 / len(pages))
        ms, base = statistics.median(ext), statistics.median(parse)
        print(f"{name:36} {len(pages):6d} {ms:11.2f} {base:9.2f} {ms / base:8.1f}")


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("realpages", nargs="?", type=Path)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument(
        "--realsites", type=Path, help="folder of real-site snapshots (../shared/realsites)"
    )
    ap.add_argument(
        "--sites",
        nargs="*",
        default=["krongno.daknong.gov.vn@2019-07-30", "stc.daknong.gov.vn@2019-08-05"],
        help="snapshots (HOST@DAY) of --realsites the extraction line reads",
    )
    ap.add_argument("--extraction-only", action="store_true", help="print only the extraction line")
    args = ap.parse_args(argv)
    if args.extraction_only:
        extraction_line(extraction_sets(args.realpages, args.realsites, args.sites), args.passes)
        return 0
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
    extraction_line(extraction_sets(args.realpages, args.realsites, args.sites), args.passes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Extraction quality and speed: our page objects against trafilatura, on gold-annotated pages.

Usage::

    python bench/extraction_eval.py DIR [--passes 5] [--json]

``DIR/GOLD.json`` lists pages (the format of ``shared/realpages/GOLD.json``):
``file``, ``url``, ``page_type`` and, for articles, ``title``, ``date_iso``,
``category``, ``author``, ``credit``, ``first_sentence``, ``last_sentence``,
``must_not_contain``, ``empty_body``, ``attachments``, ``media``; for listings
``items``, ``first_item``, ``next_page``.  Each check runs on our extractor and
on trafilatura side by side; a check the gold leaves open is shown as ``·``
and a check trafilatura cannot do at all (listing items) as ``-``.

Speed: every page is extracted once per pass, from bytes; the table shows the
median of the passes.  Exit status 1 when any check fails for our extractor.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urljoin

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.pages import extract  # noqa: E402
from indexer.text import normalize  # noqa: E402

ARTICLE_CHECKS = (
    "type",
    "title",
    "date",
    "category",
    "author/credit",
    "start",
    "end",
    "no chrome",
    "empty",
    "attach",
    "media",
)
LISTING_CHECKS = ("type", "items", "first item", "next page")
PASS, FAIL, OPEN, UNSUPPORTED = "✓", "✗", "·", "-"


def _same_url(ours: str | None, gold: str, base: str) -> bool:
    """URLs equal once both are absolute and decoded (HTTrack mirrors add '.html')."""
    if not ours:
        return False
    want = unquote(urljoin(base, gold)).rstrip("/")
    got = unquote(ours).rstrip("/")
    return got == want or got == want + ".html"


def _encoded(url: str) -> bool:
    return url.isascii() and " " not in url


def ours_fields(html: bytes, url: str) -> dict:
    """Our extraction, as a flat dict."""
    return extract(html, url).to_dict()


def traf_fields(html: bytes, url: str) -> dict:
    """trafilatura's extraction in our field names (it has no listing, credit or attachments)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if doc is None:
        return {"page_type": "other"}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    categories = data.get("categories") or []
    return {
        "page_type": "article",
        "title": data.get("title"),
        "published": data.get("date"),
        "category": ", ".join(categories) if isinstance(categories, list) else categories,
        "author": data.get("author"),
        "credit": None,
        "body_text": data.get("text") or "",
        "attachments": [],
        "media": [],
    }


def article_checks(gold: dict, got: dict, *, traf: bool) -> dict[str, str]:
    """Each article check: ✓, ✗ or · (not asked by the gold)."""
    res: dict[str, str] = {}
    ok = lambda cond: PASS if cond else FAIL  # noqa: E731
    res["type"] = ok(got.get("page_type") == "article")
    body = normalize(got.get("body_text") or "")
    res["title"] = ok(normalize(got.get("title") or "") == normalize(gold["title"]))
    published = got.get("published") or ""
    res["date"] = ok(published[:10] == gold.get("date_iso")) if gold.get("date_iso") else OPEN
    if gold.get("category"):
        res["category"] = ok(normalize(got.get("category") or "") == normalize(gold["category"]))
    else:
        res["category"] = OPEN
    author_ok = normalize(got.get("author") or "") == normalize(gold.get("author") or "")
    credit_ok = normalize(got.get("credit") or "") == normalize(gold.get("credit") or "")
    res["author/credit"] = ok(author_ok and credit_ok)
    first, last = gold.get("first_sentence"), gold.get("last_sentence")
    res["start"] = ok(body.startswith(normalize(first))) if first else OPEN
    res["end"] = ok(body.endswith(normalize(last))) if last else OPEN
    bad = [s for s in gold.get("must_not_contain") or [] if normalize(s) in body]
    res["no chrome"] = ok(not bad) if gold.get("must_not_contain") else OPEN
    res["empty"] = ok(body == "") if gold.get("empty_body") else OPEN
    wanted = gold.get("attachments") or []
    if wanted:
        urls = [a["url"] for a in got.get("attachments") or []]
        res["attach"] = ok(
            all(any(_same_url(u, w, gold["url"]) for u in urls) for w in wanted)
            and all(map(_encoded, urls))
        )
    else:
        res["attach"] = OPEN
    res["media"] = ok(bool(got.get("media"))) if gold.get("media") else OPEN
    return res


def listing_checks(gold: dict, got: dict, *, traf: bool) -> dict[str, str]:
    """Each listing check (trafilatura cannot list items: shown as '-')."""
    res: dict[str, str] = {}
    ok = lambda cond: PASS if cond else FAIL  # noqa: E731
    if gold["page_type"] == "homepage":
        res["type"] = ok(got.get("page_type") != "article")
        return {**{k: OPEN for k in LISTING_CHECKS}, **res}
    res["type"] = ok(got.get("page_type") == "listing")
    items = got.get("items") or []
    if traf:
        return {**{k: UNSUPPORTED for k in LISTING_CHECKS}, **res}
    res["items"] = ok(len(items) == gold["items"]) if gold.get("items") else ok(len(items) >= 2)
    if gold.get("first_item"):
        res["first item"] = ok(
            bool(items) and _same_url(items[0]["url"], gold["first_item"], gold["url"])
        )
    else:
        res["first item"] = OPEN
    if gold.get("next_page"):
        res["next page"] = ok(_same_url(got.get("next_page"), gold["next_page"], gold["url"]))
    else:
        res["next page"] = OPEN
    return res


def run(directory: Path, passes: int) -> tuple[str, dict, bool]:
    """Evaluate every gold page; returns the printed table, the figures, and whether ours passed all."""
    gold_pages = json.loads((directory / "GOLD.json").read_text(encoding="utf-8"))
    pages = [(g, (directory / g["file"]).read_bytes()) for g in gold_pages]
    lines: list[str] = []
    totals = {"ours": [0, 0], "trafilatura": [0, 0]}
    failures: list[str] = []

    def tally(name: str, checks: dict[str, str]) -> None:
        for value in checks.values():
            if value in (PASS, FAIL):
                totals[name][1] += 1
                totals[name][0] += value == PASS

    header_a = " ".join(f"{c[:8]:>8}" for c in ARTICLE_CHECKS)
    lines.append(f"{'page':44} {'who':5} {header_a}")
    listing_rows: list[str] = []
    for gold, html in pages:
        ours = ours_fields(html, gold["url"])
        traf = traf_fields(html, gold["url"])
        name = gold["file"].removesuffix(".html")[:44]
        if gold["page_type"] == "article":
            rows = [
                ("ours", article_checks(gold, ours, traf=False)),
                ("traf", article_checks(gold, traf, traf=True)),
            ]
            target, checks_order, width = lines, ARTICLE_CHECKS, 8
        else:
            rows = [
                ("ours", listing_checks(gold, ours, traf=False)),
                ("traf", listing_checks(gold, traf, traf=True)),
            ]
            target, checks_order, width = listing_rows, LISTING_CHECKS, 10
        for who, checks in rows:
            tally("ours" if who == "ours" else "trafilatura", checks)
            if who == "ours":
                failures += [f"{gold['file']}: {k}" for k, v in checks.items() if v == FAIL]
            cells = " ".join(f"{checks[c]:>{width}}" for c in checks_order)
            target.append(f"{name if who == 'ours' else '':44} {who:5} {cells}")
    lines.append("")
    lines.append(
        f"{'listing page':44} {'who':5} " + " ".join(f"{c[:10]:>10}" for c in LISTING_CHECKS)
    )
    lines += listing_rows

    def timed(fn) -> list[float]:
        runs = []
        for _ in range(passes):
            start = time.perf_counter()
            for gold, html in pages:
                fn(html, gold["url"])
            runs.append(time.perf_counter() - start)
        return runs

    speed = {}
    for who, fn in (("ours", ours_fields), ("trafilatura", traf_fields)):
        runs = timed(fn)
        median = statistics.median(runs)
        speed[who] = {"pages_per_s": len(pages) / median, "ms_per_page": 1000 * median / len(pages)}
    lines.append("")
    lines.append(
        f"{'extractor':12} {'checks passed':>14} {'pages/s':>9} {'ms/page':>9}   (median of {passes} passes, {len(pages)} pages)"
    )
    for who in ("ours", "trafilatura"):
        passed, total = totals[who]
        lines.append(
            f"{who:12} {f'{passed}/{total}':>14} {speed[who]['pages_per_s']:>9.1f} {speed[who]['ms_per_page']:>9.2f}"
        )
    if failures:
        lines.append("")
        lines.append("ours failed: " + "; ".join(failures))
    figures = {"totals": totals, "speed": speed, "failures": failures}
    return "\n".join(lines), figures, not failures


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="directory holding GOLD.json and the pages")
    parser.add_argument("--passes", type=int, default=5, help="timing passes (median reported)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.directory / "GOLD.json").is_file():
        print(f"error: {args.directory}/GOLD.json not found", file=sys.stderr)
        return 2
    try:
        table, figures, all_passed = run(args.directory, max(1, args.passes))
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot evaluate {args.directory}: {exc}", file=sys.stderr)
        return 2
    print(table)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())

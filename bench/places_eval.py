"""Precision and recall of place finding on hand-checked real articles.

    python bench/places_eval.py ../shared/realpages ../shared/realsites [--dump] [-v] [--gold FILE]

The gold (``bench/places_gold.json``) lists, for each article, the administrative units it
names, as facts only: the unit's full name before the 2025 reform (``Xã Nam Đà, Huyện
Krông Nô, Tỉnh Đắk Nông``), never any text of the article.  The articles are read from the
real pages and the real-site snapshots (``.tar.gz``, read in place) and extracted by our
page objects; places are found with ``indexer.text.places.find_article_places`` in the context
of the portal profile whose ``base_url`` has the page's host.

What counts (see the gold's ``rules``): every province, district and commune the title or
body names with a unit word (``xã``, ``huyện``, ``TP.``…) or in a list governed by one,
once per article.  A found place counts by its old-layer name (its new name when the text
used the name after the reform).  Precision = right found / found; recall = right found /
gold.  An uncertain place that names no commune counts as found (and wrong if no gold
unit has that name).

``--gold`` scores another gold file of the same format: ``bench/places_gold_heldout.json``
holds 33 articles that are not in ``places_gold.json`` (which the finder was tuned on),
checked by hand before the finder ever ran on them.

``--dump`` prints, for articles of the snapshots, every phrase with a unit word and what
the finder made of it: the sheet the gold was checked against by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.items import Article  # noqa: E402
from crawler.pages import extract  # noqa: E402
from crawler.profiles import PortalProfile, load_profiles  # noqa: E402
from indexer.text import normalize  # noqa: E402
from indexer.text.places import find_article_places  # noqa: E402
from indexer.text.places.gazetteer import gazetteer  # noqa: E402

GOLD = Path(__file__).with_name("places_gold.json")
_UNIT = re.compile(
    r"(?i)(?<![\w.])(tỉnh|thành phố|tp\.?|huyện|h\.|quận|thị xã|tx\.|thị trấn|tt\.|xã|phường)"
    r"(?:\s+(?:ủy|uỷ|đoàn))?\s+\S+(?:\s+\S+){0,3}"
)


def _profiles() -> dict[str, PortalProfile]:
    return {urlsplit(p.base_url).hostname or "": p for p in load_profiles()}


def read_page(source: str, path: str, realpages: Path, realsites: Path) -> tuple[bytes, str]:
    """The bytes of a page of the gold and its URL (``source``: realpages or a snapshot)."""
    if source == "realpages":
        gold = json.loads((realpages / "GOLD.json").read_text(encoding="utf-8"))
        entry = next(e for e in gold if e["file"] == path)
        return (realpages / path).read_bytes(), entry["url"]
    host = source.split("@", 1)[0]
    pages = _snapshot(realsites / f"{source}.tar.gz")
    if path not in pages:
        raise FileNotFoundError(f"{source}: {path}")
    route = path.removesuffix("index.html")
    return pages[path], f"http://{host}/{route}"


@lru_cache(maxsize=8)
def _snapshot(tar_path: Path) -> dict[str, bytes]:
    """Every HTML page of a snapshot, read in one pass (a .tar.gz cannot be sought in)."""
    out: dict[str, bytes] = {}
    with tarfile.open(tar_path) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".html"):
                fh = tar.extractfile(member)
                if fh is not None:
                    out[member.name] = fh.read()
    return out


def article_of(data: bytes, url: str, profiles: dict[str, PortalProfile]) -> Article | None:
    """The extracted article of a page (None when the page is not an article)."""
    profile = profiles.get(urlsplit(url).hostname or "")
    page = extract(data, url, profile=profile)
    return page if isinstance(page, Article) else None


def found_places(article: Article, profile: PortalProfile | None) -> list[dict]:
    """The places the finder reads in an extracted article."""
    return find_article_places(
        normalize(article.title),
        normalize(article.body_text, multiline=True),
        province=profile.province if profile else None,
        district=(profile.district or None) if profile else None,
        published=article.published,
    )


@lru_cache(maxsize=1)
def _older_provinces() -> dict[str, str]:
    """Province names changed before 2025 → their name in the old layer of the mapping."""
    return {o.name: o.became for o in gazetteer().older if o.level == "province"}


def _identity(place: dict) -> str:
    """The old-layer name a found place counts by (``Tỉnh Thừa Thiên Huế``: ``Thành phố Huế``,
    as ``thị xã Gia Nghĩa`` counts as ``Thành phố Gia Nghĩa``)."""
    name = place.get("old") or place["new"]
    return _older_provinces().get(name, name)


def evaluate(
    realpages: Path, realsites: Path, verbose: bool = False, gold_path: Path = GOLD
) -> dict[str, float]:
    """Score the finder on the gold; print one line per article with verbose."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    profiles = _profiles()
    tp = fp = fn = 0
    articles = 0
    for entry in gold["articles"]:
        data, url = read_page(entry["source"], entry["path"], realpages, realsites)
        article = article_of(data, url, profiles)
        if article is None:
            print(f"not an article any more: {entry['source']}/{entry['path']}", file=sys.stderr)
            fn += len(entry["places"])
            continue
        articles += 1
        profile = profiles.get(urlsplit(url).hostname or "")
        found = {_identity(p) for p in found_places(article, profile)}
        want = set(entry["places"])
        tp += len(found & want)
        fp += len(found - want)
        fn += len(want - found)
        if verbose and found != want:
            print(f"{entry['source']}/{entry['path']}")
            for name in sorted(found - want):
                print(f"   extra   {name}")
            for name in sorted(want - found):
                print(f"   missed  {name}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "articles": articles,
        "gold places": tp + fn,
        "found": tp + fp,
        "right": tp,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
    }


def _snapshot_pages(realsites: Path) -> Iterator[tuple[str, str, bytes]]:
    for tar_path in sorted(realsites.glob("*.tar.gz")):
        source = tar_path.name.removesuffix(".tar.gz")
        with tarfile.open(tar_path) as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith("index.html"):
                    fh = tar.extractfile(member)
                    if fh is not None:
                        yield source, member.name, fh.read()


def dump(realsites: Path) -> None:
    """Print each snapshot article's unit-word phrases and the finder's places."""
    profiles = _profiles()
    for source, path, data in _snapshot_pages(realsites):
        host = source.split("@", 1)[0]
        url = f"http://{host}/{path.removesuffix('index.html')}"
        article = article_of(data, url, profiles)
        if article is None or not article.body_text:
            continue
        profile = profiles.get(host)
        text = normalize(article.title) + "\n" + normalize(article.body_text, multiline=True)
        print(f"== {source} {path}")
        for m in dict.fromkeys(m.group(0) for m in _UNIT.finditer(text)):
            print(f"   phrase  {m}")
        for place in found_places(article, profile):
            flag = " (uncertain)" if place.get("uncertain") else ""
            print(f"   found   {_identity(place)}{flag}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("realpages", type=Path)
    parser.add_argument("realsites", type=Path)
    parser.add_argument("--dump", action="store_true", help="print the checking sheet")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the differences")
    parser.add_argument("--gold", type=Path, default=GOLD, help="gold file (default: %(default)s)")
    args = parser.parse_args()
    for path in (args.realpages, args.realsites):
        if not path.is_dir():
            parser.error(f"{path} is not a directory")
    if args.dump:
        dump(args.realsites)
        return 0
    if not args.gold.is_file():
        parser.error(f"{args.gold} is not a file")
    scores = evaluate(args.realpages, args.realsites, verbose=args.verbose, gold_path=args.gold)
    width = max(len(k) for k in scores)
    print(f"{'measure':{width}}  value")
    for key, value in scores.items():
        print(f"{key:{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

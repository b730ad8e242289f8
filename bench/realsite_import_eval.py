"""Real-site import check: a ``wget --warc-file`` capture of a real site, imported, against our crawl.

Usage::

    python bench/realsite_import_eval.py ../shared/realsites [--sites krongno,dakglong]
                                         [--at YYYY-MM-DD] [--keep DIR] [--json]

For each site (a shipped profile ``data/portals/<id>.toml`` whose host has a snapshot in
SNAPSHOT_DIR), it:

1. starts ``SNAPSHOT_DIR/replay.py`` on a free port (the snapshots served at their real URLs);
2. fetches the site through it with Debian's ``wget --warc-file --recursive --level=inf
   --no-parent`` from the profile's home page (a tool we did not write, as a librarian
   would run it), and imports that WARC with ``vnarchive import`` into an empty archive;
3. crawls the same site through the same proxy with ``vnarchive crawl`` into another empty
   archive (politeness off, as ``bench/realsite_eval.py`` does);
4. compares the two archives: articles in both, only in the crawl, only in the import
   (matched by URL, the canonical URL and every URL the store links to the article,
   ``/a/b`` and ``/a/b/`` alike), and for the articles in both, how many have the same
   title, date, category and body (exactly equal after the store's normalisation), with
   the first differences shown.

Articles only one side has are reported with their URL: the two tools discover pages
differently (wget follows every link of every page; our crawl follows the profile's
scope and its discovery rules), so the sets need not be equal; the fields of the
articles both hold must be.  Exit status 0; the table is the result.

Last run (December 2026): krongno 101 articles in both, 7 only in the crawl (listing pages
``page/4/``… that wget never reached: none of them is in its WARC), stc 81/81, dakglong
17/17, ldld 21/21; title, date, category, body and places equal for every article both
hold.  Before the import read listing dates and places as the crawl does, stc imported 62
of the crawl's 77 articles and no article had places.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for path in (ROOT, BENCH):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from realsite_eval import Replay, crawl, url_key  # noqa: E402

FIELDS = ("title", "published", "category", "body_text", "places")


def wget_capture(home: str, proxy: str, work: Path) -> tuple[Path, int, float]:
    """Fetch a site with ``wget --warc-file`` through the proxy: (WARC, exit code, seconds)."""
    wget = shutil.which("wget")
    if wget is None:
        raise SystemExit("wget is not installed (apt-get install wget)")
    env = dict(os.environ, http_proxy=proxy, HTTP_PROXY=proxy)
    for key in ("no_proxy", "NO_PROXY"):
        env.pop(key, None)
    start = time.perf_counter()
    done = subprocess.run(
        [
            wget,
            f"--warc-file={work / 'wget'}",
            "--recursive",
            "--level=inf",
            "--no-parent",
            "--no-verbose",
            "--tries=2",
            "--delete-after",
            "--no-directories",
            f"--directory-prefix={work / 'wget-files'}",
            home,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    # exit 8: some links answered errors (a real site's dead links and left-out images)
    return work / "wget.warc.gz", done.returncode, time.perf_counter() - start


def run_import(site: str, warc: Path, data: Path, portals: Path) -> tuple[int, float, str]:
    """``vnarchive import WARC --portal SITE --quiet``: (exit code, seconds, its summary)."""
    env = dict(os.environ, VNARCHIVE_DATA=str(data), VNARCHIVE_PORTALS=str(portals))
    env.pop("VNARCHIVE_DB_URL", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "vnarchive", "import", str(warc), "--portal", site, "--quiet"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    return done.returncode, time.perf_counter() - start, (done.stdout + done.stderr).strip()


def archive(data: Path, site: str) -> list[dict]:
    """The stored articles of ``site``, each with ``_keys``: every URL it is known under."""
    from indexer.store.archive import ArchiveStore

    store = ArchiveStore(f"sqlite:///{data / 'archive.sqlite'}", create=False)
    try:
        arts = list(store.iter_articles(portal=site))
        urls = dict(store.known_urls(site))
    finally:
        store.engine.dispose()
    aliases: dict[str, set[str]] = {}
    for seen, row in urls.items():
        aliases.setdefault(row["id"], set()).add(url_key(seen))
    for art in arts:
        art["_keys"] = {url_key(art["url"]), url_key(art["canonical_url"])} | aliases.get(
            art["id"], set()
        )
    return arts


def compare(ours: list[dict], theirs: list[dict]) -> dict:
    """Article sets and field agreement of our crawl (``ours``) and the import (``theirs``)."""
    by_key: dict[str, dict] = {}
    for art in theirs:
        for key in art["_keys"]:
            by_key.setdefault(key, art)
    pairs: list[tuple[dict, dict]] = []
    only_ours: list[str] = []
    matched: set[str] = set()
    for art in ours:
        twin = next((by_key[k] for k in sorted(art["_keys"]) if k in by_key), None)
        if twin is None:
            only_ours.append(art["canonical_url"])
        else:
            pairs.append((art, twin))
            matched.add(twin["id"])
    only_theirs = [a["canonical_url"] for a in theirs if a["id"] not in matched]
    same = dict.fromkeys(FIELDS, 0)
    diffs: list[str] = []
    for mine, other in pairs:
        for name in FIELDS:
            if (mine[name] or None) == (other[name] or None):
                same[name] += 1
            elif len(diffs) < 12:
                diffs.append(
                    f"{mine['canonical_url']} {name}: crawl {str(mine[name])[:70]!r} "
                    f"vs import {str(other[name])[:70]!r}"
                )
    exact_urls = sum(1 for m, o in pairs if m["canonical_url"] == o["canonical_url"])
    return {
        "crawl": len(ours),
        "import": len(theirs),
        "both": len(pairs),
        "same_canonical_url": exact_urls,
        "only_crawl": sorted(only_ours),
        "only_import": sorted(only_theirs),
        "same": same,
        "diffs": diffs,
    }


def print_table(results: list[dict]) -> None:
    """The comparison table, then each site's differences."""
    head = (
        f"{'site':<10} {'wget resp':>9} {'html':>5} {'crawl':>6} {'import':>6} {'both':>5} "
        + " ".join(f"{n[:9]:>9}" for n in FIELDS)
        + f" {'import s':>8}"
    )
    print("\nreal-site import check: wget --warc-file capture imported vs vnarchive crawl")
    print(head)
    print("-" * len(head))
    for r in results:
        both = r["both"] or 1
        print(
            f"{r['site']:<10} {r['wget_responses']:>9} {r['wget_html']:>5} {r['crawl']:>6} {r['import']:>6} "
            f"{r['both']:>5} "
            + " ".join(f"{r['same'][n] / both:>9.0%}" for n in FIELDS)
            + f" {r['import_seconds']:>8.1f}"
        )
    for r in results:
        print(f"\n{r['site']}: {r['summary']}")
        print(f"  canonical URL identical for {r['same_canonical_url']}/{r['both']}")
        for label, urls in (
            ("only in the crawl", r["only_crawl"]),
            ("only in the import", r["only_import"]),
        ):
            if urls:
                shown = ", ".join(urls[:8]) + (" …" if len(urls) > 8 else "")
                print(f"  {label} ({len(urls)}): {shown}")
        print(
            f"  of the {len(r['only_crawl'])} only in the crawl, "
            f"{len(r['only_crawl_in_warc'])} are in the wget WARC (import-side misses): "
            + (", ".join(r["only_crawl_in_warc"][:8]) or "none")
        )
        for line in r["diffs"]:
            print(f"  differs: {line}")


def _captured(warc: Path) -> tuple[int, set[str]]:
    """(response records, URL keys of its HTML 200 responses) of a WARC."""
    from warcio.archiveiterator import ArchiveIterator

    count, html = 0, set()
    with open(warc, "rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type != "response":
                continue
            count += 1
            http = rec.http_headers
            if (
                http
                and http.get_statuscode() == "200"
                and "html" in (http.get_header("Content-Type") or "")
            ):
                html.add(url_key(rec.rec_headers.get_header("WARC-Target-URI")))
    return count, html


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("snapshot_dir", type=Path, help="the folder of the snapshots and replay.py")
    ap.add_argument("--sites", default="krongno", help="comma-separated portal ids (shipped)")
    ap.add_argument("--at", help="replay each host's snapshot of this day or before (YYYY-MM-DD)")
    ap.add_argument("--keep", type=Path, help="keep each site's work folder under this folder")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args(argv)
    snapshots = args.snapshot_dir.resolve()
    if not (snapshots / "replay.py").exists():
        print(f"{snapshots}: no replay.py here", file=sys.stderr)
        return 2
    replay = Replay(snapshots, args.at)
    results = []
    try:
        for site in args.sites.split(","):
            shipped = ROOT / "data" / "portals" / f"{site}.toml"
            with shipped.open("rb") as fh:
                home = tomllib.load(fh)["base_url"]
            work = Path(tempfile.mkdtemp(prefix=f"realsite-import-{site}-"))
            portals = work / "portals"
            portals.mkdir()
            shutil.copy(shipped, portals / shipped.name)
            warc, wget_code, wget_seconds = wget_capture(home, replay.url, work)
            code, import_seconds, summary = run_import(site, warc, work / "imported", portals)
            if code != 0:
                print(f"{site}: import exit {code}\n{summary}", file=sys.stderr)
            crawl_code, crawl_seconds, tail = crawl(site, work / "crawled", portals, replay.url)
            if crawl_code != 0:
                print(f"{site}: crawl exit {crawl_code}\n{tail}", file=sys.stderr)
            result = compare(archive(work / "crawled", site), archive(work / "imported", site))
            responses, html = _captured(warc)
            result.update(
                wget_responses=responses,
                wget_html=len(html),
                # an article only the crawl has that wget captured: an import-side miss
                only_crawl_in_warc=sorted(u for u in result["only_crawl"] if url_key(u) in html),
                site=site,
                wget_exit=wget_code,
                wget_seconds=wget_seconds,
                import_seconds=import_seconds,
                crawl_seconds=crawl_seconds,
                summary=" | ".join(summary.splitlines()),
            )
            results.append(result)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copytree(work, args.keep / site, dirs_exist_ok=True)
            shutil.rmtree(work, ignore_errors=True)
    finally:
        replay.close()
    print_table(results)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real-site evaluation: crawl real portal snapshots from their home page and score the archive.

Usage::

    python bench/realsite_eval.py ../shared/realsites [--sites krongno,dakglong] [--at YYYY-MM-DD]
                                  [--minimal-profiles] [--family NAME] [--json] [--keep DIR]

For each site that has gold under ``bench/realsite_gold/`` and a snapshot in SNAPSHOT_DIR, it:

1. starts ``SNAPSHOT_DIR/replay.py`` on a free port (the snapshots served at their real URLs);
2. runs ``vnarchive crawl <id>`` in a fresh ``$VNARCHIVE_DATA`` with ``http_proxy`` pointing at
   the replay and politeness off (the delay a polite crawl would spend is computed instead:
   pages fetched × the profile's download delay);
3. scores the archive against the gold: articles archived out of those reachable from the home
   page; title, date, category, author/credit, body start and end right; pages stored as
   articles that are not articles; pages fetched per article.

The profile crawled is the shipped ``data/portals/<id>.toml`` when there is one, else (or with
``--minimal-profiles``) a minimal one an admin would write: id, name, province, family and the
home page as the only start URL; ``--family generic`` crawls with the generic page object, as a
site of a CMS the page objects do not know would be read.  Field scores count every reachable article (one that was not archived
is wrong on every field).  Exit status 0; the table is the result.  Figures depend on the
machine only through the crawl time column.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from realsite_facts import body_facts, norm_sentence, paragraphs_of  # noqa: E402

GOLD_DIR = BENCH / "realsite_gold"
SNAPSHOT = re.compile(r"^(?P<host>[^@]+)@(?P<day>\d{4}-\d{2}-\d{2})\.(?:tar\.gz|json)$")
FAMILIES = {"ldld": "liferay62"}  # minimal profiles: the family an admin reads off the markup
DEFAULT_FAMILY = "sharepoint2010"
FIELDS = ("title", "date", "category", "author/credit", "body start", "body end")


def url_key(url: str | None) -> str:
    """A URL as compared: host and decoded path without the trailing slash, query kept."""
    if not url:
        return ""
    parts = urlsplit(url)
    path = unquote(parts.path or "/").rstrip("/")
    return f"{(parts.hostname or '').lower()}{path}" + (f"?{parts.query}" if parts.query else "")


def same(ours: str | None, gold: str | None, alts: list[str] | tuple = ()) -> bool:
    """Equal once case, punctuation and spacing are set aside (None only equals None)."""
    if not gold:
        return not (ours and norm_sentence(ours))
    if not ours:
        return False
    mine = norm_sentence(ours)
    return any(mine == norm_sentence(g) for g in (gold, *alts))


def load_gold(snapshot_dir: Path, sites: set[str] | None, at: str | None) -> list[dict]:
    """The gold of every site to score: one per site, its newest snapshot on or before ``at``."""
    chosen: dict[str, dict] = {}
    for path in sorted(GOLD_DIR.glob("*.json")):
        match = SNAPSHOT.match(path.name)
        if not match or (at and match["day"] > at):
            continue
        gold = json.loads(path.read_text(encoding="utf-8"))
        if sites and gold["site"] not in sites:
            continue
        if not (snapshot_dir / f"{gold['snapshot']}.tar.gz").exists():
            print(f"{gold['snapshot']}: no snapshot in {snapshot_dir}, skipped", file=sys.stderr)
            continue
        if gold["site"] not in chosen or gold["snapshot"] > chosen[gold["site"]]["snapshot"]:
            chosen[gold["site"]] = gold
    return [chosen[s] for s in sorted(chosen)]


class Replay:
    """``replay.py`` running on a free port (stopped on exit)."""

    def __init__(self, snapshot_dir: Path, at: str | None) -> None:
        cmd = [sys.executable, str(snapshot_dir / "replay.py"), "--port", "0", "--quiet"]
        if at:
            cmd += ["--at", at]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        self.url = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            found = re.search(r"proxy on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        if not self.url:
            self.close()
            raise RuntimeError("replay.py did not start (no 'proxy on …' line)")

    def close(self) -> None:
        """Stop the replay."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def write_profile(
    gold: dict, portals: Path, minimal: bool, family: str | None = None
) -> tuple[Path, str]:
    """The profile to crawl, in ``portals``; returns (path, 'shipped' or 'minimal').
    ``family`` overrides the minimal profile's (``generic``: an admin who cannot tell)."""
    site = gold["site"]
    shipped = ROOT / "data" / "portals" / f"{site}.toml"
    target = portals / f"{site}.toml"
    if shipped.exists() and not minimal and family is None:
        shutil.copy(shipped, target)
        return target, "shipped"
    family = family or FAMILIES.get(site, DEFAULT_FAMILY)
    target.write_text(
        f'id = "{site}"\nname = "{site}"\nprovince = "Đắk Nông"\nfamily = "{family}"\n'
        f'base_url = "{gold["home"]}"\nstart_urls = ["{gold["home"]}"]\n'
        "[politeness]\ndownload_delay = 2.0\n",
        encoding="utf-8",
    )
    return target, f"minimal, family {family}"


def crawl(site: str, data: Path, portals: Path, proxy: str) -> tuple[int, float, str]:
    """Run ``vnarchive crawl``; returns (exit code, seconds, last lines of output)."""
    env = dict(os.environ)
    env.update(
        VNARCHIVE_DATA=str(data),
        VNARCHIVE_PORTALS=str(portals),
        http_proxy=proxy,
        HTTP_PROXY=proxy,
        VNARCHIVE_POLITENESS="0",
        VNARCHIVE_DOWNLOAD_DELAY="0",
        VNARCHIVE_AUTOTHROTTLE="0",
        VNARCHIVE_PROGRESS_INTERVAL="60",
    )
    for key in ("no_proxy", "NO_PROXY", "VNARCHIVE_DB_URL"):
        env.pop(key, None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "vnarchive", "crawl", site, "--no-health"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
    return done.returncode, time.perf_counter() - start, tail


def archived(data: Path, site: str) -> tuple[list[dict], dict]:
    """The stored articles of ``site`` and its last job row."""
    from indexer.store.archive import ArchiveStore

    store = ArchiveStore(f"sqlite:///{data / 'archive.sqlite'}", create=False)
    try:
        arts = list(store.iter_articles(portal=site))
        jobs = store.list_jobs(portal=site, limit=1)
        urls = dict(store.known_urls(site))
    finally:
        store.engine.dispose()
    aliases: dict[str, list[str]] = {}
    for seen, row in urls.items():
        aliases.setdefault(row["id"], []).append(seen)
    for art in arts:
        art["_urls"] = {
            url_key(u)
            for u in [art["url"], art.get("canonical_url"), *aliases.get(art["id"], [])]
            if u
        }
    return arts, (jobs[0] if jobs else {})


def score(gold: dict, arts: list[dict], job: dict, delay: float) -> dict:
    """Per-site figures (see the module docstring)."""
    by_url: dict[str, dict] = {}
    for art in arts:
        for key in art["_urls"]:
            by_url.setdefault(key, art)
    page_type = {url_key(p["url"]): p["type"] for p in gold["pages"]}
    gold_arts = gold["articles"]
    found = 0
    right = dict.fromkeys((*FIELDS, "title+date+body"), 0)
    misses: dict[str, list[str]] = {k: [] for k in (*FIELDS, "missing")}
    matched_ids = set()
    for g in gold_arts:
        art = by_url.get(url_key(g["url"]))
        if art is None:
            misses["missing"].append(g["url"])
            continue
        found += 1
        matched_ids.add(art["id"])
        facts = body_facts(paragraphs_of(art.get("body_text") or ""))
        ok = {
            "title": same(art.get("title"), g["title"]),
            "date": (art.get("published") or "")[:10] == (g["date"] or ""),
            "category": same(art.get("category"), g["category"]),
            "author/credit": same(art.get("author"), g["author"], g.get("author_alt", []))
            and same(art.get("credit"), g["credit"]),
            "body start": facts["first"] == g["body"]["first"],
            "body end": facts["last"] == g["body"]["last"],
        }
        for key, good in ok.items():
            right[key] += good
            if not good:
                misses[key].append(g["url"])
        right["title+date+body"] += (
            ok["title"] and ok["date"] and ok["body start"] and ok["body end"]
        )
    wrong = []
    for art in arts:
        if art["id"] in matched_ids:
            continue
        kinds = {page_type.get(k, "unknown") for k in art["_urls"]}
        if "article" not in kinds:
            wrong.append((art["url"], ",".join(sorted(kinds))))
    pages = int(job.get("pages") or 0)
    total = len(gold_arts)
    return {
        "site": gold["site"],
        "snapshot": gold["snapshot"],
        "reachable": total,
        "archived": found,
        "right": right,
        "stored": len(arts),
        "stored_non_articles": len(wrong),
        "non_articles": wrong,
        "pages": pages,
        "pages_per_article": pages / found if found else None,
        "polite_minutes": pages * delay / 60,
        "delay": delay,
        "job_status": job.get("status"),
        "misses": misses,
    }


def extract_only(gold: dict, snapshot_dir: Path, family: str) -> tuple[list[dict], dict]:
    """Every gold page extracted straight from the snapshot (no crawl): stored-like articles.

    Scores extraction and page classification apart from site discovery: an article is
    "archived" when ``crawler.pages.extract`` calls its page an Article.  A listing's dated
    items lend their date to an article whose page shows none, as the spider does.
    """
    import importlib.util

    from crawler.items import Article, Listing
    from crawler.pages import FamilyFit, extract

    spec = importlib.util.spec_from_file_location("replay", snapshot_dir / "replay.py")
    replay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replay)
    match = SNAPSHOT.match(f"{gold['snapshot']}.tar.gz")
    site = replay.Site(snapshot_dir / f"{gold['snapshot']}.tar.gz", match["host"], match["day"])
    arts, dates, kinds = [], {}, {}
    fit = FamilyFit(family)  # judged over the first pages, as a crawl judges it
    for page in gold["pages"]:
        parts = urlsplit(page["url"])
        status, body, _name = site.lookup(parts.path or "/", parts.query)
        if status != 200:
            continue
        result = extract(body, page["url"], family=family, fit=fit)
        kinds[page["url"]] = result.page_type
        if isinstance(result, Article):
            art = result.to_dict()
            art["id"] = page["url"]
            art["_urls"] = {url_key(page["url"])}
            arts.append(art)
        elif isinstance(result, Listing):
            for item in result.items:
                if item.published:
                    dates.setdefault(url_key(item.url), item.published)
    for art in arts:
        if not art.get("published"):
            art["published"] = dates.get(url_key(art["url"]))
    return arts, {"pages": len(kinds), "status": "extract-only", "kinds": kinds}


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f} %" if d else "   - "


def print_table(results: list[dict]) -> None:
    """One block per site."""
    for r in results:
        total = r["reachable"]
        print(f"\n{r['site']} ({r['snapshot']}, profile {r['profile']}, job {r['job_status']})")
        print(
            f"  {'articles archived':28} {r['archived']:4d} / {total:<4d} {pct(r['archived'], total)}"
        )
        for key in (*FIELDS, "title+date+body"):
            print(
                f"  {key + ' right':28} {r['right'][key]:4d} / {total:<4d} {pct(r['right'][key], total)}"
            )
        print(
            f"  {'stored non-articles':28} {r['stored_non_articles']:4d} / {r['stored']:<4d} "
            f"{pct(r['stored_non_articles'], r['stored'])}"
        )
        ppa = f"{r['pages_per_article']:.2f}" if r["pages_per_article"] else "-"
        print(f"  {'pages fetched':28} {r['pages']:4d}   ({ppa} per archived article)")
        print(
            f"  {'crawl time':28} {r['seconds']:6.1f} s here; at the profile's "
            f"{r['delay']:g} s delay ≈ {r['polite_minutes']:.1f} min"
        )
        for key, urls in r["misses"].items():
            if urls:
                print(
                    f"    {key} wrong/missing ({len(urls)}): "
                    + ", ".join(u.split("/", 3)[3] or "/" for u in urls[:6])
                    + (" …" if len(urls) > 6 else "")
                )
        if r["non_articles"]:
            print(
                "    stored non-articles: "
                + ", ".join(f"{u} ({k})" for u, k in r["non_articles"][:6])
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("snapshot_dir", type=Path, help="the folder of the snapshots and replay.py")
    ap.add_argument("--sites", help="comma-separated site ids (default: every site with gold)")
    ap.add_argument("--at", help="replay each host's snapshot of this day or before (YYYY-MM-DD)")
    ap.add_argument("--minimal-profiles", action="store_true", help="never the shipped profiles")
    ap.add_argument(
        "--family",
        help="the CMS family of the minimal profiles (implies them; generic: a site of a "
        "family the page objects do not know, as an unseen CMS would be read)",
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument(
        "--extract-only",
        action="store_true",
        help="no crawl: extract every gold page from the snapshot and score that",
    )
    ap.add_argument("--keep", type=Path, help="keep each crawl's data folder under this folder")
    args = ap.parse_args(argv)
    snapshots = args.snapshot_dir.resolve()
    if not (snapshots / "replay.py").exists():
        print(f"{snapshots}: no replay.py here", file=sys.stderr)
        return 2
    golds = load_gold(snapshots, set(args.sites.split(",")) if args.sites else None, args.at)
    if not golds:
        print("no site to score", file=sys.stderr)
        return 2
    results = []
    if args.extract_only:
        for gold in golds:
            start = time.perf_counter()
            family = args.family or FAMILIES.get(gold["site"], DEFAULT_FAMILY)
            arts, job = extract_only(gold, snapshots, family)
            result = score(gold, arts, job, 0.0)
            result.update(profile=f"none ({family})", seconds=time.perf_counter() - start, exit=0)
            results.append(result)
        print_table(results)
        if args.json:
            print(json.dumps(results, indent=1, ensure_ascii=False))
        return 0
    replay = Replay(snapshots, args.at)
    try:
        for gold in golds:
            work = Path(tempfile.mkdtemp(prefix=f"realsite-{gold['site']}-"))
            portals = work / "portals"
            portals.mkdir()
            profile_path, kind = write_profile(gold, portals, args.minimal_profiles, args.family)
            with profile_path.open("rb") as fh:
                prof = tomllib.load(fh)
            delay = float(prof.get("politeness", {}).get("download_delay", 1.0))
            code, seconds, tail = crawl(gold["site"], work / "data", portals, replay.url)
            if code != 0:
                print(f"{gold['site']}: crawl exit {code}\n{tail}", file=sys.stderr)
            arts, job = archived(work / "data", gold["site"]) if code in (0, 1) else ([], {})
            result = score(gold, arts, job, delay)
            result.update(profile=kind, seconds=seconds, exit=code)
            results.append(result)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copytree(work, args.keep / gold["site"], dirs_exist_ok=True)
            shutil.rmtree(work, ignore_errors=True)
    finally:
        replay.close()
    print_table(results)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

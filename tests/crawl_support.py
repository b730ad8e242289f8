"""Helpers for the crawl tests: run `vnarchive crawl` as a real process against the sample
server, compare an archive with a sample portal's ground truth, snapshot an archive."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from indexer.store.archive import ArchiveStore

REPO = Path(__file__).resolve().parents[1]
TRUTH_DIR = REPO / "crawler" / "samples" / "truth"
SAMPLE_PORTALS = ("sample-sp2010", "sample-liferay62", "sample-liferayqb", "sample-wordpress")
FIELDS = (
    "title",
    "published",
    "category",
    "author",
    "credit",
    "summary",
    "body_text",
    "attachments",
    "images",
    "media",
)


def archive_store(data_dir: Path) -> ArchiveStore:
    """The SQLite archive store of a test crawl's data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")


def set_mode(samples_url: str, portal: str, mode: str) -> None:
    """Switch a sample portal to a control mode (normal, down, redirect, …)."""
    import urllib.request

    request = urllib.request.Request(
        f"{samples_url}/_control/{portal}",
        data=json.dumps({"mode": mode}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["mode"] == mode


def crawl_env(data_dir: Path, samples_url: str, **extra: str) -> dict[str, str]:
    """The environment of a test crawl: own data dir, the test server, no politeness waits."""
    env = os.environ.copy()
    env.update(
        VNARCHIVE_DATA=str(data_dir),
        VNARCHIVE_SAMPLES_URL=samples_url,
        VNARCHIVE_POLITENESS="0",
        VNARCHIVE_RETRY_BACKOFF="0",
        VNARCHIVE_PROGRESS_INTERVAL="0.5",
    )
    env.pop("VNARCHIVE_DB_URL", None)
    env.pop("VNARCHIVE_PORTALS", None)
    env.update(extra)
    return env


def crawl_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "vnarchive", "crawl", *args]


def run_crawl(
    data_dir: Path, samples_url: str, *args: str, timeout: float = 900, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``vnarchive crawl ARGS`` to the end; returns the finished process."""
    return subprocess.run(
        crawl_cmd(*args),
        cwd=REPO,
        env=crawl_env(data_dir, samples_url, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_scrapy_crawl(
    data_dir: Path, samples_url: str, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy crawl portal ARGS`` (Scrapy's own command, from the repo root) to the end."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", *args],
        cwd=REPO,
        env=crawl_env(data_dir, samples_url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_crawl(data_dir: Path, samples_url: str, *args: str, **extra: str) -> subprocess.Popen:
    """Start ``vnarchive crawl ARGS`` in the background."""
    return subprocess.Popen(
        crawl_cmd(*args),
        cwd=REPO,
        env=crawl_env(data_dir, samples_url, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_articles(store: ArchiveStore, portal: str, count: int, timeout: float = 120) -> int:
    """Poll the store until ``portal`` has at least ``count`` articles; return how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            have = store.count_articles(portal)
        except Exception:  # the crawl may be creating the schema
            have = 0
        if have >= count:
            return have
        time.sleep(0.05)
    raise AssertionError(f"{portal}: fewer than {count} articles after {timeout}s")


def profiles_with_family(
    folder: Path, portal: str, family: str, first: list[str] | None = None
) -> Path:
    """A profiles folder (for ``VNARCHIVE_PORTALS``) holding a sample portal's shipped
    profile with ``family`` in place of its own (and ``first``, URLs relative to the
    portal, as its first start URLs)."""
    source = (REPO / "data" / "portals" / f"{portal}.toml").read_text(encoding="utf-8")
    own = re.search(r'^family = "(\w+)"$', source, re.M)
    assert own is not None, f"{portal}: no family line"
    source = source.replace(own.group(0), f'family = "{family}"')
    if first:
        starts = "".join(f'    "${{VNARCHIVE_SAMPLES_URL}}/{portal}/{url}",\n' for url in first)
        source = source.replace("start_urls = [\n", f"start_urls = [\n{starts}", 1)
    folder.mkdir(parents=True)
    (folder / f"{portal}.toml").write_text(source, encoding="utf-8")
    return folder


def truth(portal: str) -> dict[str, Any]:
    return json.loads((TRUTH_DIR / f"{portal}.json").read_text(encoding="utf-8"))


def portal_prefix(samples_url: str, portal: str) -> str:
    return f"{samples_url}/{portal}/"


def compare_with_truth(store: ArchiveStore, portal: str, samples_url: str) -> dict[str, Any]:
    """Archive vs ground truth: {missing: [urls], extra: [urls], fields: {field: [urls]}}."""
    data = truth(portal)
    prefix = portal_prefix(samples_url, portal)
    found_ids: set[str] = set()
    missing: list[str] = []
    mismatches: dict[str, list[str]] = {}
    for art in data["articles"]:
        url = urljoin(prefix, art["url"])
        row = store.find_article_by_url(url)
        if row is None:
            missing.append(art["url"])
            continue
        found_ids.add(row["id"])
        expected = {
            "title": art["title"],
            "category": art["category"],
            "author": art["author"],
            "credit": art["credit"],
            "summary": art["summary"],
            "body_text": art["body_text"],
            "attachments": sorted(
                (urljoin(prefix, a["url"]), a["name"]) for a in art["attachments"]
            ),
            "images": [urljoin(prefix, u) for u in art["images"]],
            "media": [urljoin(prefix, u) for u in art["media"]],
        }
        got = {
            "title": row["title"],
            "category": row["category"],
            "author": row["author"],
            "credit": row["credit"],
            "summary": row["summary"],
            "body_text": row["body_text"],
            "attachments": sorted((a["url"], a["name"]) for a in row["attachments"]),
            "images": row["images"],
            "media": row["media"],
        }
        # a date-only truth matches the date part; a datetime must match exactly
        want_date = art["published"]
        got_date = row["published"]
        date_ok = (
            got_date == want_date
            if want_date is None or "T" in want_date
            else (got_date or "")[:10] == want_date
        )
        if not date_ok:
            mismatches.setdefault("published", []).append(art["url"])
        for field in expected:
            if expected[field] != got[field]:
                mismatches.setdefault(field, []).append(art["url"])
    extra = [row["url"] for row in store.iter_articles(portal=portal) if row["id"] not in found_ids]
    return {
        "truth": len(data["articles"]),
        "found": len(found_ids),
        "missing": missing,
        "extra": extra,
        "fields": mismatches,
    }


def warc_responses(data_dir: Path, portal: str) -> list[tuple[str, int]]:
    """(URL, status) of every response record in a portal's WARC files."""
    from warcio.archiveiterator import ArchiveIterator

    out: list[tuple[str, int]] = []
    for path in sorted((data_dir / "warc" / portal).glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
                    out.append((record.rec_headers.get_header("WARC-Target-URI"), status))
    return out


def in_portal(url: str, samples_url: str, portal: str) -> bool:
    """Whether ``url`` is inside the portal (or is its host's robots.txt)."""
    base = urlsplit(samples_url)
    parts = urlsplit(url)
    if (parts.hostname, parts.port) != (base.hostname, base.port):
        return False
    return parts.path == "/robots.txt" or parts.path.startswith(f"/{portal}/")


SNAPSHOT_FIELDS = (
    "id",
    "portal",
    "url",
    "canonical_url",
    "province",
    "district",
    "title",
    "published",
    "category",
    "author",
    "credit",
    "summary",
    "body_text",
    "images",
    "media",
    "content_hash",
    "status",
    "duplicate_of",
    "title_words",  # the word segmentation, made once per version (indexer.text.words)
    "body_words",
)


def snapshot(store: ArchiveStore, portal: str) -> dict[str, dict[str, Any]]:
    """What an archive holds for a portal, without capture times or WARC offsets."""
    out: dict[str, dict[str, Any]] = {}
    rows = list(store.iter_articles(portal=portal))
    attachments = store.attachments_for([r["id"] for r in rows])
    for row in rows:
        item = {k: row[k] for k in SNAPSHOT_FIELDS}
        item["versions"] = [v["content_hash"] for v in store.versions_of(row["id"])]
        item["attachments"] = sorted(
            (a["url"], a["name"], a["status"]) for a in attachments.get(row["id"], [])
        )
        item["has_warc"] = bool(row["warc_file"]) and row["warc_offset"] is not None
        out[row["id"]] = item
    return out


def urls_of(store: ArchiveStore, portal: str) -> dict[str, str]:
    """Every URL the archive knows for a portal → article id."""
    return {url: info["id"] for url, info in store.known_urls(portal).items()}

"""Import of captures made by other tools: a WARC written by Debian's ``wget --warc-file``
fetching a sample portal imports to the same articles (titles, dates, bodies) as our own
crawl of it; a re-run adds nothing; Wayback-style URLs map back to the original with the
capture's date (an older text becomes a version); a damaged record is skipped with its
offset; a WACZ we exported imports to the same articles; an import killed between two
of its transactions keeps what it committed and its re-run adds the rest, once."""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crawl_support import REPO, crawl_env, profiles_with_family, run_crawl, truth
from fastapi.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.import_sources import original_url
from indexer.store.archive import ArchiveStore
from search_app.app import create_app

pytestmark = pytest.mark.slow
PORTAL = "sample-liferayqb"
FIELDS = ("title", "published", "body_text", "category", "title_words", "body_words")


def _import(data_dir: Path, samples_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", "import", *args, "--portal", PORTAL],
        cwd=REPO,
        env=crawl_env(data_dir, samples_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _articles(data_dir: Path) -> dict[str, dict]:
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    return {r["canonical_url"]: r for r in store.iter_articles(portal=PORTAL)}


def _same(ours: dict[str, dict], theirs: dict[str, dict]) -> None:
    assert theirs.keys() == ours.keys()
    for url, row in ours.items():
        for name in FIELDS:
            assert theirs[url][name] == row[name], (url, name)


@pytest.fixture(scope="module")
def wget_warc(samples_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wget = shutil.which("wget")
    if wget is None:
        pytest.skip("Debian's wget is not installed (apt-get install wget)")
    tmp = tmp_path_factory.mktemp("wget")
    done = subprocess.run(
        [
            wget,
            f"--warc-file={tmp / 'site'}",
            "--recursive",
            "--level=inf",
            "--no-parent",
            "--no-verbose",
            "--reject-regex=lich/",  # the portal's calendar trap
            "--retry-on-http-error=500",
            "--tries=3",
            "--delete-after",
            "--no-directories",
            f"--directory-prefix={tmp / 'files'}",
            f"{samples_server}/{PORTAL}/",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # exit 8: some pages answered errors (the portal's dead link, on purpose)
    assert done.returncode in (0, 8), done.stderr[-2000:]
    return tmp / "site.warc.gz"


def test_a_wget_warc_imports_as_our_crawl_archives(
    wget_warc: Path, samples_url: str, tmp_path: Path
) -> None:
    crawled = run_crawl(tmp_path / "crawl", samples_url, PORTAL, "--no-health")
    assert crawled.returncode == 0, crawled.stderr
    ours = _articles(tmp_path / "crawl")
    assert len(ours) == len(truth(PORTAL)["articles"])

    first = _import(tmp_path / "imported", samples_url, str(wget_warc))
    assert first.returncode == 0, first.stderr
    assert f"articles new {len(ours)}," in first.stdout, first.stdout
    assert "importing into" in first.stderr  # the progress bar
    theirs = _articles(tmp_path / "imported")
    _same(ours, theirs)
    # the capture's own date is first/last seen; each points at its record in our copy
    with open(wget_warc, "rb") as fh:
        dates = {
            r.rec_headers.get_header("WARC-Target-URI"): r.rec_headers.get_header("WARC-Date")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        }
    for row in theirs.values():
        seen = {row[k].strftime("%Y-%m-%dT%H:%M:%SZ") for k in ("first_seen", "last_seen")}
        assert seen <= set(dates.values()) and row["first_seen"] <= row["last_seen"]
        assert row["warc_file"].startswith(f"warc/{PORTAL}/imported/")

    # our app replays the imported captures and says where they came from
    client = TestClient(create_app(data_dir=tmp_path / "imported"))
    row = next(iter(theirs.values()))
    page = client.get(f"/articles/{row['id']}/original")
    assert page.status_code == 200 and 'id="capture-source"' in page.text
    assert wget_warc.name in page.text
    replay = client.get(f"/replay/{row['id']}")
    assert replay.status_code == 200 and "<script" not in replay.text.lower()
    assert row["title"].split()[0] in replay.text
    ours_page = TestClient(create_app(data_dir=tmp_path / "crawl")).get(
        f"/articles/{row['id']}/original"
    )
    assert f"vnarchive-{PORTAL}-" in ours_page.text and 'id="capture-source"' in ours_page.text

    # run again (as after an interruption): nothing is added twice
    again = _import(tmp_path / "imported", samples_url, str(wget_warc.parent))
    assert again.returncode == 0, again.stderr
    assert "articles new 0, changed 0, versions 0" in again.stdout, again.stdout
    after = _articles(tmp_path / "imported")
    assert {u: r["seq"] for u, r in after.items()} == {u: r["seq"] for u, r in theirs.items()}

    # and a WACZ exported from our crawl imports to the same articles
    env = crawl_env(tmp_path / "crawl", samples_url)
    wacz = tmp_path / "ours.wacz"
    done = subprocess.run(
        [sys.executable, "-m", "vnarchive", "warc", "export", PORTAL, "-o", str(wacz)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    from_wacz = _import(tmp_path / "from-wacz", samples_url, str(wacz), "--quiet")
    assert from_wacz.returncode == 0, from_wacz.stderr
    _same(ours, _articles(tmp_path / "from-wacz"))


def _tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Every row an import writes (articles, versions, URLs, attachments), in order."""
    conn = sqlite3.connect(data_dir / "archive.sqlite")
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()  # noqa: S608
            for table, order in (
                ("articles", "seq, id"),
                ("versions", "id"),
                ("article_urls", "url"),
                ("attachments", "id"),
            )
        }
    finally:
        conn.close()


def test_worker_processes_import_the_archive_one_process_imports(
    wget_warc: Path, samples_url: str, tmp_path: Path
) -> None:
    """``--workers 2``: the pages are read in two worker processes and stored here in
    capture order; every row comes out as ``--workers 1`` writes it (words, places, order)."""
    one = _import(tmp_path / "one", samples_url, str(wget_warc), "--quiet")
    assert one.returncode == 0, one.stderr
    two = _import(tmp_path / "two", samples_url, str(wget_warc), "--quiet", "--workers", "2")
    assert two.returncode == 0, two.stderr
    assert two.stdout == one.stdout  # the same summary
    assert "articles new 0," not in two.stdout
    assert _tables(tmp_path / "two") == _tables(tmp_path / "one")
    # and a re-run with workers adds nothing
    again = _import(tmp_path / "two", samples_url, str(wget_warc), "--quiet", "--workers", "2")
    assert "articles new 0, changed 0, versions 0" in again.stdout, again.stdout
    assert _tables(tmp_path / "two") == _tables(tmp_path / "one")


def test_a_profile_naming_the_wrong_family_still_imports_the_articles(
    wget_warc: Path, samples_url: str, tmp_path: Path
) -> None:
    """The profile says WordPress, the captures are Liferay: none of the first pages shows a
    WordPress marker, so they and the rest are read by the family their markup shows
    (liferay_qb), the articles are marked rescued, and the summary tells the admin to check
    the profile (one process: each worker process judges over its own pages)."""
    # five article pages first (their URLs name no title): read while WordPress is judged
    articles_first = tmp_path / "articles-first.warc.gz"
    _articles_first(wget_warc, articles_first, 5)
    right = _import(tmp_path / "right", samples_url, str(articles_first), "--quiet")
    assert right.returncode == 0, right.stderr
    ours = _articles(tmp_path / "right")
    profiles = profiles_with_family(tmp_path / "portals", PORTAL, "wordpress")
    wrong = subprocess.run(
        [sys.executable, "-m", "vnarchive", "import", str(articles_first), "--portal", PORTAL],
        cwd=REPO,
        env=crawl_env(tmp_path / "wrong", samples_url, VNARCHIVE_PORTALS=str(profiles)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert wrong.returncode == 0, wrong.stderr
    theirs = _articles(tmp_path / "wrong")
    # the first pages, read while the family was judged, are read again after the verdict
    _same(ours, theirs)
    rescued = re.search(r"rescued (\d+): articles on which none of the 'wordpress'", wrong.stdout)
    assert rescued and int(rescued.group(1)) >= len(theirs), wrong.stdout


def _articles_first(source: Path, path: Path, count: int) -> None:
    """A copy of a WARC's response records with ``count`` article pages moved first."""
    records = []
    with open(source, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                date = record.rec_headers.get_header("WARC-Date")
                records.append((uri, date, record.http_headers, record.content_stream().read()))
    first = [r for r in records if "view-article" in r[0]][:count]
    assert len(first) == count
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for uri, date, http, body in first + [r for r in records if r not in first]:
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date},
                )
            )


def _wayback_warc(path: Path, pages: list[tuple[str, bytes]], *, damaged_at: int) -> None:
    """A WARC as the Wayback Machine serves it: replay URLs, one record damaged."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n, (url, body) in enumerate(pages):
            if n == damaged_at:
                fh.write(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\nbroken"))
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"https://web.archive.org/web/20190611000000id_/{url}",
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
            )
            writer.write_record(record)


def test_wayback_urls_older_texts_and_a_damaged_record(
    wget_warc: Path, samples_url: str, tmp_path: Path
) -> None:
    assert original_url("https://web.archive.org/web/20190611000000/http://h.vn/a?b=1") == (
        "http://h.vn/a?b=1",
        "20190611000000",
    )
    assert original_url("http://h.vn/web/2019/x") == ("http://h.vn/web/2019/x", None)
    data_dir = tmp_path / "data"
    assert _import(data_dir, samples_url, str(wget_warc), "--quiet").returncode == 0
    now = _articles(data_dir)
    chosen = sorted(now)[:3]
    pages = []
    with open(wget_warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "response" and url in chosen:
                body = record.content_stream().read()
                paragraph = now[url]["body_text"].split("\n")[-1]
                older = body.replace(
                    paragraph.encode(), b"Ban cu, nam 2019: " + paragraph.encode(), 1
                )
                pages.append((url, older if url != chosen[2] else body))
    assert len(pages) == 3
    wayback = tmp_path / "wayback.warc.gz"
    _wayback_warc(wayback, pages, damaged_at=1)
    done = _import(data_dir, samples_url, str(wayback), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "bad record: wayback.warc.gz at offset" in done.stdout, done.stdout
    assert "versions 2" in done.stdout and "duplicates 1" in done.stdout, done.stdout

    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    after = _articles(data_dir)
    assert after.keys() == now.keys()  # never a second article
    for url in chosen:
        row = after[url]
        assert row["body_text"] == now[url]["body_text"]  # the article keeps its latest text
        assert row["first_seen"].isoformat().startswith("2019-06-11")  # seen since 2019
        versions = store.versions_of(row["id"])
        if url == chosen[2]:
            assert len(versions) == 1  # the same text again: nothing
            continue
        assert len(versions) == 2
        assert versions[0]["captured_at"].isoformat().startswith("2019-06-11")
        assert "Ban cu, nam 2019" in versions[0]["body_text"]


_SENTENCE = re.compile(rb"([.!?]) (?=[^\s<])")
_TITLED = re.compile(rb'<title>|<[a-z][a-z0-9]*\s[^>]*class="[^"]*title[^"]*"[^>]*>', re.I)


def _copies_warc(source: Path, path: Path, copies: int) -> None:
    """``copies`` copies of every response of ``source``, each under its own URL and, for
    HTML, with its own title and sentences (every copy a new article)."""
    with open(source, "rb") as fh:
        responses = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(fh)
            if r.rec_type == "response" and r.http_headers is not None
        ]
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for copy in range(copies):
            for url, http, body in responses:
                if "html" in (http.get_header("Content-Type") or ""):
                    body = _TITLED.sub(rb"\g<0>%d " % copy, _SENTENCE.sub(rb"\1 %d " % copy, body))
                headers = [(k, v) for k, v in http.headers if k.lower() != "content-length"]
                record = writer.create_warc_record(
                    f"{url}{'&' if '?' in url else '?'}copy={copy}",
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=StatusAndHeaders(http.statusline, headers, protocol="HTTP/1.1"),
                )
                writer.write_record(record)


def _stored(data_dir: Path) -> tuple[int, int, int]:
    """(articles, versions, URLs) committed in an archive, read while an import writes."""
    path = data_dir / "archive.sqlite"
    if not path.exists():
        return (0, 0, 0)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return tuple(  # type: ignore[return-value]
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "versions", "article_urls")
        )
    except sqlite3.OperationalError:  # not created yet
        return (0, 0, 0)
    finally:
        db.close()


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Whether a process is alive (a zombie no parent reaped is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_import_killed_between_batches_loses_nothing_committed_and_adds_nothing_twice(
    workers: str, wget_warc: Path, samples_url: str, tmp_path: Path
) -> None:
    """With worker processes too: they end with the killed import, and the re-run (with
    workers) adds what was not committed."""
    big = tmp_path / "copies.warc.gz"
    _copies_warc(wget_warc, big, copies=6)
    whole = _import(tmp_path / "whole", samples_url, str(big), "--quiet")
    assert whole.returncode == 0, whole.stderr
    expected = _articles(tmp_path / "whole")
    total = _stored(tmp_path / "whole")
    assert total[0] == len(expected) > 100 and total[1] == total[0]

    # the same import, 7 pages a transaction, killed (SIGKILL) after some batches committed
    data_dir = tmp_path / "killed"
    cmd = [sys.executable, "-m", "vnarchive", "import", str(big), "--portal", PORTAL, "--quiet"]
    cmd += ["--workers", workers]
    env = crawl_env(data_dir, samples_url, VNARCHIVE_IMPORT_BATCH="7")
    children: list[int] = []
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while _stored(data_dir)[0] < 15 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the import ended before it could be killed"
        children = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout:
            proc.stdout.close()
    if workers != "1":
        assert len(children) >= 2  # the workers (and multiprocessing's resource tracker)
    deadline = time.monotonic() + 30
    while any(map(_running, children)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [c for c in children if _running(c)], "workers outlived the killed import"
    committed = _stored(data_dir)
    # a batch is all or nothing: whole articles with their version and URL, never a part
    assert 15 <= committed[0] < total[0], committed
    assert committed[1] == committed[0] and committed[2] >= committed[0]
    partial = _articles(data_dir)
    for url, row in partial.items():
        assert row["body_text"] == expected[url]["body_text"] and row["title_words"]

    again = _import(data_dir, samples_url, str(big), "--quiet", "--workers", workers)
    assert again.returncode == 0, again.stderr
    assert f"articles new {total[0] - committed[0]}," in again.stdout, again.stdout
    assert _stored(data_dir) == total  # nothing twice: one version and one URL set each
    after = _articles(data_dir)
    _same(expected, after)
    for url, row in partial.items():  # what was committed before the kill stayed as it was
        assert after[url]["seq"] == row["seq"] and after[url]["warc_offset"] == row["warc_offset"]

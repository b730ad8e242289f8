"""pywb, the standard replay tool, as a real client of our WARC files (one test: the
crawls behind it are the expensive part).

Crawl a sample portal, change one article through the sample server's control API,
re-crawl it (``--full``: unchanged articles answer 304 and become revisit records), put
both WARC files into one pywb collection with ``wb-manager add`` and replay through
``wayback`` on 127.0.0.1:

* every unchanged article's latest capture is a revisit, and pywb replays it as its
  200 content;
* the changed article has two captures, and each replays with its own text;
* the page requisites (images) replay in pywb and in our app, the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from crawl_support import run_crawl, truth

from crawler.warc.reader import read_capture
from indexer.store.archive import ArchiveStore
from vnarchive.cli import main

pytestmark = pytest.mark.slow
PORTAL = "sample-wordpress"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name) or str(BIN / name)
    if not Path(found).exists():
        pytest.skip(f"pywb is not installed ({name} missing): pip install -e '.[dev]'")
    return found


def _control(samples_url: str, **fields: str) -> dict:
    request = urllib.request.Request(
        f"{samples_url}/_control/{PORTAL}",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def pywb_collection(
    samples_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict]:
    wb_manager, wayback = _tool("wb-manager"), _tool("wayback")
    data_dir = tmp_path / "data"
    monkeypatch.setenv("VNARCHIVE_DATA", str(data_dir))
    first = run_crawl(data_dir, samples_url, PORTAL, "--no-health")
    assert first.returncode == 0, first.stderr
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    archived = {row["url"] for row in store.iter_articles(portal=PORTAL)}
    edited = next(
        a for a in truth(PORTAL)["articles"] if f"{samples_url}/{PORTAL}/{a['url']}" in archived
    )
    _control(samples_url, edit=edited["id"])
    second = run_crawl(data_dir, samples_url, PORTAL, "--full", "--no-health")
    assert second.returncode == 0, second.stderr
    warcs = [data_dir / job["warc_file"] for job in reversed(store.list_jobs(portal=PORTAL))]
    assert len(warcs) == 2

    root = tmp_path / "pywb"
    root.mkdir()
    for args in (["init", "archive"], ["add", "archive", *map(str, warcs)]):
        done = subprocess.run(
            [wb_manager, *args], cwd=root, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    # the file names are unique, so wb-manager kept both
    assert sorted(p.name for p in (root / "collections/archive/archive").iterdir()) == sorted(
        p.name for p in warcs
    )
    # WACZ out: `vnarchive warc export`, checked by the wacz package's validator, and
    # opened by pywb as a collection of its own
    wacz_file = tmp_path / "portal.wacz"
    exported = CliRunner().invoke(main, ["warc", "export", PORTAL, "-o", str(wacz_file)])
    assert exported.exit_code == 0, exported.output
    done = subprocess.run(
        [_tool("wacz"), "validate", "-f", str(wacz_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for args in (["init", "fromwacz"], ["add", "--unpack-wacz", "fromwacz", str(wacz_file)]):
        done = subprocess.run(
            [wb_manager, *args], cwd=root, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    port = _free_port()
    server = subprocess.Popen(
        [wayback, "-p", str(port), "-b", "127.0.0.1", "-t", "2"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/archive"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("wayback did not start")
        yield {
            "base": base,
            "store": store,
            "edited": edited,
            "samples_url": samples_url,
            "wacz": wacz_file,
            "wacz_base": f"http://127.0.0.1:{port}/fromwacz",
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def _captures(base: str, url: str) -> list[dict]:
    status, body = _get(f"{base}/cdx?url={quote(url, safe='')}&output=json")
    assert status == 200, body[:300]
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


def test_pywb_replays_latest_captures_and_both_versions(pywb_collection: dict) -> None:
    base, store = pywb_collection["base"], pywb_collection["store"]
    edited_url = f"{pywb_collection['samples_url']}/{PORTAL}/{pywb_collection['edited']['url']}"
    edited_row = store.find_article_by_url(edited_url)
    revisited = 0
    rows = list(store.iter_articles(portal=PORTAL))
    for row in rows:
        captures = _captures(base, row["url"])
        if row["id"] == edited_row["id"]:
            continue
        # the sample portal answers some pages 500 once: a first capture, then its retry
        assert len(captures) in (2, 3), (row["url"], captures)
        if captures[-1].get("mime") == "warc/revisit":
            revisited += 1
        # the latest capture (a revisit of a 304), replayed raw, is the article's page:
        # the bytes of the capture the archive points at
        status, body = _get(f"{base}/2100id_/{row['url']}")
        assert status == 200, (row["url"], status, body[:200])
        assert body == read_capture(row["warc_file"], row["warc_offset"]).body
    assert revisited >= len(rows) - 2

    captures = _captures(base, edited_url)
    assert [c.get("mime") for c in captures] == ["text/html", "text/html"]
    versions = store.versions_of(edited_row["id"])
    assert len(versions) == 2
    for capture, version in zip(captures, versions, strict=True):
        status, body = _get(f"{base}/{capture['timestamp']}id_/{edited_url}")
        assert status == 200
        assert body == read_capture(version["warc_file"], version["warc_offset"]).body
    assert versions[0]["body_text"] != versions[1]["body_text"]

    # the WACZ: every article once in pages.jsonl with its title, the same bytes in pywb
    with zipfile.ZipFile(pywb_collection["wacz"]) as zf:
        names = set(zf.namelist())
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        package = json.loads(zf.read("datapackage.json"))
    assert {"indexes/index.cdx", "datapackage.json", "datapackage-digest.json"} <= names
    assert package["wacz_version"] == "1.1.1"
    assert pages[0]["format"] == "json-pages-1.0"
    assert {(p["url"], p["title"]) for p in pages[1:]} == {(r["url"], r["title"]) for r in rows}
    row = rows[0]
    status, body = _get(f"{pywb_collection['wacz_base']}/2100id_/{row['url']}")
    assert status == 200 and body == read_capture(row["warc_file"], row["warc_offset"]).body
    # --from/--to: only the articles published then
    dated = sorted(r["published"][:10] for r in rows if r["published"])
    cut = dated[len(dated) // 2]
    part = pywb_collection["wacz"].with_name("part.wacz")
    exported = CliRunner().invoke(main, ["warc", "export", PORTAL, "--from", cut, "-o", str(part)])
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(part) as zf:
        lines = zf.read("pages/pages.jsonl").splitlines()[1:]
    expected = {r["url"] for r in rows if r["published"] and r["published"][:10] >= cut}
    assert {json.loads(line)["url"] for line in lines} == expected

    # page requisites: the article pages' images were captured (same host, in the WARC
    # only, not as articles), and pywb and our own replay both serve them
    from fastapi.testclient import TestClient

    from search_app.app import create_app

    rows = [r for r in store.iter_articles(portal=PORTAL) if r["images"]]
    assert rows, "the sample portal has articles with images"
    assert store.count_articles(PORTAL) == len(truth(PORTAL)["articles"])  # none added
    client = TestClient(create_app(data_dir=Path(os.environ["VNARCHIVE_DATA"])))
    for row in rows[:5]:
        image = row["images"][0]
        status, from_pywb = _get(f"{base}/2100id_/{image}")
        assert status == 200 and len(from_pywb) > 100, (image, status)
        page = client.get(f"/replay/{row['id']}")
        asset = f"/replay/{row['id']}/asset?url={quote(image, safe='')}"
        assert asset.replace("&", "&amp;") in page.text or asset in page.text
        ours = client.get(asset)
        assert ours.status_code == 200 and ours.headers["content-type"].startswith("image/")
        assert ours.content == from_pywb

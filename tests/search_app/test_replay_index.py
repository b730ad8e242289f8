"""Replay finds records through the CDXJ index beside the WARC, never by scanning the WARC:
on a finished file, on a file still being written (new records found on the next request
without reading the file again), and through a revisit record to the capture it refers to.

"Never a scan" is measured as bytes the process read (``rchar`` of /proc/self/io) while
serving a replay, against the size of a WARC padded with 24 MB of other captures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crawler.items import Article
from crawler.warc.files import warc_file_name
from crawler.warc.revisits import PriorCaptures
from crawler.warc.writer import WarcFile
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from search_app.app import create_app

HOST = "http://replay.sample"
PAGE = (
    '<html><head><link rel="stylesheet" href="/style.css"></head>'
    '<body><h1>Thông báo {n}</h1><img src="/logo.png"><p>Nội dung bài {n}.</p></body></html>'
)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")

IO = Path("/proc/self/io")
pytestmark = pytest.mark.skipif(not IO.exists(), reason="needs /proc/self/io (Linux)")


def _read_bytes() -> int:
    for line in IO.read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def _put(w: WarcFile, url: str, body: bytes, ctype: str, status: int = 200):
    return w.write_exchange(
        url=url,
        method="GET",
        request_headers=[],
        request_body=b"",
        status=status,
        response_headers=[("Content-Type", ctype)],
        body=body,
    )


def _pad(w: WarcFile, megabytes: int) -> None:
    chunk = 256 * 1024
    for i in range(megabytes * 4):
        _put(w, f"{HOST}/files/{i}.bin", os.urandom(chunk), "application/octet-stream")


def _article(store: ArchiveStore, n: int, ref, edit: str = "") -> str:  # noqa: ANN001
    body = f"Nội dung bài {n}{edit}."
    art = Article(
        url=f"{HOST}/bai-{n}",
        portal="replay",
        title=f"Thông báo {n}",
        published="2019-06-11",
        body_text=body,
        content_hash=content_hash(body),
    )
    return store.upsert_article(art, warc=ref)[1]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("VNARCHIVE_DATA", str(path))
    return path


def test_replay_reads_the_index_not_the_warc(data_dir: Path) -> None:
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    folder = data_dir / "warc" / "replay"
    path = folder / warc_file_name("replay", 1)
    w = WarcFile(path)
    _pad(w, 12)
    _put(w, f"{HOST}/style.css", b"h1{color:#a00}", "text/css")
    _put(w, f"{HOST}/logo.png", PNG, "image/png")
    first = _article(store, 1, _put(w, f"{HOST}/bai-1", PAGE.format(n=1).encode(), "text/html"))
    _pad(w, 12)
    client = TestClient(create_app(data_dir=data_dir))

    # 1. a file still being written: its open index is read
    before = _read_bytes()
    page = client.get(f"/replay/{first}")
    assert page.status_code == 200
    assert f"/replay/{first}/asset?url=" in page.text and "Thông báo 1" in page.text
    assert client.get(f"/replay/{first}/asset", params={"url": f"{HOST}/logo.png"}).content == PNG
    read = _read_bytes() - before
    size = path.stat().st_size
    assert size > 24_000_000
    assert read < size / 10, f"read {read} bytes of a {size}-byte WARC"

    # new records of the running crawl are found on the next request, still without a scan
    second = _article(store, 2, _put(w, f"{HOST}/bai-2", PAGE.format(n=2).encode(), "text/html"))
    before = _read_bytes()
    assert "Thông báo 2" in client.get(f"/replay/{second}").text
    assert _read_bytes() - before < size / 10

    # 2. the finished file: its sorted .cdxj, bisected
    w.close()
    before = _read_bytes()
    css = client.get(f"/replay/{first}/asset", params={"url": f"{HOST}/style.css"})
    assert css.status_code == 200 and "#a00" in css.text
    assert _read_bytes() - before < size / 10

    # 3. a re-crawl: the page and its requisites are revisits of the first file's records
    later = folder / warc_file_name("replay", 2)
    with WarcFile(later, priors=PriorCaptures.load(folder)) as w2:
        _put(w2, f"{HOST}/style.css", b"h1{color:#a00}", "text/css")
        _put(w2, f"{HOST}/logo.png", PNG, "image/png")
        assert w2.revisits == 2
        changed = PAGE.format(n=1).replace("bài 1", "bài 1 (sửa)").encode()
        ref = _put(w2, f"{HOST}/bai-1", changed, "text/html")
    assert ref.file.endswith(later.name)
    assert (
        _article(store, 1, ref, " (sửa)") == first
    )  # a changed version pointing into the second file
    page = client.get(f"/replay/{first}")
    assert "bài 1 (sửa)" in page.text
    # its logo is a revisit in the second file: served from the first file's record
    logo = client.get(f"/replay/{first}/asset", params={"url": f"{HOST}/logo.png"})
    assert logo.status_code == 200 and logo.content == PNG
    missing = client.get(f"/replay/{first}/asset", params={"url": f"{HOST}/none.png"})
    assert missing.status_code == 404

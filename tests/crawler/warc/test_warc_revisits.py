"""Standard WARC writing: WARC/1.1 records agreeing with warcinfo, revisit records for 304s
and identical payloads (pointing back at the record holding the content), and a CDXJ index
beside each finished file, byte for byte what the real ``cdxj-indexer --sort`` writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.warc import cdxj, cdxj_index
from crawler.warc.files import warc_file_name
from crawler.warc.reader import read_capture
from crawler.warc.revisits import PriorCaptures
from crawler.warc.writer import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, WarcFile

BASE = "http://127.0.0.1:1/p/"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def _exchange(w: WarcFile, name: str, status: int = 200, body: bytes | None = None):
    if body is None:
        body = f"<html><body><p>Bài {name}: Ủy ban nhân dân huyện</p></body></html>".encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("ETag", f'"{name}"')]
    if status == 304:
        body = b""
        headers = [("ETag", f'"{name}"'), ("Date", "Fri, 04 Dec 2026 10:00:00 GMT")]
    return w.write_exchange(
        url=BASE + name,
        method="GET",
        request_headers=[("User-Agent", "vnarchive/test")],
        request_body=b"",
        status=status,
        response_headers=headers,
        body=body,
    )


def _records(path: Path) -> list:
    out = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            out.append(
                (
                    record.rec_type,
                    record.rec_headers.protocol,
                    dict(record.rec_headers.headers),
                    record.http_headers.statusline if record.http_headers else None,
                    record.content_stream().read(),
                )
            )
    return out


def _cdxj_indexer(path: Path) -> str:
    exe = shutil.which("cdxj-indexer") or str(Path(sys.executable).with_name("cdxj-indexer"))
    if not Path(exe).exists():
        pytest.skip("cdxj-indexer is not installed (pip install -e '.[dev]')")
    done = subprocess.run([exe, "--sort", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_revisits_refer_to_the_record_holding_the_content(data_dir: Path) -> None:
    folder = data_dir / "warc" / "p"
    first = folder / warc_file_name("p", 1)
    with WarcFile(first) as w:
        originals = {n: _exchange(w, n) for n in ("a", "b", "c")}
    assert cdxj.cdxj_path(first).is_file() and not cdxj.open_path(first).exists()

    second = folder / warc_file_name("p", 2)
    assert second.name != first.name
    with WarcFile(second, priors=PriorCaptures.load(folder)) as w:
        ref_a = _exchange(w, "a", status=304)  # not modified
        ref_b = _exchange(w, "b")  # the same bytes again
        ref_c = _exchange(w, "c", body=b"<html><body><p>changed</p></body></html>")
        assert w.revisits == 2
    # the store is handed the record holding the content, never a revisit
    assert ref_a == originals["a"] and ref_b == originals["b"]
    assert ref_c.file.endswith(second.name) and ref_c != originals["c"]
    assert "Bài a".encode() in read_capture(ref_a.file, ref_a.offset).body

    records = _records(second)
    # warcinfo says 1.1 and every record is WARC/1.1
    assert records[0][0] == "warcinfo" and b"format: WARC File Format 1.1" in records[0][4]
    assert {r[1] for r in records} == {"WARC/1.1"}
    revisits = [r for r in records if r[0] == "revisit"]
    assert [r[2]["WARC-Profile"] for r in revisits] == [PROFILE_NOT_MODIFIED, PROFILE_IDENTICAL]
    first_records = {r[2]["WARC-Target-URI"]: r[2] for r in _records(first) if r[0] == "response"}
    for rec in revisits:
        orig = first_records[rec[2]["WARC-Target-URI"]]
        assert rec[2]["WARC-Refers-To-Target-URI"] == orig["WARC-Target-URI"]
        assert rec[2]["WARC-Refers-To-Date"] == orig["WARC-Date"]
        assert rec[2]["WARC-Refers-To"] == orig["WARC-Record-ID"]
        assert rec[2]["WARC-Payload-Digest"] == orig["WARC-Payload-Digest"]
        assert rec[4] == b""  # no payload stored again
    # the 304's block: the stored response's status and headers, freshened by the 304's
    assert revisits[0][3] == "200 OK"
    assert [r for r in records if r[0] == "response"][0][2]["WARC-Target-URI"] == BASE + "c"

    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(first), str(second)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_our_cdxj_is_what_cdxj_indexer_writes(data_dir: Path) -> None:
    folder = data_dir / "warc" / "p"
    first = folder / warc_file_name("p", 1)
    with WarcFile(first) as w:
        for n in ("b", "a", "c?x=2&y=1", "d"):
            _exchange(w, n)
        _exchange(w, "gone", status=404, body=b"not found")
        w.write_exchange(
            url=BASE + "img.png",
            method="GET",
            request_headers=[],
            request_body=b"",
            status=200,
            response_headers=[("Content-Type", "image/png")],
            body=b"\x89PNG fake",
        )
    second = folder / warc_file_name("p", 2)
    with WarcFile(second, priors=PriorCaptures.load(folder)) as w:
        _exchange(w, "a", status=304)
        _exchange(w, "b")
        _exchange(w, "new")
    for path in (first, second):
        ours = cdxj.cdxj_path(path).read_text(encoding="utf-8")
        assert ours == _cdxj_indexer(path)
        assert ours.count("\n") >= 3
    assert '"mime": "warc/revisit"' in cdxj.cdxj_path(second).read_text(encoding="utf-8")
    # lookups by URL go through the index
    index = cdxj_index.open_index(second)
    (hit,) = index.lookup(BASE + "b")
    assert hit.is_revisit and hit.filename == second.name
    assert index.lookup(BASE + "missing") == []


def test_a_file_from_before_indexes_is_indexed_once(data_dir: Path) -> None:
    old = data_dir / "warc" / "p" / "7.warc.gz"  # the old naming: <job>.warc.gz
    with WarcFile(old) as w:
        ref = _exchange(w, "a")
    cdxj.cdxj_path(old).unlink()
    index = cdxj_index.open_index(old)
    assert [e.offset for e in index.lookup(BASE + "a")] == [ref.offset]
    assert cdxj.cdxj_path(old).read_text(encoding="utf-8") == _cdxj_indexer(old)

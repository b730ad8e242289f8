"""WARC capture: records read back by offset, valid for warcio's own tools, and a file cut
mid-record (as SIGKILL leaves it) repaired to its last complete record."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.warc.files import WarcError
from crawler.warc.reader import read_capture
from crawler.warc.repair import repair_warc
from crawler.warc.writer import WarcFile

WARCIO = [sys.executable, "-m", "warcio.cli"]


def _write(w: WarcFile, n: int, *, gz: bool = False) -> object:
    body = f"<html><body><p>Bài số {n}: Ủy ban nhân dân huyện</p></body></html>".encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("ETag", f'"e{n}"')]
    if gz:
        body = gzip.compress(body)
        headers += [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
    return w.write_exchange(
        url=f"http://127.0.0.1:1/p/bai-{n}?x=1",
        method="GET",
        request_headers=[("User-Agent", "vnarchive/test"), ("Accept-Encoding", "gzip")],
        request_body=b"",
        status=200,
        response_headers=headers,
        body=body,
        ip_address="127.0.0.1",
    )


def _warcio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WARCIO, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def test_records_read_back_by_offset_and_pass_warcio_check(data_dir: Path) -> None:
    path = data_dir / "warc" / "p" / "1.warc.gz"
    with WarcFile(path, info={"portal": "p"}) as w:
        refs = [_write(w, n, gz=n == 2) for n in range(3)]
    assert refs[0].file == "warc/p/1.warc.gz"  # stored relative to the data directory
    assert len({r.record_id for r in refs}) == 3
    for n, ref in enumerate(refs):
        cap = read_capture(ref.file, ref.offset)
        assert cap.status == 200 and cap.url == f"http://127.0.0.1:1/p/bai-{n}?x=1"
        assert cap.record_id == ref.record_id
        assert f"Bài số {n}".encode() in cap.body  # gzip content-encoding undone
        assert cap.header("etag") == f'"e{n}"'
    assert read_capture(refs[2].file, refs[2].offset).header("Transfer-Encoding") is None

    check = _warcio("check", "-v", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout
    index = _warcio("index", str(path))
    assert index.returncode == 0
    types = [line for line in index.stdout.splitlines() if '"warc-type"' in line]
    assert len(types) == 1 + 2 * 3  # warcinfo + request/response pairs
    assert f'"offset": "{refs[1].offset}"' in index.stdout


def test_a_record_cut_mid_write_is_removed_on_reopen(data_dir: Path) -> None:
    path = data_dir / "warc" / "p" / "7.warc.gz"
    with WarcFile(path) as w:
        refs = [_write(w, n) for n in range(3)]
    good_size = path.stat().st_size
    whole = path.read_bytes()
    # SIGKILL during a write leaves the start of a gzip member at the end of the file
    with open(path, "ab") as fh:
        fh.write(whole[refs[1].offset : refs[1].offset + refs[1].length // 2])

    with WarcFile(path) as w:  # a resumed job reopens its file
        assert w.repaired_bytes == refs[1].length // 2
        ref = _write(w, 9)
    assert ref.offset == good_size  # appended right after the last complete record
    assert read_capture(ref.file, ref.offset).body.count("Bài số 9".encode()) == 1
    check = _warcio("check", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    index = _warcio("index", str(path))
    assert index.returncode == 0 and index.stdout.count('"response"') == 4


def test_repair_handles_garbage_and_intact_files(data_dir: Path) -> None:
    path = data_dir / "w.warc.gz"
    with WarcFile(path) as w:
        _write(w, 1)
    size = path.stat().st_size
    assert repair_warc(path) == 0 and path.stat().st_size == size
    with open(path, "ab") as fh:
        fh.write(b"\x1f\x8b\x08garbage that is not a gzip member")
    assert repair_warc(path) > 0 and path.stat().st_size == size
    assert repair_warc(data_dir / "missing.warc.gz") == 0


def test_reading_a_bad_location_is_a_clear_error(data_dir: Path) -> None:
    path = data_dir / "warc" / "p" / "1.warc.gz"
    with WarcFile(path) as w:
        ref = _write(w, 1)
    with pytest.raises(WarcError, match="not found"):
        read_capture("warc/p/none.warc.gz", 0)
    with pytest.raises(WarcError, match="outside"):
        read_capture(ref.file, 10**9)
    with pytest.raises(WarcError, match="'warcinfo' record"):
        read_capture(ref.file, 0)
    with pytest.raises(WarcError):
        read_capture(ref.file, ref.offset + 3)  # not the start of a record

"""``vnarchive export`` as a user runs it: real store, real index, real files and pipes."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crawler.items import Article, Attachment
from indexer.export.fields import DEFAULT_FIELDS
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from vnarchive.cli import main

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = [
    ("krongno", "Đắk Nông", "2023-03-15", "Hội nghị", "Ủy ban nhân dân huyện họp giao ban."),
    ("krongno", "Đắk Nông", "2021-06-01T09:15:00+07:00", "=2+3", "Nạo vét kênh mương, thủy lợi."),
    ("tuyenhoa", "Quảng Bình", "2020-10-15", "Lụt bão", "Ủy ban nhân dân xã chủ động phòng lũ."),
]


def _fill(store: ArchiveStore, extra: int = 0) -> None:
    for n, (portal, province, published, title, body) in enumerate(ARTICLES):
        store.upsert_article(
            Article(
                url=f"https://{portal}.example.vn/{n}",
                title=title,
                portal=portal,
                published=published,
                category="Tin tức",
                body_text=body,
                content_hash=content_hash(body),
                attachments=[Attachment(f"https://{portal}.example.vn/{n}.pdf", "Tờ trình.pdf")],
            ),
            province=province,
        )
    for n in range(extra):
        body = f"Bài số {n}. " + "Nội dung dài để lấp đầy ống dẫn. " * 20
        store.upsert_article(
            Article(
                url=f"https://krongno.example.vn/x/{n}",
                title=f"Tin {n}",
                portal="krongno",
                body_text=body,
                content_hash=content_hash(body),
            ),
            province="Đắk Nông",
        )


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("VNARCHIVE_DATA", str(data))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    _fill(ArchiveStore())
    return data


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["export", *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_whole_archive_to_parquet_with_its_descriptor(data_dir: Path, tmp_path: Path) -> None:
    code, _out, err = _run("--format", "parquet", "-o", "all.parquet")
    assert code == 0, err
    table = pq.read_table(tmp_path / "all.parquet")
    assert table.num_rows == 3 and table.schema.names == list(DEFAULT_FIELDS)
    assert sorted(table.column("title").to_pylist()) == sorted(a[3] for a in ARTICLES)
    descriptor = json.loads((tmp_path / "all.parquet.datapackage.json").read_text("utf-8"))
    assert descriptor["vnarchive"]["rows"] == 3
    assert descriptor["resources"][0]["path"] == "all.parquet"
    assert "exported 3 rows" in err and "rows/s" in err
    assert not list(tmp_path.glob("*.part"))


def test_query_filters_fields_and_excel(data_dir: Path, tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["index"]).exit_code == 0  # the real index
    code, _out, err = _run(
        "uy ban nhan dan", "--province", "Đắk Nông", "--fields", "title,province,published",
        "--excel", "-o", "ubnd.csv",
    )  # fmt: skip
    assert code == 0, err
    data = (tmp_path / "ubnd.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        {
            "title": "Hội nghị",
            "province": "Đắk Nông",
            "published": "2023-03-15T00:00:00+07:00",
            "published_precision": "day",  # always goes with 'published'
        }
    ]
    descriptor = json.loads((tmp_path / "ubnd.csv.datapackage.json").read_text("utf-8"))
    assert descriptor["vnarchive"]["query"] == "uy ban nhan dan"
    assert descriptor["vnarchive"]["filters"] == {"province": "Đắk Nông"}
    assert [f["name"] for f in descriptor["resources"][0]["schema"]["fields"]] == [
        "title", "province", "published", "published_precision",
    ]  # fmt: skip


def test_formula_guard_only_with_excel(data_dir: Path, tmp_path: Path) -> None:
    assert _run("--portal", "krongno", "--excel", "-o", "x.csv")[0] == 0
    assert _run("--portal", "krongno", "-o", "plain.csv")[0] == 0  # format from the suffix
    guarded = (tmp_path / "x.csv").read_text("utf-8-sig")
    plain = (tmp_path / "plain.csv").read_text("utf-8")
    assert ",'=2+3," in guarded and ",=2+3," in plain
    assert not plain.startswith("\ufeff")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fields", "id,titel", "-o", "x.csv"], "valid fields: id, url"),
        (["--excel", "-o", "x.parquet"], "CSV only"),
        (["--from", "31/02/2024", "-o", "x.csv"], "is not a date"),
        (["-o", "x.txt"], "give --format"),
        (["--format", "xml", "-o", "x.csv"], "'xml' is not one of"),
        (["--portal", "krongnoo", "-o", "x.csv"], "no portal 'krongnoo'"),
        (["-o", "x.csv", "--datapackage", "nodir/x.json"], "no directory nodir"),
    ],
)
def test_bad_options_are_clear_errors_and_write_nothing(
    data_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    code, _out, err = _run(*args)
    assert code != 0 and message in err
    assert "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("x.")]


def _cli(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "vnarchive", "export", *args], cwd=ROOT, **kwargs
    )


def test_stdout_streaming_in_a_real_process(data_dir: Path, tmp_path: Path) -> None:
    proc = _cli(
        "--format", "jsonl", "--fields", "id,title", "-o", "-",
        "--datapackage", str(tmp_path / "out.datapackage.json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert sorted(r["title"] for r in lines) == sorted(a[3] for a in ARTICLES)
    assert b"exported 3 rows to stdout" in err
    descriptor = json.loads((tmp_path / "out.datapackage.json").read_text("utf-8"))
    assert descriptor["vnarchive"]["rows"] == 3


def test_stdout_without_descriptor_and_a_closed_pipe(data_dir: Path) -> None:
    _fill(ArchiveStore(), extra=400)  # > 64 KB: the reader's early close hits the writer
    proc = _cli("--format", "csv", "-o", "-", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    header = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert header.startswith(b"id,url,portal")
    assert b"Traceback" not in err
    assert not list(data_dir.parent.glob("*.datapackage.json"))


def test_progress_bar_on_a_terminal(data_dir: Path, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    proc = _cli("-o", str(tmp_path / "p.jsonl"), stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    shown = b"".join(chunks).decode()
    assert "3/3 rows" in shown and "rows/s" in shown and "[###" in shown

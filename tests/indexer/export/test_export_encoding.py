"""The export's fast read and encoding paths write exactly what the plain ones would.

Exports read the long texts as UTF-8 bytes, instants as ISO text, and encode JSON with
orjson (issue 14: export speed).  These tests hold every byte of the output to what the
standard library writes (``json.dumps``, ``csv.writer``) for hostile texts, and a
PostgreSQL store's export to a SQLite store's.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from indexer.export.fields import FIELDS
from indexer.export.jsonl import JsonlRenderer
from indexer.export.request import ExportRequest
from indexer.export.stream import write_export
from indexer.store.archive import ArchiveStore
from indexer.store.columns import _iso_column
from indexer.store.rows import article_id_for
from indexer.store.tables import articles, attachments

HOSTILE = [
    "=SUM(A1)",
    "-x",
    "\tTab",
    "line\u2028sep\u2029x\x85y",
    'q"uote,comma',
    "a\nb\r\nc",
    "ctl\x00\x01\x1f\x7f\x08\x0c",
    "back\\slash/ “ngoặc” …",
    "emoji 😀 ủy ban",
    "",
    "\uff1dfull-width",
    "plain Krông Nô",
]
SEEN = datetime(2020, 5, 6, 7, 8, 9, tzinfo=UTC)
CHANGED = datetime(2021, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def _fill(store: ArchiveStore, *, nul: bool = True) -> None:
    rows, files = [], []
    for n, text in enumerate(HOSTILE):
        text = text if nul else text.replace("\x00", "")  # PostgreSQL text holds no NUL
        url = f"https://x.gov.vn/{n}"
        aid = article_id_for(url)
        rows.append(
            {
                "id": aid,
                "portal": "p",
                "url": url,
                "canonical_url": url,
                "province": "Đắk Nông" if n % 2 else None,
                "district": text if n % 3 else None,
                "title": text or "t",
                "places": json.dumps(
                    [{"level": "commune", "old": text, "new": "X", "change": "merged"}],
                    ensure_ascii=False,
                )
                if n % 2
                else None,
                "published": [None, "2019-03-04", "2019-03-04T05:06:00+07:00", "odd"][n % 4],
                "category": text or None,
                "author": text,
                "summary": text,
                "body_text": (text + "\n\n") * 3,
                "images": "[]",
                "media": "[]",
                "content_hash": f"{n:064x}",
                "status": "live",
                "first_seen": SEEN,
                "last_seen": CHANGED if n % 2 else SEEN,
                "last_changed": CHANGED,
                "warc_file": "w.warc.gz",
                "warc_offset": None if n == 4 else n * 1000,
                "seq": n + 1,
            }
        )
        if n % 3 == 0:
            files.append({"article_id": aid, "url": f"https://x.gov.vn/f{n}", "name": text})
    with store.writer.begin() as conn:
        conn.execute(articles.insert(), rows)
        conn.execute(attachments.insert(), [f | {"status": "listed"} for f in files])


@pytest.fixture
def store(tmp_path: Path) -> ArchiveStore:
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    _fill(store)
    return store


def _stored(tmp_path: Path, *, nul: bool) -> ArchiveStore:
    store = ArchiveStore(f"sqlite:///{tmp_path / 'without-nul.sqlite'}")
    _fill(store, nul=nul)
    return store


def _export(store: ArchiveStore, fmt: str, **request: Any) -> bytes:
    out = io.BytesIO()
    write_export(store, ExportRequest(fields=tuple(FIELDS), **request), fmt, out)
    return out.getvalue()


def _json_dumps_line(obj: dict[str, Any]) -> str:
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\x85", "\\u0085")):
        line = line.replace(raw, escaped)
    return line


def test_jsonl_bytes_are_what_json_dumps_writes(store: ArchiveStore) -> None:
    data = _export(store, "jsonl")
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == len(HOSTILE) + 1
    for n, line in enumerate(lines[:-1]):
        obj = json.loads(line)
        assert line == _json_dumps_line(obj)  # byte for byte, escapes included
        assert obj["title"] == (HOSTILE[n] or "t")
        assert obj["body_text"] == (HOSTILE[n] + "\n\n") * 3
        assert obj["last_changed"] == "2021-01-02T03:04:05.123456Z"
        assert obj["first_seen"] == "2020-05-06T07:08:09Z"
    assert "\u2028" not in data.decode("utf-8") and "\x85" not in data.decode("utf-8")


def test_csv_bytes_are_what_the_csv_module_writes(store: ArchiveStore) -> None:
    for excel in (False, True):
        data = _export(store, "csv", excel=excel)
        text = data.decode("utf-8-sig" if excel else "utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        again = io.StringIO(newline="")
        csv.writer(again, lineterminator="\r\n").writerows(rows)
        assert text == again.getvalue()
        header = rows[0]
        for n, row in enumerate(rows[1:]):
            cell = dict(zip(header, row, strict=True))
            body = (HOSTILE[n] + "\n\n") * 3
            if excel and body.startswith(("=", "-", "\t", "\uff1d")):
                body = "'" + body
            assert cell["body_text"] == body
            assert cell["archive_url"].startswith("/web/20210102030405/https://x.gov.vn/")


def test_parquet_texts_and_instants_round_trip(store: ArchiveStore) -> None:
    table = pq.read_table(io.BytesIO(_export(store, "parquet")))
    rows = table.to_pylist()
    assert [r["body_text"] for r in rows] == [(t + "\n\n") * 3 for t in HOSTILE]
    assert {r["last_changed"] for r in rows} == {CHANGED}
    assert rows[0]["first_seen"] == SEEN


def test_parquet_refuses_text_that_is_not_utf8(store: ArchiveStore) -> None:
    """Bytes written into the store by another tool are checked (the texts are copied as
    bytes): the export fails instead of writing a string column readers cannot decode."""
    with store.writer.begin() as conn:
        conn.exec_driver_sql("UPDATE articles SET body_text = CAST(X'6162FF63' AS TEXT)")
    with pytest.raises(pa.ArrowInvalid, match="(?i)utf-?8"):
        _export(store, "parquet")


def test_jsonl_falls_back_to_json_for_what_orjson_refuses() -> None:
    """A lone surrogate (orjson refuses it): the row is written as json.dumps would,
    the surrogate replaced on encoding, as before orjson."""
    out = io.BytesIO()
    renderer = JsonlRenderer(out, ("title", "author"))
    renderer.write_columns({"title": [b'ti\xe1\xbb\x87u \\ "x"\n'], "author": ["a\ud800b"]})
    expected = _json_dumps_line({"title": 'tiệu \\ "x"\n', "author": "a\ud800b"})
    assert out.getvalue() == expected.encode("utf-8", "replace") + b"\n"


def test_jsonl_columns_encoded_at_once_are_what_json_dumps_writes() -> None:
    """Short texts are encoded a whole column at a time, cut apart at a separator
    (U+FFFF), and long texts escaped only for the characters text holds, the batch then
    checked for raw control bytes: every way out of those fast paths writes the same
    bytes as json.dumps (a value holding the separator, a lone surrogate, nulls, control
    characters, line separators)."""
    columns: dict[str, list[Any]] = {
        "id": ["a", "b\uffffc", "d", "e"],  # the separator inside a value
        "author": ["x", None, "y\ud800", ""],  # a null and a lone surrogate
        "category": [None, 'q"uote\\', "tab\tnl\n", "\u2028\x85"],
        "title": [b"t\x01itle", b'q"\\', b"\xe1\xbb\x87\n", b"\xe2\x80\xa9"],
        "summary": [None, b"s", b"\x1f", b""],
        "warc_offset": [1, None, 3, 2**40],
        "attachments": [[], [{"url": "u", "name": "n\u2028"}], [], []],
    }
    out = io.BytesIO()
    JsonlRenderer(out, tuple(columns)).write_columns(columns)
    plain = {
        name: [v.decode() if type(v) is bytes else v for v in values]
        for name, values in columns.items()
    }
    expected = "".join(
        _json_dumps_line(dict(zip(plain, row, strict=True))) + "\n"
        for row in zip(*plain.values(), strict=True)
    )
    assert out.getvalue() == expected.encode("utf-8", "replace")
    lines = out.getvalue().split(b"\n")
    assert json.loads(lines[1])["id"] == "b\uffffc" and json.loads(lines[3])["warc_offset"] == 2**40


def test_each_field_alone_reads_what_it_needs(store: ArchiveStore) -> None:
    """An export reads only the store columns its fields are made of: every field exported
    alone has the values it has in an export of every field."""
    every = [json.loads(line) for line in _export(store, "jsonl").splitlines()]
    for name in FIELDS:
        out = io.BytesIO()
        write_export(store, ExportRequest(fields=(name,)), "jsonl", out)
        alone = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [row[name] for row in alone] == [row[name] for row in every], name


def test_iso_column_whole_and_per_value_agree() -> None:
    stored = ["2020-05-06 07:08:09.000000", "2021-01-02 03:04:05.123456"]
    want = ["2020-05-06T07:08:09Z", "2021-01-02T03:04:05.123456Z"]
    assert _iso_column(stored) == want  # the whole-column path
    assert _iso_column([*stored, None]) == [*want, None]  # the per-value path
    assert _iso_column([CHANGED, "2020-05-06 07:08:09"]) == [want[1], want[0]]


PG_URL = os.environ.get("VNARCHIVE_TEST_PG_URL", "")


@pytest.mark.skipif(not PG_URL, reason="VNARCHIVE_TEST_PG_URL not set (no PostgreSQL server)")
def test_postgresql_export_is_byte_identical_to_sqlite(tmp_path: Path, pg_url: str) -> None:
    """PostgreSQL gives the texts through convert_to() and the instants as datetimes."""
    store = _stored(tmp_path, nul=False)
    other = ArchiveStore(pg_url)
    _fill(other, nul=False)
    for fmt in ("csv", "jsonl"):
        assert _export(other, fmt) == _export(store, fmt)
    assert pq.read_table(io.BytesIO(_export(other, "parquet"))).equals(
        pq.read_table(io.BytesIO(_export(store, "parquet")))
    )

"""Dataset export: every format read back and compared field by field with the store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.items import Article, Attachment
from indexer.export.citation import capture_stamp
from indexer.export.csv import csv_quote
from indexer.export.datapackage import (
    content_disposition,
    datapackage,
    export_filename,
    write_datapackage,
)
from indexer.export.fields import DEFAULT_FIELDS, FIELDS, ExportError, parse_fields
from indexer.export.formats import RENDERERS
from indexer.export.renderer import excel_safe
from indexer.export.request import ExportRequest, count_export_rows
from indexer.export.stream import stream_export, write_export
from indexer.store.archive import ArchiveStore
from indexer.store.rows import WarcRef
from indexer.text import content_hash

VN = timezone(timedelta(hours=7))
NASTY_BODY = (
    'Ông A nói: "Đúng, sai, và…"\n\nDòng hai,\tcó tab; "ngoặc ""kép"""\r\n'
    "dòng CRLF\rCR\n=SUM(A1:A9)\n\u2028sau dấu ngắt dòng Unicode"
)


def _article(n: int, **over: Any) -> Article:
    body = over.pop("body_text", f"Nội dung bài số {n} của ủy ban nhân dân huyện.")
    fields: dict[str, Any] = {
        "url": f"https://krongno.daknong.gov.vn/tin/{n}",
        "title": f"Tin số {n}",
        "portal": "krongno",
        "published": f"2024-05-{n:02d}",
        "category": "Tin tức",
        "body_text": body,
        "content_hash": content_hash(body),
    }
    fields.update(over)
    return Article(**fields)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ArchiveStore:
    """A real SQLite archive with articles that exercise every field and filter."""
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "data"))
    store = ArchiveStore()
    seen = datetime(2025, 6, 30, 3, 4, 5, 678901, tzinfo=UTC)
    store.upsert_article(
        _article(
            1,
            published="2024-05-01T08:30:00+07:00",
            author="Nguyễn Văn A",
            credit="Theo Báo Đắk Nông điện tử",
            summary="Tóm tắt, có dấu phẩy",
            body_text=NASTY_BODY,
            attachments=[
                Attachment("https://krongno.daknong.gov.vn/f/qd%201.pdf", "Quyết định 1, 2024.pdf"),
                Attachment("https://krongno.daknong.gov.vn/f/kh.doc", "Kế hoạch.doc"),
            ],
        ),
        province="Đắk Nông",
        district="Krông Nô",
        warc=WarcRef("krongno/vnarchive-0001.warc.gz", 123456789012, 4321, "<urn:uuid:1>"),
        seen_at=seen,
    )
    store.upsert_article(
        _article(
            2,
            title='=HYPERLINK("http://evil.example","bấm")',
            summary="+84 912 345 678",
            credit="-Theo TTXVN",
            author="@admin",
            category="\tThông báo",
        ),
        province="Đắk Nông",
        district="Krông Nô",
    )
    store.upsert_article(
        _article(
            3,
            portal="tuyenhoa",
            url="https://tuyenhoa.quangbinh.gov.vn/a/3",
            published=None,
            body_text="",
            category="Văn bản",
        ),
        province="Quảng Bình",
        district="Tuyên Hóa",
    )
    store.upsert_article(
        _article(
            4,
            portal="tuyenhoa",
            url="https://tuyenhoa.quangbinh.gov.vn/a/4",
            published="2024-05-04T23:59:00+07:00",
        ),
        province="Quảng Bình",
        district="Tuyên Hóa",
    )
    store.upsert_article(
        _article(5, published="2023-12-31"), province="Đắk Nông", district="Krông Nô"
    )
    return store


def _stored(store: ArchiveStore) -> dict[str, dict[str, Any]]:
    ids = [a["id"] for a in store.iter_articles()]
    return {i: store.get_article(i) for i in ids}  # type: ignore[misc]


def _export(store: ArchiveStore, fmt: str, **request: Any) -> bytes:
    out = io.BytesIO()
    write_export(store, ExportRequest(**request), fmt, out)
    return out.getvalue()


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _check_text_row(row: dict[str, Any], article: dict[str, Any], *, csv_cells: bool) -> None:
    """Compare a CSV/JSONL row with the stored article, field by field."""
    raw = article["published"]
    published = None
    if raw:
        parsed = datetime.fromisoformat(raw)
        published = (parsed if parsed.tzinfo else parsed.replace(tzinfo=VN)).isoformat()
    derived = {
        "capture_time": article["last_changed"],
        "archive_url": f"/web/{capture_stamp(article['last_changed'])}/{article['url']}",
        "published": published,  # one type: a timestamp with its zone
        "published_precision": None if not raw else "minute" if "T" in raw else "day",
    }
    for name in DEFAULT_FIELDS:
        value = row[name]
        stored = derived[name] if name in derived else article.get(name)
        if name == "attachments":
            got = json.loads(value) if csv_cells else value
            assert got == [{"url": a["url"], "name": a["name"]} for a in article["attachments"]]
        elif name in ("first_seen", "last_seen", "last_changed", "capture_time"):
            assert value.endswith("Z"), value
            assert _ts(value) == stored, name
        elif name == "warc_offset":
            assert (int(value) if csv_cells and value else value or None) == stored
        elif csv_cells:
            assert value == ("" if stored is None else stored), name
        else:
            assert value == stored, name


def test_csv_round_trip_matches_the_store_field_by_field(store: ArchiveStore) -> None:
    data = _export(store, "csv")
    assert not data.startswith(b"\xef\xbb\xbf")  # plain CSV: no BOM
    assert b"\r\n" in data  # RFC 4180 record separator
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    stored = _stored(store)
    assert [r["id"] for r in rows] == list(stored)  # archive order
    assert list(rows[0]) == list(DEFAULT_FIELDS)
    for row in rows:
        _check_text_row(row, stored[row["id"]], csv_cells=True)
    nasty = next(r for r in rows if r["title"] == "Tin số 1")
    assert nasty["body_text"] == NASTY_BODY  # quotes, commas, newlines, CR, tabs survive
    assert nasty["warc_offset"] == "123456789012"


def test_jsonl_round_trip_one_object_per_line(store: ArchiveStore) -> None:
    data = _export(store, "jsonl")
    text = data.decode("utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()  # splits on U+2028 too: must not cut a record
    assert len(lines) == 5
    assert "\u2028" not in text and "\\u2028" in text
    stored = _stored(store)
    for line in lines:
        row = json.loads(line)
        assert list(row) == list(DEFAULT_FIELDS)
        _check_text_row(row, stored[row["id"]], csv_cells=False)
    first = json.loads(lines[0])
    assert first["body_text"] == NASTY_BODY
    assert (
        first["warc_offset"] == 123456789012 and first["published"] == "2024-05-01T08:30:00+07:00"
    )


def test_parquet_is_typed_and_round_trips(store: ArchiveStore) -> None:
    data = _export(store, "parquet")
    table = pq.read_table(io.BytesIO(data))
    schema = table.schema
    assert schema.names == list(DEFAULT_FIELDS)
    assert pa.types.is_timestamp(schema.field("published").type)
    assert schema.field("published").type.tz == "+07:00"
    assert schema.field("first_seen").type == pa.timestamp("us", tz="UTC")
    assert schema.field("warc_offset").type == pa.int64()
    attachments = schema.field("attachments").type
    assert pa.types.is_list(attachments) and attachments.value_type.names == ["url", "name"]
    assert schema.field("title").metadata[b"description"].startswith(b"Title")
    stored = _stored(store)
    for row in table.to_pylist():
        article = stored[row["id"]]
        for name in DEFAULT_FIELDS:
            if name == "attachments":
                expected = [{"url": a["url"], "name": a["name"]} for a in article["attachments"]]
                assert row[name] == expected
            elif name == "published":
                raw = article["published"]
                expected_ts = None
                if raw:
                    parsed = datetime.fromisoformat(raw)
                    expected_ts = parsed if parsed.tzinfo else parsed.replace(tzinfo=VN)
                assert row[name] == expected_ts
            elif name == "published_precision":
                raw = article["published"]
                assert row[name] == (None if not raw else "minute" if "T" in raw else "day")
            elif name == "capture_time":
                assert row[name] == article["last_changed"]
            elif name == "archive_url":
                assert row[name].startswith("/web/") and row[name].endswith(article["url"])
            else:
                assert row[name] == article[name], name
    meta = json.loads(pq.read_metadata(io.BytesIO(data)).metadata[b"vnarchive"])
    assert meta["rows"] == 5 and meta["fields"] == list(DEFAULT_FIELDS)


def test_parquet_published_precision_tells_day_from_minute(store: ArchiveStore) -> None:
    data = _export(store, "parquet", fields=("id", "published", "published_precision", "status"))
    rows = {r["id"]: r for r in pq.read_table(io.BytesIO(data)).to_pylist()}
    stored = _stored(store)
    for article_id, row in rows.items():
        raw = stored[article_id]["published"]
        assert row["published_precision"] == (
            None if not raw else "minute" if "T" in raw else "day"
        )
        assert row["status"] == "live"
    day_only = next(r for i, r in rows.items() if stored[i]["published"] == "2023-12-31")
    assert day_only["published"] == datetime(2023, 12, 31, tzinfo=VN)


def test_parquet_row_groups_bound_memory(
    store: ArchiveStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.export.parquet as parquet_module

    monkeypatch.setattr(
        parquet_module, "ROW_GROUP_BYTES", 1
    )  # every store batch becomes a row group
    out = io.BytesIO()
    write_export(store, ExportRequest(), "parquet", out)
    stream = list(stream_export(store, ExportRequest(), "parquet", batch_size=2))
    meta = pq.read_metadata(io.BytesIO(b"".join(stream)))
    assert meta.num_rows == 5 and meta.num_row_groups == 3  # 2 + 2 + 1
    assert len(stream) >= 3  # bytes leave as each group is written, not at the end


def test_excel_mode_bom_and_formula_guard(store: ArchiveStore) -> None:
    data = _export(store, "csv", excel=True)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0])[0] == "id"
    evil = next(r for r in rows if r["title"].startswith("'"))
    assert evil["title"] == "'" + '=HYPERLINK("http://evil.example","bấm")'
    assert evil["summary"] == "'+84 912 345 678"
    assert evil["credit"] == "'-Theo TTXVN"
    assert evil["author"] == "'@admin"
    assert evil["category"] == "'\tThông báo"
    for row in rows:  # no cell can start a formula any more
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    nasty = next(r for r in rows if r["title"] == "Tin số 1")
    assert nasty["body_text"] == NASTY_BODY  # guard only touches the first character


def test_excel_safe_covers_owasp_starts() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r", "\uff1d"):
        assert excel_safe(start + "1+1") == "'" + start + "1+1"
    assert excel_safe("Ủy ban") == "Ủy ban"
    assert excel_safe("") == ""


def test_excel_mode_is_csv_only(store: ArchiveStore) -> None:
    with pytest.raises(ExportError, match="CSV only"):
        stream_export(store, ExportRequest(excel=True), "parquet")


def test_filters_are_honoured(store: ArchiveStore) -> None:
    stored = _stored(store)

    def exported(**request: Any) -> set[str]:
        data = _export(store, "jsonl", fields=("id",), **request)
        return {json.loads(line)["id"] for line in data.decode().splitlines()}

    def expected(pred: Any) -> set[str]:
        return {i for i, a in stored.items() if pred(a)}

    assert exported(portal="tuyenhoa") == expected(lambda a: a["portal"] == "tuyenhoa")
    assert exported(province="Đắk Nông") == expected(lambda a: a["province"] == "Đắk Nông")
    assert exported(category="Văn bản") == expected(lambda a: a["category"] == "Văn bản")
    # both ends inclusive, and a datetime on the last day is inside
    in_may = exported(date_from="2024-05-01", date_to="2024-05-04")
    assert in_may == expected(
        lambda a: (
            (a["published"] or "")[:10] >= "2024-05-01"
            and (a["published"] or "9")[:10] <= "2024-05-04"
        )
    )
    assert len(in_may) == 3  # articles 1, 2 and 4 (4 is at 23:59 on the 4th)
    assert exported(date_to="2023-12-31", province="Đắk Nông") == expected(
        lambda a: a["published"] == "2023-12-31"
    )
    assert exported(portal="no-such-portal") == set()
    # places and categories match as the search matches them: folded, any case
    assert exported(province="dak nong") == exported(province="Đắk Nông")
    assert exported(category="VAN BAN") == expected(lambda a: a["category"] == "Văn bản")
    assert exported(province="Đắk") == set()  # a key, not a prefix


def test_an_empty_export_is_still_a_valid_file(store: ArchiveStore) -> None:
    for fmt in RENDERERS:
        data = _export(store, fmt, portal="nothing")
        if fmt == "csv":
            assert data.decode() == ",".join(DEFAULT_FIELDS) + "\r\n"
        elif fmt == "jsonl":
            assert data == b""
        else:
            table = pq.read_table(io.BytesIO(data))
            assert table.num_rows == 0 and table.schema.names == list(DEFAULT_FIELDS)


def test_fields_pick_and_order_columns(store: ArchiveStore) -> None:
    data = _export(store, "csv", fields=("title", "id"))
    header = data.decode().split("\r\n", 1)[0]
    assert header == "title,id"
    assert parse_fields("id, title,id") == ("id", "title")
    assert parse_fields(None) == DEFAULT_FIELDS == parse_fields("")
    with pytest.raises(ExportError) as info:
        parse_fields("id,bodytext")
    assert "'bodytext'" in str(info.value) and "body_text" in str(info.value)


def test_bad_requests_are_refused_before_any_byte(store: ArchiveStore) -> None:
    with pytest.raises(ExportError, match="format"):
        stream_export(store, ExportRequest(), "xlsx")
    with pytest.raises(ExportError, match="not a"):
        ExportRequest(date_from="2024-13-45")
    with pytest.raises(ExportError, match="after"):
        ExportRequest(date_from="2024-02-01", date_to="2024-01-01")
    # dates are read as the search reads them
    assert ExportRequest(date_from="2024", date_to="2024-02").date_to == "2024-02-29"
    assert ExportRequest(date_from="31/12/2024").date_from == "2024-12-31"


def test_datapackage_descriptor_describes_the_file(store: ArchiveStore, tmp_path: Path) -> None:
    for fmt in RENDERERS:
        target = tmp_path / f"all.{fmt}"
        request = ExportRequest(province="Đắk Nông", excel=fmt == "csv")
        with target.open("wb") as handle:
            result = write_export(store, request, fmt, handle)
        path = write_datapackage(result, target)
        assert path.name == f"all.{fmt}.datapackage.json"
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        assert descriptor["name"] and descriptor["name"] == descriptor["name"].lower()
        assert descriptor["created"].endswith("Z")
        (resource,) = descriptor["resources"]
        assert resource["path"] == target.name
        assert resource["format"] == fmt
        import hashlib

        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        assert descriptor["vnarchive"]["bytes"] == target.stat().st_size
        assert descriptor["vnarchive"]["sha256"] == digest
        if fmt != "parquet":  # Frictionless checks these on the bytes it reads
            assert resource["bytes"] == target.stat().st_size
            assert resource["hash"] == "sha256:" + digest
        else:  # it reads Parquet through pyarrow and cannot count them
            assert "bytes" not in resource and "hash" not in resource
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == list(DEFAULT_FIELDS)
        allowed = {"string", "integer", "number", "datetime", "date", "array", "object", "any"}
        assert all(f["type"] in allowed and f["description"] for f in fields)
        assert resource["schema"]["primaryKey"] == ["id"]
        meta = descriptor["vnarchive"]
        assert meta["rows"] == 3 == result.rows
        assert meta["filters"] == {"province": "Đắk Nông"} and meta["query"] == ""
        assert meta["vnarchive_version"]
        if fmt == "csv":
            assert descriptor["profile"] == "tabular-data-package"
            assert resource["encoding"] == "utf-8-sig" and resource["dialect"]["header"] is True
            with target.open(encoding=resource["encoding"], newline="") as handle:
                assert sum(1 for _ in csv.DictReader(handle)) == meta["rows"]
        types = {f["name"]: f["type"] for f in fields}
        assert types["attachments"] == ("any" if fmt == "parquet" else "array")
        assert types["warc_offset"] == "integer"
        assert types["published"] == "datetime" and types["published_precision"] == "string"
        assert all("format" not in f for f in fields)  # ISO 8601, Frictionless's default
        assert (
            resource["mediatype"]
            == {
                "csv": "text/csv",
                "jsonl": "application/x-ndjson",
                "parquet": "application/vnd.apache.parquet",
            }[fmt]
        )
        warc = next(f for f in fields if f["name"] == "warc_file")["description"]
        assert "relative to the vnarchive data directory" in warc


def test_descriptor_without_a_file_omits_size_and_hash(store: ArchiveStore) -> None:
    from indexer.export.stream import ExportResult

    descriptor = datapackage(ExportResult("jsonl", ExportRequest(), rows=7), "x.jsonl")
    (resource,) = descriptor["resources"]
    assert "bytes" not in resource and "hash" not in resource
    assert descriptor["vnarchive"]["rows"] == 7


def test_download_names_are_ascii_with_an_rfc5987_twin() -> None:
    from datetime import date

    day = date(2025, 7, 1)
    request = ExportRequest(query='Ủy ban nhân dân "huyện"/../x')
    ascii_name, utf8_name = export_filename(request, "parquet", day=day)
    assert ascii_name == "vnarchive-uy-ban-nhan-dan-huyen-x-2025-07-01.parquet"
    assert utf8_name.startswith("vnarchive-ủy-ban-nhân-dân-huyện-x")
    assert "/" not in utf8_name and '"' not in utf8_name
    header = content_disposition(request, "parquet", day=day)
    assert header.isascii()
    assert (
        f'filename="{ascii_name}"' in header and "filename*=UTF-8''vnarchive-%E1%BB%A7y" in header
    )
    assert export_filename(ExportRequest(), "csv", day=day)[0] == "vnarchive-all-2025-07-01.csv"
    assert export_filename(ExportRequest(portal="krongno"), "jsonl", day=day)[0] == (
        "vnarchive-krongno-2025-07-01.jsonl"
    )


def test_field_table_is_complete() -> None:
    assert DEFAULT_FIELDS == (
        "id", "url", "portal", "province", "district", "category", "published",
        "published_precision", "title", "author", "credit", "summary", "body_text",
        "attachments", "first_seen", "last_seen", "last_changed", "capture_time",
        "archive_url", "warc_file", "warc_offset", "story_id",
    )  # fmt: skip
    assert set(DEFAULT_FIELDS) < set(FIELDS)


@pytest.fixture
def index_dir(store: ArchiveStore, tmp_path: Path) -> Path:
    """The search index of the fixture archive (a real Whoosh index on disk)."""
    from indexer.search.writer import update_index

    path = tmp_path / "index"
    update_index(store, path)
    return path


def test_a_text_query_exports_the_search_results_in_order(
    store: ArchiveStore, index_dir: Path
) -> None:
    from indexer.search.params import SearchParams
    from indexer.search.query import iter_matching_ids, search

    for sort in ("relevance", "newest", "oldest"):
        params = SearchParams(q="ủy ban nhân dân", sort=sort)
        expected = list(iter_matching_ids(params, index_dir))
        page = search(
            SearchParams(q="ủy ban nhân dân", sort=sort, per_page=100), index_dir=index_dir
        )
        assert [hit["id"] for hit in page["results"]] == expected
        out = io.BytesIO()
        request = ExportRequest(query="ủy ban nhân dân", sort=sort)
        result = write_export(store, request, "jsonl", out, index_dir=index_dir)
        rows = [json.loads(line) for line in out.getvalue().decode().splitlines()]
        assert [r["id"] for r in rows] == expected and result.rows == len(expected) == 3
    stored = _stored(store)
    for row in rows:
        _check_text_row(row, stored[row["id"]], csv_cells=False)


def test_a_query_honours_the_filters_and_diacritic_free_typing(
    store: ArchiveStore, index_dir: Path
) -> None:
    out = io.BytesIO()
    request = ExportRequest(query="uy ban", province="quang binh", fields=("id", "province"))
    write_export(store, request, "csv", out, index_dir=index_dir)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode(), newline="")))
    assert [r["province"] for r in rows] == ["Quảng Bình"]  # article 4 only (3 has no body)
    assert count_export_rows(store, request, index_dir=index_dir) == 1


def test_a_bad_query_fails_before_the_first_byte(store: ArchiveStore, index_dir: Path) -> None:
    from indexer.search.params import QueryError

    with pytest.raises(QueryError):
        stream_export(store, ExportRequest(query="x" * 2000), "csv", index_dir=index_dir)


def test_no_index_yet_means_no_query_results(store: ArchiveStore, tmp_path: Path) -> None:
    out = io.BytesIO()
    result = write_export(
        store, ExportRequest(query="ủy ban"), "jsonl", out, index_dir=tmp_path / "none"
    )
    assert result.rows == 0 and out.getvalue() == b""


def test_csv_cells_are_exactly_what_the_csv_module_writes(store: ArchiveStore) -> None:
    values = ["", "a", 'x"y', "a,b", "l1\nl2", "cr\r", "\t tab", '""', ",", "Ủy ban", " sp "]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for first in values:
        for second in values:
            writer.writerow([first, second])
    ours = "".join(f"{csv_quote(a)},{csv_quote(b)}\r\n" for a in values for b in values)
    assert ours == buffer.getvalue()
    # a row of one empty cell must not read back as a blank line
    data = _export(store, "csv", fields=("author",))
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [["author"]] + [
        [a["author"] or ""] for a in _stored(store).values()
    ]


def test_the_warc_file_description_names_the_files_a_crawl_writes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import re

    from crawler.warc.files import relative_warc_path, warc_file_name
    from indexer.export.fields import FIELDS

    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    description = FIELDS["warc_file"].description
    template = re.search(r"(warc/<portal>/vnarchive-\S+\.warc\.gz)", description).group(1)
    shape = re.escape(template).replace("<portal>", "sample-sp2010")
    shape = re.sub(r"<[a-z]+>", "[0-9]+", shape)
    stored = relative_warc_path(
        tmp_path / "warc" / "sample-sp2010" / warc_file_name("sample-sp2010", 7)
    )
    assert re.fullmatch(shape, stored), (template, stored)

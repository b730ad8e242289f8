"""``/api/export``: a search streamed as a CSV, JSONL or Parquet download (real app, store, index)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from crawler.items import Article
from indexer.export.fields import DEFAULT_FIELDS
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash

TODAY = datetime.now(timezone(timedelta(hours=7))).date().isoformat()


def _search_ids(client: TestClient, **params: str) -> tuple[int, list[str]]:
    ids: list[str] = []
    page = 1
    while True:
        body = client.get("/api/search", params={**params, "per_page": 100, "page": page}).json()
        ids += [hit["id"] for hit in body["results"]]
        if len(ids) >= body["total"] or not body["results"]:
            return body["total"], ids
        page += 1


def test_csv_of_a_query_is_an_excel_safe_named_download(client: TestClient, web_archive) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/export", params={"q": "ủy ban", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="vnarchive-uy-ban-{TODAY}.csv"' in disposition
    star = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert star and unquote(star.group(1)) == f"vnarchive-ủy-ban-{TODAY}.csv"
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel-safe by default
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    total, ids = _search_ids(client, q="ủy ban")
    assert total == web_archive.uyban_total
    assert [r["id"] for r in rows] == ids  # every result, in the search's order
    assert list(rows[0]) == list(DEFAULT_FIELDS)


def test_parquet_of_filters_matches_the_search_count(client: TestClient) -> None:
    params = {"portal": "quangbinh_tuyenhoa", "from": "2022", "to": "2024-12"}
    response = client.get("/api/export", params={**params, "format": "parquet"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert (
        f"vnarchive-quangbinh-tuyenhoa-2022-01-01-to-2024-12-31-{TODAY}.parquet"
        in (response.headers["content-disposition"])
    )
    table = pq.read_table(io.BytesIO(response.content))
    total, ids = _search_ids(client, **params)
    assert table.num_rows == total > 0
    assert set(table.column("id").to_pylist()) == set(ids)
    assert set(table.column("portal").to_pylist()) == {"quangbinh_tuyenhoa"}
    footer = json.loads(pq.read_metadata(io.BytesIO(response.content)).metadata[b"vnarchive"])
    assert footer["rows"] == total and footer["filters"]["date_to"] == "2024-12-31"


def test_jsonl_with_chosen_fields(client: TestClient, web_archive) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/api/export", params={"format": "jsonl", "fields": "id,title,attachments"}
    )
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == web_archive.total
    assert all(list(r) == ["id", "title", "attachments"] for r in rows)
    with_files = next(r for r in rows if r["id"] == web_archive.ids["attachments"])
    assert {a["name"] for a in with_files["attachments"]} == {
        "Quyết định số 12/QĐ-UBND về quy hoạch.pdf",
        "Phụ lục kèm theo",
    }


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"format": "xlsx"}, 422, "invalid_parameter"),
        ({"fields": "id,nope"}, 422, "invalid_parameter"),
        ({"format": "jsonl", "excel": "true"}, 422, "invalid_parameter"),
        ({"from": "hôm qua"}, 422, "invalid_date"),
        ({"q": "x" * 1200}, 400, "query_too_long"),
    ],
)
def test_bad_requests_get_the_one_error_shape(
    client: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    response = client.get("/api/export", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "content-disposition" not in response.headers


def test_datapackage_describes_the_same_export(client: TestClient, web_archive) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/export/datapackage", params={"q": "ủy ban", "format": "parquet"})
    assert response.status_code == 200
    descriptor = response.json()
    (resource,) = descriptor["resources"]
    assert resource["path"] == f"vnarchive-uy-ban-{TODAY}.parquet"
    assert resource["format"] == "parquet"
    assert [f["name"] for f in resource["schema"]["fields"]] == list(DEFAULT_FIELDS)
    assert descriptor["vnarchive"]["rows"] == web_archive.uyban_total
    assert descriptor["vnarchive"]["query"] == "ủy ban"


def test_search_page_offers_the_three_formats_for_the_current_search(client: TestClient) -> None:
    page = client.get("/", params={"q": "ủy ban", "province": "Tỉnh Quảng Bình", "page": 2})
    assert page.status_code == 200
    links = re.findall(r'href="(/api/export\?[^"]+)"', page.text)
    assert len(links) == 3
    for fmt, link in zip(("csv", "jsonl", "parquet"), links, strict=True):
        href = link.replace("&amp;", "&")
        assert f"format={fmt}" in href and "page=" not in href
        response = client.get(href)
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")


def test_formula_guard_by_default_and_plain_csv_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search_app.app import create_app

    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    body = "-1 là con số.\n=cmd|' /C calc'!A0"
    store.upsert_article(
        Article(
            url="http://krongno.sample/a",
            title='=HYPERLINK("http://evil.example","Bấm vào đây")',
            portal="krongno",
            body_text=body,
            content_hash=content_hash(body),
        ),
        province="Đắk Nông",
    )
    store.engine.dispose()
    with TestClient(create_app(tmp_path)) as client:
        guarded = client.get("/api/export", params={"fields": "title,body_text"})
        plain = client.get("/api/export", params={"fields": "title,body_text", "excel": "false"})
    (row,) = csv.DictReader(io.StringIO(guarded.content.decode("utf-8-sig"), newline=""))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","Bấm vào đây")'
    assert row["body_text"] == "'" + body
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    (raw,) = csv.DictReader(io.StringIO(plain.content.decode("utf-8"), newline=""))
    assert raw == {"title": '=HYPERLINK("http://evil.example","Bấm vào đây")', "body_text": body}

"""The JSON API in-process: every endpoint, its shape, and every error case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """The response is our one error shape with ``status`` (and ``code``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    assert "Traceback" not in response.text
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_search_without_diacritics_finds_accented_text(client: TestClient, web_archive) -> None:
    body = client.get("/api/search", params={"q": "uy ban", "per_page": 5}).json()
    assert body["total"] == web_archive.uyban_total
    assert body["page"] == 1 and body["per_page"] == 5
    assert len(body["results"]) == 5
    first = body["results"][0]
    assert set(first) >= {"id", "url", "title", "portal", "published", "snippet_html", "score"}
    assert "<mark>" in first["snippet_html"]
    assert set(body["facets"]) >= {"portal", "category", "year"}
    assert sum(body["facets"]["portal"].values()) == web_archive.uyban_total
    assert isinstance(body["took_ms"], int | float)


def test_search_filters_dates_sort_and_pages(client: TestClient) -> None:
    all_hits = client.get(
        "/api/search", params={"q": "uy ban", "portal": "daknong_krongno", "per_page": 100}
    ).json()
    assert all_hits["total"] > 0
    assert {r["portal"] for r in all_hits["results"]} == {"daknong_krongno"}
    ranged = client.get(
        "/api/search",
        params={"q": "uy ban", "from": "2022-01-01", "to": "31/12/2022", "per_page": 100},
    ).json()
    assert ranged["total"] > 0
    assert all("2022-01-01" <= r["published"][:10] <= "2022-12-31" for r in ranged["results"])
    newest = client.get("/api/search", params={"sort": "newest", "per_page": 100}).json()
    dates = [r["published"][:10] for r in newest["results"] if r["published"]]
    assert dates == sorted(dates, reverse=True)
    oldest = client.get("/api/search", params={"sort": "oldest", "per_page": 100}).json()
    dates = [r["published"][:10] for r in oldest["results"] if r["published"]]
    assert dates == sorted(dates)
    page1 = client.get("/api/search", params={"q": "uy ban", "per_page": 10}).json()
    page2 = client.get("/api/search", params={"q": "uy ban", "per_page": 10, "page": 2}).json()
    assert page2["page"] == 2
    assert not {r["id"] for r in page1["results"]} & {r["id"] for r in page2["results"]}
    category = client.get("/api/search", params={"category": "Văn bản", "per_page": 100}).json()
    assert category["total"] > 0
    assert {r["category"] for r in category["results"]} == {"Văn bản"}
    province = client.get("/api/search", params={"province": "Tỉnh Quảng Bình"}).json()
    assert province["total"] > 0
    assert {r["province"] for r in province["results"]} == {"Tỉnh Quảng Bình"}


def test_search_empty_and_did_you_mean(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "zzzqqqxxx"}).json()
    assert body["total"] == 0 and body["results"] == []
    suggestion = client.get("/api/search", params={"q": "tap huam"}).json()
    assert suggestion["total"] == 0
    assert suggestion["did_you_mean"] == "tap huan"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": "a" * 10_000}, 400, "query_too_long"),
        ({"q": "ủy ban " * 3000}, 400, "query_too_long"),
        ({"q": "x\x00y"}, 400, "bad_request"),
        ({"from": "not-a-date"}, 422, "invalid_date"),
        ({"to": "2021-02-30"}, 422, "invalid_date"),
        ({"from": "2023-01-01", "to": "2021-01-01"}, 422, "invalid_date"),
        ({"sort": "random"}, 422, "invalid_parameter"),
        ({"page": "abc"}, 422, "invalid_parameter"),
        ({"page": "0"}, 422, "invalid_parameter"),
        ({"page": "-3"}, 422, "invalid_parameter"),
        ({"page": "99999999999999999999999"}, 422, "invalid_parameter"),
        ({"per_page": "0"}, 422, "invalid_parameter"),
        ({"per_page": "1000"}, 422, "invalid_parameter"),
        ({"page": "5000", "per_page": "100"}, 422, "invalid_parameter"),
        ({"portal": "p" * 5000}, 422, "invalid_parameter"),
    ],
)
def test_search_bad_parameters(client: TestClient, params: dict, status: int, code: str) -> None:
    assert_error(client.get("/api/search", params=params), status, code)


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "((((",
        "ủy ban)",
        "-",
        "OR",
        "AND NOT",
        "title:",
        'title:"',
        "*",
        "?",
        "~~~",
        "\\",
    ],
)
def test_search_odd_queries_never_500(client: TestClient, q: str) -> None:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert_error(response, 400)
    else:
        assert "results" in response.json()


def test_article_api(client: TestClient, web_archive) -> None:
    article_id = web_archive.ids["attachments"]
    body = client.get(f"/api/articles/{article_id}").json()
    assert body["id"] == article_id
    assert body["title"] == "Quyết định về việc điều chỉnh quy hoạch sử dụng đất"
    assert body["portal"] == "quangbinh_tuyenhoa"
    assert body["html_url"] == f"/articles/{article_id}"
    assert body["archived_original"] == f"/replay/{article_id}"
    names = [a["name"] for a in body["attachments"]]
    assert names == ["Quyết định số 12/QĐ-UBND về quy hoạch.pdf", "Phụ lục kèm theo"]
    assert body["attachments"][0]["download"] == f"/articles/{article_id}/attachments/1"
    assert body["attachments"][1]["download"] is None
    assert len(body["versions"]) == 1
    versioned = client.get(f"/api/articles/{web_archive.ids['versioned']}").json()
    assert [v["number"] for v in versioned["versions"]] == [1, 2]
    assert "thứ hai" in versioned["versions"][0]["body_text"]
    assert "thứ ba" in versioned["versions"][1]["body_text"]


@pytest.mark.parametrize(
    "article_id", ["0000000000000000", "nope", "x" * 5000, "%3Cscript%3E", "..%2F..%2Fetc"]
)
def test_article_api_unknown_ids(client: TestClient, article_id: str) -> None:
    assert_error(client.get(f"/api/articles/{article_id}"), 404, "not_found")


def test_portals_api(client: TestClient, web_archive) -> None:
    body = client.get("/api/portals").json()
    assert body["total"] == 3
    rows = {p["portal"]: p for p in body["portals"]}
    assert set(rows) == {"daknong_krongno", "quangbinh_tuyenhoa", "hanoi_longbien"}
    assert sum(p["articles"] for p in rows.values()) == web_archive.total
    krongno = rows["daknong_krongno"]
    assert krongno["province"] == "Tỉnh Đắk Nông" and krongno["district"] == "Huyện Krông Nô"
    assert krongno["first_published"] <= krongno["last_published"]
    assert krongno["last_crawl"] is not None
    assert krongno["search_url"].startswith("/?portal=daknong_krongno")
    # each district and what it became on 1 July 2025
    assert krongno["now"]["new"] == "Tỉnh Lâm Đồng" and krongno["now"]["change"] == "split"
    assert "Xã Nam Đà" in krongno["now"]["successors"]
    assert rows["quangbinh_tuyenhoa"]["now"]["province_now"] == "Quảng Trị"


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/articles/{article_id}", "/api/portals"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {
        "q",
        "portal",
        "province",
        "category",
        "from",
        "to",
        "sort",
        "page",
        "per_page",
    } <= names
    assert not any(path.startswith("/articles") for path in spec["paths"])  # pages are not API
    # every documented error response has the one error shape
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for methods in spec["paths"].values():
        for op in methods.values():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, status


def test_unknown_api_path_and_method(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.post("/api/search"), 405, "method_not_allowed")


def test_empty_archive_answers_empty_results(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from search_app.app import create_app

    with TestClient(create_app(tmp_path / "empty"), raise_server_exceptions=False) as empty:
        body = empty.get("/api/search", params={"q": "ủy ban"}).json()
        assert body["total"] == 0 and body["results"] == []
        assert empty.get("/api/portals").json() == {"total": 0, "portals": []}
        assert_error(empty.get("/api/articles/0123456789abcdef"), 404)
        home = empty.get("/").text
        assert 'data-state="empty_archive"' in home and "vnarchive crawl" in home
        assert 'id="no-results"' in empty.get("/", params={"q": "x"}).text

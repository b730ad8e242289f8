"""``/api/search`` encodes its result once (orjson), skipping the response model: the
bytes must be those the model and Starlette's ``JSONResponse`` would have written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.search.params import SearchParams
from indexer.search.query import search
from search_app.api_models import SearchResult

QUERIES: list[dict[str, Any]] = [
    {"q": "uy ban", "per_page": 5},
    {"q": "ủy ban nhân dân", "per_page": 100},
    {"q": '"nhân dân"', "sort": "newest"},
    {"sort": "oldest", "per_page": 50, "page": 2},
    {"q": "zzzqqqxxx"},  # nothing found: did_you_mean, empty facets
    {"province": "Tỉnh Quảng Bình", "per_page": 100, "from": "2000"},
]


def _model_bytes(result: dict[str, Any]) -> bytes:
    """What FastAPI gave before: the dict validated into SearchResult, dumped as JSON
    and rendered by Starlette's JSONResponse."""
    dumped = SearchResult.model_validate(result).model_dump(mode="json")
    text = json.dumps(dumped, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


@pytest.mark.parametrize("params", QUERIES)
def test_search_json_is_what_the_response_model_gave(
    client: TestClient, web_archive: Any, params: dict[str, Any]
) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    mapped = {("date_from" if k == "from" else k): v for k, v in params.items()}
    direct = search(SearchParams(**mapped), index_dir=web_archive.data_dir / "index")
    direct["took_ms"] = body["took_ms"]  # the one value that differs between two runs
    assert response.content == _model_bytes(direct)
    if params.get("q") != "zzzqqqxxx":
        assert body["total"] > 0  # the comparison covers real hits and facets

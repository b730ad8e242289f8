"""Strict accents and highlighting that follows the match, over HTTP: the API, the pages, exports."""

from __future__ import annotations

import re

MARK = re.compile(r"<mark>(.*?)</mark>")


def test_api_exact_matches_only_the_typed_diacritics(client, web_archive) -> None:
    ids = web_archive.ids
    loose = client.get("/api/search", params={"q": "tuyen hoa", "per_page": 50}).json()
    assert {ids["accented"], ids["unaccented"]} <= {h["id"] for h in loose["results"]}
    strict = client.get("/api/search", params={"q": "Tuyên Hóa", "exact": "1"}).json()
    assert [h["id"] for h in strict["results"]] == [ids["accented"]]
    bare = client.get("/api/search", params={"q": "tuyen hoa", "exact": "1"}).json()
    assert [h["id"] for h in bare["results"]] == [ids["unaccented"]]
    off = client.get("/api/search", params={"q": "Tuyên Hóa", "exact": "0"}).json()
    assert off["total"] == loose["total"]


def test_api_snippet_marks_the_match_not_every_word_that_folds_the_same(client, web_archive):
    result = client.get("/api/search", params={"q": "tuyen hoa", "per_page": 50}).json()
    hit = next(h for h in result["results"] if h["id"] == web_archive.ids["accented"])
    # "Tuyên Hóa" as one span; not "tuyển", "xã hội hóa", "Cộng hòa"
    assert MARK.findall(hit["snippet_html"]) == ["Tuyên Hóa"]


def test_api_refuses_a_bad_exact_value_in_the_one_error_shape(client) -> None:
    response = client.get("/api/search", params={"q": "x", "exact": "maybe"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and error["message"].startswith("exact:")


def test_api_did_you_mean_with_strict_accents(client) -> None:
    result = client.get("/api/search", params={"q": "tuyen quan", "exact": "1"}).json()
    assert result["total"] == 0
    suggestion = result["did_you_mean"]
    assert suggestion in ("tuyên quân", "tuyển quân")  # the words with diacritics, from the index
    again = client.get("/api/search", params={"q": suggestion, "exact": "1"}).json()
    assert again["total"] > 0


def test_search_page_checkbox_and_article_page_marks(client, web_archive) -> None:
    page = client.get("/", params={"q": "tuyên hóa", "exact": "1"}).text
    assert re.search(r'<input id="f-exact" name="exact" type="checkbox" value="1" checked>', page)
    assert page.count('class="hit"') == 1
    link = f"/articles/{web_archive.ids['accented']}?q=tu%E1%BB%B3%C3%AAn"
    assert f"/articles/{web_archive.ids['accented']}?q=" in page and "&amp;exact=1" in page
    del link
    article = client.get(f"/articles/{web_archive.ids['accented']}", params={"q": "tuyen hoa"}).text
    body = article[article.index('id="article-title"') :]
    assert MARK.findall(body)[:2] == ["Tuyên Hóa", "Tuyên Hóa"]
    assert "<mark>tuyển</mark>" not in body and "<mark>hóa</mark>" not in body
    unchecked = client.get("/", params={"q": "tuyên hóa"}).text
    assert 'value="1" checked' not in unchecked


def test_export_with_exact_accents(client, web_archive) -> None:
    loose = client.get("/api/export", params={"format": "jsonl", "q": "tuyen hoa"})
    strict = client.get("/api/export", params={"format": "jsonl", "q": "tuyen hoa", "exact": "1"})
    assert loose.status_code == strict.status_code == 200
    assert web_archive.ids["unaccented"] in strict.text
    assert web_archive.ids["accented"] not in strict.text
    assert web_archive.ids["accented"] in loose.text

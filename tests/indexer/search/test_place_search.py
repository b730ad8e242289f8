"""Searching by place across the 2025 reform, and by topic: filters, facets, which name matched."""

from __future__ import annotations

import pytest
from archive_helpers import build_archive

from indexer.search.params import SearchParams
from indexer.search.query import search
from indexer.text.places import find_article_places

KN = {"portal": "krongno", "province": "Đắk Nông", "district": "Krông Nô"}
TH = {"portal": "tuyenhoa", "province": "Quảng Bình", "district": "Tuyên Hóa"}
LD = {"portal": "dalat", "province": "Lâm Đồng", "district": "Đà Lạt"}

CORPUS = {
    "kn_xa": KN
    | {
        "title": "Xã Nam Đà ra quân làm đường",
        "published": "2019-05-01",
        "category": "Tin tức - Sự kiện",
        "body_text": "UBND xã Nam Đà và thị trấn Đắk Mâm phối hợp làm đường giao thông.",
    },
    "kn_qp": KN
    | {
        "title": "Diễn tập khu vực phòng thủ",
        "published": "2019-06-01",
        "category": "An ninh - Quốc phòng",
        "body_text": "Huyện Krông Nô tổ chức diễn tập.",
    },
    "th_lut": TH
    | {
        "title": "Phòng chống lụt bão",
        "published": "2020-10-15",
        "category": "Tin tức sự kiện",
        "body_text": "Xã Lâm Hóa, huyện Tuyên Hóa chủ động phòng chống lũ lụt.",
    },
    "th_qp": TH
    | {
        "title": "Huấn luyện dân quân",
        "published": "2021-03-01",
        "category": "Quốc phòng - An ninh",
        "body_text": "Ban chỉ huy quân sự huyện huấn luyện dân quân.",
    },
    "ld": LD
    | {
        "title": "Lễ hội hoa",
        "published": "2019-12-01",
        "category": "Lễ hội mùa xuân",
        "body_text": "Thành phố Đà Lạt tổ chức lễ hội hoa.",
    },
}


def _with_places(doc: dict) -> dict:
    """The document as the crawl stores it: with its places found in its portal's context."""
    found = find_article_places(
        doc["title"], doc["body_text"], province=doc["province"], district=doc["district"]
    )
    return doc | {"places": found}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    docs = [
        _with_places({"url": f"https://{d['portal']}.example.vn/{key}"} | d)
        for key, d in CORPUS.items()
    ]
    store, index_dir, ids = build_archive(tmp_path_factory.mktemp("places"), docs)
    names = {ids[f"https://{d['portal']}.example.vn/{k}"]: k for k, d in CORPUS.items()}
    return {"index_dir": index_dir, "names": names}


def run(archive, q: str = "", **params) -> dict:
    return search(SearchParams(q=q, per_page=50, **params), index_dir=archive["index_dir"])


def found(archive, q: str = "", **params) -> set[str]:
    return {archive["names"][h["id"]] for h in run(archive, q, **params)["results"]}


def test_province_filter_matches_old_and_new_names(archive) -> None:
    # Lâm Đồng today: its own portal and Đắk Nông's (merged into it on 1 July 2025)
    assert found(archive, province="Lâm Đồng") == {"kn_xa", "kn_qp", "ld"}
    assert found(archive, province="lam dong") == {"kn_xa", "kn_qp", "ld"}
    # the old name finds only the old province's articles
    assert found(archive, province="Đắk Nông") == {"kn_xa", "kn_qp"}
    assert found(archive, province="dak nong") == {"kn_xa", "kn_qp"}
    assert found(archive, province="Quảng Trị") == {"th_lut", "th_qp"}
    assert found(archive, 'province:"Quảng Trị" lụt') == {"th_lut"}


def test_each_result_says_which_name_matched(archive) -> None:
    hits = {archive["names"][h["id"]]: h for h in run(archive, province="Lâm Đồng")["results"]}
    assert hits["kn_qp"]["place_match"] == [
        {"filter": "Lâm Đồng", "name": "Tỉnh Đắk Nông → Tỉnh Lâm Đồng", "matched": "new"}
    ]
    assert hits["kn_qp"]["province_now"] == "Lâm Đồng"
    old = run(archive, province="Đắk Nông")["results"][0]["place_match"][0]
    assert old["matched"] == "old"


def test_place_filter_old_and_new_names(archive) -> None:
    assert found(archive, place="Nam Đà") == {"kn_xa"}
    # thị trấn Đắk Mâm is in xã Krông Nô since 2025: both names find the article
    assert found(archive, place="Đắk Mâm") == {"kn_xa"}
    assert "kn_xa" in found(archive, 'place:"xã Krông Nô"')
    # Xã Lâm Hóa became part of xã Tuyên Lâm
    assert found(archive, place="Tuyên Lâm") == {"th_lut"}
    hit = run(archive, place="Tuyên Lâm")["results"][0]
    assert hit["place_match"][0]["matched"] == "new"
    assert "Xã Lâm Hóa" in hit["place_match"][0]["name"]


def test_place_filter_says_when_only_the_portal_s_own_unit_matched(archive) -> None:
    # "Huấn luyện dân quân" names no place: Tuyên Hóa's portal is what matched
    assert found(archive, place="Tuyên Hóa") == {"th_lut", "th_qp"}
    hits = {archive["names"][h["id"]]: h for h in run(archive, place="Tuyên Hóa")["results"]}
    assert hits["th_qp"]["place_match"] == [
        {
            "filter": "Tuyên Hóa",
            "name": "Huyện Tuyên Hóa, Tỉnh Quảng Bình → Tỉnh Quảng Trị",
            "matched": "portal",
        }
    ]
    # the article that names it says so, by the name it wrote
    assert hits["th_lut"]["place_match"][0]["matched"] == "old"


def test_place_and_topic_facets(archive) -> None:
    facets = run(archive)["facets"]
    assert facets["place"]["Lâm Đồng"] >= 2
    assert facets["place"]["Xã Nam Đà (Lâm Đồng)"] == 1
    assert facets["topic"]["Quốc phòng - An ninh"] == 2
    assert facets["topic"]["Tin tức - Sự kiện"] == 2
    # an unmapped category shows as itself
    assert facets["topic"]["Lễ hội mùa xuân"] == 1
    empty = run(archive, "khôngcótừnày")["facets"]
    assert set(empty) == set(facets)


def test_topic_filter(archive) -> None:
    assert found(archive, topic="Quốc phòng - An ninh") == {"kn_qp", "th_qp"}
    assert found(archive, 'topic:"quoc phong - an ninh"') == {"kn_qp", "th_qp"}


def test_export_fields_places_province_now_commune_now_topic(tmp_path) -> None:
    import json

    from indexer.export.request import ExportRequest
    from indexer.export.stream import stream_export
    from indexer.store.archive import ArchiveStore

    docs = [_with_places({"url": "https://krongno.example.vn/kn_xa"} | CORPUS["kn_xa"])]
    store, index_dir, _ = build_archive(tmp_path, docs)
    request = ExportRequest(fields=("id", "places", "province_now", "commune_now", "topic"))
    data = b"".join(stream_export(store, request, "jsonl", index_dir=index_dir))
    row = json.loads(data.decode().splitlines()[0])
    assert row["province_now"] == "Lâm Đồng"
    assert row["topic"] == "Tin tức - Sự kiện"
    assert row["commune_now"] == "Xã Nam Đà"
    assert {"level": "commune", "old": "Thị trấn Đắk Mâm, Huyện Krông Nô, Tỉnh Đắk Nông",
            "new": "Xã Krông Nô, Tỉnh Lâm Đồng", "change": "merged", "uncertain": False} in row["places"]  # fmt: skip
    assert isinstance(store, ArchiveStore)
    # without a query, the export's province filter matches the new name as the search does
    by_new = ExportRequest(province="Lâm Đồng", fields=("id",))
    rows = b"".join(stream_export(store, by_new, "jsonl", index_dir=index_dir)).splitlines()
    assert len(rows) == 1

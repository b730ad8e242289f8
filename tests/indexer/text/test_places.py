"""Places, old and new: the gazetteer, finding units in text, and the converter corrections."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.text.places import article_place_summary, find_article_places, place_terms, portal_unit
from indexer.text.places.convert import checked_convert, corrections
from indexer.text.places.gazetteer import gazetteer

KRONGNO = {"province": "Đắk Nông", "district": "Krông Nô"}


def olds(places: list[dict]) -> list[str]:
    return [p.get("old") or p["new"] for p in places]


def test_gazetteer_holds_both_layers() -> None:
    gaz = gazetteer()
    assert len(gaz.old_provinces) == 63
    assert len(gaz.new_provinces) == 34
    assert len(gaz.districts) > 690
    assert sum(len(v) for v in gaz.commune_by_name.values()) > 9_900
    assert len(gaz.new_communes) > 3_300
    assert {"Đắk Nông", "Quảng Bình", "Thừa Thiên Huế"} <= set(gaz.province_names())


def test_commune_district_province_chain_resolves_to_the_new_commune() -> None:
    places = find_article_places("", "Xã Nam Bình, Huyện Đắk Song, Tỉnh Đắk Nông", **KRONGNO)
    commune = places[0]
    assert commune["old"] == "Xã Nam Bình, Huyện Đắk Song, Tỉnh Đắk Nông"
    assert commune["new"] == "Xã Đức An, Tỉnh Lâm Đồng"
    assert commune["change"] == "merged"
    assert [p["level"] for p in places] == ["commune", "district", "province"]
    assert places[2]["new"] == "Tỉnh Lâm Đồng"


def test_abbreviations_enumerations_and_context() -> None:
    text = (
        "UBND TT. Đắk Mâm cùng các xã Nam Đà, Đắk Sôr và Buôn Choáh (H. Krông Nô) "
        "đón đoàn của TP. Gia Nghĩa; xã Quảng Phú tổ chức hội nghị."
    )
    found = olds(find_article_places("Tin", text, **KRONGNO))
    assert found == [
        "Thị trấn Đắk Mâm, Huyện Krông Nô, Tỉnh Đắk Nông",
        "Xã Nam Đà, Huyện Krông Nô, Tỉnh Đắk Nông",
        "Xã Đắk Sôr, Huyện Krông Nô, Tỉnh Đắk Nông",
        "Xã Buôn Choáh, Huyện Krông Nô, Tỉnh Đắk Nông",
        "Huyện Krông Nô, Tỉnh Đắk Nông",
        "Thành phố Gia Nghĩa, Tỉnh Đắk Nông",
        # many provinces have a Quảng Phú: the portal's district decides
        "Xã Quảng Phú, Huyện Krông Nô, Tỉnh Đắk Nông",
    ]


def test_plural_unit_word_governs_a_list_later_in_its_clause() -> None:
    # held-out real article (stc snapshot): eight words between "các huyện" and "như"
    text = (
        "Diện tích cần tái canh nằm tại các huyện trọng điểm về sản xuất cà phê như "
        "Đắk Mil, Đắk R’lấp, K’rông Nô."
    )
    assert olds(find_article_places("", text, province="Đắk Nông")) == [
        "Huyện Đắk Mil, Tỉnh Đắk Nông",
        "Huyện Đắk R'Lấp, Tỉnh Đắk Nông",
        "Huyện Krông Nô, Tỉnh Đắk Nông",
    ]
    # a new clause ends the reach of the unit word: nothing is read as its list
    cut = "Các huyện đã họp, trong đó lãnh đạo như Đắk Mil, Đắk R’lấp phát biểu."
    assert find_article_places("", cut, province="Đắk Nông") == []


def test_a_city_word_lists_only_cities() -> None:
    # held-out real article (stc snapshot): "Thành phố" is part of the city's name here
    ports = "cảng biển: Quảng Ninh, Hải Phòng, Thành phố Hồ Chí Minh, Bà Rịa – Vũng Tàu."
    assert olds(find_article_places("", ports, province="Đắk Nông")) == ["Thành phố Hồ Chí Minh"]
    cities = "tại thành phố Hà Nội, Hải Phòng và Đà Nẵng"
    assert olds(find_article_places("", cities, province="Đắk Nông")) == [
        "Thành phố Hà Nội",
        "Thành phố Hải Phòng",
        "Thành phố Đà Nẵng",
    ]
    # other unit words keep their lists of mixed types
    mixed = "qua huyện Đắk Glong, Krông Nô"
    assert olds(find_article_places("", mixed, province="Đắk Nông")) == [
        "Huyện Đăk Glong, Tỉnh Đắk Nông",
        "Huyện Krông Nô, Tỉnh Đắk Nông",
    ]


def test_words_that_only_look_like_units_are_not_places() -> None:
    text = "Công tác xã hội hóa; P. Giám đốc Sở; Xã Hội Nông dân; phường Không Có Thật."
    assert find_article_places("", text, **KRONGNO) == []


def test_district_becomes_its_province_and_lists_its_successors() -> None:
    (place,) = find_article_places("", "huyện Krông Nô", **KRONGNO)
    assert place["new"] == "Tỉnh Lâm Đồng"
    assert place["change"] == "split"
    assert "Xã Nam Đà" in place["successors"] and len(place["successors"]) == 5


def test_older_layer_names_resolve() -> None:
    (town,) = find_article_places("", "thị xã Gia Nghĩa", **KRONGNO)
    assert town["old"] == "Thành phố Gia Nghĩa, Tỉnh Đắk Nông"
    assert "2020" in town["note"]
    (hue,) = find_article_places("", "tỉnh Thừa Thiên Huế", **KRONGNO)
    assert (hue["old"], hue["new"], hue["change"]) == (
        "Tỉnh Thừa Thiên Huế",
        "Thành phố Huế",
        "renamed",
    )


def test_ambiguous_name_outside_context_is_uncertain_or_dropped() -> None:
    # Two Đắk Nông districts have no "Quảng Phú"; outside Krông Nô the name is ambiguous
    places = find_article_places("", "xã Quảng Phú", province="Quảng Bình")
    assert all(p.get("uncertain") or "Quảng Bình" in p["old"] for p in places)


def test_new_names_after_the_reform() -> None:
    (place,) = find_article_places(
        "", "xã Đức An tổ chức lễ", province="Đắk Nông", published="2025-08-01"
    )
    assert place["old"] is None if "old" in place else True
    assert place["new"] == "Xã Đức An, Tỉnh Lâm Đồng"


def test_portal_units_resolve() -> None:
    krongno = portal_unit("Đắk Nông", "Krông Nô")
    assert (krongno["new"], krongno["change"], krongno["uncertain"]) == (
        "Tỉnh Lâm Đồng",
        "split",
        False,
    )
    assert portal_unit("Quảng Bình", "Tuyên Hóa")["province_now"] == "Quảng Trị"
    invented = portal_unit("Đắk Nông", "Krông Xanh")
    assert invented["uncertain"] and invented["province_now"] == "Lâm Đồng"


def test_every_shipped_real_portal_resolves_after_the_reform() -> None:
    """Each real portal profile of data/portals names a unit the data knows (a misspelt
    district would show as an uncertain guess in `vnarchive portals list`)."""
    from crawler.profiles import load_profiles

    shipped = Path(__file__).resolve().parents[3] / "data" / "portals"
    real = [p for p in load_profiles(shipped, strict=True) if not p.sample]
    assert len(real) >= 7
    for profile in real:
        unit = profile.summary()["now"]  # what `vnarchive portals list` shows
        assert not unit["uncertain"], (profile.id, unit)
        assert unit["new"].startswith(("Tỉnh ", "Thành phố ")), (profile.id, unit)
        assert unit["change"] in {"unchanged", "renamed", "merged", "split"}, (profile.id, unit)


def test_summary_and_filter_terms() -> None:
    places = find_article_places("", "xã Nam Bình huyện Đắk Song và xã Nam Bình", **KRONGNO)
    summary = article_place_summary(places, "Đắk Nông")
    assert summary == {"province_now": "Lâm Đồng", "commune_now": "Xã Đức An"}
    terms = place_terms(places)
    assert {"nambinh", "ducan", "xaducan", "daksong", "lamdong", "daknong"} <= set(terms)


# -- the converter's corrections (data/places.toml): one test each ------------------------------


def _correction(address: str) -> dict:
    entry = next(c for c in corrections() if c["input"] == address)
    return entry


@pytest.mark.parametrize(
    "address",
    [
        "Huyện Xuyên Mộc, Tỉnh Bà Rịa - Vũng Tàu",
        "Tỉnh Thừa Thiên Huế",
        "Thị xã Gia Nghĩa, Tỉnh Đắk Nông",
    ],
)
def test_correction(address: str) -> None:
    entry = _correction(address)
    checked = checked_convert(address)
    # the converter still answers what the table says (a fixed underthesea is noticed here)
    assert checked.converter == entry["converter"]
    assert checked.answer == entry["right"]
    assert checked.change == entry["change"]
    assert checked.correction is entry or checked.correction == entry


def test_correction_xuyen_moc_is_not_con_dao() -> None:
    checked = checked_convert("Huyện Xuyên Mộc, Tỉnh Bà Rịa - Vũng Tàu")
    assert not checked.agrees
    assert checked.place is not None
    assert "Đặc khu Côn Đảo" not in checked.place.successors
    assert "Xã Xuyên Mộc" in checked.place.successors


def test_converter_agrees_where_it_is_right_and_unknown_is_uncertain() -> None:
    right = checked_convert("Xã Nam Bình, Huyện Đắk Song, Tỉnh Đắk Nông")
    assert right.agrees and right.answer == "Xã Đức An, Tỉnh Lâm Đồng"
    unknown = checked_convert("Xã Không Có, Tỉnh Đắk Nông")
    assert unknown.uncertain and not unknown.agrees

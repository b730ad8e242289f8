"""Topics: portal categories mapped to the one small list of data/topics.toml."""

from __future__ import annotations

import pytest

from indexer.text.topics import is_mapped, topic_for, topics


@pytest.mark.parametrize(
    ("category", "topic"),
    [
        # the examples: one section, several spellings
        ("Quốc phòng - An ninh", "Quốc phòng - An ninh"),
        ("An ninh - Quốc phòng", "Quốc phòng - An ninh"),
        ("An ninh Quốc phòng", "Quốc phòng - An ninh"),
        ("Tin tức sự kiện", "Tin tức - Sự kiện"),
        ("tin nổi bật", "Tin tức - Sự kiện"),
        # case, diacritics and punctuation do not matter
        ("TIN TRONG HUYỆN", "Tin tức - Sự kiện"),
        ("HOAT ĐỘNG CỦA LÃNH ĐẠO", "Chỉ đạo - Điều hành"),
        ("Văn hóa xã hội", "Văn hóa - Xã hội"),
        ("TÌNH HÌNH TIẾP CÔNG DÂN VÀ XỬ LÝ ĐƠN THƯ", "Tiếp công dân - Khiếu nại"),
        ("Công khai ngân sách địa phương", "Tài chính - Ngân sách"),
    ],
)
def test_spellings_of_one_section_map_to_one_topic(category: str, topic: str) -> None:
    assert topic_for(category) == topic
    assert is_mapped(category)


def test_a_category_path_takes_its_sections_topic() -> None:
    # krongno writes the commune a report is about after the section's name
    assert topic_for("Kết quả tiếp công dân | xã Đắk Sôr") == "Tiếp công dân - Khiếu nại"
    assert topic_for("Lịch tiếp công dân | xã Buôn Choah") == "Tiếp công dân - Khiếu nại"
    assert is_mapped("Kết quả xử lý đơn thư | xã Nâm Nung")
    # a path whose section is unknown stays itself, whole, and is listed as unmapped
    assert topic_for("Góc ảnh | xã Nam Đà") == "Góc ảnh | xã Nam Đà"
    assert not is_mapped("Góc ảnh | xã Nam Đà")


def test_an_unmapped_category_is_its_own_topic() -> None:
    assert topic_for("Lễ hội mùa xuân") == "Lễ hội mùa xuân"
    assert not is_mapped("Lễ hội mùa xuân")
    assert topic_for("") is None
    assert topic_for("   ") is None
    assert not is_mapped(None)


def test_each_name_maps_to_one_topic_and_the_list_is_small() -> None:
    names = topics()
    assert len(names) == len(set(names))
    assert 5 <= len(names) <= 15
    # every topic maps to itself
    assert all(topic_for(name) == name for name in names)


def test_no_category_name_is_listed_under_two_topics() -> None:
    import tomllib

    from indexer.text.topics import TOPICS_TOML, category_key

    seen: dict[str, str] = {}
    for topic, names in tomllib.loads(TOPICS_TOML.read_text("utf-8"))["topics"].items():
        for name in [topic, *names]:
            key = category_key(name)
            assert seen.setdefault(key, topic) == topic, (
                f"{name!r} under {seen[key]!r} and {topic!r}"
            )

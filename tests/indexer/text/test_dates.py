"""The one Vietnamese date parser: every format seen on real portals, and what it refuses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from indexer.text.dates import VN_TZ, find_dates, parse_date

REAL_FORMATS = [
    ("11/06/2019", "2019-06-11"),
    ("(11.06.2019 21:00)", "2019-06-11T21:00:00+07:00"),
    ("thứ năm, 08 08 2019 08:51", "2019-08-08T08:51:00+07:00"),
    (" thứ ba, 09 04 2019 09:59", "2019-04-09T09:59:00+07:00"),
    ("(Thứ hai, 19/04/2021 15:17)", "2021-04-19T15:17:00+07:00"),
    ("Monday, 24/05/2021, 22:38", "2021-05-24T22:38:00+07:00"),
    ("18:05 24/05/2021", "2021-05-24T18:05:00+07:00"),
    ("21/07/2022 | 10:00 AM", "2022-07-21T10:00:00+07:00"),
    ("14/07/2022 | 03:53 PM", "2022-07-14T15:53:00+07:00"),
    ("Ngày đăng 06/01/2016 | 03:30 PM", "2016-01-06T15:30:00+07:00"),
    ("Ngày đăng: 08/07/2024  11:38", "2024-07-08T11:38:00+07:00"),
    ("(30/05/2019)", "2019-05-30"),
    ("2018-09-03T09:24:00Z", "2018-09-03T16:24:00+07:00"),
    ("2019-06-11T10:00:00+09:00", "2019-06-11T08:00:00+07:00"),
    ("2018-05-02 10:15:00", "2018-05-02T10:15:00+07:00"),
    ("2019-06-11", "2019-06-11"),
    ("ngày 5 tháng 6 năm 2019", "2019-06-05"),
    ("Đắk Mâm, ngày 05 tháng 06 năm 2019", "2019-06-05"),
    ("10h30 ngày 5/6/2019", "2019-06-05T10:30:00+07:00"),
    ("05-06-2019 - 16h", "2019-06-05T16:00:00+07:00"),
    ("Cập nhật lúc 12:00 SA 01/01/2020", "2020-01-01T00:00:00+07:00"),
    ("12:30 CH 01/01/2020", "2020-01-01T12:30:00+07:00"),
]


@pytest.mark.parametrize(("text", "iso"), REAL_FORMATS)
def test_real_formats(text: str, iso: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.iso == iso
    assert parsed.has_time == ("T" in iso)


def test_nfd_text_is_read() -> None:
    import unicodedata

    assert parse_date(unicodedata.normalize("NFD", "thứ năm, 08 08 2019 08:51")).iso.startswith(
        "2019-08-08"
    )


def test_value_types_and_zone() -> None:
    day = parse_date("11/06/2019")
    assert day.value == date(2019, 6, 11) and not isinstance(day.value, datetime)
    moment = parse_date("(11.06.2019 21:00)")
    assert moment.value == datetime(2019, 6, 11, 21, 0, tzinfo=VN_TZ)
    assert moment.value.utcoffset().total_seconds() == 7 * 3600


def test_raw_is_the_matched_text() -> None:
    assert parse_date("Ngày đăng 06/01/2016 | 03:30 PM").raw == "06/01/2016 | 03:30 PM"


def test_us_order_only_when_asked() -> None:
    assert parse_date("12/20/2012 8:55 AM") is None  # day 12, month 20: impossible day-first
    us = parse_date("12/20/2012 8:55 AM", month_first=True)
    assert us.iso == "2012-12-20T08:55:00+07:00"
    assert parse_date("03/04/2020").iso == "2020-04-03"
    assert parse_date("03/04/2020", month_first=True).iso == "2020-03-04"


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2019",
        "13/13/2019",
        "00/05/2019",
        "29/02/2019",
        "11/06/1850",
        "25:00 11/06/2019 and nothing else",
        "13:00 PM 11/06/2019",
        "ngày 32 tháng 1 năm 2019",
        "2019-13-01",
        "",
        "SN 1984",
        "Ngày 17/7, Công an huyện",
        "hôm nay",
    ],
)
def test_rejects_impossible_or_missing_dates(text: str) -> None:
    parsed = parse_date(text)
    if text.startswith(("25:00", "13:00 PM")):
        # the date itself is fine, the impossible time is not taken
        assert parsed is None or not parsed.has_time or parsed.iso == "2019-06-11"
    else:
        assert parsed is None


def test_leap_day_is_accepted() -> None:
    assert parse_date("29/02/2020").iso == "2020-02-29"


def test_none_input() -> None:
    assert parse_date(None) is None
    assert find_dates(None) == []


def test_find_dates_in_free_text() -> None:
    text = "Ngày 10/01/2022, Ban Thường vụ ban hành quyết định; đến 30.06.2022 đã mở 6 lớp (xem 2022-07-01)."
    found = find_dates(text)
    assert [d.iso for d in found] == ["2022-01-10", "2022-06-30", "2022-07-01"]
    assert text[found[1].start : found[1].end] == "30.06.2022"


def test_numbers_that_are_not_dates() -> None:
    assert find_dates("3,5 triệu đồng, 17 gói, năm 2019, số 718-QĐ/HU, 1.234.567") == []

"""Fuzzing the one date parser: any text, no crash; a date written in any known shape,
anywhere in Vietnamese text, is found exactly; offsets point into the text given.

Hypothesis profiles: ``ci`` (default) or ``VNARCHIVE_FUZZ=long`` (see CONTRIBUTING).
The inputs fuzzing found are kept below as regular tests (``test_found_case``).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.text.dates import VN_TZ, find_dates, parse_date

DATEISH = st.text(
    st.sampled_from(list("0123456789/.-:, |TZ+hH ngàytháăm lúcAPMSC\u00a0\u200b\t٣") + ["\u0301"]),
    max_size=60,
)


def _check(text: str, month_first: bool) -> None:
    for found in find_dates(text, month_first=month_first):
        assert 1899 <= found.value.year <= 2101
        assert 0 <= found.start < found.end <= len(text)
        surface = " ".join(unicodedata.normalize("NFC", text[found.start : found.end]).split())
        assert found.raw in surface.replace("\u200b", " ").replace("  ", " ")


@given(st.one_of(DATEISH, st.text(max_size=120)), st.booleans())
def test_any_text_parses_without_crashing(text: str, month_first: bool) -> None:
    _check(text, month_first)


WORDS = st.lists(
    st.sampled_from(
        ["Ủy ban", "nhân dân", "huyện", "Tuyên Hóa", "tổ chức", "hội nghị", "Ngày đăng:"]
    ),
    max_size=4,
).map(" ".join)
SHAPES = [
    "{d:02d}/{m:02d}/{y}",
    "{d}/{m}/{y}",
    "{d:02d}.{m:02d}.{y}",
    "{d:02d}-{m:02d}-{y}",
    "{d:02d} {m:02d} {y}",
    "ngày {d} tháng {m} năm {y}",
    "{y}-{m:02d}-{d:02d}",
]
TIMES = ["{H:02d}:{M:02d}", "{H}h{M:02d}", "lúc {H:02d}:{M:02d}"]


@given(
    WORDS,
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    st.sampled_from(SHAPES),
    st.one_of(st.none(), st.tuples(st.integers(0, 23), st.integers(0, 59), st.sampled_from(TIMES))),
    st.sampled_from(["", "Thứ hai, ", "(", "Monday, "]),
    st.sampled_from([" ", "  ", "\u00a0", "\n"]),
)
def test_a_written_date_is_found_exactly(words, day, shape, at, prefix, space) -> None:
    date_text = shape.format(d=day.day, m=day.month, y=day.year)
    written = prefix + date_text
    if at is not None:
        hour, minute, how = at
        written += space + how.format(H=hour, M=minute)
    text = f"{words}{space}{written}{space}{words}"
    found = parse_date(text)
    assert found is not None, text
    if at is None:
        assert found.value == day and not found.has_time
    else:
        assert found.value == datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN_TZ)
    assert date_text in text[found.start : found.end]


@pytest.mark.parametrize(
    ("text", "iso", "surface"),
    [
        # an impossible UTC offset crashed the parser (ValueError from timezone())
        ("2019-06-11T09:24:00+99:00", None, None),
        ("2019-06-11T09:24:00+23:99", None, None),
        ("2019-06-11T09:24:00+14:00", "2019-06-11T02:24:00+07:00", "2019-06-11T09:24:00+14:00"),
        # offsets were those of a whitespace-collapsed, NFC copy of the text
        ("Ngày  11/06/2019   lúc 10h30", "2019-06-11T10:30:00+07:00", "11/06/2019   lúc 10h30"),
        (
            unicodedata.normalize("NFD", "Thứ hai, ngày 5 tháng 6 năm 2019"),
            "2019-06-05",
            unicodedata.normalize("NFD", "ngày 5 tháng 6 năm 2019"),
        ),
        ("\u00a0\u00a011/06/2019", "2019-06-11", "11/06/2019"),
    ],
)
def test_found_case(text: str, iso: str | None, surface: str | None) -> None:
    found = parse_date(text)
    assert (found.iso if found else None) == iso
    if found is not None:
        assert text[found.start : found.end].strip() == surface

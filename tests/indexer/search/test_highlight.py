"""The highlighter's way of finding the query's syllables (a regex per syllable, tokenising
only around what it finds) gives the marks of tokenising the whole text."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from indexer.search.analysis import APOSTROPHES, _folded_key
from indexer.search.highlight import _IN_RUN, Highlighter, _fold_classes
from indexer.search.parse import parse_query

# Pieces of hostile text: folded and exact spellings, apostrophes inside names, stray and
# decomposed marks, the eth portals type for đ, letters that lowercase or normalise to
# ASCII (İ, the Kelvin sign), tokens too long to index, spaces that are not spaces.
PIECES = [
    "ban", "Bàn", "bán", "nhan", "nhân", "NHÂN", "dan", "dân", "đan", "ðan", "Đắk", "dak",
    "R'lấp", "R’lấp", "r''lap", "rlap", "'", "’", "`", "tuyên", "Tuyển", "hoà", "hòa",
    "thuỷ", "thủy", "a\u0301", "\u0301", "\u0300\u0301", "İ", "\u212a", "k", "x" * 41,
    "ban" * 14, "_", "3", "2025", "/", "-", ".", ",", " ", " ", "\n", "\t", "\u00a0",
    "\u200b", "&amp;", "ñ", "ø", "中文", "é", "e\u0301", "nhanh", "banh", "ǅ", "ﬁ", "２",
]  # fmt: skip
WORDS = ["ban", "nhan", "dan", "dak", "rlap", "tuyen", "tuyên", "hoa", "hòa", "thuy", "a"]
WORDS += ["i", "k", "x", "3", "2025", "ø", "中文", "e", "banh", "ñ", "_"]


def _whole_text_spans(marks: Highlighter, text: str, lone: bool | None) -> list[tuple[int, int]]:
    """The spans from every token of the text (the way before issue 14)."""
    return marks._spans(marks._tokens(text), text, lone)


def test_the_marks_are_those_of_tokenising_the_whole_text() -> None:
    rng = random.Random(14)
    checked = 0
    for _ in range(1500):
        text = "".join(
            rng.choice(PIECES) + (" " if rng.random() < 0.5 else "")
            for _ in range(rng.randint(1, 50))
        )
        if rng.random() < 0.3:
            text = unicodedata.normalize("NFD", text)
        words = rng.sample(WORDS, rng.randint(1, 4))
        q = " ".join(words) if rng.random() < 0.6 else '"' + " ".join(words) + '"'
        if rng.random() < 0.3:
            q += " OR " + rng.choice(WORDS)
        parsed = parse_query(q)
        for strict in (False, True):
            marks = Highlighter.for_query(parsed, strict=strict)
            for lone in (None, True, False):
                expected = _whole_text_spans(marks, text, lone)
                assert marks.spans(text, lone=lone) == expected, (q, strict, lone, text)
                checked += bool(expected)
    assert checked > 1000  # most cases mark something


@pytest.mark.parametrize(
    ("q", "text", "marked"),
    [
        # a token too long to index stands between: the two words are still neighbours
        ("tuyen hoa", "Huyện Tuyên " + "x" * 41 + " Hóa nay", ["Tuyên " + "x" * 41 + " Hóa"]),
        # an apostrophe joins one token; two apostrophes make two
        ("rlap", "Đắk R’lấp và r''lap", ["R’lấp"]),
        ("nhan dan", "nhân, dân; nhanh dân", ["nhân, dân"]),
        ("dak", "ðắk, Đắk; dak", ["ðắk", "Đắk", "dak"]),
        ("ki", "\u212ai İ", ["\u212ai"]),
    ],
)
def test_marks_found_around_the_query_words(q: str, text: str, marked: list[str]) -> None:
    marks = Highlighter.for_query(parse_query(q))
    spans = marks.spans(text)
    assert spans == _whole_text_spans(marks, text, None)
    assert [text[a:b] for a, b in spans] == marked


def test_the_fold_table_covers_every_character() -> None:
    """Each character a token can hold whose folded key is empty or one ASCII character
    is in that key's class: the regex per query syllable misses no token."""
    letters, empty = _fold_classes()
    classes = {key: re.compile(cls) for key, cls in letters.items()}
    nothing = re.compile(empty.removesuffix("*"))
    missed = []
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        if not _IN_RUN.match(char):
            continue
        key = "" if char in APOSTROPHES else _folded_key(char)
        if not key:
            covered = nothing.fullmatch(char)
        elif key.isascii():
            covered = key in classes and classes[key].fullmatch(char)
        else:
            continue  # the query syllable is not ASCII: the whole text is tokenised
        if not covered:
            missed.append(f"U+{code:04X}")
    assert not missed


def test_a_syllable_that_is_not_ascii_tokenises_the_whole_text() -> None:
    marks = Highlighter.for_query(parse_query("中文 ø"))
    text = "có 中文 và ø ở đây"
    assert [text[a:b] for a, b in marks.spans(text)] == ["中文", "ø"]

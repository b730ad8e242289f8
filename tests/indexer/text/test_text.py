"""The one normaliser: NFC, one tone placement, entities, whitespace; idempotent."""

from __future__ import annotations

import unicodedata

import pytest

from indexer.text import content_hash, fold, fold_lower, normalize

SAMPLES = [
    "Tuyên Hoá và Tuyên Hóa",
    unicodedata.normalize("NFD", "Đắk Nông, Krông Nô, thuỷ lợi, khoẻ mạnh"),
    "L&atilde;nh đạo &ldquo;Đ&#39;ray S&aacute;p&rdquo;&nbsp;&nbsp;x",
    "a\u200bb\u00adc\ufeffd \u00a0 e\u2003f",
    "&amp;lt;b&amp;gt; double-escaped",
    "Quý khách, hoạ sĩ, HOÀ BÌNH, Thuỵ Sĩ, hoặc, ngoặt, ngoằn ngoèo",
    "Dòng 1\n\n\n  Dòng 2  \r\n  tiếp\n\n",
]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("multiline", [False, True])
def test_idempotent(text: str, multiline: bool) -> None:
    once = normalize(text, multiline=multiline)
    assert normalize(once, multiline=multiline) == once
    assert unicodedata.is_normalized("NFC", once)


def test_nfd_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Đắk Nông")
    assert nfd != "Đắk Nông"
    assert normalize(nfd) == "Đắk Nông"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("Tuyên Hoá", "Tuyên Hóa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("hoạ sĩ", "họa sĩ"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Thuỵ Sĩ", "Thụy Sĩ"),
    ],
)
def test_old_tone_placement_becomes_new(old: str, new: str) -> None:
    assert normalize(old) == new
    assert normalize(unicodedata.normalize("NFD", old)) == new


@pytest.mark.parametrize(
    "word", ["quý", "quỳ", "hoàng", "hoặc", "ngoặt", "ngoằn", "khuya", "thuyền", "hòa"]
)
def test_words_that_must_not_change(word: str) -> None:
    assert normalize(word) == word
    assert normalize(unicodedata.normalize("NFD", word)) == word


def test_entities_are_decoded() -> None:
    assert (
        normalize("L&atilde;nh đạo &ldquo;x&rdquo; &#39;y&#39; &amp; z") == "Lãnh đạo “x” 'y' & z"
    )


def test_zero_width_and_exotic_spaces() -> None:
    assert normalize("a\u200bb\u00adc\ufeffd \u00a0 e\u2003f") == "abcd e f"


def test_multiline_paragraphs() -> None:
    assert (
        normalize(" Dòng 1 \n\n\n  Dòng 2  \r\n  tiếp\n\n", multiline=True)
        == "Dòng 1\n\nDòng 2 tiếp"
    )
    assert normalize("a\nb") == "a b"


def test_empty() -> None:
    assert normalize(None) == ""
    assert normalize("") == ""
    assert normalize(" \u200b ") == ""


def test_fold() -> None:
    assert fold("Đắk Nông") == "Dak Nong"
    assert fold_lower("Tuyên Hóa") == "tuyen hoa"


def test_fold_drops_exactly_the_combining_marks_of_every_character() -> None:
    """``fold`` strips the Latin marks by a regex and looks at other characters only when
    some are left: the same as dropping every character of a non-zero combining class
    after NFD, for every code point (alone and among Vietnamese letters)."""

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text)
        kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return kept.replace("đ", "d").replace("Đ", "D")

    points = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(points), 512):
        chunk = points[start : start + 512]
        alone = "".join(chunk)
        mixed = "".join(f"Đắ{ch}ố " for ch in chunk)
        assert fold(alone) == reference(alone), hex(ord(chunk[0]))
        assert fold(mixed) == reference(mixed), hex(ord(chunk[0]))
    assert fold("a\u034fb") == "a\u034fb"  # the grapheme joiner is of class 0: kept


def test_content_hash_ignores_form_differences() -> None:
    assert content_hash("Tuyên Hoá\n\n\nx") == content_hash("Tuyên Hóa\n\nx")
    assert content_hash("a") != content_hash("b")


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("Món qùa nhỏ", "Món quà nhỏ"),  # underthesea's tone-mark word rules
        ("trách nhiệm cuả xã", "trách nhiệm của xã"),
        ("baì viết", "bài viết"),
        ("Ðắk Nông", "Đắk Nông"),  # its character map: the eth typed for Đ
    ],
)
def test_underthesea_rules_that_fix_a_misplaced_mark(typed: str, normalised: str) -> None:
    assert normalize(typed) == normalised


@pytest.mark.parametrize(
    "kept",
    [
        "nghành giáo dục",  # a spelling rule: the archive keeps the portal's spelling
        "lòa xòa",  # a tone rule against the archive's placement (hòa, not hoà)
        "Tuyên Hóa, xã Lâm Hóa",  # text_normalize would space the comma: never used
    ],
)
def test_underthesea_rules_left_out_change_nothing(kept: str) -> None:
    assert normalize(kept) == kept

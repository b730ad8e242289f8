"""Hostile and broken input: a clear reason or an ``other`` page, never a crash or a hang."""

from __future__ import annotations

import unicodedata

import pytest
from realdata import need_realpages

from crawler.items import Article, OtherPage
from crawler.pages import PageError, detect_family, extract, page_object
from crawler.pages.document import MAX_PAGE_BYTES, decode_html


@pytest.fixture(scope="module")
def article() -> bytes:
    """A real district article (read from the real pages folder; skipped when absent)."""
    return (need_realpages() / "dakrlap-daknong-sp2010ewh-article-matuy.html").read_bytes()


URL = "http://dakrlap.daknong.gov.vn/cong-an-dak-r-lap/"

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        out.append(
            unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES)) + tones
        )
    return "".join(out).encode("cp1258")


SIMPLE = """<html><head><meta charset="{charset}"><title>Cổng thông tin</title></head>
<body><div class="container_top_mid2"><table><tr><td class="FolderTitle">Tin tức</td>
<td class="Time">05/06/2019</td></tr></table></div>
<table id="tableforprint"><tr><td><p class="Title">Hội nghị tổng kết công tác thủy lợi</p></td></tr>
<tr><td><div class="ExternalClass0123456789ABCDEF"><p>Sáng nay, Ủy ban nhân dân huyện tổ chức hội nghị
tổng kết công tác thủy lợi năm 2019 với sự tham dự của đông đảo đại biểu.</p>
<p>Theo Báo Đắk Nông</p></div></td></tr></table></body></html>"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(256)) * 4, "binary"),
        (b"just some words, no markup at all " * 400, "not HTML"),
    ],
)
def test_unreadable_pages_are_other_with_a_reason(data: bytes, reason: str) -> None:
    result = extract(data, "http://example.vn/x")
    assert isinstance(result, OtherPage)
    assert reason in result.reason


def test_huge_page_is_refused_without_parsing() -> None:
    huge = b"<html><body>" + b"<p>" + b"x" * (MAX_PAGE_BYTES + 10) + b"</p></body></html>"
    result = extract(huge, "http://example.vn/huge")
    assert isinstance(result, OtherPage)
    assert "too large" in result.reason
    with pytest.raises(PageError, match="too large"):
        page_object(huge, "http://example.vn/huge")


@pytest.mark.parametrize("cut", [200, 5_000, 30_000, 45_000, 60_000])
def test_truncated_html(cut: int, article: bytes) -> None:
    result = extract(article[:cut], URL)
    assert result.page_type in ("article", "listing", "other")
    if isinstance(result, Article):
        assert "Giấy phép số" not in result.body_text


def test_truncated_inside_the_body_keeps_what_is_there(article: bytes) -> None:
    cut = article.index("Bước đầu".encode()) + 10
    result = extract(article[:cut], URL)
    assert isinstance(result, Article)
    assert result.title.startswith("Công an Đắk R’lấp")
    assert result.body_text.startswith("Ngày 17/7")


def test_deeply_nested_markup_does_not_crash() -> None:
    html = (
        "<html><body>"
        + "<div>" * 5000
        + "<p>Đoạn văn rất sâu trong trang.</p>"
        + "</div>" * 5000
        + "</body></html>"
    )
    assert extract(html, "http://example.vn/deep").page_type in ("article", "other", "listing")


def test_windows_1258_page_declared_correctly() -> None:
    data = to_cp1258(SIMPLE.format(charset="windows-1258"))
    result = extract(data, "http://example.vn/a")
    assert isinstance(result, Article)
    assert result.title == "Hội nghị tổng kết công tác thủy lợi"
    assert result.credit == "Theo Báo Đắk Nông"


def test_wrong_declared_charset_falls_back() -> None:
    # UTF-8 bytes declared as Windows-1252 (a common lie): read as UTF-8
    data = SIMPLE.format(charset="windows-1252").encode("utf-8")
    assert extract(data, "http://example.vn/a").title == "Hội nghị tổng kết công tác thủy lợi"
    # Windows-1258 bytes declared as UTF-8: not valid UTF-8, so the Vietnamese code page is tried
    data = to_cp1258(SIMPLE.format(charset="utf-8"))
    assert extract(data, "http://example.vn/a").title == "Hội nghị tổng kết công tác thủy lợi"


def test_header_charset_wins_and_bom_is_honoured() -> None:
    text = SIMPLE.format(charset="utf-8")
    assert decode_html(to_cp1258(text), "windows-1258")[1] == "cp1258"
    assert decode_html(b"\xef\xbb\xbf" + text.encode())[0].startswith("<html>")
    assert decode_html("\ufeff" + text)[0].startswith("<html>")
    utf16 = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
    assert "Hội nghị tổng kết" in decode_html(utf16)[0]


def test_unknown_family_is_a_clear_error(article: bytes) -> None:
    result = extract(article, URL, family="joomla")
    assert isinstance(result, OtherPage) and "unknown CMS family" in result.reason


def test_family_detection(article: bytes) -> None:
    assert detect_family(article.decode()) == "sharepoint2010"
    real = need_realpages()
    moh = (real / "moh-ncov-liferay7-article-6848045.html").read_text(encoding="utf-8")
    assert detect_family(moh) == "liferay7"
    hanoi = (real / "hanoi-sotttt-liferay-listing-cntt.html").read_text(encoding="utf-8")
    assert detect_family(hanoi) == "liferay62"
    assert detect_family('<link href="/wp-content/themes/x/style.css">') == "wordpress"
    assert detect_family("<p>plain</p>") == "generic"


def test_script_and_hostile_markup_never_reach_text() -> None:
    html = SIMPLE.format(charset="utf-8").replace(
        "<p>Theo Báo Đắk Nông</p>",
        "<script>alert('x')</script><style>p{}</style><p style='display:none'>ẩn đi</p>"
        "<iframe src='javascript:alert(1)'></iframe><p>Theo Báo Đắk Nông</p>",
    )
    result = extract(html, "http://example.vn/a")
    assert "alert" not in result.body_text and "ẩn đi" not in result.body_text
    assert result.media == []

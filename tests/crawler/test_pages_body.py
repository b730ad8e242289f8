"""Body cleaning: paragraphs, closing lines (author/credit), chrome, attachments, media."""

from __future__ import annotations

import pytest

from crawler.pages.body import build_body, is_date_line
from crawler.pages.closing import split_closing
from crawler.pages.document import Document, encode_url, unwrap_wayback

URL = "http://krongno.daknong.gov.vn/tin/bai-viet/"
DOC = Document("<html><body></body></html>", URL)
TEXT = "Sáng 5/6, Ủy ban nhân dân huyện tổ chức lễ mít tinh hưởng ứng Ngày Môi trường thế giới."


def body(html: str, **kw):
    return build_body(html, DOC, **kw)


@pytest.mark.parametrize(
    ("closing", "author", "credit"),
    [
        (["Theo Báo Đắk Nông điện tử"], None, "Theo Báo Đắk Nông điện tử"),
        (["Nguồn: Cổng TTĐT tỉnh"], None, "Nguồn: Cổng TTĐT tỉnh"),
        (["Phạm Ngọc Chiến"], "Phạm Ngọc Chiến", None),
        (["Bài, ảnh: Hồng Nhung"], "Hồng Nhung", None),
        (["Tin ảnh: Văn Toàn"], "Văn Toàn", None),
        (["Bài và ảnh: Minh Hà", "Theo Báo Quảng Bình"], "Minh Hà", "Theo Báo Quảng Bình"),
        (["Theo Báo Quảng Bình", "Minh Hà"], "Minh Hà", "Theo Báo Quảng Bình"),
        (["Kết quả được công bố vào cuối năm."], None, None),
        (["Vương Hợp – ĐTT."], "Vương Hợp – ĐTT", None),  # a name and its unit, full stop
        (["Theo http://baodaknong.org.vn", "Trí Son"], "Trí Son", "Theo http://baodaknong.org.vn"),
        (
            ["(Nguồn: Báo Đắk Nông - baodaknong.org.vn)"],
            None,
            "Nguồn: Báo Đắk Nông - baodaknong.org.vn",
        ),
        (["PV: Xin trân trọng cảm ơn ông!"], None, None),  # an interview's last line
        (["Lĩnh vực", "Văn Hóa"], None, None),  # a table's last field and value
        (["Điện thoại", "Văn phòng Sở"], None, None),
        (["Hà Nội, ngày 5 tháng 6 năm 2019"], None, None),
    ],
)
def test_closing_lines(closing: list[str], author: str | None, credit: str | None) -> None:
    paragraphs, got_author, got_credit = split_closing([TEXT, *closing])
    assert (got_author, got_credit) == (author, credit)
    expected_rest = [TEXT] + [
        c for c in closing if not ((author and author in c) or (credit and credit in c))
    ]
    assert paragraphs == expected_rest


def test_a_name_alone_is_not_taken_from_a_one_paragraph_body() -> None:
    assert split_closing(["Phạm Ngọc Chiến"]) == (["Phạm Ngọc Chiến"], None, None)


def test_paragraphs_captions_and_breaks() -> None:
    html = f"""<div><p>{TEXT}</p>
      <table align="center"><tr><td><img src="a.jpg" width="400"></td></tr><tr><td><p>Chú thích ảnh</p></td></tr></table>
      <p>Dòng một<br>Dòng hai</p><p>Theo&nbsp;<a href="http://baodaknong.org.vn/">http://baodaknong.org.vn</a></p></div>"""
    got = body(html)
    assert got.paragraphs == [TEXT, "Chú thích ảnh", "Dòng một", "Dòng hai"]
    assert got.credit == "Theo http://baodaknong.org.vn"
    assert got.text == "\n\n".join(got.paragraphs)
    assert got.images == ["http://krongno.daknong.gov.vn/tin/bai-viet/a.jpg"]


@pytest.mark.parametrize(
    "chrome",
    [
        '<div class="share-buttons"><a href="#">Facebook</a> Chia sẻ bài viết</div>',
        '<ul id="myMenuPost" style="DISPLAY: none"><li>Soạn bài viết</li></ul>',
        '<span class="css_readCounter">Số lượt người xem: 10</span>',
        "<p>Xem với cỡ chữ : A- A A+</p>",
        '<p>Xem chi tiết <a href="/">Tại đây</a></p>',
        "<p>Bản in</p><p>Quay lại</p>",
        '<div class="related-news"><h3>Tin liên quan</h3><ul><li>Một tin khác rất dài dòng</li></ul></div>',
        "<form><input value='Tìm kiếm'></form><script>var a = 1;</script>",
    ],
)
def test_chrome_never_leaks(chrome: str) -> None:
    got = body(f"<div><p>{TEXT}</p>{chrome}</div>")
    assert got.paragraphs == [TEXT]


def test_related_heading_ends_the_article() -> None:
    html = f"<div><p>{TEXT}</p><p>Các tin khác</p><p>Một bài viết khác hoàn toàn về chủ đề khác nữa.</p></div>"
    assert body(html).paragraphs == [TEXT]
    html = f"<div><p>{TEXT}</p><p class='OtherTitle'>TIN ĐÃ ĐƯA</p><ul><li>x</li></ul></div>"
    assert body(html).paragraphs == [TEXT]


def test_empty_body_stays_empty_and_keeps_the_attachment() -> None:
    html = '<div><p class="sapo"><strong></strong></p><p>Xem chi tiết <a href="/img/217-TB-Kết luận giao ban tháng 5-2019.pdf">Tại đây</a></p></div>'
    got = body(html)
    assert got.paragraphs == []
    (attachment,) = got.attachments
    assert attachment.url == (
        "http://krongno.daknong.gov.vn/img/217-TB-K%E1%BA%BFt%20lu%E1%BA%ADn%20giao%20ban%20th%C3%A1ng%205-2019.pdf"
    )
    assert attachment.name == "217-TB-Kết luận giao ban tháng 5-2019.pdf"


def test_attachment_names_and_kinds() -> None:
    html = f"""<div><p>{TEXT}</p><ul>
      <li><a href="files/Quyet%20dinh%20so%2012.docx">Quyết định số 12/QĐ-UBND</a></li>
      <li><a href="/documents/20182/1/Bao+cao.pdf/uuid?t=1">Tải về</a></li>
      <li><a href="/x.xlsx">x</a></li><li><a href="/page.html">Một trang</a></li></ul></div>"""
    got = body(html)
    names = {a.name for a in got.attachments}
    assert names == {"Quyết định số 12/QĐ-UBND", "Bao cao.pdf", "x.xlsx"}
    assert all(" " not in a.url for a in got.attachments)


def test_media_from_video_and_embeds() -> None:
    html = """<div><video poster="p.jpg"><source src="/documents/v/Phan+ung.mp4/abc?t=1" type="video/mp4"></video>
      <iframe src="https://www.youtube.com/embed/abc"></iframe><iframe src="https://www.facebook.com/plugins/like.php"></iframe></div>"""
    got = body(html)
    assert got.media == [
        "http://krongno.daknong.gov.vn/documents/v/Phan+ung.mp4/abc?t=1",
        "https://www.youtube.com/embed/abc",
    ]
    assert got.paragraphs == []


def test_title_repeated_at_the_top_and_date_lines_are_dropped() -> None:
    html = f"<div><p>Tiêu đề bài</p><p>(Thứ hai, 19/04/2021 15:17)</p><p>{TEXT}</p></div>"
    assert body(html, title="Tiêu đề bài").paragraphs == [TEXT]


def test_date_line_detection() -> None:
    assert is_date_line("(Thứ hai, 19/04/2021 15:17)")
    assert is_date_line("Ngày đăng: 08/07/2024 11:38")
    assert not is_date_line("Ngày 10/01/2022, Ban Thường vụ Huyện ủy ban hành Quyết định")


def test_url_encoding_is_idempotent() -> None:
    raw = "http://x.vn/img/sen hồng-2.jpg?a=b c&d=1%"
    once = encode_url(raw)
    assert once == "http://x.vn/img/sen%20h%E1%BB%93ng-2.jpg?a=b%20c&d=1%25"
    assert encode_url(once) == once


def test_wayback_links_are_unwrapped() -> None:
    assert unwrap_wayback("/web/20180903131115/http/gianghia.daknong.gov.vn/a.aspx") == (
        "http://gianghia.daknong.gov.vn/a.aspx"
    )
    assert (
        unwrap_wayback("https://web.archive.org/web/2017im_/http://x.vn/a.jpg")
        == "http://x.vn/a.jpg"
    )
    assert unwrap_wayback("http://x.vn/web/a") == "http://x.vn/web/a"

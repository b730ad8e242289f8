"""The generic page object on layouts it was not written for (family knowledge switched off)."""

from __future__ import annotations

import json

import pytest
from realdata import need_realpages, realpages

from crawler.pages import extract
from indexer.text import normalize

REAL = realpages()
GOLD = (
    {g["file"]: g for g in json.loads((REAL / "GOLD.json").read_text(encoding="utf-8"))}
    if REAL
    else {}
)


def generic(name: str) -> dict:
    """The generic page object's result on a real page (skips when the real pages are absent)."""
    folder = need_realpages()
    gold = GOLD[name]
    return extract((folder / name).read_bytes(), gold["url"], family="generic").to_dict()


@pytest.mark.parametrize(
    "name",
    [
        "krongno-daknong-sp2010ewh-article-moitruong.html",
        "krongno-daknong-sp2010ewh-article-giaothong.html",
        "dakrlap-daknong-sp2010ewh-article-matuy.html",
    ],
)
def test_articles_title_date_body_credit(name: str) -> None:
    got = generic(name)
    gold = GOLD[name]
    body = normalize(got["body_text"])
    assert got["page_type"] == "article"
    assert got["title"] == gold["title"]  # found through the URL slug, not <title>
    assert got["published"][:10] == gold["date_iso"]
    assert body.startswith(normalize(gold["first_sentence"]))
    assert body.endswith(normalize(gold["last_sentence"]))
    assert got["credit"] == gold["credit"]
    for chrome in gold["must_not_contain"]:
        assert chrome not in got["body_text"]


def test_attachment_only_notice_is_an_article_with_its_file() -> None:
    name = "krongno-daknong-sp2010ewh-notice-giaoban.html"
    got = generic(name)
    assert got["page_type"] == "article"
    assert got["title"] == GOLD[name]["title"]
    assert got["published"] == "2019-06-25"
    assert got["body_text"] == ""
    assert [a["name"] for a in got["attachments"]] == ["217-TB-Kết luận giao ban tháng 5-2019.pdf"]


@pytest.mark.parametrize(
    "name",
    [
        "krongno-daknong-sp2010ewh-listing-tintuc-p1.html",
        "dakrlap-daknong-sp2010ewh-listing-tintuc-p1.html",
        "dakglong-daknong-sp2010ewh-listing-tintuc-p1.html",
        "hanoi-sotttt-liferay-listing-cntt.html",
        "moh-ncov-liferay7-listing-tintuc.html",
    ],
)
def test_listings(name: str) -> None:
    got = generic(name)
    assert got["page_type"] == "listing"
    assert len(got["items"]) >= 4
    assert all(item["title"] and item["published"] for item in got["items"])


def test_hidden_sharepoint_menus_are_not_content() -> None:
    got = generic("dakglong-daknong-sp2010ewh-article-caytrai.html")
    assert "Dashboard Designer" not in got["body_text"]
    assert got["body_text"].endswith(
        "cung ứng tốt hơn cho thị trường trong nước cũng như xuất khẩu."
    )


# -- layouts of real portals, written small (the real pages are other people's text) ----------

_PARA = (
    "Sáng nay, Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm, với sự tham dự "
    "của lãnh đạo các phòng, ban, ngành và các xã, thị trấn trên địa bàn huyện. "
)


def _page(body: str, head: str = "") -> str:
    menu = "".join(f'<li><a href="/muc-{n}/">Chuyên mục số {n}</a></li>' for n in range(8))
    return (
        f"<html><head><title>Cổng thông tin</title>{head}</head><body>"
        f'<div class="menu"><ul>{menu}</ul></div>{body}'
        '<div class="footer"><p>Bản quyền thuộc về Ủy ban nhân dân huyện, giấy phép số 12.</p>'
        "</div></body></html>"
    )


def test_a_title_with_a_date_slot_and_a_title_container_around_it() -> None:
    """A Liferay theme: ``div.show-asset-title`` holds ``<h2>Tiêu đề <span>(dd/mm/yyyy)</span>``
    and the text: the heading is the title, its slot the date."""
    html = _page(
        '<div class="asset-full-content show-asset-title"><div class="detail">'
        "<h2>Ban chấp hành công đoàn huyện <span>(30/04/2018)</span></h2>"
        f'<div class="journal-content-article"><p>{_PARA * 3}</p></div></div></div>'
    )
    got = extract(html, "http://portal.example/ban-chap-hanh-cong-doan-huyen/", family="generic")
    assert got.title == "Ban chấp hành công đoàn huyện"
    assert got.published == "2018-04-30"
    assert got.body_text.startswith("Sáng nay")


def test_a_title_set_in_a_styled_paragraph_is_found_by_the_url_slug() -> None:
    """No heading tag, no class: a bold ``<p>`` whose words are the URL's slug."""
    title = "Dừng việc cấp phôi chứng chỉ tin học ứng dụng từ ngày 15/12"
    html = _page(
        '<div class="sidebar"><h3>Thông tin giá cả thị trường</h3></div><div class="gthieu">'
        f'<p style="font-size: 18px; font-weight: bold">{title}</p>'
        f"<div><p>{_PARA * 3}</p></div></div>"
    )
    url = "http://portal.example/dung-viec-cap-phoi-chung-chi-tin-hoc-ung-dung-tu-ngay-1052019/"
    got = extract(html, url, family="generic")
    assert got.page_type == "article" and got.title == title
    # a short slug may name the section: its label is not taken for the title
    section = _page(
        '<div class="gthieu"><p style="font-weight: bold">Thông tin chỉ đạo điều hành</p>'
        f"<h2>Hồ Tà Đùng - tuyệt tác giữa lòng Tây Nguyên</h2><div><p>{_PARA * 3}</p></div></div>"
    )
    got = extract(section, "http://portal.example/thong-tin-chi-dao-1/", family="generic")
    assert got.title == "Hồ Tà Đùng - tuyệt tác giữa lòng Tây Nguyên"


def test_a_bold_lead_before_the_text_block_starts_the_body() -> None:
    """The sapo in a ``<b>`` of its own table cell, the text in the next cell; the date is
    the one beside the title, not one in the lead's prose or in a script."""
    lead = "Có hiệu lực từ ngày 10/4/2019, Nghị định mới sửa đổi quy định về lệ phí trước bạ."
    html = _page(
        '<table><tr><td class="Time">(25.04.2019 14:04)</td></tr>'
        "<script>var a = 0; var b = 1; var c = 2; var d = 3; var e = 4;</script>"
        '<tr><td><p class="Title">Quy định mới về giá tính lệ phí trước bạ đối với đất</p></td></tr>'
        f'<tr><td><b class="lv_description">{lead}</b></td></tr>'
        f"<tr><td><div><p>{_PARA * 2}</p><p>{_PARA}</p></div></td></tr></table>"
    )
    url = "http://portal.example/quy-dinh-moi-ve-gia-tinh-le-phi-truoc-ba-doi-voi-dat/"
    got = extract(html, url, family="generic")
    assert got.body_text.startswith(lead)
    assert got.summary == lead
    assert got.published[:10] == "2019-04-25"


def test_content_in_containers_named_header_is_still_the_content() -> None:
    """A theme that wraps its whole content column in ``div.header_left``: read as chrome
    only when it holds little of the page's text."""
    html = _page(
        '<div class="header"><div class="header_left"><div class="detail">'
        "<h2>Công an huyện triệt phá nhóm đối tượng cho vay nặng lãi</h2>"
        f"<div><p>{_PARA * 3}</p><p>{_PARA * 2}</p></div></div></div></div>"
    )
    url = "http://portal.example/cong-an-huyen-triet-pha-nhom-doi-tuong-cho-vay-nang-lai/"
    got = extract(html, url, family="generic")
    assert got.body_text.startswith("Sáng nay") and len(got.body_text) > 400
    # a notice with no text of its own does not take the menu or the footer for its body
    empty = _page(
        '<div class="detail"><h2>Thông báo kết luận giao ban tháng năm của huyện</h2></div>'
    )
    got = extract(empty, "http://portal.example/thong-bao-ket-luan-giao-ban/", family="generic")
    assert "Bản quyền" not in (getattr(got, "body_text", "") or "")


def test_the_title_beats_a_section_heading_that_shares_most_of_its_slug() -> None:
    """The box "Lịch tiếp công dân" (a heading) covers four of the five slug words; the
    title, a styled paragraph, all five: the title wins, and its lead (bold by a style,
    after the title in the same container) starts the body."""
    lead = "Ban tiếp công dân tỉnh thông báo lịch tiếp công dân của lãnh đạo tỉnh trong tháng."
    html = _page(
        '<div class="box"><h3 class="box-title">Lịch tiếp công dân</h3></div>'
        '<div class="gthieu"><div style="font-size: 15px">'
        '<div><p style="font-weight: bold">Lịch tiếp công dân tháng 5/2019</p></div><br>'
        f'<div style="text-align: justify; font-weight: bold">{lead}</div></div>'
        f"<div><p>{_PARA * 2}</p><p>{_PARA}</p></div></div>"
    )
    got = extract(html, "http://portal.example/lich-tiep-cong-dan-thang-52019/", family="generic")
    assert got.title == "Lịch tiếp công dân tháng 5/2019"
    assert got.body_text.startswith(lead)


def test_a_section_page_lists_the_items_under_its_own_heading() -> None:
    """A box of the latest news on every page outnumbers the section's own list: the items
    are the ones after the heading that names the URL ("Cải cách hành chính" for
    ``/cai-cach-hanh-chinh/``), even a single one, with their dates."""
    latest = "".join(
        f'<li><a href="/tin-moi-so-{n}/">Tin mới nhất của sở số {n} trong tháng</a>'
        f'<span class="date">(0{n}.05.2019)</span></li>'
        for n in range(1, 7)
    )
    own = (
        '<tr><td class="TitleFront"><a href="/bao-cao-cai-cach-hanh-chinh-quy-2/">Báo cáo '
        'công tác cải cách hành chính quý II<span class="ShowDate"> (05.08.2019 15:52)</span>'
        "</a></td></tr>"
    )
    html = _page(
        f'<div class="box"><h3>Tin mới</h3><ul>{latest}</ul></div>'
        '<div class="web-part"><div class="div_header_style1"><a class="a_header_style1">'
        f"Cải cách hành chính</a></div><table>{own}</table></div>"
    )
    got = extract(html, "http://portal.example/cai-cach-hanh-chinh/", family="generic")
    assert got.page_type == "listing"
    assert [(i.url, i.published[:10]) for i in got.items] == [
        ("http://portal.example/bao-cao-cai-cach-hanh-chinh-quy-2/", "2019-08-05")
    ]


def test_the_section_is_the_label_of_the_header_row_that_dates_the_article() -> None:
    """``tin nổi bật | 11/06/2019`` above the title: the label is the category; a label
    with digits or a link is not taken for one."""
    row = '<table><tr><td class="Folder">{label}</td><td class="Time">11/06/2019</td></tr></table>'
    title = "<p class='Title'>Krông Nô phát động hưởng ứng Ngày Môi trường thế giới</p>"
    url = "http://portal.example/krong-no-phat-dong-huong-ung-ngay-moi-truong-the-gioi/"
    html = _page(row.format(label="tin nổi bật") + f"{title}<div><p>{_PARA * 3}</p></div>")
    got = extract(html, url, family="generic")
    assert got.category == "tin nổi bật" and got.published[:10] == "2019-06-11"
    linked = row.format(label='<a href="/tin-noi-bat/">Xem tất cả</a>')
    got = extract(_page(linked + f"{title}<div><p>{_PARA * 3}</p></div>"), url, family="generic")
    assert got.category is None


def test_a_page_the_family_does_not_recognise_is_read_from_its_structure() -> None:
    """A SharePoint layout read with the WordPress page object (a profile whose family does
    not fit): none of its markers is there, and the article, titled by its URL's long slug,
    is read as the generic page object reads it; a page whose short slug names a section
    is not made an article that way."""
    title = "Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm"
    html = _page(
        f'<table><tr><td><p class="Title">{title}</p></td></tr>'
        f"<tr><td><div><p>{_PARA * 2}</p><p>{_PARA}</p></div></td></tr></table>"
    )
    url = "http://portal.example/uy-ban-nhan-dan-huyen-to-chuc-hoi-nghi-tong-ket-cong-tac-nam/"
    got = extract(html, url, family="wordpress")
    assert got.page_type == "article" and got.title == title
    assert got.body_text.startswith("Sáng nay") and got.extraction_path == "rescued"
    section = _page(f"<h2>Tư vấn pháp luật</h2><div><p>{_PARA * 3}</p></div>")
    assert (
        extract(section, "http://portal.example/tu-van-phap-luat/", family="wordpress").page_type
        != "article"
    )


def test_of_two_titles_that_have_all_the_slugs_words_the_one_with_fewer_others_wins() -> None:
    """A section's heading ("monthly reports", classed as a title) above the article's own
    styled title ("report for May 2019"): both hold every word of the URL's slug; the
    article's holds no word the slug lacks, the section's does ("hàng")."""
    html = _page(
        '<div class="title-gt"><p><strong>Báo cáo kết quả tiếp công dân hàng tháng</strong>'
        '</p></div><div class="gthieu"><p style="font-size: 18px; font-weight: bold">'
        "Báo cáo kết quả tiếp công dân tháng 5/2019</p>"
        f"<div><p>{_PARA * 2}</p><p>{_PARA}</p></div></div>"
    )
    url = "http://portal.example/bao-cao-ket-qua-tiep-cong-dan-thang-52019/"
    got = extract(html, url, family="generic")
    assert got.page_type == "article"
    assert got.title == "Báo cáo kết quả tiếp công dân tháng 5/2019"


def test_a_section_page_titled_by_its_url_lists_its_items_in_a_container_named_header() -> None:
    """A section's page names itself in a heading its URL's slug spells (``/lien-doan-lao-
    dong-tinh/``: "Liên đoàn lao động tỉnh"), with its list after it, inside a template's
    ``header_left`` container: a listing of those items, not an article titled by the
    section (the list's summaries are not the page's own text)."""
    items = "".join(
        f'<div class="nd_detail"><h2><a href="/bai-viet-so-{n}/">Huyện tổ chức hội nghị '
        f"chuyên đề số {n} về công tác dân vận</a> <span>()</span></h2><p>{_PARA}</p></div>"
        for n in range(4)
    )
    html = _page(
        '<div class="header"><div class="header_left"><div class="tindiaphuong">'
        f"<h1>Liên đoàn lao động tỉnh</h1>{items}</div></div>"
        '<div class="header_right"><h1>Thông báo</h1></div></div>'
    )
    got = extract(html, "http://portal.example/tin-tuc/lien-doan-lao-dong-tinh/", family="generic")
    assert got.page_type == "listing"
    assert [i.url for i in got.items] == [
        f"http://portal.example/bai-viet-so-{n}/" for n in range(4)
    ]
    # an article whose title its slug spells, and a list of other news after its text
    article = _page(
        f"<h1>Liên đoàn lao động tỉnh tổng kết năm</h1><div><p>{_PARA * 3}</p></div>"
        f'<div class="tindiaphuong">{items}</div>'
    )
    url = "http://portal.example/lien-doan-lao-dong-tinh-tong-ket-nam/"
    assert extract(article, url, family="generic").page_type == "article"


def test_a_portals_home_page_is_never_one_of_its_articles() -> None:
    """A front page whose densest block is a featured story beside a dated news list: the
    home page (the site root, or the profile's base URL) is a listing, not that story."""
    featured = (
        f'<div class="featured"><a href="/bai-noi-bat/">Tin nổi bật</a><p>{_PARA * 3}</p></div>'
    )
    news = "".join(
        f'<li><a href="/tin-so-{n}/">Huyện tổ chức hội nghị chuyên đề số {n} về dân vận</a>'
        f" ({n + 1:02d}/03/2024)</li>"
        for n in range(6)
    )
    html = _page(f"<h1>Cổng thông tin điện tử huyện</h1>{featured}<ul>{news}</ul>")
    got = extract(html, "http://portal.example/", family="generic")
    assert got.page_type == "listing" and len(got.items) == 6
    assert got.items[0].published == "2024-03-01"
    for later in ("http://portal.example/?page=2", "http://portal.example/page/3/"):
        assert extract(html, later, family="generic").page_type == "listing"
    inner = extract(html, "http://portal.example/tin-tuc/bai-noi-bat/", family="generic")
    assert inner.page_type == "article"  # the same page elsewhere reads as before
    post = extract(html, "http://portal.example/?p=12", family="generic")
    assert post.page_type == "article"  # a WordPress post's address is no home page


def test_the_section_heading_just_above_the_title_is_the_category() -> None:
    """A section's name set as a heading above the article's title (a container classed
    as a title) names its category; a link or plain text there does not."""
    title = "Thông báo lịch tiếp công dân của lãnh đạo sở trong tháng tới"
    url = "http://portal.example/thong-bao-lich-tiep-cong-dan-cua-lanh-dao-so-trong-thang-toi/"
    body = f'<div class="gthieu"><p class="tieu-de">{title}</p><div><p>{_PARA * 3}</p></div></div>'

    def category(above: str) -> str | None:
        return extract(_page(above + body), url, family="generic").category

    assert category('<div class="title-gt"><p><strong>Thông báo</strong></p></div>') == "Thông báo"
    assert category("<h3>Tin hoạt động</h3>") == "Tin hoạt động"
    assert category('<div class="title-gt"><a href="/thong-bao/">Thông báo</a></div>') is None
    assert category("<div><span>Thông báo</span></div>") is None

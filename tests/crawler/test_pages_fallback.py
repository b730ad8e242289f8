"""Family page objects check their own result: structural fallback, the path it records,
page types from the page's own evidence, and templates of one family that differ."""

from __future__ import annotations

from crawler.canonical import CanonicalRule
from crawler.items import Article, Listing
from crawler.pages import extract

LEAD = "Sáng 5/6, huyện tổ chức lễ mít tinh hưởng ứng Ngày Môi trường thế giới năm 2019."
TEXT = [
    "Tại buổi lễ, lãnh đạo huyện nhấn mạnh vai trò của từng người dân trong việc giữ gìn "
    "môi trường sống, phân loại rác tại nguồn và hạn chế túi ni lông.",
    "Các xã, thị trấn đã ra quân dọn vệ sinh đường làng, khơi thông cống rãnh, trồng thêm "
    "cây xanh ở trường học và trụ sở cơ quan trên địa bàn.",
    "Sau lễ mít tinh, gần 200 đại biểu diễu hành quanh thị trấn và dọn dẹp nghĩa trang liệt sĩ.",
]
URL = "http://huyen.example.vn/le-mit-tinh-moi-truong/"


def _sp_article(content_cell: str) -> str:
    return f"""<html><head><meta name="GENERATOR" content="Microsoft SharePoint"></head><body>
<div class="container_top_mid2"><table><tr><td>Tin nổi bật</td>
<td class="Time">(11.06.2019 21:00)</td></tr></table></div>
<table id="tableforprint"><tbody>
<tr><td><p class="Title">Huyện hưởng ứng Ngày Môi trường thế giới</p></td></tr>
<tr><td><b class="lv_description_mode1">{LEAD}</b></td></tr>
{content_cell}
</tbody></table>
<div class="sidebar"><a href="/a">Tin khác một</a></div></body></html>"""


def test_family_region_holding_only_an_image_falls_back_to_the_text_block() -> None:
    """The variant where the usual region is empty and the text sits beside it."""
    cell = (
        '<tr><td><div class="ExternalClassAB12"><img src="/img/a.jpg"></div></td></tr>'
        "<tr><td><div>" + "".join(f"<p>{t}</p>" for t in TEXT) + "</div>"
        "<p>Văn phòng HĐND-UBND huyện</p></td></tr>"
    )
    got = extract(_sp_article(cell), URL)
    assert isinstance(got, Article)
    assert got.extraction_path == "structural"
    paragraphs = got.body_text.split("\n\n")
    assert paragraphs[0] == LEAD
    assert paragraphs[-1] == TEXT[-1]
    assert got.credit == "Văn phòng HĐND-UBND huyện"  # read at the end of the fallback body
    assert got.published == "2019-06-11T21:00:00+07:00"


def test_family_region_with_the_text_keeps_the_family_path() -> None:
    cell = (
        '<tr><td><div class="ExternalClassAB12">'
        + "".join(f"<p>{t}</p>" for t in TEXT)
        + "</div></td></tr>"
    )
    got = extract(_sp_article(cell), URL)
    assert isinstance(got, Article) and got.extraction_path == "family"
    assert got.body_text.split("\n\n") == [LEAD, *TEXT]


def test_marked_page_without_date_or_text_that_lists_dated_links_is_a_listing() -> None:
    """A listing of the variant: the article markers are there, the items are not td.TitleFront."""
    items = "".join(
        f'<li><a href="/tin-{i}/">Tin hoạt động số {i} của huyện trong tháng</a>'
        f" <span>({10 + i:02d}/06/2019)</span></li>"
        for i in range(6)
    )
    page = f"""<html><head><meta name="GENERATOR" content="Microsoft SharePoint"></head><body>
<table id="tableforprint"><tr><td><p class="Title">Tin tức sự kiện</p></td></tr>
<tr><td><ul class="news">{items}</ul></td></tr></table>
<ul class="pagination"><li><a href="/">Trang sau</a></li></ul></body></html>"""
    got = extract(page, "http://huyen.example.vn/tin-tuc-su-kien/")
    assert isinstance(got, Listing)
    assert got.extraction_path == "structural"
    assert [i.url for i in got.items][:2] == [
        "http://huyen.example.vn/tin-0/",
        "http://huyen.example.vn/tin-1/",
    ]
    assert all(i.published for i in got.items)
    assert got.next_page == "http://huyen.example.vn/tin-tuc-su-kien/page/2/"


def test_attachment_only_notice_stays_an_article_despite_dated_links() -> None:
    related = "".join(
        f'<li><a href="/tb-{i}/">Thông báo số {i} của huyện về việc chuyển đơn</a>'
        f'<span class="ShowDate">({i + 1:02d}/06/2019)</span></li>'
        for i in range(4)
    )
    cell = (
        '<tr><td><div class="ExternalClassAB12"><p>Xem chi tiết <a href="/img/tb-217.pdf">'
        'Tại đây</a></p></div></td></tr><tr><td><table class="tbtinkhac"><tr><td class="OtherTitle">'
        'TIN ĐÃ ĐƯA</td></tr></table><table><tr><td class="Other"><ul>'
        + related
        + "</ul></td></tr></table></td></tr>"
    )
    got = extract(_sp_article(cell).replace(f'<b class="lv_description_mode1">{LEAD}</b>', ""), URL)
    assert isinstance(got, Article)
    assert got.body_text == ""
    assert [a.url for a in got.attachments] == ["http://huyen.example.vn/img/tb-217.pdf"]


def test_department_template_of_the_same_family() -> None:
    """SharePoint/Lạc Việt department portals: section in div.title-gt, all in div.gtTitle."""
    page = f"""<html><head><meta name="GENERATOR" content="Microsoft SharePoint"></head><body>
<div class="title-gt"><p><strong>Thông tin dịch vụ tài chính</strong></p></div>
<div class="gthieu"><div class="gtTitle"><div><div><p>Huyện hưởng ứng Ngày Môi trường</p></div>
<br><div style="font-weight: bold">{LEAD}</div></div>
<div class="img">{"".join(f"<p>{t}</p>" for t in TEXT)}<p>Trí Son</p></div>
<div><p>Xem chi tiết <a href="">tại đây</a></p></div></div></div></body></html>"""
    got = extract(page, URL)
    assert isinstance(got, Article)
    assert got.title == "Huyện hưởng ứng Ngày Môi trường"
    assert got.category == "Thông tin dịch vụ tài chính"
    assert got.published is None  # the department page shows no date: the listing's is used
    assert got.body_text.split("\n\n") == [LEAD, *TEXT]
    assert got.author == "Trí Son"


def test_liferay_theme_with_a_dated_heading_and_text_in_a_heading() -> None:
    """A Liferay theme: h2 title with its date slot, text written inside an h1, portlet title."""
    text = " ".join(TEXT)

    def page(slot: str) -> str:
        return f"""<html><head><script>var Liferay = {{}};</script></head><body>
<div class="portlet-boundary portlet-boundary_101_"><h1 class="portlet-title">
<span class="portlet-title-text">Liên đoàn lao động tỉnh</span></h1>
<div class="asset-full-content"><div class="nd_detail_chitiet"><h2>Tổ chức hiến máu nhân đạo
<span>({slot})</span></h2><div class="journal-content-article"><h1>{text}</h1></div></div>
<div class="cactinkhac"><h3>Các tin khác</h3></div></div></div>
<div class="time"><span class="date">Thứ năm, 09/05/2019</span></div></body></html>"""

    dated = extract(page("30/04/2018"), URL)
    assert isinstance(dated, Article)
    assert dated.title == "Tổ chức hiến máu nhân đạo"
    assert dated.published == "2018-04-30"
    assert dated.category == "Liên đoàn lao động tỉnh"
    assert dated.body_text == text
    undated = extract(page(" "), URL)
    assert undated.title == "Tổ chức hiến máu nhân đạo"
    assert undated.published is None  # an empty slot is no date, not today's date in the header


def test_a_page_reports_the_canonical_it_declares_and_the_rule_decides() -> None:
    """Liferay themes print rel=canonical /guest on every page: the page object reports
    it as declared (absolute); crawler.canonical (tests/crawler/test_canonical.py) is what
    refuses it."""
    cell = '<tr><td><div class="ExternalClassAB12"><p>' + TEXT[0] + "</p></div></td></tr>"
    base = "http://huyen.example.vn"
    for href, kept in (
        ("/guest", None),
        ("/tin/le-mit-tinh-moi-truong.html", f"{base}/tin/le-mit-tinh-moi-truong.html"),
    ):
        page = _sp_article(cell).replace("</head>", f'<link rel="canonical" href="{href}"></head>')
        art = extract(page, URL)
        assert art.canonical_url == base + href
        assert CanonicalRule().trusted(art.canonical_url, art.url, art.title) == kept, href

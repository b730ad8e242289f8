"""SharePoint/Lạc Việt: side widgets with ExternalClass blocks never become an article's body."""

from __future__ import annotations

from crawler.items import Article
from crawler.pages import extract

WIDGET = (
    '<div class="snLeft"><table class="ds_VBPL"><tr><td>VĂN BẢN MỚI</td></tr></table>'
    '<div class="divvanbanmoi"><a href="/hethongvanban/Pages/default.aspx?SoID=321">'
    '<div class="divvbm_trichyeu"><div class="ExternalClass522259F83DBB4948">'
    "Thực hiện Nghị quyết số 35/NQ-CP về phát triển doanh nghiệp đến năm 2020</div></div>"
    "</a></div></div>"
)


def _page(body: str) -> str:
    return (
        '<html><head><meta charset="utf-8"><title>Huyện</title></head><body>'
        f"{WIDGET}"
        '<div class="snCenter"><table id="tableforprint"><tr><td class="FolderTitle">Ẩm thực</td>'
        '<td class="Time">06/04/2019</td></tr>'
        '<tr><td><p class="Title">Ẩm thực địa phương</p></td></tr>'
        f'<tr><td><div class="ExternalClassD44D9F9779FB4243">{body}</div></td></tr>'
        "</table></div></body></html>"
    )


def test_an_empty_notice_stays_empty_when_a_widget_comes_first() -> None:
    page = extract(
        _page("<p>Xem chi tiết <a href='/'>Tại đây</a></p>"),
        "http://h.vn/am-thuc/",
        family="sharepoint2010",
    )
    assert isinstance(page, Article)
    assert "Nghị quyết" not in page.body_text


def test_the_text_after_the_title_is_the_body() -> None:
    text = "Huyện tổ chức hội chợ ẩm thực với nhiều món ăn truyền thống của đồng bào."
    page = extract(_page(f"<p>{text}</p>"), "http://h.vn/am-thuc/", family="sharepoint2010")
    assert isinstance(page, Article)
    assert page.body_text == text

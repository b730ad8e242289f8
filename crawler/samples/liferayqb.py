"""Renderer of ``sample-liferayqb``: a Quảng Bình district portal on Liferay.

Modelled on tuyenhoa.quangbinh.gov.vn: article URLs
``chi-tiet-tin/-/view-article/1/<id>/<timestamp-ms>``; around the article a
"Bình chọn" poll, "Thống kê truy cập" (Online / Hôm nay / Tổng), the
"Xem với cỡ chữ : A- A A+" widget, the author's name alone on the last line
and a "Các tin khác" list.  Listings are
``danh-sach-tin/-/view-category/1/<category-id>`` and ``...?cur=N``; the print
view ``in-tin/-/view-article/...`` of one article carries rel=canonical, and
old "3cms" URLs (``3cms/<slug>.htm``) redirect.
"""

from __future__ import annotations

from crawler.samples.common import (
    Ctx,
    a,
    art_text,
    blob,
    counter,
    ddmmyyyy,
    hhmm,
    link_select,
    lorem_css,
    lorem_js,
    poll,
    t,
    weekday,
)
from crawler.samples.records import ListingPage, SampleArticle

TOP_MENU = (
    "GIỚI THIỆU",
    "TIN TỨC - SỰ KIỆN",
    "CHỈ ĐẠO ĐIỀU HÀNH",
    "VĂN BẢN PHÁP LUẬT",
    "THỦ TỤC HÀNH CHÍNH",
    "QUY HOẠCH - KẾ HOẠCH",
    "ĐẤU THẦU - MUA SẮM CÔNG",
    "THÔNG TIN TUYÊN TRUYỀN",
    "HỎI ĐÁP",
)


def _left(ctx: Ctx, seed: int) -> str:
    spec = ctx.portal.spec
    cats = "".join(
        f'<li><a href="{ctx.href("danh-sach-tin/-/view-category/1/" + c.slug)}">{t(c.name)}</a></li>'
        for c in spec.categories
    )
    communes = "".join(
        f'<li><a href="javascript:void(0)">{t(c[0].upper() + c[1:])}</a></li>'
        for c in ctx.portal.comunes
    )
    return (
        '<div class="col-left">'
        f'<div class="box-menu-left"><div class="box-title">DANH MỤC TIN</div><ul>{cats}</ul></div>'
        f'<div class="box-menu-left"><div class="box-title">XÃ, THỊ TRẤN</div><ul>{communes}</ul></div>'
        f'<div class="box-lich"><a href="{ctx.href("lich/?thang=2022-07")}">Lịch công tác</a></div>'
        f"{poll(seed)}{counter(seed)}{link_select()}</div>"
    )


def wrap(ctx: Ctx, *, title: str, main: str, head: str = "", seed: int = 0) -> str:
    """The Quảng Bình Liferay theme around ``main``."""
    spec = ctx.portal.spec
    menu = "".join(
        f'<li class="{"active" if i == 1 else ""}"><a href="{ctx.href("danh-sach-tin/-/view-category/1/101") if i == 1 else ("javascript:void(0)" if i != 0 else ctx.href("gioi-thieu/"))}">{t(m)}</a></li>'
        for i, m in enumerate(TOP_MENU)
    )
    return (
        '<!DOCTYPE html>\n<html class="aui ltr" dir="ltr" lang="vi-VN"><head>'
        f"<title>{t(title)}</title>"
        '<meta charset="utf-8" /><meta content="initial-scale=1.0, width=device-width" name="viewport" />'
        f"{head}"
        '<link href="/qb-theme/css/main.css?browserId=other&amp;themeId=qbtheme_WAR_qbtheme&amp;languageId=vi_VN&amp;b=6204" rel="stylesheet" type="text/css" />'
        f"<style>{lorem_css('qb', 150)}</style>"
        f'<script type="text/javascript">var Liferay={{ThemeDisplay:{{getCompanyId:function(){{return"10157"}},getScopeGroupId:function(){{return"20182"}},getLanguageId:function(){{return"vi_VN"}}}}}};\n{lorem_js("qbPortlet", 35)}</script>'
        '</head><body class="yui3-skin-sam signed-out public-page">'
        '<div id="wrapper"><div id="banner">'
        f'<a href="{ctx.href()}"><img src="/qb-theme/images/banner.png" alt="{a(spec.name)}" /></a>'
        f'<div class="banner-title">{t(spec.name.upper())}</div>'
        f'<form class="search" action="{ctx.href(ctx.portal.disallowed)}"><input name="k" placeholder="Nhập từ khóa..." /><a href="{ctx.href(ctx.portal.disallowed)}">Tìm kiếm</a></form></div>'
        f'<nav id="navigation"><ul class="menu-top"><li><a href="{ctx.href()}">TRANG CHỦ</a></li>{menu}</ul></nav>'
        f'<div id="content" class="row">{_left(ctx, seed)}<div class="col-main">{main}</div></div>'
        '<div id="footer"><div class="footer-content">'
        f"<p><strong>{t(spec.name.upper())}</strong></p>"
        f"<p>Cơ quan chủ quản: Ủy ban nhân dân huyện {t(spec.district)}, tỉnh Quảng Bình</p>"
        "<p>Giấy phép số: 21/GP-STTTT do Sở Thông tin và Truyền thông Quảng Bình cấp ngày 12/05/2018</p>"
        "<p>Địa chỉ: Tiểu khu 3, thị trấn Đồng Lê, huyện Tuyên Hóa, tỉnh Quảng Bình (trụ sở tạm)</p></div></div>"
        f'<input type="hidden" name="p_auth" value="{blob(ctx.portal.id + str(seed), 3000)}" /></div>'
        "</body></html>"
    )


def _content(ctx: Ctx, art: SampleArticle) -> str:
    out = []
    malformed = art.has("malformed")
    if art.lead:
        out.append(
            f'<p style="text-align: justify;"><strong>{art_text(art, art.lead)}</strong></p>'
        )
    for block in art.blocks:
        if block.kind == "p":
            end = "" if malformed else "</p>"
            out.append(f'<p style="text-align: justify;">{art_text(art, block.text)}{end}')
        elif block.kind == "img":
            out.append(
                f'<table class="image" align="center"><tbody><tr><td><img src="{a(ctx.prefix + block.src)}" alt="" width="600" /></td></tr>'
                f'<tr><td class="image_desc" style="text-align: center;"><em>{art_text(art, block.text)}</em></td></tr></tbody></table>'
                + ('<font face="Times New Roman">' if malformed else "")
            )
        elif block.kind == "video":
            out.append(
                f'<div class="video-box" style="text-align: center;"><video controls="controls" width="640" src="{a(ctx.prefix + block.src)}"></video></div>'
            )
    for extra in art.paragraphs(ctx.edit(art))[len(art.paragraphs()) :]:
        out.append(f'<p style="text-align: justify;">{art_text(art, extra)}</p>')
    if art.attachments:
        links = " ".join(
            f'<a href="{a(ctx.prefix + x.path)}">{t(x.name)}</a>' for x in art.attachments
        )
        out.append(f'<div class="attach-file"><b>File đính kèm:</b> {links}</div>')
    if art.author:
        out.append(
            f'<p style="text-align: right;"><strong>{art_text(art, art.author)}</strong></p>'
        )
    if art.credit:
        out.append(f'<p style="text-align: right;"><em>{art_text(art, art.credit)}</em></p>')
    return "".join(out)


def article(
    ctx: Ctx, art: SampleArticle, variant: str = "canonical", charset: str = "utf-8"
) -> str:
    """A ``view-article`` page (the ``in-tin`` print view carries rel=canonical)."""
    portal = ctx.portal
    when = art.published
    others = "".join(
        f'<li><a href="{ctx.href(portal.articles[j].url)}">{t(portal.articles[j].title)}</a> <span class="date">({ddmmyyyy(portal.articles[j].published)})</span></li>'
        for j in art.related
    )
    main = (
        f'<div class="portlet-boundary portlet-boundary_viewarticle_WAR_qbportalportlet_" id="p_p_id_viewarticle_WAR_qbportalportlet_">'
        f'<div class="breadcrumb-news"><a href="{ctx.href()}">Trang chủ</a> » <a href="{ctx.href("danh-sach-tin/-/view-category/1/" + art.category.slug)}">{t(art.category.name)}</a></div>'
        '<div class="news-detail">'
        f'<h2 class="title-detail">{art_text(art, art.title, allow_entities=False)}</h2>'
        f'<div class="date-detail">({weekday(when)}, {ddmmyyyy(when)} {hhmm(when)})</div>'
        '<div class="font-size">Xem với cỡ chữ : <a href="javascript:void(0)" onclick="zoomText(-1)">A-</a> '
        '<a href="javascript:void(0)" onclick="zoomText(0)">A</a> <a href="javascript:void(0)" onclick="zoomText(1)">A+</a></div>'
        f'<div class="content-detail" id="content-detail">{_content(ctx, art)}</div>'
        f'<div class="tool-detail"><a href="{ctx.href(art.alt_urls[0]) if art.alt_urls else "javascript:window.print()"}">In bài viết</a> | <a href="javascript:history.back()">Trở về</a></div>'
        f'</div><div class="other-news"><div class="title-other">Các tin khác</div><ul>{others}</ul></div></div>'
    )
    head = f'<meta name="description" content="{a(art.lead or art.title)}" />'
    if variant == "alternate":
        head += f'<link rel="canonical" href="{ctx.abs(art.url)}" />'
    return wrap(ctx, title=f"{art.title} - {portal.spec.name}", main=main, head=head, seed=art.num)


def listing(ctx: Ctx, page: ListingPage) -> str:
    """A category page with numbered ``?cur=N`` pagination."""
    cat = page.category
    assert cat is not None
    base = "danh-sach-tin/-/view-category/1/" + cat.slug
    rows: list[tuple[str, str, str, str]] = [
        (x.url, t(x.title), ddmmyyyy(x.published), t((x.lead or "")[:160])) for x in page.items
    ]
    for pos, url, title in page.extra_items:
        rows.insert(pos, (url, t(title), "01/06/2019", ""))
    items = "".join(
        f'<div class="news-item"><a class="news-title" href="{ctx.href(url)}">{title}</a> <span class="news-date">({date})</span><p class="news-sapo">{sapo}</p></div>'
        for url, title, date, sapo in rows
    )
    links = []
    if page.number > 1:
        links.append(f'<a href="{ctx.href(base + "?cur=1")}">Đầu</a>')
        links.append(
            f'<a class="prev" href="{ctx.href(base + "?cur=" + str(page.number - 1))}">«</a>'
        )
    for n in range(1, page.last + 1):
        if n == page.number:
            links.append(f'<span class="current">{n}</span>')
        else:
            links.append(f'<a href="{ctx.href(base + "?cur=" + str(n))}">{n}</a>')
    if page.next_url:
        links.append(f'<a class="next" href="{ctx.href(page.next_url)}">»</a>')
        links.append(f'<a href="{ctx.href(base + "?cur=" + str(page.last))}">Cuối</a>')
    main = (
        f'<div class="list-news"><h2 class="title-category">{t(cat.name)}</h2>{items}'
        f'<div class="paging">{" ".join(links)}</div></div>'
    )
    return wrap(
        ctx,
        title=f"{cat.name} - {ctx.portal.spec.name}",
        main=main,
        seed=page.number + int(cat.slug),
    )


def home(ctx: Ctx) -> str:
    """The home page: newest articles and the old "3cms" links (they redirect)."""
    portal = ctx.portal
    latest = "".join(
        f'<li><a href="{ctx.href(x.url)}">{t(x.title)}</a></li>' for x in portal.articles[:10]
    )
    old = "".join(
        f'<li><a href="{ctx.href(src)}">{t(x.title)}</a></li>'
        for x in portal.articles
        for src in x.redirect_from
    )
    main = f'<div class="home-news"><h2>TIN MỚI NHẤT</h2><ul>{latest}</ul><h3>Tin từ trang cũ</h3><ul>{old}</ul></div>'
    return wrap(ctx, title=portal.spec.name, main=main, seed=5)


def generic(ctx: Ctx, title: str, main: str) -> str:
    """Any other page in this family's chrome."""
    return wrap(ctx, title=f"{title} - {ctx.portal.spec.name}", main=main, seed=9)

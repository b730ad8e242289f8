"""Renderer of ``sample-liferay62``: a Hà Nội quận portal on Liferay 6.2 (asset publisher).

Modelled on sotttt.hanoi.gov.vn: listings of ``div.asset-abstract`` >
``h3.asset-title a`` (hrefs relative to the category page), then
``div.assetPublishDate`` ``21/07/2022 | 10:00 AM`` and ``div.asset-summary``;
a ``taglib-page-iterator`` with ``?p_p_id=101&..._101_delta=10&..._101_cur=N``.
Articles live at ``<category>/-/view_content/<id>-<slug>.html`` with the
title in ``h3.header-title span``, the date in ``div.egov_date``, the sapo in
``div.sapo`` and the body in ``div.journal-content-article``.
"""

from __future__ import annotations

from crawler.samples.common import (
    Ctx,
    a,
    ampm,
    art_text,
    blob,
    counter,
    ddmmyyyy,
    entities,
    link_select,
    lorem_css,
    t,
)
from crawler.samples.records import ListingPage, SampleArticle, quote_path
from crawler.samples.specs import LIFERAY62_PAGER

NAV_EXTRA = (
    ("Giới thiệu", ("Tổng quan", "Lịch sử", "Cơ cấu tổ chức", "Lãnh đạo quận", "Các phường")),
    (
        "Dịch vụ công",
        (
            "Thủ tục hành chính",
            "Tra cứu hồ sơ",
            "Dịch vụ công trực tuyến mức 3, 4",
            "Phản ánh kiến nghị",
        ),
    ),
    (
        "Văn bản",
        ("Văn bản chỉ đạo điều hành", "Văn bản quy phạm pháp luật", "Dự thảo văn bản", "Công báo"),
    ),
    ("Quy hoạch", ("Quy hoạch xây dựng", "Quy hoạch sử dụng đất", "Kế hoạch đầu tư công")),
    ("Công dân", ("Hỏi đáp", "Tiếp công dân", "Đường dây nóng")),
)


def _liferay_js(ctx: Ctx, plid: int) -> str:
    return (
        '<script type="text/javascript">var Liferay={Browser:{acceptsGzip:function(){return true},getMajorVersion:function(){return 0}},'
        'ThemeDisplay:{getLayoutId:function(){return"'
        + str(plid)
        + '"},getLayoutURL:function(){return"'
        + ctx.prefix
        + '"},'
        'getCompanyId:function(){return"10154"},getScopeGroupId:function(){return"10180"},getLanguageId:function(){return"vi_VN"},'
        'isSignedIn:function(){return false},getPathThemeImages:function(){return"/so4t_WAR_so4ttheme/images"}},'
        "PropsValues:{NTLM_AUTH_ENABLED:false}};var themeDisplay=Liferay.ThemeDisplay;"
        "Liferay.Portlet.list=['101','56_INSTANCE_x9Ka','ddlk_WAR_pointportalddlkportlet','73_INSTANCE_menu'];"
        + "".join(
            f"Liferay.Portlet.onLoad({{canEditTitle:false,columnPos:{i},isStatic:'end',namespacedId:'p_p_id_56_INSTANCE_w{i}_',portletId:'56_INSTANCE_w{i}',refreshURL:'\\x2fc\\x2fportal\\x2frender_portlet\\x3fp_l_id\\x3d{plid}\\x26p_p_id\\x3d56_INSTANCE_w{i}'}});"
            for i in range(30)
        )
        + "</script>"
    )


def _nav(ctx: Ctx) -> str:
    spec = ctx.portal.spec
    items = [f'<li class="lfr-nav-item"><a href="{ctx.href()}"><span>Trang chủ</span></a></li>']
    cats = "".join(
        f'<li class="lfr-nav-item" role="presentation"><a href="{ctx.href(c.slug)}" role="menuitem">{t(c.name)}</a></li>'
        for c in spec.categories
    )
    items.append(
        f'<li class="lfr-nav-item dropdown"><a class="dropdown-toggle" href="{ctx.href(spec.categories[0].slug)}"><span>Tin tức</span></a><ul class="child-menu dropdown-menu">{cats}</ul></li>'
    )
    for head, subs in NAV_EXTRA:
        sub = "".join(
            f'<li class="lfr-nav-item"><a href="{ctx.href("gioi-thieu/") if i == 0 else "javascript:;"}">{t(s)}</a></li>'
            for i, s in enumerate(subs)
        )
        items.append(
            f'<li class="lfr-nav-item dropdown"><a class="dropdown-toggle" href="javascript:;"><span>{t(head)}</span></a><ul class="child-menu dropdown-menu">{sub}</ul></li>'
        )
    return f'<nav class="sort-pages modify-pages navbar site-navigation" id="navigation" role="navigation"><div class="navbar-inner"><ul class="nav nav-collapse" role="menubar">{"".join(items)}</ul></div></nav>'


def _sidebar(ctx: Ctx, seed: int) -> str:
    portal = ctx.portal
    hot = "".join(
        f'<li><a href="{ctx.href(x.url)}">{t(x.title)}</a><span class="date">({ddmmyyyy(x.published)})</span></li>'
        for x in portal.articles[8:18]
    )
    wards = "".join(
        f'<li><a href="javascript:;">{t(c[0].upper() + c[1:])}</a></li>' for c in portal.comunes
    )
    return (
        '<div class="portlet-column portlet-column-last span4" id="column-2">'
        '<div class="portlet-boundary portlet-boundary_56_"><div class="portlet-body"><div class="title-box">Tin đọc nhiều</div>'
        f'<ul class="list-news-hot">{hot}</ul></div></div>'
        f'<div class="portlet-boundary"><div class="title-box"><a href="{ctx.href("lich/?thang=2022-07")}">Lịch công tác</a></div></div>'
        f'<div class="portlet-boundary"><div class="title-box">Các phường</div><ul>{wards}</ul></div>'
        f'<div class="portlet-boundary">{link_select()}</div>'
        f'<div class="portlet-boundary ddlk_WAR_pointportalddlkportlet">{counter(seed)}</div>'
        "</div>"
    )


def wrap(
    ctx: Ctx, *, title: str, main: str, head: str = "", seed: int = 0, breadcrumb: str = ""
) -> str:
    """The Liferay 6.2 theme around ``main``."""
    spec = ctx.portal.spec
    plid = 20000 + seed % 500
    return (
        '<!DOCTYPE html>\n<html class="aui ltr" dir="ltr" lang="vi-VN"><head>'
        f"<title>{t(title)} - {t(spec.name)}</title>"
        '<meta content="initial-scale=1.0, width=device-width" name="viewport" />'
        '<meta content="text/html; charset=UTF-8" http-equiv="content-type" />'
        f"{head}"
        '<link href="/so4t_WAR_so4ttheme/images/favicon.ico" rel="Shortcut Icon" />'
        '<link class="lfr-css-file" href="/so4t_WAR_so4ttheme/css/aui.css?browserId=other&amp;themeId=so4t_WAR_so4ttheme&amp;languageId=vi_VN&amp;b=6205" rel="stylesheet" type="text/css" />'
        f"<style>{lorem_css('so4t', 70)}</style>"
        f"{_liferay_js(ctx, plid)}"
        '</head><body class="yui3-skin-sam controls-visible signed-out public-page site">'
        '<a href="#main-content" id="skip-to-content">Truy cập nội dung luôn</a>'
        '<div class="container-fluid" id="wrapper"><header id="banner" role="banner">'
        f'<div id="heading"><h1 class="site-title"><a class="logo custom-logo" href="{ctx.href()}" title="{a(spec.name)}"><img alt="{a(spec.name)}" src="/image/layout_set_logo?img_id=10452&amp;t=1658804544379" /></a></h1>'
        f'<div class="sign-in"><a href="{ctx.href("c/portal/login?p_l_id=" + str(plid))}" rel="nofollow">Đăng nhập</a></div>'
        f'<form action="{ctx.href("c/search")}" class="search-form"><input name="q" placeholder="Tìm kiếm" type="text"/></form></div>'
        f"{_nav(ctx)}</header>"
        f'<div id="content"><ul class="breadcrumb breadcrumb-horizontal"><li class="first"><a href="{ctx.href()}">Trang chủ</a><span class="divider">/</span></li>{breadcrumb}</ul>'
        '<div class="portlet-layout row-fluid"><div class="portlet-column portlet-column-first span8" id="column-1">'
        f'<div class="portlet-dropzone portlet-column-content" id="layout-column_column-1">{main}</div></div>'
        f"{_sidebar(ctx, seed)}</div></div>"
        '<footer id="footer" role="contentinfo"><div class="footer-info">'
        f"<p><strong>{t(spec.name.upper())}</strong></p>"
        f"<p>Cơ quan chủ quản: Ủy ban nhân dân {t(spec.dk)} {t(spec.district)}</p>"
        "<p>Giấy phép số: 52/GP-TTĐT do Sở Thông tin và Truyền thông Hà Nội cấp ngày 15/03/2017</p>"
        "<p>Chịu trách nhiệm chính: Trưởng Ban biên tập Cổng thông tin điện tử quận</p>"
        f"<p>Ghi rõ nguồn &quot;{t(spec.name)}&quot; khi phát hành lại thông tin từ website này.</p></div></footer></div>"
        f'<input type="hidden" id="_token" value="{blob(ctx.portal.id + str(seed), 2400)}"/>'
        "<script>AUI().use('aui-base','liferay-menu','liferay-notice','liferay-poller','liferay-session',function(a){(function(){Liferay.Util.addInputType();Liferay.Portlet.ready(function(b,c){Liferay.Util.addInputType(c)});})();});</script>"
        "</body></html>"
    )


def _body(ctx: Ctx, art: SampleArticle) -> str:
    out = []
    malformed = art.has("malformed")
    for block in art.blocks:
        if block.kind == "p":
            text = art_text(art, block.text)
            out.append(f'<p style="text-align: justify;">{text}' + ("" if malformed else "</p>"))
        elif block.kind == "img":
            out.append(
                f'<p style="text-align: center;"><img alt="" src="{a(ctx.prefix + block.src)}" style="width: 600px; height: 400px;" /></p>'
                f'<p style="text-align: center;"><em>{art_text(art, block.text)}</em></p>'
            )
        elif block.kind == "video":
            out.append(
                f'<p style="text-align: center;"><video controls="controls" width="640"><source src="{a(ctx.prefix + block.src)}" type="video/mp4" /></video></p>'
            )
    for extra in art.paragraphs(ctx.edit(art))[len(art.paragraphs()) :]:
        out.append(f'<p style="text-align: justify;">{art_text(art, extra)}</p>')
    if malformed:
        out.insert(1, '<span><font face="Arial">')
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
    """An article (``view_content``) page; the alias URL carries rel=canonical."""
    portal = ctx.portal
    when = art.published
    files = ""
    if art.attachments:
        links = "".join(
            f'<li><a href="{a(ctx.prefix + x.path)}" target="_blank"><img src="/html/themes/classic/images/file_system/small/pdf.png" alt=""/> {t(x.name)}</a></li>'
            for x in art.attachments
        )
        files = f'<div class="file-attachments"><span class="label-attach">Tệp đính kèm:</span><ul>{links}</ul></div>'
    sapo = f'<div class="sapo"><strong>{art_text(art, art.lead)}</strong></div>' if art.lead else ""
    related = "".join(
        f'<li><a href="{ctx.href(portal.articles[j].url)}">{t(portal.articles[j].title)}</a> <span>({ddmmyyyy(portal.articles[j].published)})</span></li>'
        for j in art.related
    )
    main = (
        '<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-static-end portlet-borderless portlet-asset-publisher" id="p_p_id_101_">'
        '<span id="p_101"></span><div class="portlet-borderless-container"><div class="portlet-body">'
        f'<div class="taglib-header"><span class="header-back-to"><a class="icon-circle-arrow-left previous-level" href="{ctx.href(art.category.slug)}" title="Quay lại"><span class="helper-hidden-accessible">Quay lại</span></a></span>'
        f'<h3 class="header-title"><span>{art_text(art, art.title, allow_entities=False)}</span></h3></div>'
        '<div class="asset-full-content default-asset-publisher no-title">'
        f'<div class="asset-content" id="_101_{art.num}"><div class="egov_date">{ddmmyyyy(when)} | {ampm(when)}</div>'
        f'{sapo}<div class="journal-content-article">{_body(ctx, art)}</div>{files}</div>'
        '<div class="asset-ratings"><div class="taglib-ratings stars"><span class="liferay-rating-label">Đánh giá bài viết</span>'
        '<div class="liferay-rating-score">☆☆☆☆☆</div></div></div>'
        f'<div class="asset-links"><a href="javascript:window.print();">Bản in</a> | <a href="javascript:;">Gửi email</a> | <span class="view-count">Lượt xem: {100 + art.num % 5000}</span></div>'
        "</div>"
        f'<div class="asset-related"><div class="title-related">Tin liên quan</div><ul class="list-related">{related}</ul></div>'
        "</div></div></div>"
    )
    head = f'<meta property="og:title" content="{a(art.title)}" />'
    if variant == "alternate":
        head += f'<link rel="canonical" href="{ctx.abs(art.url)}" />'
    crumb = f'<li class="active"><a href="{ctx.href(art.category.slug)}">{t(art.category.name)}</a></li>'
    return wrap(ctx, title=art.title, main=main, head=head, seed=art.num, breadcrumb=crumb)


def _summary(art: SampleArticle) -> str:
    text = art.lead or ""
    if len(text) > 180:
        text = text[:180].rsplit(" ", 1)[0] + " ..."
    return entities(text) if art.num % 3 == 0 else t(text)


def listing(ctx: Ctx, page: ListingPage) -> str:
    """A category page of the asset publisher (relative hrefs, as the real one)."""
    cat = page.category
    assert cat is not None
    rows = []
    entries: list[tuple[str, str, str, str, str]] = []
    for x in page.items:
        img = x.images[0] if x.images else "image/journal/article?img_id=10452&t=1"
        entries.append(
            (x.url, t(x.title), f"{ddmmyyyy(x.published)} | {ampm(x.published)}", _summary(x), img)
        )
    for pos, url, title in page.extra_items:
        entries.insert(
            pos,
            (url, t(title), "01/06/2019 | 08:00 AM", "", "image/journal/article?img_id=10452&t=1"),
        )
    for url, title, date, summary, img in entries:
        rows.append(
            '<div class="asset-bounddary"><div class="asset-abstract "><!-- <div class="asset_actions_custom_style"></div> -->'
            f'<div class="asset-content normal-news"><div class="asset-image"><a href="{a(quote_path(url))}"><img src="{a(ctx.prefix + img)}" alt=""/></a></div>'
            f'<div class="asset-content-custom"><h3 class="asset-title"><a href="{a(quote_path(url))}">{title}</a></h3>'
            f'<div class="assetPublishDate block_timer"> {date} </div><div class="asset-summary"> {summary} </div></div></div>'
            '<div class="asset-metadata"></div></div></div>'
        )
    options = "".join(
        f'<li class="custom-paging" role="presentation"><a href="{a(cat.slug + "?" + LIFERAY62_PAGER + str(n))}" class=" taglib-icon" role="menuitem"><span class="taglib-text-icon">{n}</span></a></li>'
        for n in range(1, page.last + 1)
    )

    def button(label: str, n: int | None, cls: str) -> str:
        if n is None:
            return f'<li class="{cls} disabled"><a href="javascript:;">{label}</a></li>'
        return f'<li class="{cls}"><a href="{a(cat.slug + "?" + LIFERAY62_PAGER + str(n))}">{label}</a></li>'

    first = (page.number - 1) * 10 + 1
    total = len(ctx.portal.articles) and sum(1 for x in ctx.portal.articles if x.category == cat)
    pager = (
        '<div class="taglib-page-iterator" id="_101_ocerSearchContainerPageIterator"><div class="clearfix lfr-pagination">'
        '<div class="lfr-pagination-config"><div class="lfr-pagination-page-selector"><div class="btn-group lfr-icon-menu current-page-menu custom-paging">'
        f'<a class="dropdown-toggle direction-down max-display-items-15 btn" href="javascript:;" title=" {page.number} "><span class="lfr-icon-menu-text"> {page.number} </span><i class="caret"></i></a>'
        f'<ul class="dropdown-menu lfr-menu-list direction-down">{options}</ul></div></div></div>'
        f'<small class="search-results">Hiển thị {first} - {first + len(page.items) - 1} trong {total} kết quả.</small>'
        '<ul class="lfr-pagination-buttons pager">'
        + button("&larr; Đầu", 1 if page.number > 1 else None, "first")
        + button("Trước", page.number - 1 if page.number > 1 else None, "")
        + button("Tiếp", page.number + 1 if page.next_url else None, "")
        + button("Cuối &rarr;", page.last if page.next_url else None, "last")
        + "</ul></div></div>"
    )
    main = (
        '<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-static-end portlet-borderless portlet-asset-publisher" id="p_p_id_101_">'
        f'<span id="p_101"></span><div class="portlet-borderless-container"><div class="portlet-body"><div class="subscribe-action"></div>'
        f'<div class="title-category"><h2>{t(cat.name)}</h2></div>{"".join(rows)}{pager}</div></div></div>'
    )
    crumb = f'<li class="active"><a href="{ctx.href(cat.slug)}">{t(cat.name)}</a></li>'
    return wrap(
        ctx, title=cat.name, main=main, seed=page.number * 31 + len(cat.slug), breadcrumb=crumb
    )


def home(ctx: Ctx) -> str:
    """The home page: "Tin nổi bật" links through ``trang-chu/-/view_content`` aliases."""
    portal = ctx.portal
    featured = [x for x in portal.articles if any(u.startswith("trang-chu/") for u in x.alt_urls)]
    hot = "".join(
        f'<li><a href="{ctx.href(next(u for u in x.alt_urls if u.startswith("trang-chu/")))}">{t(x.title)}</a></li>'
        for x in featured
    )
    blocks = "".join(
        f'<div class="home-cat"><h2><a href="{ctx.href(c.slug)}">{t(c.name)}</a></h2><ul>'
        + "".join(
            f'<li><a href="{ctx.href(x.url)}">{t(x.title)}</a></li>'
            for x in [y for y in portal.articles if y.category == c][:4]
        )
        + "</ul></div>"
        for c in portal.spec.categories
    )
    old = "".join(
        f'<li><a href="{ctx.href(src)}">{t(x.title)}</a></li>'
        for x in portal.articles
        for src in x.redirect_from
    )
    main = f'<div class="home-hot"><h2>Tin nổi bật</h2><ul>{hot}</ul></div>{blocks}<div class="home-old"><h3>Tin cũ</h3><ul>{old}</ul></div>'
    return wrap(ctx, title="Trang chủ", main=main, seed=3)


def generic(ctx: Ctx, title: str, main: str) -> str:
    """Any other page in this family's chrome."""
    return wrap(ctx, title=title, main=main, seed=11)

"""Renderer of ``sample-sp2010``: SharePoint 2010 + Lạc Việt, as on Đắk Nông district sites.

Modelled on krongno/dakrlap/dakglong.daknong.gov.vn: ``p.Title``,
``td.FolderTitle`` + ``td.Time``, the sapo in ``b.lv_description_mode1``, the
body in ``div.ExternalClass<GUID>`` (entities, tables around photos), a hidden
admin menu ``ul#myMenuPost``, ``Số lượt người xem``, ``Bản in``/``Quay lại``,
the ``TIN ĐÃ ĐƯA`` related list, a licence footer, and listings of
``td.TitleFront a`` + ``span.ShowDate " (dd.mm.yyyy HH:MM)"`` whose
``ul.pagination`` next/previous links are broken (they point to the portal
root; the real pages are ``tin-tuc-su-kien/page/N/``).
"""

from __future__ import annotations

import hashlib

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
    t,
    weekday,
)
from crawler.samples.records import ListingPage, SampleArticle

MENU = (
    (
        "Giới thiệu",
        (
            "Giới thiệu chung",
            "Điều kiện tự nhiên",
            "Lịch sử văn hóa",
            "Cơ cấu tổ chức",
            "Lãnh đạo huyện",
        ),
    ),
    (
        "Tin tức sự kiện",
        (
            "Tin nổi bật",
            "Hoạt động của lãnh đạo",
            "Kinh tế",
            "Văn hóa - Xã hội",
            "An ninh Quốc phòng",
            "Tin địa phương",
        ),
    ),
    (
        "Chỉ đạo điều hành",
        ("Thông tin chỉ đạo điều hành", "Lịch công tác", "Thông báo", "Chương trình công tác"),
    ),
    (
        "Văn bản",
        (
            "Văn bản quy phạm pháp luật",
            "Văn bản chỉ đạo điều hành",
            "Văn bản dự thảo",
            "Hệ thống văn bản",
        ),
    ),
    (
        "Thủ tục hành chính",
        (
            "Lĩnh vực đất đai",
            "Lĩnh vực tư pháp",
            "Lĩnh vực xây dựng",
            "Lĩnh vực lao động",
            "Dịch vụ công trực tuyến",
        ),
    ),
    (
        "Quy hoạch - Kế hoạch",
        ("Quy hoạch sử dụng đất", "Kế hoạch phát triển kinh tế", "Đầu tư công"),
    ),
    ("Hỏi đáp", ("Gửi câu hỏi", "Danh sách câu hỏi")),
)


def _guid(seed: str) -> str:
    return hashlib.md5(seed.encode()).hexdigest().upper()


def _menu(ctx: Ctx) -> str:
    parts = ['<div class="s4-tn"><ul class="root static" id="zz1_TopNavigationMenuV4">']
    parts.append(
        f'<li class="static"><a class="static menu-item" href="{ctx.href()}"><span class="additional-background"><span class="menu-item-text">Trang chủ</span></span></a></li>'
    )
    for i, (head, subs) in enumerate(MENU):
        target = "tin-tuc-su-kien/" if i == 1 else ("gioi-thieu/" if i == 0 else "")
        href = ctx.href(target) if target else "javascript:void(0)"
        parts.append(
            f'<li class="static dynamic-children"><a class="static dynamic-children menu-item" href="{href}"><span class="menu-item-text">{t(head)}</span></a><ul class="dynamic">'
        )
        for j, sub in enumerate(subs):
            sub_href = (
                ctx.href("tin-tuc-su-kien/") if i == 1 else ("javascript:void(0)" if j % 2 else "#")
            )
            if sub == "Lịch công tác":
                sub_href = ctx.href("lich/?thang=2019-06")
            parts.append(
                f'<li class="dynamic"><a class="dynamic menu-item" href="{sub_href}"><span class="additional-background"><span class="menu-item-text">{t(sub)}</span></span></a></li>'
            )
        parts.append("</ul></li>")
    parts.append(
        f'<li class="static"><a class="static menu-item" href="{ctx.href("lien-he/")}"><span class="menu-item-text">Liên hệ</span></a></li></ul></div>'
    )
    return "".join(parts)


def _quick_launch(ctx: Ctx) -> str:
    parts = ['<div class="navList"><ul class="ms-quickLaunch" id="menuproduct_2d176cf6">']
    for i, (head, subs) in enumerate(MENU):
        parts.append(
            f'<li class="ms-navSubMenu" id="li0_{i}"><div class="ms-navheader" onclick="toggleMenu(this)"><div class="div-link-navheader"><span class="linkEmpty">{t(head.upper())}</span></div></div><ul class="classshow">'
        )
        for sub in subs:
            parts.append(
                f'<li class="classshow"><div class="ms-navItem"><a href="javascript:void(0)" class="linkItem">{t(sub)}</a></div></li>'
            )
        parts.append("</ul></li>")
    parts.append("</ul></div>")
    return "".join(parts)


def _sidebar(ctx: Ctx, seed: int) -> str:
    portal = ctx.portal
    hot = "".join(
        f'<li><a href="{ctx.href(x.url)}">{t(x.title)}</a></li>' for x in portal.articles[:8]
    )
    communes = "".join(
        f'<li><a href="javascript:void(0)">Trang thông tin {t(c)}</a></li>' for c in portal.comunes
    )
    return (
        '<div class="zoneRight"><div class="zoneRight-wp">'
        f'<div class="search-box"><input type="text" id="txtSearch" title="Tìm kiếm"> <a href="{ctx.href(portal.disallowed)}">Tìm kiếm nâng cao</a></div>'
        f'<div class="box-lich"><a href="{ctx.href("lich/?thang=2019-06")}">Lịch công tác</a></div>'
        f'<div class="box-hot"><div class="box-title">TIN MỚI</div><ul>{hot}</ul></div>'
        '<div class="thamdo"><div class="box-title">Thăm dò ý kiến</div><p>Bạn quan tâm đến nội dung nào của Trang thông tin điện tử huyện?</p>'
        '<input type="radio" name="td"> Tin tức sự kiện<br><input type="radio" name="td"> Thủ tục hành chính<br><input type="radio" name="td"> Văn bản<br>'
        '<input type="button" value="Gửi" onclick="return false;"></div>'
        f'<div class="box-xa"><div class="box-title">XÃ, THỊ TRẤN</div><ul>{communes}</ul></div>'
        f"{link_select()}"
        f'<div class="luottruycap">Lượt truy cập: {1_203_000 + seed * 13}</div>'
        f"{counter(seed)}"
        "</div></div>"
    )


def _footer(ctx: Ctx) -> str:
    spec = ctx.portal.spec
    return (
        '<div class="Footer-Text"><div style="text-align: center"><strong><font>'
        f"TRANG THÔNG TIN ĐIỆN TỬ HUYỆN {t(spec.district.upper())} - TỈNH {t(spec.province.upper())}</font></strong></div>"
        '<div style="text-align: center"><strong><font>Giấy phép số:&nbsp;</font></strong><span><strong>16/GPTTĐT-STTTT, do Sở Thông tin - Truyền thông tỉnh Đắk Nông cấp ngày 03/11/2016</strong></span></div>'
        f'<div style="text-align: center"><strong><font>Cơ quan chủ quản: Ủy ban nhân dân huyện {t(spec.district)}</font></strong></div>'
        '<div style="text-align: center"><strong>Chịu trách nhiệm về nội dung Đ/c: Nguyễn Xuân Danh - Phó Chủ tịch UBND huyện - Trưởng Ban biên tập.</strong></div>'
        '<div style="text-align: center"><font><strong>Địa chỉ:&#8203; Số 12, Võ Văn Kiệt, thị trấn Đắk Mâm, tỉnh Đắk Nông</strong></font></div></div>'
    )


def wrap(
    ctx: Ctx, *, title: str, main: str, head: str = "", charset: str = "utf-8", seed: int = 0
) -> str:
    """The SharePoint 2010 master page around ``main``."""
    spec = ctx.portal.spec
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html dir="ltr" lang="vi-VN" xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}"/>'
        '<meta http-equiv="X-UA-Compatible" content="IE=8"/><meta name="GENERATOR" content="Microsoft SharePoint"/>'
        '<meta name="progid" content="SharePoint.WebPartPage.Document"/>'
        f"<title>{t(title)}</title>{head}"
        '<link rel="stylesheet" type="text/css" href="/_layouts/1033/styles/Themable/corev4.css"/>'
        '<link rel="stylesheet" type="text/css" href="/_layouts/LacVietBio/css/news_css.css"/>'
        f'<style type="text/css">{lorem_css("lv", 90)}</style>'
        f'<script type="text/javascript">var _fV4UI=true;var L_Menu_BaseUrl="";var _spPageContextInfo={{webServerRelativeUrl:"\\u002f{spec.id}",webLanguage:1066,currentLanguage:1066,webUIVersion:4,userId:0,alertsEnabled:false,siteServerRelativeUrl:"\\u002f"}};\n'
        f"{lorem_js('LacViet_CMS_ViewPageManager', 40)}</script>"
        '</head><body scroll="no" onload="javascript:_spBodyOnLoadWrapper();" class="v4master">'
        f'<form name="aspnetForm" method="post" action="{ctx.href()}" id="aspnetForm">'
        f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUBMA9kFgJmD2QWAgIBD2QWBAIBD2QWAgIBD2QWAmYPZBYC{blob(ctx.portal.id + str(seed), 9000)}"/>'
        '<div id="s4-workspace"><div id="s4-bodyContainer">'
        f'<div class="header"><a href="{ctx.href()}"><img src="/_layouts/LacVietBio/images/banner.jpg" alt="{a(spec.name)}"/></a></div>'
        f"{_menu(ctx)}"
        '<div class="snLeft">' + _quick_launch(ctx) + "</div>"
        f'<div class="snCenter">{main}</div>'
        f"{_sidebar(ctx, seed)}"
        f'<div class="Footer">{_footer(ctx)}</div>'
        "</div></div>"
        '<div style="display:none"><menu type="ServerMenu" id="MnTmpMainPopuphhtml"><ie:menuitem text="Soạn bài viết" type="option"></ie:menuitem></menu></div>'
        "</form></body></html>"
    )


def _img(ctx: Ctx, src: str) -> str:
    # the href is written unencoded, as the real Lạc Việt editor did
    return f'<img alt="" src="{a(ctx.prefix + src)}"/>'


def article(
    ctx: Ctx, art: SampleArticle, variant: str = "canonical", charset: str = "utf-8"
) -> str:
    """An article page (variant ``alternate`` is the print view, with rel=canonical)."""
    portal = ctx.portal
    when = art.published
    date = f"({ddmmyyyy(when, '.')} {hhmm(when)})" if art.show_time else ddmmyyyy(when)
    guid = _guid(art.id)
    malformed = art.has("malformed")
    body: list[str] = []
    if art.has("attachment_only"):
        att = art.attachments[0]
        body.append(f'<br><p>Xem chi tiết <a href="{a(ctx.prefix + att.path)}">Tại đây</a></p>')
    for block in art.blocks:
        if block.kind == "p":
            close = "" if malformed else "</p>"
            body.append(f"<p>{art_text(art, block.text)}{close}")
        elif block.kind == "img":
            cap = art_text(art, block.text)
            junk = "<div><tr><td>" if malformed else ""
            body.append(
                f'{junk}<table align="center"><tbody><tr><td>{_img(ctx, block.src)}</td></tr>'
                f"<tr><td><p>{cap}</p></td></tr></tbody></table>"
            )
        elif block.kind == "video":
            body.append(
                f'<p style="text-align:center"><video width="480" controls="controls"><source src="{a(ctx.prefix + block.src)}" type="video/mp4"/></video></p>'
            )
    for extra in art.paragraphs(ctx.edit(art))[len(art.paragraphs()) :]:
        body.append(f"<p>{art_text(art, extra)}</p>")
    if art.credit:
        body.append(
            f'<p style="text-align:right"><span style="color:rgb(51, 51, 51);font-family:Arial">{art_text(art, art.credit)}</span></p>'
        )
    if not art.has("attachment_only"):
        body.append(f'<br><p>Xem chi tiết <a href="{ctx.href()}">Tại đây</a></p>')
    attach = ""
    if art.attachments and not art.has("attachment_only"):
        links = "".join(
            f'<li><a href="{a(ctx.prefix + x.path)}">{t(x.name)}</a></li>' for x in art.attachments
        )
        attach = f'<div class="lv_attach"><b>Tệp đính kèm:</b><ul>{links}</ul></div>'
    lead = art_text(art, art.lead) if art.lead else ""
    related = "".join(
        f'<li><a href="{ctx.href(portal.articles[j].url.rstrip("/"))}">{t(portal.articles[j].title)}</a>'
        f'<span class="ShowDate">({ddmmyyyy(portal.articles[j].published)})</span></li>'
        for j in art.related
    )
    print_link = (
        f'<a style="COLOR: #686868" class="print" href="{ctx.href(art.alt_urls[0])}">Bản in</a>'
        if art.alt_urls
        else '<a style="COLOR: #686868" class="print" onclick="return PrintSubject();" href="">Bản in</a>'
    )
    main = (
        '<div class="postMain"><table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td valign="top">'
        '<div class="ms-WPBody noindex"><link rel="stylesheet" type="text/css" href="/_layouts/LacVietBio/css/news_css.css"/>'
        '<div class="container_top_mid2"><table border="0" cellspacing="0" cellpadding="0" width="100%"><tbody><tr class="ms-news-header">'
        f'<td style="CURSOR: hand" class="FolderTitle" valign="top">{t(art.category.name)}</td>'
        f'<td style="TEXT-ALIGN: right; FONT-WEIGHT: normal" class="Time" valign="top" align="right">{date}</td></tr></tbody></table></div>'
        '<div id="part1"><table id="tableforprint" border="0" cellspacing="0" cellpadding="0" width="100%"><tbody>'
        f'<tr><td width="100%" style="text-align: center"><p class="Title allowMenuPost">{art_text(art, art.title, allow_entities=False)}</p></td></tr>'
        '<tr><td width="100%"><ul style="DISPLAY: none" id="myMenuPost" class="contextMenu">'
        f'<li class="new"><a href="#newpost" onclick="newPost(\'{_guid("list")}\', \'2\')">Soạn bài viết</a></li>'
        f'<li class="edit"><a href="#editpost" onclick="editPost(\'{_guid("list")}\', \'{art.id}\')">Chỉnh sửa bài viết</a></li>'
        f'<li class="manage"><a href="#managepost" onclick="managePost(\'{_guid("list")}\', \'{art.id}\')">Quản trị tin tức</a></li></ul><p></p></td></tr>'
        f'<tr><td style="TEXT-ALIGN: justify"><b class="lv_description_mode1 allowMenu">{lead}</b></td></tr>'
        f'<tr><td style="TEXT-ALIGN: justify"><div class="ExternalClass{guid}">{"".join(body)}</div>{attach}</td></tr>'
        "<tr><td></td></tr></tbody></table><br>"
        f'<span class="css_readCounter">Số lượt người xem: {10 + art.num % 900}</span> '
        f'<span class="css_printandback">{print_link}<span style="width: 5px"><a style="color: #686868" class="return" href="javascript:history.go(-1)"> Quay lại</a></span></span></div>'
        '<div id="part2"><table class="tbtinkhac" border="0" cellspacing="0" cellpadding="0" width="100%"><tbody><tr><td class="OtherTitle"><p class="OtherTitle">TIN ĐÃ ĐƯA</p></td></tr></tbody></table>'
        f'<table border="0" cellspacing="0" cellpadding="0" width="100%"><tbody><tr><td class="Other" width="100%"><ul>{related}</ul></td></tr></tbody></table>'
        '<div class="css_Xemtiep"><a href="#"><img alt="Xem tiếp" src="/_layouts/LacVietBio/eofficeimg/news/xemtiep.gif"></a></div></div>'
        "</div></td></tr></table></div>"
    )
    head = ""
    if variant == "alternate":
        head = f'<link rel="canonical" href="{ctx.abs(art.url)}"/>'
    return wrap(ctx, title=portal.spec.name, main=main, head=head, charset=charset, seed=art.num)


def listing(ctx: Ctx, page: ListingPage) -> str:
    """A page of ``tin-tuc-su-kien`` (broken next/previous links, as on the real site)."""
    rows = []
    items: list[tuple[str, str, str]] = [
        (x.url, t(x.title), f" ({ddmmyyyy(x.published, '.')} {hhmm(x.published)})")
        for x in page.items
    ]
    for pos, url, title in page.extra_items:
        items.insert(pos, (url, t(title), " (01.06.2019 08:00)"))
    for url, title, date in items:
        rows.append(
            f'<tr><td class="TitleFront"><a href="{ctx.href(url)}">{title}<span class="ShowDate">{date}</span></a></td></tr>'
            '<tr><td style="PADDING-BOTTOM: 10px" class="tinHT"><div style="TEXT-ALIGN: justify" class="ContentText">&nbsp; &nbsp;<br></div></td></tr>'
        )
    nav = []
    if page.number > 1:
        nav.append(f'<a href="{ctx.href()}" class="btn">Trang trước</a>')
    if page.next_url:
        nav.append(f'<a href="{ctx.href()}" class="btn">Trang sau</a>')
    main = (
        '<div class="allPost"><div class="ms-WPBody noindex"><div class="container_top_left1"><div class="div_header_style1">'
        '<a class="a_header_style1" style="TEXT-TRANSFORM: uppercase">tin tức sự kiện</a></div></div>'
        f'<table border="0" cellspacing="0" cellpadding="0" width="100%"><tbody>{"".join(rows)}</tbody></table></div>'
        f'<hr><ul class="pagination"><li><nav class="pagination">{" ".join(nav)}</nav></li></ul></div>'
    )
    return wrap(ctx, title=ctx.portal.spec.name, main=main, seed=page.number)


def home(ctx: Ctx) -> str:
    """The home page: latest news plus an "old links" block (SharePoint URLs that redirect)."""
    portal = ctx.portal
    latest = "".join(
        f'<li><a href="{ctx.href(x.url)}">{t(x.title)}</a> <span class="ShowDate">({weekday(x.published).lower()}, {x.published.day:02d} {x.published.month:02d} {x.published.year} {hhmm(x.published)})</span></li>'
        for x in portal.articles[:12]
    )
    old = "".join(
        f'<li><a href="{ctx.href(src)}">{t(x.title)}</a></li>'
        for x in portal.articles
        for src in x.redirect_from
    )
    main = (
        f'<div class="home"><h2><a href="{ctx.href("tin-tuc-su-kien/")}">TIN TỨC SỰ KIỆN</a></h2><ul>{latest}</ul>'
        f"<h3>Tin đã lưu trữ</h3><ul>{old}</ul></div>"
    )
    return wrap(ctx, title=portal.spec.name, main=main, seed=1)


def generic(ctx: Ctx, title: str, main: str) -> str:
    """Any other page in this family's chrome."""
    return wrap(ctx, title=f"{title} - {ctx.portal.spec.name}", main=main, seed=7)

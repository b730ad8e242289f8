"""Renderer of ``sample-wordpress``: a commune site on WordPress (a classic theme).

Posts at ``YYYY/MM/DD/<slug>/`` (absolute links built from the server's
URL, as WordPress does), ``h1.entry-title``, ``time.entry-date[datetime]``,
``div.entry-content`` with ``figure.wp-block-image`` and ``div.wp-block-file``
attachments under ``wp-content/uploads/``; category archives
``category/<cat>/`` and ``category/<cat>/page/N/``; ``?p=<id>`` shortlinks
redirect; one post has an AMP twin ``.../amp/`` with rel=canonical; a
``sitemap.xml`` listed in robots.txt; and the XSS post (payloads as text and
as markup).
"""

from __future__ import annotations

from crawler.samples.common import (
    Ctx,
    a,
    art_text,
    blob,
    counter,
    ddmmyyyy,
    link_select,
    lorem_css,
    t,
)
from crawler.samples.records import ListingPage, SampleArticle, quote_path

EMOJI_JS = (
    'window._wpemojiSettings = {"baseUrl":"\\/wp-includes\\/images\\/core\\/emoji\\/14.0.0\\/72x72\\/","ext":".png",'
    '"svgUrl":"\\/wp-includes\\/images\\/core\\/emoji\\/14.0.0\\/svg\\/","svgExt":".svg","source":{"concatemoji":"\\/wp-includes\\/js\\/wp-emoji-release.min.js?ver=6.2.2"}};'
    '!function(e,a,t){var n,r,o,i=a.createElement("canvas"),p=i.getContext&&i.getContext("2d");function s(e,t){p.clearRect(0,0,i.width,i.height),p.fillText(e,0,0);e=i.toDataURL();return p.clearRect(0,0,i.width,i.height),p.fillText(t,0,0),e===i.toDataURL()}'
    'function c(e){var t=a.createElement("script");t.src=e,t.defer=t.type="text/javascript",a.getElementsByTagName("head")[0].appendChild(t)}}(window,document,window._wpemojiSettings);'
)


def _global_styles() -> str:
    colors = (
        "black",
        "cyan-bluish-gray",
        "white",
        "pale-pink",
        "vivid-red",
        "luminous-vivid-orange",
        "luminous-vivid-amber",
        "light-green-cyan",
        "vivid-green-cyan",
        "pale-cyan-blue",
        "vivid-cyan-blue",
        "vivid-purple",
    )
    rules = [
        f"--wp--preset--color--{c}: #{(i * 1234567) % 0xFFFFFF:06x};" for i, c in enumerate(colors)
    ]
    classes = [
        f".has-{c}-color{{color: var(--wp--preset--color--{c}) !important;}}.has-{c}-background-color{{background-color: var(--wp--preset--color--{c}) !important;}}.has-{c}-border-color{{border-color: var(--wp--preset--color--{c}) !important;}}"
        for c in colors
    ]
    return "body{" + "".join(rules) + "}" + "".join(classes) + lorem_css("wp-block", 220)


def _header(ctx: Ctx) -> str:
    spec = ctx.portal.spec
    cats = "".join(
        f'<li id="menu-item-{20 + i}" class="menu-item menu-item-type-taxonomy menu-item-object-category menu-item-{20 + i}"><a href="{ctx.abs("category/" + c.slug + "/")}">{t(c.name)}</a></li>'
        for i, c in enumerate(spec.categories)
    )
    return (
        '<header id="masthead" class="site-header"><div class="site-branding">'
        f'<p class="site-title"><a href="{ctx.abs()}" rel="home">{t(spec.name)}</a></p>'
        f'<p class="site-description">Huyện Đắk R’lấp - Tỉnh {t(spec.province)}</p></div>'
        '<nav id="site-navigation" class="main-navigation"><button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu</button>'
        f'<ul id="primary-menu" class="menu"><li class="menu-item menu-item-home"><a href="{ctx.abs()}">Trang chủ</a></li>'
        f'<li class="menu-item menu-item-has-children"><a href="{ctx.abs("gioi-thieu/")}">Giới thiệu</a><ul class="sub-menu">'
        f'<li class="menu-item"><a href="{ctx.abs("gioi-thieu/")}">Giới thiệu chung</a></li><li class="menu-item"><a href="{ctx.abs("lien-he/")}">Liên hệ</a></li></ul></li>'
        f"{cats}</ul></nav></header>"
    )


def _sidebar(ctx: Ctx, seed: int) -> str:
    portal = ctx.portal
    recent = "".join(
        f'<li><a href="{ctx.abs(x.url)}">{t(x.title)}</a></li>' for x in portal.articles[:6]
    )
    cats = "".join(
        f'<li class="cat-item"><a href="{ctx.abs("category/" + c.slug + "/")}">{t(c.name)}</a> ({sum(1 for x in portal.articles if x.category == c)})</li>'
        for c in portal.spec.categories
    )
    return (
        '<aside id="secondary" class="widget-area">'
        f'<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{ctx.abs()}"><label><span class="screen-reader-text">Tìm kiếm cho:</span><input type="search" class="search-field" placeholder="Tìm kiếm &hellip;" value="" name="s" /></label><input type="submit" class="search-submit" value="Tìm kiếm" /></form></section>'
        f'<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Bài viết mới</h2><ul>{recent}</ul></section>'
        f'<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">Chuyên mục</h2><ul>{cats}</ul></section>'
        f'<section class="widget widget_calendar"><h2 class="widget-title"><a href="{ctx.abs("lich/?thang=2023-05")}">Lịch công tác</a></h2></section>'
        f'<section class="widget widget_text">{link_select()}</section>'
        f'<section class="widget widget_counter">{counter(seed)}</section></aside>'
    )


def wrap(
    ctx: Ctx, *, title: str, main: str, head: str = "", body_class: str = "home blog", seed: int = 0
) -> str:
    """The WordPress theme around ``main``."""
    spec = ctx.portal.spec
    return (
        '<!doctype html>\n<html lang="vi"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="profile" href="https://gmpg.org/xfn/11">'
        f"<title>{t(title)}</title><meta name='robots' content='max-image-preview:large' />"
        f'<link rel="alternate" type="application/rss+xml" title="{a(spec.name)} &raquo; Dòng thông tin" href="{ctx.abs("feed/")}" />'
        f"{head}"
        f"<script>{EMOJI_JS}</script>"
        f"<style id='global-styles-inline-css'>{_global_styles()}</style>"
        f"<link rel='stylesheet' id='theme-style-css' href='{ctx.abs('wp-content/themes/xaphuong/style.css?ver=1.0.3')}' media='all' />"
        f'<link rel="https://api.w.org/" href="{ctx.abs("wp-json/")}" /><meta name="generator" content="WordPress 6.2.2" />'
        f'</head><body class="{body_class}"><div id="page" class="site"><a class="skip-link screen-reader-text" href="#primary">Chuyển đến nội dung</a>'
        f'{_header(ctx)}<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">{main}</main></div>'
        f"{_sidebar(ctx, seed)}</div>"
        '<footer id="colophon" class="site-footer"><div class="site-info">'
        f"Bản quyền thuộc về Ủy ban nhân dân {t(spec.dk)} {t(spec.district)}, huyện Đắk R’lấp, tỉnh {t(spec.province)}. "
        "Giấy phép số 08/GP-STTTT. Chịu trách nhiệm nội dung: Chủ tịch UBND xã.</div></footer></div>"
        f'<script id="wp-data">var wpData="{blob(ctx.portal.id + str(seed), 1800)}";</script>'
        f"<script src='{ctx.abs('wp-includes/js/jquery/jquery.min.js?ver=3.6.4')}' id='jquery-core-js'></script>"
        "</body></html>"
    )


def _time(when) -> str:
    iso = when.strftime("%Y-%m-%dT%H:%M:%S+07:00")
    return f'<time class="entry-date published" datetime="{iso}">{ddmmyyyy(when)}</time>'


def _content(ctx: Ctx, art: SampleArticle) -> str:
    out = []
    malformed = art.has("malformed")
    xss = art.has("xss")
    if art.lead:
        out.append(f"<p><strong>{art_text(art, art.lead)}</strong></p>")
    for i, block in enumerate(art.blocks):
        if block.kind == "p":
            text = art_text(art, block.text)
            if xss and text.startswith("Xem lịch tiếp dân"):
                text = text.replace(
                    "lịch tiếp dân", '<a href="javascript:alert(1)">lịch tiếp dân</a>', 1
                )
            out.append(f"<p>{text}" + ("" if malformed and i % 2 else "</p>"))
            if xss and i == 0:
                out.append("<script>alert(1)</script>")
        elif block.kind == "img":
            onerror = ' onerror="alert(1)"' if xss else ""
            out.append(
                f'<figure class="wp-block-image size-large"><img decoding="async" src="{ctx.abs(block.src)}" alt=""{onerror} /><figcaption class="wp-element-caption">{art_text(art, block.text)}</figcaption></figure>'
            )
        elif block.kind == "video":
            out.append(
                f'<figure class="wp-block-video"><video controls src="{ctx.abs(block.src)}"></video></figure>'
            )
    for extra in art.paragraphs(ctx.edit(art))[len(art.paragraphs()) :]:
        out.append(f"<p>{art_text(art, extra)}</p>")
    for att in art.attachments:
        href = a(ctx.base_url + ctx.prefix + att.path)
        out.append(
            f'<div class="wp-block-file"><a href="{href}">{t(att.name)}</a><a href="{href}" class="wp-block-file__button wp-element-button" download>Tải xuống</a></div>'
        )
    if malformed:
        out.insert(2, "<div><span>")
    return "\n".join(out)


def article(
    ctx: Ctx, art: SampleArticle, variant: str = "canonical", charset: str = "utf-8"
) -> str:
    """A single post (variant ``alternate`` is the AMP twin)."""
    portal = ctx.portal
    idx = portal.articles.index(art)
    newer = portal.articles[idx - 1] if idx > 0 else None
    older = portal.articles[idx + 1] if idx + 1 < len(portal.articles) else None
    nav = '<nav class="navigation post-navigation" aria-label="Bài viết"><h2 class="screen-reader-text">Điều hướng bài viết</h2><div class="nav-links">'
    if older:
        nav += f'<div class="nav-previous"><a href="{ctx.abs(older.url)}" rel="prev">{t(older.title)}</a></div>'
    if newer:
        nav += f'<div class="nav-next"><a href="{ctx.abs(newer.url)}" rel="next">{t(newer.title)}</a></div>'
    nav += "</div></nav>"
    author = (
        f'<span class="byline"> bởi <span class="author vcard"><span class="fn n">{t(art.author)}</span></span></span>'
        if art.author
        else ""
    )
    share = (
        f'<div class="sharedaddy"><h3 class="sd-title">Chia sẻ:</h3><a href="https://www.facebook.com.invalid/sharer.php?u={a(quote_path(art.url))}">Facebook</a> '
        f'<a href="https://zalo.me.invalid/share?u={a(quote_path(art.url))}">Zalo</a></div>'
    )
    main = (
        f'<article id="post-{art.num}" class="post-{art.num} post type-post status-publish format-standard hentry category-{art.category.slug}">'
        f'<header class="entry-header"><h1 class="entry-title">{art_text(art, art.title, allow_entities=False)}</h1>'
        f'<div class="entry-meta"><span class="posted-on">Đăng ngày <a href="{ctx.abs(art.url)}" rel="bookmark">{_time(art.published)}</a></span>{author}</div></header>'
        f'<div class="entry-content">\n{_content(ctx, art)}\n{share}</div>'
        f'<footer class="entry-footer"><span class="cat-links">Đăng trong <a href="{ctx.abs("category/" + art.category.slug + "/")}" rel="category tag">{t(art.category.name)}</a></span></footer></article>'
        f"{nav}"
        '<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Để lại một bình luận</h3>'
        f'<form action="{ctx.abs("wp-comments-post.php")}" method="post" id="commentform" class="comment-form"><p class="comment-notes">Email của bạn sẽ không được hiển thị công khai.</p>'
        '<p class="comment-form-comment"><textarea id="comment" name="comment" cols="45" rows="8"></textarea></p><p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Phản hồi" /></p></form></div></div>'
    )
    canonical = art.url
    head = f'<link rel="canonical" href="{ctx.abs(canonical)}" />'
    if variant == "canonical" and art.alt_urls:
        head += f'<link rel="amphtml" href="{ctx.abs(art.alt_urls[0])}" />'
    head += f"<link rel='shortlink' href='{ctx.abs('?p=' + str(art.num))}' />"
    head += f'<meta property="og:title" content="{a(art.title)}" />'
    return wrap(
        ctx,
        title=f"{art.title} – {portal.spec.name}",
        main=main,
        head=head,
        body_class=f"post-template-default single single-post postid-{art.num} single-format-standard",
        seed=art.num,
    )


def listing(ctx: Ctx, page: ListingPage) -> str:
    """A category archive page with WordPress pagination."""
    cat = page.category
    assert cat is not None
    entries: list[tuple[str, str, str, str]] = []
    for x in page.items:
        excerpt = " ".join(x.paragraphs())[:220].rsplit(" ", 1)[0] if x.paragraphs() else ""
        entries.append((x.url, t(x.title), _time(x.published), t(excerpt)))
    for pos, url, title in page.extra_items:
        entries.insert(pos, (url, t(title), "", ""))
    posts = "".join(
        f'<article class="post type-post status-publish format-standard hentry category-{cat.slug}"><header class="entry-header">'
        f'<h2 class="entry-title"><a href="{ctx.abs(url)}" rel="bookmark">{title}</a></h2>'
        f'<div class="entry-meta"><span class="posted-on">{when}</span></div></header>'
        f'<div class="entry-summary"><p>{excerpt} [&hellip;]</p></div></article>'
        for url, title, when, excerpt in entries
    )
    links = []
    if page.number > 1:
        links.append(
            f'<a class="prev page-numbers" href="{ctx.abs(page.page_urls[page.number - 2])}">« Trước</a>'
        )
    for n in range(1, page.last + 1):
        if n == page.number:
            links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{ctx.abs(page.page_urls[n - 1])}">{n}</a>')
    if page.next_url:
        links.append(f'<a class="next page-numbers" href="{ctx.abs(page.next_url)}">Sau »</a>')
    main = (
        f'<header class="page-header"><h1 class="page-title">Chuyên mục: <span>{t(cat.name)}</span></h1></header>{posts}'
        '<nav class="navigation pagination" aria-label="Phân trang"><h2 class="screen-reader-text">Phân trang</h2>'
        f'<div class="nav-links">{"".join(links)}</div></nav>'
    )
    return wrap(
        ctx,
        title=f"{cat.name} – {ctx.portal.spec.name}",
        main=main,
        body_class=f"archive category category-{cat.slug}",
        seed=page.number * 7 + len(cat.slug),
    )


def home(ctx: Ctx) -> str:
    """The front page: newest posts; one links through its ``?p=`` shortlink."""
    portal = ctx.portal
    items = []
    for x in portal.articles[:10]:
        items.append(f'<li><a href="{ctx.abs(x.url)}">{t(x.title)}</a> {_time(x.published)}</li>')
    for x in portal.articles:
        if x.has("redirect"):
            items.append(f'<li><a href="{ctx.abs("?p=" + str(x.num))}">{t(x.title)}</a></li>')
    main = f'<section class="home-news"><h2>Tin mới</h2><ul>{"".join(items)}</ul></section>'
    return wrap(ctx, title=f"{portal.spec.name} – Huyện Đắk R’lấp", main=main, seed=2)


def generic(ctx: Ctx, title: str, main: str) -> str:
    """Any other page in this family's chrome."""
    return wrap(
        ctx, title=f"{title} – {ctx.portal.spec.name}", main=main, body_class="page", seed=4
    )


def sitemap(ctx: Ctx) -> str:
    """``sitemap.xml``: every post and category archive, absolute URLs."""
    portal = ctx.portal
    urls = [
        f"<url><loc>{ctx.abs(x.url)}</loc><lastmod>{x.published.strftime('%Y-%m-%dT%H:%M:%S+07:00')}</lastmod></url>"
        for x in portal.articles
    ]
    urls += [
        f"<url><loc>{ctx.abs('category/' + c.slug + '/')}</loc></url>"
        for c in portal.spec.categories
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )

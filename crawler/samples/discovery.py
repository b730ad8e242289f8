"""A small sample site that can only be archived by discovering it from its home page.

Served at ``/sample-discovery/`` by the sample server; its profile
(``data/portals/sample-discovery.toml``) names the home page and nothing else: no
start URLs, no pagination pattern.  What a crawler has to find by itself:

* sections in a drop-down menu, one of them (``Du lịch``) a ``javascript:void(0)``
  heading whose sub-sections are the only way to two articles;
* pagination of three kinds: ``thong-bao/page/N/`` with ``rel=next``,
  ``tin-tuc/<sub>/page/N/`` whose "Trang sau" points back to the home page (the
  shape has to be learned from the other listing), and ``tin-moi/?trang=N`` whose
  pager links page 2 only and whose later "Trang sau" links are broken too;
* a "Xem thêm" link (the only way to ``tin-moi/``), an article linked only from
  another article's "Các tin khác", and one only in the RSS feed;
* the same article under several listings, and under a print URL (``?print=1``);
* one article published twice (``REPOSTED`` and the last of ``ARTICLES``): same title
  and text, another URL, date and section: two articles;
* notices in folders (``thong-bao/<slug>/``) whose related links are written for the
  section folder, so they resolve below the notice and answer 404;
* an article whose page prints no date (``LISTING_DATED``): the home page links
  it, and the only listing that shows its date (``hoat-dong/``) is linked from the
  article itself, so a crawl stores it before it can know the date;
* traps and noise: a calendar that links month after month, a sort switch, a
  session id in a link, a Wayback-rewritten link, off-site links, a dead menu link.

:func:`truth` lists every article with its fields, so a test can check the crawl.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from crawler.samples.corpus import load_sentences
from indexer.text import normalize

PORTAL_ID = "sample-discovery"
SECTIONS = {
    "tin-tuc/kinh-te/": "Kinh tế",
    "tin-tuc/xa-hoi/": "Xã hội",
    "thong-bao/": "Thông báo",
    "du-lich/le-hoi/": "Lễ hội",
    "du-lich/dac-san/": "Đặc sản",
    "hoat-dong/": "Hoạt động",  # not in the menu: linked from its one article only
}
_HIDDEN = "hoat-dong/"
# notices are served as thong-bao/<slug>/, but their "Các tin khác" links are written
# relative to the section (href="tin-005/"): below the page they resolve to
# thong-bao/tin-004/tin-005/, which does not exist (static copies of real portals do this)
_FOLDERED = "thong-bao/"
PER_PAGE = 6
_CREDIT = "Theo Ban Biên tập"


@dataclass(frozen=True)
class DiscoveryArticle:
    """One article of the discovery site."""

    num: int
    slug: str
    title: str
    section: str  # key of SECTIONS, or "" (reachable only otherwise)
    published: datetime
    paragraphs: tuple[str, ...]

    @property
    def url(self) -> str:
        """Path relative to the site prefix (notices live in their section's folder)."""
        if self.section == _FOLDERED:
            return f"{self.section}{self.slug}/"
        return f"bai-viet/{self.slug}.html"


def _articles() -> list[DiscoveryArticle]:
    sentences = load_sentences()
    rnd = random.Random(20250701)
    sections = list(SECTIONS)
    # counts per section: paginated sections get more than one page
    plan = ["tin-tuc/kinh-te/"] * 14 + ["tin-tuc/xa-hoi/"] * 8 + ["thong-bao/"] * 13
    plan += ["du-lich/le-hoi/", "du-lich/dac-san/", _HIDDEN] + ["", ""]
    start = datetime(2019, 3, 1, 8, 0)
    out = []
    for num, section in enumerate(plan, start=1):
        words = rnd.choice(sentences).split()[:9]
        title = " ".join(words).strip(" ,.;:") + f" (số {num})"
        paras = tuple(rnd.choice(sentences) for _ in range(4 + num % 3))
        when = start + timedelta(days=num * 3, hours=num % 7)
        out.append(DiscoveryArticle(num, f"tin-{num:03d}", title, section, when, paras))
    assert set(sections) <= {a.section for a in out}
    return out


ARTICLES = _articles()
ONLY_RELATED = ARTICLES[-2]  # linked only from the "Các tin khác" of article 1
ONLY_FEED = ARTICLES[-1]  # listed only in rss.xml
LISTING_DATED = ARTICLES[-3]  # no date on its page; dated only by hoat-dong/
# the same title and text published again a day later, under its own URL and section:
# a second publication (its own date and category), not an alias of the first
REPOSTED = ARTICLES[2]
ARTICLES.append(
    replace(
        REPOSTED,
        num=len(ARTICLES) + 1,
        slug=f"tin-{len(ARTICLES) + 1:03d}",
        section="tin-tuc/xa-hoi/",
        published=REPOSTED.published + timedelta(days=1, hours=2),
    )
)


def truth() -> list[dict[str, str]]:
    """Every article of the site: url (relative), title (normalised, as the archive
    stores it), published (ISO), category."""
    return [
        {
            "url": a.url,
            "title": normalize(a.title),
            "published": a.published.strftime(
                "%Y-%m-%d" if a is LISTING_DATED else "%Y-%m-%dT%H:%M:00+07:00"
            ),
            "category": SECTIONS.get(a.section, "Tin tức"),
        }
        for a in ARTICLES
    ]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _page(prefix: str, base_url: str, title: str, main: str) -> str:
    """The site chrome (menu, sidebar with traps, footer) around ``main``."""
    home = prefix
    menu = (
        f'<li><a href="{home}">Trang chủ</a></li>'
        f'<li class="has-sub"><a href="{home}tin-tuc/">Tin tức</a><ul>'
        f'<li><a href="{home}tin-tuc/kinh-te/">Kinh tế</a></li>'
        f'<li><a href="{home}tin-tuc/xa-hoi/">Xã hội</a></li></ul></li>'
        f'<li><a href="{home}thong-bao/;jsessionid=5F3A9C0D2B">Thông báo</a></li>'
        '<li class="has-sub"><a href="javascript:void(0)">Du lịch</a><ul>'
        f'<li><a href="{home}du-lich/le-hoi/">Lễ hội</a></li>'
        f'<li><a href="{home}du-lich/dac-san/">Đặc sản</a></li></ul></li>'
        f'<li><a href="{home}van-ban/">Văn bản</a></li>'
        f'<li><a href="{home}lien-he/">Liên hệ</a></li>'
        '<li><a href="mailto:bbt@example.org">Góp ý</a></li>'
    )
    wayback = f"/web/20190601000000/{base_url}{prefix}tin-tuc/xa-hoi/"
    side = (
        f'<div class="box"><a href="{home}lich/?thang=2019-06">Lịch công tác</a></div>'
        f'<div class="box"><a href="{home}tin-tuc/?sort=title">Sắp xếp theo tên</a></div>'
        f'<div class="box"><a href="{wayback}">Bản lưu</a></div>'
        '<div class="box"><a href="http://example.org/">Cổng thông tin tỉnh</a>'
        ' <a href="https://chinhphu.vn/">Chính phủ</a></div>'
    )
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{_e(title)} - Trang thông tin điện tử xã Khám Phá</title>"
        f'<link rel="alternate" type="application/rss+xml" href="{home}rss.xml" title="RSS">'
        '<script>var menu = "<a href=\\"/sample-discovery/script-only/\\">x</a>";</script>'
        "</head><body>"
        f'<header><a href="{home}">Trang thông tin điện tử xã Khám Phá</a><nav><ul class="menu">{menu}</ul></nav></header>'
        f'<div class="wrap"><main>{main}</main><aside>{side}</aside></div>'
        "<footer>Giấy phép số 01/GP-STTTT. Trưởng Ban biên tập: Nguyễn Văn A.</footer>"
        "</body></html>"
    )


def _items(prefix: str, articles: list[DiscoveryArticle]) -> str:
    rows = "".join(
        f'<li class="news-item"><h3><a href="{prefix}{a.url}">{_e(a.title)}</a></h3>'
        f'<span class="date">{a.published:%d/%m/%Y}</span></li>'
        for a in articles
    )
    return f'<ul class="news-list">{rows}</ul>'


def _listing(prefix: str, base_url: str, rel: str, number: int, query: str) -> str | None:
    """A section or the "tin-moi" listing, page ``number``; None past its last page."""
    if rel == "tin-moi/":
        pool = [a for a in ARTICLES if a.section and a.section != _HIDDEN]
        name = "Tin mới"
    else:
        pool = [a for a in ARTICLES if a.section == rel]
        if rel == _HIDDEN:  # a listing of one item would not read as a listing
            pool += [a for a in ARTICLES if a.section == "thong-bao/"][:2]
        name = SECTIONS[rel]
    pool = sorted(pool, key=lambda a: a.published, reverse=True)
    last = max(1, -(-len(pool) // PER_PAGE))
    if number > last:
        return None
    items = pool[(number - 1) * PER_PAGE : number * PER_PAGE]
    pager = []
    head = ""
    if rel == "thong-bao/":  # proper links and rel=next
        if number < last:
            nxt = f"{prefix}{rel}page/{number + 1}/"
            pager.append(f'<a href="{nxt}" rel="next">Trang sau</a>')
            head = f'<link rel="next" href="{nxt}">'
    elif rel == "tin-moi/":  # ?trang=N; page 1 links page 2, later "next" links are broken
        if number == 1 and last > 1:
            pager.append(f'<a href="{prefix}{rel}?trang=2">2</a>')
        elif number < last:
            pager.append(f'<a href="{prefix}">Trang sau</a>')
    elif number < last:  # /page/N/ exists, but "Trang sau" points to the home page
        pager.append(f'<a href="{prefix}" class="btn">Trang sau</a>')
    main = (
        f'<h2 class="section-title">{_e(name)}</h2>{_items(prefix, items)}'
        f'<div class="pager">{" ".join(pager)}</div>'
    )
    del query
    return _page(prefix, base_url, name, main).replace("</head>", head + "</head>", 1)


def _article(prefix: str, base_url: str, art: DiscoveryArticle) -> str:
    section = SECTIONS.get(art.section, "Tin tức")
    paras = "".join(f"<p>{_e(p)}</p>" for p in art.paragraphs)
    others = [a for a in ARTICLES if a.section == art.section and a is not art][:3]
    if art.num == 1:
        others.append(ONLY_RELATED)
    related = "".join(
        f'<li><a href="{a.slug + "/" if art.section == _FOLDERED else prefix + a.url}">'
        f"{_e(a.title)}</a></li>"
        for a in others
    )
    if art is LISTING_DATED:
        related += f'<li><a href="{prefix}{art.section}">Các tin {_e(section)}</a></li>'
    meta = (
        ""
        if art is LISTING_DATED
        else f'<div class="meta">Ngày đăng: <span class="published">{art.published:%d/%m/%Y %H:%M}</span></div>'
    )
    main = (
        '<article class="news-detail">'
        f'<div class="breadcrumb"><a href="{prefix}">Trang chủ</a> / <span>{_e(section)}</span></div>'
        f'<h1 class="title">{_e(art.title)}</h1>'
        f"{meta}"
        f'<div class="content">{paras}<p style="text-align:right"><strong>{_CREDIT}</strong></p></div>'
        f'<div class="tools"><a href="{prefix}{art.url}?print=1">Bản in</a></div>'
        "</article>"
        f'<div class="other-news"><h4>Các tin khác</h4><ul>{related}</ul></div>'
    )
    return _page(prefix, base_url, art.title, main)


def _home(prefix: str, base_url: str) -> str:
    latest = sorted(
        (a for a in ARTICLES if a.section and a.section != _HIDDEN),
        key=lambda a: a.published,
        reverse=True,
    )
    main = (
        '<section class="home-news"><h2>Tin mới nhất</h2>'
        f"{_items(prefix, latest[:4])}"
        f'<a class="more" href="{prefix}tin-moi/">Xem thêm</a></section>'
        '<section class="intro"><h2>Giới thiệu</h2><p>Xã Khám Phá nằm ở phía bắc huyện. '
        f'Đọc thêm: <a href="{prefix}{LISTING_DATED.url}">{_e(LISTING_DATED.title)}</a></p></section>'
    )
    return _page(prefix, base_url, "Trang chủ", main)


def _calendar(prefix: str, base_url: str, month: str) -> str:
    year, _, mon = month.partition("-")
    y, m = (int(year), int(mon)) if year.isdigit() and mon.isdigit() else (2019, 6)
    nxt = f"{y + (m == 12):04d}-{m % 12 + 1:02d}"
    main = (
        f"<h2>Lịch công tác tháng {m}/{y}</h2><p>Không có lịch.</p>"
        f'<a href="{prefix}lich/?thang={nxt}">Tháng sau</a>'
    )
    return _page(prefix, base_url, "Lịch công tác", main)


def _rss(prefix: str, base_url: str) -> str:
    latest = sorted(ARTICLES, key=lambda a: a.published, reverse=True)[:5]
    feed = [*latest, ONLY_FEED] if ONLY_FEED not in latest else latest
    items = "".join(
        f"<item><title>{_e(a.title)}</title><link>{base_url}{prefix}{a.url}</link></item>"
        for a in feed
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Xã Khám Phá</title><link>{base_url}{prefix}</link>{items}</channel></rss>"
    )


def render(rel: str, query: str, *, base_url: str) -> tuple[int, str, str]:
    """``(status, content type, body)`` for ``GET /sample-discovery/<rel>?<query>``."""
    prefix = f"/{PORTAL_ID}/"
    page_html = "text/html; charset=utf-8"
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    if rel == "":
        return 200, page_html, _home(prefix, base_url)
    if rel == "robots.txt":
        return 200, "text/plain", "User-agent: *\nDisallow:\n"
    if rel == "rss.xml":
        return 200, "application/rss+xml; charset=utf-8", _rss(prefix, base_url)
    if rel == "lich/":
        return 200, page_html, _calendar(prefix, base_url, params.get("thang", "2019-06"))
    if rel == "lien-he/":
        main = "<h2>Liên hệ</h2><p>Ủy ban nhân dân xã Khám Phá.</p>"
        return 200, page_html, _page(prefix, base_url, "Liên hệ", main)
    if rel == "tin-tuc/":
        subs = "".join(
            f'<li><a href="{prefix}{k}">{_e(v)}</a></li>'
            for k, v in SECTIONS.items()
            if k.startswith("tin-tuc/")
        )
        return 200, page_html, _page(prefix, base_url, "Tin tức", f"<ul>{subs}</ul>")
    for art in ARTICLES:
        if rel == art.url:
            return 200, page_html, _article(prefix, base_url, art)
    number = 1
    listing_rel = rel
    if "/page/" in rel:
        listing_rel, _, tail = rel.partition("page/")
        if not tail.strip("/").isdigit():
            return 404, page_html, "<h1>404</h1>"
        number = int(tail.strip("/"))
    if listing_rel == "tin-moi/" and params.get("trang", "").isdigit():
        number = int(params["trang"])
    if listing_rel in SECTIONS or listing_rel == "tin-moi/":
        body = _listing(prefix, base_url, listing_rel, number, query)
        if body is not None:
            return 200, page_html, body
    return (
        404,
        page_html,
        _page(prefix, base_url, "Không tìm thấy", "<h2>Không tìm thấy trang</h2>"),
    )

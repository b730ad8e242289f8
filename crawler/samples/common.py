"""Helpers shared by the sample portal renderers: escaping, text cases, chrome filler.

A renderer gets a :class:`Ctx` (the portal, the server's base URL, the
control mode, edit counts) and returns the page as ``str``; ``site`` encodes
it.  Links are root-relative (``/<portal-id>/...``) unless a family uses
absolute URLs (WordPress), which :meth:`Ctx.abs` builds from ``base_url``.
"""

from __future__ import annotations

import base64
import html
import random
from dataclasses import dataclass, field
from datetime import datetime
from html.entities import codepoint2name

from crawler.samples.records import Portal, SampleArticle
from crawler.samples.wording import transform_text

WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")

# Named entities as old CMS editors wrote them (Latin-1 letters, quotes, dashes).
_ENTITY_MAP = {cp: f"&{name};" for cp, name in codepoint2name.items() if cp > 127}


@dataclass
class Ctx:
    """What a renderer needs besides the content: where and how the page is served."""

    portal: Portal
    base_url: str  # http://host:port, no trailing slash
    mode: str = "normal"
    edits: dict[str, int] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """``/<portal-id>/``."""
        return f"/{self.portal.id}/"

    def href(self, rel: str = "") -> str:
        """Root-relative link to a path relative to the portal prefix (HTML-escaped)."""
        return html.escape(self.prefix + rel, quote=True)

    def abs(self, rel: str = "") -> str:
        """Absolute link (HTML-escaped)."""
        return html.escape(self.base_url + self.prefix + rel, quote=True)

    def edit(self, art: SampleArticle) -> int:
        """How many times the control API edited this article."""
        return self.edits.get(art.id, 0)


def t(text: str) -> str:
    """Escape text content."""
    return html.escape(text, quote=False)


def a(text: str) -> str:
    """Escape an attribute value."""
    return html.escape(text, quote=True)


def entities(text: str) -> str:
    """Escape and write Latin-1 letters as named entities (``Lãnh`` → ``L&atilde;nh``)."""
    out = t(text)
    return "".join(_ENTITY_MAP.get(ord(ch), ch) for ch in out)


def art_text(art: SampleArticle, text: str, *, allow_entities: bool = True) -> str:
    """An article's text as it appears in its HTML (cases applied, escaped)."""
    text = transform_text(text, art.cases)
    if allow_entities and art.has("entities"):
        return entities(text).replace(" ", "&nbsp;", 1)
    return t(text)


def ddmmyyyy(when: datetime, sep: str = "/") -> str:
    return f"{when.day:02d}{sep}{when.month:02d}{sep}{when.year}"


def hhmm(when: datetime) -> str:
    return f"{when.hour:02d}:{when.minute:02d}"


def ampm(when: datetime) -> str:
    """``10:00 AM`` style."""
    hour = when.hour % 12 or 12
    return f"{hour:02d}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def weekday(when: datetime) -> str:
    return WEEKDAYS[when.weekday()]


def blob(seed: str, size: int) -> str:
    """Deterministic base64 filler (a __VIEWSTATE, an inline font...)."""
    rng = random.Random(seed)
    return base64.b64encode(rng.randbytes(size * 3 // 4)).decode("ascii")


def lorem_js(name: str, count: int) -> str:
    """Deterministic inline JavaScript of the kind portal templates carry."""
    lines = []
    for i in range(count):
        lines.append(
            f"function {name}_{i}(e){{var o=document.getElementById('{name}_{i}');"
            f"if(o!=null){{o.style.display=(o.style.display=='none')?'block':'none';}}"
            f"if(typeof(_spBodyOnLoadFunctionNames)!='undefined'){{_spBodyOnLoadFunctionNames.push('{name}_{i}');}}return false;}}"
        )
    return "\n".join(lines)


def lorem_css(prefix: str, count: int) -> str:
    """Deterministic inline CSS."""
    rules = []
    for i in range(count):
        rules.append(
            f".{prefix}-{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;font-size:{11 + i % 5}px;"
            f"color:#{(i * 2654435761) % 0xFFFFFF:06x};line-height:1.{i % 9}}}"
        )
    return "\n".join(rules)


# Ministries, departments and provinces for "Liên kết website" boxes (offsite, .invalid).
LINK_SITES = (
    ("Chính phủ", "chinhphu"),
    ("Bộ Nội vụ", "moha"),
    ("Bộ Tài chính", "mof"),
    ("Bộ Công an", "bocongan"),
    ("Bộ Y tế", "moh"),
    ("Bộ Giáo dục và Đào tạo", "moet"),
    ("Bộ Nông nghiệp và Phát triển nông thôn", "mard"),
    ("Bộ Thông tin và Truyền thông", "mic"),
    ("Bộ Tư pháp", "moj"),
    ("Bộ Xây dựng", "moc"),
    ("Bộ Tài nguyên và Môi trường", "monre"),
    ("Bộ Văn hóa, Thể thao và Du lịch", "bvhttdl"),
    ("Sở Nội vụ", "sonoivu"),
    ("Sở Tài chính", "sotaichinh"),
    ("Sở Kế hoạch và Đầu tư", "sokhdt"),
    ("Sở Thông tin và Truyền thông", "stttt"),
    ("Sở Giáo dục và Đào tạo", "sogddt"),
    ("Sở Y tế", "soyte"),
    ("Sở Tư pháp", "sotuphap"),
    ("Sở Xây dựng", "soxaydung"),
    ("Báo Nhân dân", "nhandan"),
    ("Báo Quân đội nhân dân", "qdnd"),
    ("Cổng Dịch vụ công quốc gia", "dichvucong"),
    ("Cơ sở dữ liệu quốc gia về văn bản pháp luật", "vbpl"),
)


def external(slug: str) -> str:
    """An offsite URL that can never reach the internet (``.invalid`` TLD)."""
    return f"http://{slug}.gov.vn.invalid/"


def link_select(label: str = "Liên kết website") -> str:
    """The "Liên kết website" drop-down of offsite links."""
    options = "".join(
        f'<option value="{a(external(slug))}">{t(name)}</option>' for name, slug in LINK_SITES
    )
    return (
        f'<div class="lienket"><div class="title-lienket">{t(label)}</div>'
        f'<select onchange="window.open(this.value)"><option value="">-- Chọn liên kết --</option>'
        f"{options}</select></div>"
    )


def poll(qid: int) -> str:
    """A "Bình chọn" poll block."""
    return (
        '<div class="poll"><div class="poll-title">Bình chọn</div>'
        '<p class="poll-question">Theo bạn thông tin nội dung website thế nào ?</p>'
        f'<form action="#" method="post"><input type="hidden" name="pollId" value="{qid}">'
        '<label><input type="radio" name="answer" value="1"> Phong phú đa dạng</label><br>'
        '<label><input type="radio" name="answer" value="2"> Dễ sử dụng</label><br>'
        '<label><input type="radio" name="answer" value="3"> Hữu ích</label><br>'
        '<input type="button" value="Bình chọn" onclick="return false;"> '
        '<input type="button" value="Xem kết quả" onclick="return false;"></form>'
        f"<p>{110 + qid % 50} người đã tham gia bình chọn</p></div>"
    )


def counter(seed: int) -> str:
    """A "Thống kê truy cập" visitor counter block."""
    return (
        '<div class="thongke"><div class="thongke-title">Thống kê truy cập</div>'
        "<p>Số lượng và lượt người truy cập</p><ul>"
        f"<li>Online {2 + seed % 7}</li><li>Hôm nay {300 + seed % 400}</li>"
        f"<li>Tổng {838_728 + seed * 17:,}</li></ul></div>".replace(",", ".")
    )


def calendar_main(ctx: Ctx, year: int, month: int) -> str:
    """The endless "Lịch công tác" month calendar (a crawler trap)."""
    prev_y, prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
    next_y, next_m = (year + 1, 1) if month == 12 else (year, month + 1)
    rows = []
    for week in range(5):
        cells = "".join(
            f"<td>{day}</td>" if (day := week * 7 + d + 1) <= 30 else "<td></td>" for d in range(7)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="lich-cong-tac"><h2>Lịch công tác tháng {month}/{year}</h2>'
        f'<p><a href="{ctx.href(f"lich/?thang={prev_y:04d}-{prev_m:02d}")}">« Tháng trước</a> | '
        f'<a href="{ctx.href(f"lich/?thang={next_y:04d}-{next_m:02d}")}">Tháng sau »</a></p>'
        '<table class="calendar"><tr><th>T2</th><th>T3</th><th>T4</th><th>T5</th><th>T6</th>'
        f"<th>T7</th><th>CN</th></tr>{''.join(rows)}</table>"
        "<p>Không có lịch công tác trong tháng này.</p></div>"
    )


def search_main(ctx: Ctx, query: str) -> str:
    """The site search page (disallowed by robots.txt)."""
    hits = [art for art in ctx.portal.articles if query and query.lower() in art.title.lower()]
    items = "".join(
        f'<li><a href="{ctx.href(art.url)}">{t(art.title)}</a></li>' for art in hits[:20]
    )
    return (
        f'<div class="search-page"><h2>Tìm kiếm</h2><form action="{ctx.href(ctx.portal.disallowed)}">'
        f'<input name="k" value="{a(query)}"><input type="submit" value="Tìm"></form>'
        f"<p>Tìm thấy {len(hits)} kết quả.</p><ul>{items}</ul></div>"
    )


def not_found_main() -> str:
    return (
        '<div class="not-found"><h2>Không tìm thấy trang</h2>'
        "<p>Trang bạn yêu cầu không tồn tại hoặc đã bị gỡ bỏ.</p></div>"
    )


def static_main(title: str, ctx: Ctx) -> str:
    """An "other" page (Giới thiệu, Liên hệ): neither article nor listing."""
    spec = ctx.portal.spec
    return (
        f'<div class="static-page"><h2>{t(title)}</h2>'
        f"<p>{t(spec.name)}, {t(spec.dk)} {t(spec.district)}, tỉnh {t(spec.province)}.</p>"
        "<p>Điện thoại: 0261 3 xxx xxx. Thư điện tử: vanphong@example.invalid.</p></div>"
    )


STATIC_PAGES = {"gioi-thieu/": "Giới thiệu chung", "lien-he/": "Liên hệ"}


def maintenance_page(ctx: Ctx) -> str:
    """The parked page of the ``maintenance`` control mode."""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{t(ctx.portal.spec.name)}</title></head><body>"
        '<div style="text-align:center;margin-top:80px"><h1>Trang web đang bảo trì</h1>'
        "<p>Xin lỗi vì sự bất tiện này. Vui lòng quay lại sau.</p></div></body></html>"
    )


def relayout_article(ctx: Ctx, art: SampleArticle) -> str:
    """The ``relayout`` mode template: a new CMS where the old selectors find nothing."""
    paras = "".join(f"<p>{art_text(art, p)}</p>" for p in art.paragraphs(ctx.edit(art)))
    when = art.published
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{t(ctx.portal.spec.name)}</title></head><body>"
        f'<header class="site-v2"><a href="{ctx.href()}">Trang chủ</a></header>'
        f'<main class="v2"><article class="news-detail-v2"><div class="heading-v2">'
        f"{art_text(art, art.title, allow_entities=False)}</div>"
        f'<div class="meta-v2">Cập nhật lúc {hhmm(when)} ngày {ddmmyyyy(when, "-")}</div>'
        f'<section class="noi-dung-v2">{paras}</section></article></main>'
        "<footer>Bản quyền © Ủy ban nhân dân</footer></body></html>"
    )


def relayout_listing(ctx: Ctx, items: list[SampleArticle], next_rel: str | None) -> str:
    """The ``relayout`` mode listing."""
    lis = "".join(
        f'<div class="news-item-v2"><a class="news-link-v2" href="{ctx.href(x.url)}">{t(x.title)}</a></div>'
        for x in items
    )
    nxt = f'<a class="page-next-v2" href="{ctx.href(next_rel)}">»</a>' if next_rel else ""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f'<title>{t(ctx.portal.spec.name)}</title></head><body><main class="v2">{lis}{nxt}</main></body></html>'
    )

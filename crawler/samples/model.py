"""The content of the sample portals: deterministic, seeded generation.

:func:`get_portal` builds (once per process) a :class:`Portal`: its articles
(id, URL, title, date, category, lead, body blocks, author/credit,
attachments, images, media, hard cases), its listing pages and its special
URLs (redirects, 404, flaky, duplicate, crawler trap, disallowed path).
Everything derives from :data:`SEED` and the portal id, so the same code
gives byte-identical pages and ground truth.

Text is kept in its *logical* form (NFC, new tone placement); the renderers
apply the per-article transformations (NFD, old tone placement, entities,
windows-1258) with :func:`transform_text`, and the ground truth is always
``normalize(transform_text(...))`` — what an ideal extraction returns.
"""

from __future__ import annotations

import os
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import cache
from urllib.parse import quote

from crawler.samples import corpus, texts
from indexer.text import fold_lower, normalize

SEED = 20250701
TZ = timezone(timedelta(hours=7))
PORTAL_IDS = ("sample-sp2010", "sample-liferay62", "sample-liferayqb", "sample-wordpress")

# Liferay 6.2 asset publisher pagination query (page number appended).
LIFERAY62_PAGER = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
    "&p_p_col_pos=1&p_p_col_count=2&_101_delta=10&_101_keywords=&_101_advancedSearch=false"
    "&_101_andOperator=true&p_r_p_564233524_resetCur=false&_101_cur="
)


@dataclass(frozen=True)
class Category:
    """A news category of a portal."""

    name: str  # as displayed
    slug: str  # URL segment (or numeric id for liferay_qb)
    kind: str  # key into texts.TITLES


@dataclass(frozen=True)
class PortalSpec:
    """The fixed description of one sample portal."""

    id: str
    family: str
    name: str
    province: str
    district: str
    dk: str  # "huyện", "quận", "xã"
    places: str  # key into corpus.load_places()
    neighbour: str  # "Đắk R’lấp" or "Tuyên Hóa"
    categories: tuple[Category, ...]
    n_articles: int
    first: datetime
    last: datetime
    per_page: int = 10


SPECS: dict[str, PortalSpec] = {
    "sample-sp2010": PortalSpec(
        id="sample-sp2010",
        family="sharepoint2010",
        name="Trang thông tin điện tử huyện Krông Xanh",
        province="Đắk Nông",
        district="Krông Xanh",
        dk="huyện",
        places="daknong_krongno",
        neighbour="Đắk R’lấp",
        categories=(
            Category("tin nổi bật", "tin-noi-bat", "news"),
            Category("thông tin chỉ đạo điều hành", "thong-tin-chi-dao-dieu-hanh", "directive"),
            Category("Thông báo", "thong-bao", "notice"),
            Category("An ninh Quốc phòng", "an-ninh-quoc-phong", "security"),
            Category("Kinh tế", "kinh-te", "economy"),
            Category("Văn hóa - Xã hội", "van-hoa-xa-hoi", "culture"),
            Category("Hoạt động của lãnh đạo", "hoat-dong-cua-lanh-dao", "leaders"),
        ),
        n_articles=172,
        first=datetime(2016, 3, 1, tzinfo=TZ),
        last=datetime(2024, 6, 28, tzinfo=TZ),
    ),
    "sample-liferay62": PortalSpec(
        id="sample-liferay62",
        family="liferay62",
        name="Cổng thông tin điện tử quận Hồng Hà",
        province="Hà Nội",
        district="Hồng Hà",
        dk="quận",
        places="hanoi_longbien",
        neighbour="Đắk R’lấp",
        categories=(
            Category("Tin tức - Sự kiện", "tin-tuc-su-kien", "news"),
            Category("Thông báo", "thong-bao", "notice"),
            Category("Chỉ đạo điều hành", "chi-dao-dieu-hanh", "directive"),
            Category("Kinh tế - Đô thị", "kinh-te-do-thi", "economy"),
            Category("Văn hóa - Xã hội", "van-hoa-xa-hoi", "culture"),
            Category("An ninh - Quốc phòng", "an-ninh-quoc-phong", "security"),
        ),
        n_articles=180,
        first=datetime(2017, 1, 5, tzinfo=TZ),
        last=datetime(2024, 12, 20, tzinfo=TZ),
    ),
    "sample-liferayqb": PortalSpec(
        id="sample-liferayqb",
        family="liferay_qb",
        name="Trang thông tin điện tử huyện Tuyên Sơn",
        province="Quảng Bình",
        district="Tuyên Sơn",
        dk="huyện",
        places="quangbinh_tuyenhoa",
        neighbour="Tuyên Hóa",
        categories=(
            Category("Tin tức - Sự kiện", "101", "news"),
            Category("Chỉ đạo điều hành", "102", "directive"),
            Category("Thông báo", "103", "notice"),
            Category("Quốc phòng - An ninh", "104", "security"),
            Category("Kinh tế", "105", "economy"),
            Category("Văn hóa - Xã hội", "106", "culture"),
        ),
        n_articles=165,
        first=datetime(2018, 2, 1, tzinfo=TZ),
        last=datetime(2025, 5, 30, tzinfo=TZ),
    ),
    "sample-wordpress": PortalSpec(
        id="sample-wordpress",
        family="wordpress",
        name="Cổng thông tin điện tử xã Nhân Hòa",
        province="Đắk Nông",
        district="Nhân Hòa",
        dk="xã",
        places="daknong_dakrlap",
        neighbour="Đắk R’lấp",
        categories=(
            Category("Tin tức", "tin-tuc", "news"),
            Category("Thông báo", "thong-bao", "notice"),
            Category("Văn bản chỉ đạo", "van-ban-chi-dao", "directive"),
            Category("Kinh tế - Nông nghiệp", "kinh-te-nong-nghiep", "economy"),
            Category("Văn hóa - Xã hội", "van-hoa-xa-hoi", "culture"),
            Category("Quốc phòng - An ninh", "quoc-phong-an-ninh", "security"),
        ),
        n_articles=175,
        first=datetime(2019, 1, 3, tzinfo=TZ),
        last=datetime(2025, 6, 25, tzinfo=TZ),
    ),
}

# Boilerplate strings the pages of each family carry (truth "must_not_contain").
BOILERPLATE: dict[str, tuple[str, ...]] = {
    "sharepoint2010": (
        "Giấy phép số",
        "TIN ĐÃ ĐƯA",
        "Số lượt người xem",
        "Soạn bài viết",
        "Quản trị tin tức",
        "Bản in",
        "Quay lại",
        "Xem chi tiết",
        "Thăm dò ý kiến",
        "Trưởng Ban biên tập",
    ),
    "liferay62": (
        "Truy cập nội dung luôn",
        "Tin liên quan",
        "Lượt xem",
        "Bản in",
        "Đánh giá bài viết",
        "Giấy phép số",
        "Thống kê truy cập",
    ),
    "liferay_qb": (
        "Bình chọn",
        "Theo bạn thông tin nội dung website thế nào",
        "Thống kê truy cập",
        "Xem với cỡ chữ",
        "Các tin khác",
        "Giấy phép số",
        "ĐẤU THẦU - MUA SẮM CÔNG",
    ),
    "wordpress": (
        "Bài viết mới",
        "Để lại một bình luận",
        "Thống kê truy cập",
        "Bản quyền thuộc về",
        "Điều hướng bài viết",
        "Chia sẻ",
    ),
}


@dataclass
class Block:
    """One piece of an article body: a paragraph, an image (with caption) or a video."""

    kind: str  # "p", "img", "video"
    text: str = ""  # paragraph text or image caption (logical form)
    src: str = ""  # relative, unencoded (img/video)


@dataclass
class SampleAttachment:
    """A file linked from an article and served by the sample server."""

    path: str  # relative to the portal prefix, unencoded (as in the href)
    name: str  # link text shown on the page (truth "name")
    generic_link: bool = False  # link text is "Tại đây", name is the file name

    @property
    def url(self) -> str:
        """The percent-encoded relative URL (truth form)."""
        return quote_path(self.path)


@dataclass
class SampleArticle:
    """One article of a sample portal (logical content + how it is rendered)."""

    id: str
    num: int  # numeric id
    slug: str
    url: str  # canonical path relative to the portal prefix
    title: str
    published: datetime
    show_time: bool
    category: Category
    lead: str | None
    blocks: list[Block]
    author: str | None
    credit: str | None
    attachments: list[SampleAttachment] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    alt_urls: list[str] = field(default_factory=list)  # served 200 with rel=canonical
    redirect_from: list[str] = field(default_factory=list)  # 301/302 to url
    related: list[int] = field(default_factory=list)  # indexes of related articles

    @property
    def images(self) -> list[str]:
        """Relative unencoded image sources in body order."""
        return [b.src for b in self.blocks if b.kind == "img"]

    @property
    def media(self) -> list[str]:
        """Relative unencoded video sources."""
        return [b.src for b in self.blocks if b.kind == "video"]

    def paragraphs(self, edit: int = 0) -> list[str]:
        """Body paragraphs (logical form) including the lead and image captions."""
        out = [self.lead] if self.lead else []
        for block in self.blocks:
            if block.kind == "p" or (block.kind == "img" and block.text):
                out.append(block.text)
        out.extend(edit_paragraphs(self, edit))
        return out

    def has(self, case: str) -> bool:
        """Whether the article carries a hard case."""
        return case in self.cases


@dataclass
class ListingPage:
    """One page of a listing."""

    url: str  # relative (may hold a query)
    number: int
    last: int
    category: Category | None
    items: list[SampleArticle]
    extra_items: list[tuple[int, str, str]]  # (position, url, title): links that 404
    next_url: str | None  # the real next page (truth)
    page_urls: list[str]  # url of page 1..last

    def item_urls(self) -> list[str]:
        """The article URLs in page order, including the dead links."""
        urls = [a.url for a in self.items]
        for pos, url, _title in self.extra_items:
            urls.insert(pos, url)
        return urls


@dataclass
class Portal:
    """A generated sample portal."""

    spec: PortalSpec
    articles: list[SampleArticle]  # newest first
    listings: list[ListingPage]
    by_url: dict[str, tuple[SampleArticle, str]]  # path(+query) -> (article, variant)
    listing_by_url: dict[str, ListingPage]
    redirects: dict[str, tuple[int, str]]  # path(+query) -> (status, target rel url)
    files: dict[str, tuple[str, SampleAttachment | None]]  # path -> (content type, attachment)
    not_found: list[str]
    flaky: list[str]
    disallowed: str
    trap: str
    comunes: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def family(self) -> str:
        return self.spec.family

    def article(self, article_id: str) -> SampleArticle | None:
        """The article with this id, if any."""
        for art in self.articles:
            if art.id == article_id:
                return art
        return None


def quote_path(path: str) -> str:
    """Percent-encode a relative URL path (keeping an existing query)."""
    return quote(path, safe="/-_.~?=&%")


def slugify(text: str, limit: int = 90) -> str:
    """ASCII slug of a Vietnamese title (``đ`` → ``d``, words joined by ``-``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold_lower(normalize(text))).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


# ---------------------------------------------------------------- text transforms

_LETTER = r"[^\W\d_]"
_NEW_TONE = re.compile(
    rf"(?<![qQ])([oOuU])([\u0300\u0301\u0309\u0303\u0323])([aAeEyY])(?!{_LETTER})"
)
_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}


def old_tone(text: str) -> str:
    """Move tone marks to the old placement (``hòa`` → ``hoà``, ``thủy`` → ``thuỷ``)."""

    def move(m: re.Match[str]) -> str:
        if (m.group(1).lower(), m.group(3).lower()) not in _PAIRS:
            return m.group(0)
        return m.group(1) + m.group(3) + m.group(2)

    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _NEW_TONE.sub(move, decomposed))


def transform_text(text: str, cases: list[str] | tuple[str, ...]) -> str:
    """Apply an article's text cases (old tone, NFD) to logical text."""
    if "old_tone" in cases:
        text = old_tone(text)
    if "nfd" in cases:
        text = unicodedata.normalize("NFD", text)
    return text


def truth_text(text: str | None, cases: list[str] | tuple[str, ...] = ()) -> str | None:
    """What an ideal extraction returns for this text, after normalisation."""
    if text is None:
        return None
    return normalize(transform_text(text, cases), multiline=True)


def edit_paragraphs(article: SampleArticle, edit: int) -> list[str]:
    """Paragraphs appended to an article by the control API's ``edit`` (``edit`` times)."""
    sentences = corpus.load_sentences()
    return [
        f"Cập nhật lần {n}: {sentences[(article.num * 7 + n * 13) % len(sentences)]}"
        for n in range(1, edit + 1)
    ]


# ---------------------------------------------------------------- generation


class Writer:
    """Fills the text templates for one portal with seeded random values."""

    def __init__(self, spec: PortalSpec, rng: random.Random):
        self.spec = spec
        self.rng = rng
        places = corpus.load_places()[spec.places]
        if spec.dk == "xã":
            self.communes = tuple(
                ["thôn 1", "thôn 2", "thôn 3", "thôn Tân Lập", "bon Bu Dăr", "thôn Hòa Thuận"]
            )
        else:
            self.communes = tuple(p[0].lower() + p[1:] for p in places)
        self.sentences = corpus.load_sentences()
        self.party = {"huyện": "Huyện ủy", "quận": "Quận ủy", "xã": "Đảng ủy xã"}[spec.dk]
        self.nb = f"huyện {spec.neighbour}"
        self.used: set[str] = set()

    def person(self) -> str:
        r = self.rng
        return f"{r.choice(texts.FAMILY_NAMES)} {r.choice(texts.MIDDLE_NAMES)} {r.choice(texts.GIVEN_NAMES)}"

    def fill(self, template: str, when: datetime) -> str:
        r = self.rng
        commune = r.choice(self.communes)
        dk = self.spec.dk
        values = {
            "dk": dk,
            "DK": dk.capitalize(),
            "D": self.spec.district,
            "P": self.spec.province,
            "C": commune,
            "Ccap": commune[0].upper() + commune[1:],
            "Cn": commune.split(" ", 1)[-1],
            "y": when.year,
            "y1": when.year + 1,
            "m": when.month,
            "d": when.day,
            "q": "IV"
            if when.month > 9
            else "III"
            if when.month > 6
            else "II"
            if when.month > 3
            else "I",
            "n": r.randint(2, 9),
            "n2": r.randint(12, 480),
            "wk": when.isocalendar()[1],
            "person": self.person(),
            "party": self.party,
            "roman": r.choice(texts.ROMAN),
            "nb": self.nb,
        }
        values["role"] = r.choice(texts.ROLES).format(**values)
        return template.format(**values)

    def title(self, kind: str, when: datetime) -> str:
        return self.fill(self.rng.choice(texts.TITLES[kind]), when)

    def lead(self, kind: str, when: datetime) -> str:
        return self.fill(self.rng.choice(texts.LEADS[kind]), when)

    def sentence(self, when: datetime) -> str:
        """One body sentence, not yet used in the current article."""
        for _ in range(20):
            r = self.rng.random()
            if r < 0.45:
                template = self.rng.choice(texts.SENTENCES)
                key, text = template, self.fill(template, when)
            elif r < 0.52:
                key = text = self.rng.choice(texts.NEIGHBOUR_SENTENCES[self.spec.neighbour])
            else:
                key = text = self.rng.choice(self.sentences)
            if key not in self.used:
                break
        self.used.add(key)
        return text

    def new_article(self) -> None:
        """Forget the sentences used so far (they may recur in another article)."""
        self.used = set()

    def paragraph(self, when: datetime) -> str:
        return " ".join(self.sentence(when) for _ in range(self.rng.randint(1, 3)))

    def caption(self, when: datetime) -> str:
        return self.fill(self.rng.choice(texts.CAPTIONS), when)


# Fixed positions (index in the newest-first list) of the special articles.
CASE_POSITIONS: dict[str, tuple[int, ...]] = {
    "attachment_only": (4, 57, 123),
    "video_only": (12,),
    "nfd": (9, 71),
    "old_tone": (15, 102),
    "entities": (21, 64),
    "malformed": (26, 118),
    "duplicate_url": (31,),
    "flaky": (36,),
    "redirect": (41,),
    "charset": (46,),
    "xss": (7,),
    "attachments": (18, 53, 88, 140),
}

OLD_TONE_TITLES = {
    "sample-sp2010": "Phát huy vai trò thiết chế văn hóa cơ sở, chăm lo sức khỏe nhân dân năm {y}",
    "sample-liferay62": "Quận {D} đẩy mạnh xã hội hóa công tác vệ sinh môi trường năm {y}",
    "sample-liferayqb": "Trung tâm Chính trị huyện Tuyên Hóa: Thực hiện tốt công tác đào tạo, bồi dưỡng 6 tháng đầu năm {y}",
    "sample-wordpress": "Xã {D} ra quân tổng vệ sinh môi trường, xây dựng nếp sống văn hóa",
}


def _dates(spec: PortalSpec, rng: random.Random) -> list[datetime]:
    span = int((spec.last - spec.first).total_seconds() // 60)
    stamps = sorted({rng.randrange(span) for _ in range(spec.n_articles * 2)})
    rng.shuffle(stamps)
    stamps = sorted(stamps[: spec.n_articles], reverse=True)
    out = []
    for minutes in stamps:
        when = spec.first + timedelta(minutes=minutes)
        when = when.replace(hour=7 + when.hour % 11, second=0, microsecond=0)
        out.append(when)
    return sorted(out, reverse=True)


def _article_url(spec: PortalSpec, num: int, slug: str, cat: Category, when: datetime) -> str:
    if spec.family == "sharepoint2010":
        return f"{slug}/"
    if spec.family == "liferay62":
        return f"{cat.slug}/-/view_content/{num}-{slug}.html"
    if spec.family == "liferay_qb":
        return f"chi-tiet-tin/-/view-article/1/{num}/{int(when.timestamp() * 1000)}"
    return f"{when.year}/{when.month:02d}/{when.day:02d}/{slug}/"


def _article_num(spec: PortalSpec, k: int) -> int:
    """Numeric id of the k-th oldest article, in the family's style."""
    if spec.family == "sharepoint2010":
        return 1000 + 3 * k
    if spec.family == "liferay62":
        return 4300000 + 811 * k
    if spec.family == "liferay_qb":
        return 1640000 + 517 * k
    return 120 + 4 * k


def _attachment_path(spec: PortalSpec, art_num: int, when: datetime, filename: str) -> str:
    if spec.family == "sharepoint2010":
        return f"img/{filename}"
    if spec.family == "liferay62":
        return f"documents/10180/{art_num}/{filename}"
    if spec.family == "liferay_qb":
        return f"documents/20182/{art_num}/{filename}"
    return f"wp-content/uploads/{when.year}/{when.month:02d}/{filename}"


def _image_path(spec: PortalSpec, art_num: int, when: datetime, n: int) -> str:
    if spec.family == "sharepoint2010":
        if art_num % 4 == 0:  # unencoded space and Vietnamese letters, as on real pages
            return f"img/ảnh hội nghị {art_num}-{n}.jpg"
        return f"img/{art_num}-TT-{n}.jpg"
    if spec.family == "liferay62":
        return f"image/journal/article?img_id={art_num + n}&t={int(when.timestamp())}{n}"
    if spec.family == "liferay_qb":
        return f"documents/20182/0/anh-{art_num}-{n}.jpg"
    return f"wp-content/uploads/{when.year}/{when.month:02d}/IMG_{art_num}{n:02d}.jpg"


def _video_path(spec: PortalSpec, art_num: int, when: datetime) -> str:
    if spec.family in ("liferay62", "liferay_qb"):
        return f"documents/20182/{art_num}/video-{art_num}.mp4"
    if spec.family == "wordpress":
        return f"wp-content/uploads/{when.year}/{when.month:02d}/video-{art_num}.mp4"
    return f"img/video-{art_num}.mp4"


def _attachment_names(w: Writer, when: datetime, num: int) -> list[str]:
    m, y = when.month, when.year
    n = num % 400 + 12
    return [
        f"{n}-TB-Kết luận giao ban tháng {m}-{y}.pdf",
        f"Kế hoạch {n + 3}-KH-UBND năm {y}.docx",
        f"Quyết định {n + 7}-QĐ-UBND phê duyệt danh sách hộ nghèo.pdf",
        f"Lịch tiếp công dân tháng {m}.{y}.pdf",
    ]


def _build_articles(spec: PortalSpec) -> list[SampleArticle]:
    rng = random.Random(f"{SEED}:{spec.id}")
    w = Writer(spec, rng)
    dates = _dates(spec, rng)
    n = len(dates)
    case_at: dict[int, str] = {}
    for case, positions in CASE_POSITIONS.items():
        for pos in positions:
            case_at[pos] = case
    titles_seen: set[str] = set()
    slugs_seen: set[str] = set()
    articles: list[SampleArticle] = []
    for idx, when in enumerate(dates):
        k = n - 1 - idx  # 0 = oldest
        num = _article_num(spec, k)
        special = case_at.get(idx)
        if special == "xss" and spec.family != "wordpress":
            special = None
        if special == "charset" and spec.family not in ("sharepoint2010", "liferay_qb"):
            special = None
        cases: list[str] = []
        if special in ("attachment_only", "attachments"):
            cat = next(c for c in spec.categories if c.kind in ("notice", "directive"))
            if special == "attachments":
                cat = [c for c in spec.categories if c.kind in ("notice", "directive")][-1]
        elif special == "old_tone":
            cat = next(c for c in spec.categories if c.kind in ("culture", "news"))
        elif special == "xss" and spec.family == "wordpress":
            cat = next(c for c in spec.categories if c.kind == "notice")
        else:
            cat = spec.categories[rng.randrange(len(spec.categories))]
        # title
        for _ in range(30):
            if special == "old_tone":
                title = w.fill(OLD_TONE_TITLES[spec.id], when)
            elif special == "attachment_only" and spec.family == "sharepoint2010" and idx == 4:
                title = f"Thông báo kết luận của Lãnh đạo UBND huyện tại Hội nghị giao ban tháng {when.month}/{when.year}"
            elif special == "xss":
                title = f"Thông báo <script>alert(1)</script> lịch tiếp dân tháng {when.month}/{when.year}"
            elif special == "video_only":
                title = f"Video: Toàn cảnh Hội nghị giao ban {spec.dk} {spec.district} tháng {when.month}/{when.year}"
            else:
                title = w.title(cat.kind, when)
            if title not in titles_seen:
                break
            when_alt = when - timedelta(days=rng.randint(40, 400))
            title = w.title(cat.kind, when_alt)
            if title not in titles_seen:
                break
        if title in titles_seen:
            title = f"{title} ({w.communes[idx % len(w.communes)]})"
        titles_seen.add(title)
        slug = slugify(title)
        if slug in slugs_seen:
            slug = f"{slug}-{num}"
        slugs_seen.add(slug)

        w.new_article()
        lead: str | None = w.lead(cat.kind, when)
        blocks: list[Block] = []
        for _ in range(rng.randint(3, 7)):
            blocks.append(Block("p", w.paragraph(when)))
        img_count = 0
        if rng.random() < 0.45:
            for _ in range(rng.randint(1, 2)):
                img_count += 1
                pos = rng.randint(0, len(blocks))
                blocks.insert(
                    pos, Block("img", w.caption(when), _image_path(spec, num, when, img_count))
                )
        attachments: list[SampleAttachment] = []
        if special == "attachment_only":
            lead = None
            blocks = []
            name = _attachment_names(w, when, num)[idx % 2 if idx != 4 else 0]
            if spec.family == "sharepoint2010" and idx == 4:
                name = f"217-TB-Kết luận giao ban tháng {when.month}-{when.year}.pdf"
            attachments.append(
                SampleAttachment(
                    _attachment_path(spec, num, when, name),
                    name,
                    generic_link=spec.family == "sharepoint2010",
                )
            )
            cases.append("attachment_only")
        elif special == "attachments":
            for name in _attachment_names(w, when, num)[1:3]:
                attachments.append(SampleAttachment(_attachment_path(spec, num, when, name), name))
            cases.append("attachments")
        elif special == "video_only":
            lead = None
            blocks = [Block("video", "", _video_path(spec, num, when))]
            cases.append("video_only")
        elif special == "xss":
            lead = "Ủy ban nhân dân xã thông báo lịch tiếp công dân định kỳ của lãnh đạo xã."
            blocks = [
                Block(
                    "p",
                    "Lịch tiếp dân <img src=x onerror=alert(1)> được niêm yết công khai tại trụ sở UBND xã.",
                ),
                Block("img", "Trụ sở Ủy ban nhân dân xã", _image_path(spec, num, when, 1)),
                Block(
                    "p",
                    "Mọi phản ánh gửi qua đường dẫn javascript:alert(1) sẽ không được tiếp nhận.",
                ),
                Block("p", "Xem lịch tiếp dân tại bảng tin của xã."),
                Block("p", w.paragraph(when)),
            ]
            name = "Lịch tiếp dân <script>alert(1)</script>.pdf"
            attachments.append(
                SampleAttachment(
                    _attachment_path(spec, num, when, f"lich-tiep-dan-thang-{when.month}.pdf"), name
                )
            )
            cases.append("xss")
        elif special == "charset":
            cases.append("windows1258" if spec.family == "sharepoint2010" else "wrong_charset")
        elif special in (
            "nfd",
            "old_tone",
            "entities",
            "malformed",
            "duplicate_url",
            "flaky",
            "redirect",
        ):
            cases.append(special)
        if special == "old_tone":
            # make sure the body has old-placement syllables too
            blocks.insert(
                0,
                Block(
                    "p",
                    w.fill(
                        "Công tác xã hội hóa, chăm sóc sức khỏe nhân dân và bảo đảm an toàn thủy lợi được {dk} quan tâm thực hiện.",
                        when,
                    ),
                ),
            )
        if spec.family == "sharepoint2010" and num % 2 == 0 and cases in ([], ["attachments"]):
            cases.append("entities")

        # authorship
        author: str | None = None
        credit: str | None = None
        if spec.family == "sharepoint2010":
            credit = rng.choice(
                (
                    "Theo Báo Đắk Nông điện tử",
                    "Theo daknong online",
                    "Nguồn: Văn phòng HĐND - UBND huyện",
                    None,
                )
            )
        elif spec.family == "liferay62":
            if rng.random() < 0.6:
                author = w.person()
            else:
                credit = rng.choice(("Theo Hànộimới", "Theo Cổng TTĐT Hà Nội"))
        elif spec.family == "liferay_qb":
            author = w.person()
            if rng.random() < 0.2:
                credit = "Theo Báo Quảng Bình"
                author = None
        else:
            author = w.person()
        if special in ("attachment_only", "video_only"):
            credit = None
            if spec.family != "wordpress":  # WordPress still shows the poster in its byline
                author = None

        show_time = spec.family != "sharepoint2010" or num % 3 == 0
        url = _article_url(spec, num, slug, cat, when)
        art = SampleArticle(
            id=str(num),
            num=num,
            slug=slug,
            url=url,
            title=title,
            published=when,
            show_time=show_time,
            category=cat,
            lead=lead,
            blocks=blocks,
            author=author,
            credit=credit,
            attachments=attachments,
            cases=cases,
        )
        articles.append(art)
    for idx, art in enumerate(articles):
        art.related = [j for j in range(idx + 1, min(idx + 6, n))]
    _special_urls(spec, articles)
    return articles


def _special_urls(spec: PortalSpec, articles: list[SampleArticle]) -> None:
    """Alternate URLs (duplicates) and old URLs (redirects) of the special articles."""
    for idx, art in enumerate(articles):
        if art.has("duplicate_url"):
            if spec.family == "sharepoint2010":
                art.alt_urls.append(f"{art.slug}/?print=1")
            elif spec.family == "liferay62":
                art.alt_urls.append(f"trang-chu/-/view_content/{art.num}-{art.slug}.html")
            elif spec.family == "liferay_qb":
                art.alt_urls.append(art.url.replace("chi-tiet-tin/", "in-tin/", 1))
            else:
                art.alt_urls.append(f"{art.url}amp/")
        if spec.family == "liferay62" and idx < 4 and not art.has("duplicate_url"):
            # the home page's "Tin nổi bật" block links through another page
            art.alt_urls.append(f"trang-chu/-/view_content/{art.num}-{art.slug}.html")
            art.cases.append("duplicate_url")
        if art.has("redirect"):
            if spec.family == "sharepoint2010":
                art.redirect_from.append(
                    f"tin-tuc-su-kien/lists/posts/post.aspx?CategoryId=9&ItemID={art.num}"
                )
            elif spec.family == "liferay62":
                art.redirect_from.append(f"tin-cu/-/asset_publisher/Xk3P/content/{art.slug}")
            elif spec.family == "liferay_qb":
                art.redirect_from.append(f"3cms/{art.slug}.htm")
        if spec.family == "wordpress":
            # WordPress answers every post's shortlink ?p=<id> with a redirect
            art.redirect_from.append(f"?p={art.num}")


def _paginate(
    spec: PortalSpec,
    arts: list[SampleArticle],
    cat: Category | None,
    page_url,
) -> list[ListingPage]:
    per = spec.per_page
    last = max(1, (len(arts) + per - 1) // per)
    urls = [page_url(i) for i in range(1, last + 1)]
    pages = []
    for i in range(1, last + 1):
        pages.append(
            ListingPage(
                url=urls[i - 1],
                number=i,
                last=last,
                category=cat,
                items=arts[(i - 1) * per : i * per],
                extra_items=[],
                next_url=urls[i] if i < last else None,
                page_urls=urls,
            )
        )
    return pages


def _build_listings(spec: PortalSpec, articles: list[SampleArticle]) -> list[ListingPage]:
    fam = spec.family
    if fam == "sharepoint2010":
        return _paginate(
            spec,
            articles,
            None,
            lambda i: "tin-tuc-su-kien/" if i == 1 else f"tin-tuc-su-kien/page/{i}/",
        )
    pages: list[ListingPage] = []
    for cat in spec.categories:
        arts = [a for a in articles if a.category == cat]
        if fam == "liferay62":

            def url(i: int, c: Category = cat) -> str:
                return c.slug if i == 1 else f"{c.slug}?{LIFERAY62_PAGER}{i}"

        elif fam == "liferay_qb":

            def url(i: int, c: Category = cat) -> str:
                base = f"danh-sach-tin/-/view-category/1/{c.slug}"
                return base if i == 1 else f"{base}?cur={i}"

        else:

            def url(i: int, c: Category = cat) -> str:
                return f"category/{c.slug}/" if i == 1 else f"category/{c.slug}/page/{i}/"

        pages.extend(_paginate(spec, arts, cat, url))
    return pages


def _dead_link(spec: PortalSpec) -> tuple[str, str]:
    """A listing link whose target answers 404 (url, title)."""
    title = "Thông báo đã thu hồi"
    if spec.family == "sharepoint2010":
        return "thong-bao-da-thu-hoi/", title
    if spec.family == "liferay62":
        return "thong-bao/-/view_content/999001-thong-bao-da-thu-hoi.html", title
    if spec.family == "liferay_qb":
        return "chi-tiet-tin/-/view-article/1/999001/1500000000000", title
    return "2019/01/01/thong-bao-da-thu-hoi/", title


def build_portal(portal_id: str) -> Portal:
    """Generate one portal from the seed (use :func:`get_portal`, which caches).

    ``$VNARCHIVE_SAMPLES_SCALE`` (a number, default 1) multiplies the article count,
    for benchmarks (``bench/crawl_bench.py``); the ground-truth files are for scale 1.
    """
    spec = SPECS[portal_id]
    scale = float(os.environ.get("VNARCHIVE_SAMPLES_SCALE") or 1)
    if scale != 1:
        spec = replace(spec, n_articles=max(20, round(spec.n_articles * scale)))
    articles = _build_articles(spec)
    listings = _build_listings(spec, articles)
    dead_url, dead_title = _dead_link(spec)
    second = next((p for p in listings if p.number == 2), listings[0])
    second.extra_items.append((3, dead_url, dead_title))

    by_url: dict[str, tuple[SampleArticle, str]] = {}
    redirects: dict[str, tuple[int, str]] = {}
    files: dict[str, tuple[str, SampleAttachment | None]] = {}
    for art in articles:
        by_url[art.url] = (art, "canonical")
        for alt in art.alt_urls:
            by_url[alt] = (art, "alternate")
        for old in art.redirect_from:
            redirects[old] = (301, art.url)
        if spec.family == "sharepoint2010":
            redirects[art.url.rstrip("/")] = (301, art.url)
        for att in art.attachments:
            ctype = (
                "application/pdf"
                if att.path.endswith(".pdf")
                else ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            )
            files[att.path] = (ctype, att)
        for src in art.images:
            files[src] = ("image/jpeg", None)
        for src in art.media:
            files[src] = ("video/mp4", None)
    if spec.family == "liferay62":
        files["image/journal/article?img_id=10452&t=1"] = ("image/jpeg", None)
    disallowed = {
        "sharepoint2010": "tim-kiem/",
        "liferay62": "c/",
        "liferay_qb": "tim-kiem",
        "wordpress": "wp-admin/",
    }[spec.family]
    flaky = [a.url for a in articles if a.has("flaky")]
    return Portal(
        spec=spec,
        articles=articles,
        listings=listings,
        by_url=by_url,
        listing_by_url={p.url: p for p in listings},
        redirects=redirects,
        files=files,
        not_found=[dead_url],
        flaky=flaky,
        disallowed=disallowed,
        trap="lich/?thang=",
        comunes=Writer(spec, random.Random(0)).communes,
    )


def deliberate_break(portal_id: str, url: str) -> str | None:
    """What a sample portal breaks on purpose at ``url`` (any host), or None.

    The dead listing link (404), the article answering 500 on its first request,
    the endless calendar (trap) and the path robots.txt disallows.
    """
    marker = f"/{portal_id}/"
    if marker not in url:
        return None
    path = url.split(marker, 1)[1]
    portal = get_portal(portal_id)
    if path in portal.not_found:
        return "the sample's dead listing link (404 on purpose)"
    if path in portal.flaky:
        return "the sample's flaky article (500 on the first request, on purpose)"
    if path.startswith(portal.trap):
        return "the sample's endless calendar (a crawler trap, on purpose)"
    if path.startswith(portal.disallowed):
        return "disallowed by the sample's robots.txt, on purpose"
    return None


@cache
def get_portal(portal_id: str) -> Portal:
    """The generated portal (built once per process; KeyError for an unknown id)."""
    if portal_id not in SPECS:
        raise KeyError(portal_id)
    return build_portal(portal_id)

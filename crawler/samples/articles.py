"""Building a sample portal's articles: dates, URLs, attachments, media and the special cases."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from crawler.samples.records import Block, SampleArticle, SampleAttachment, slugify
from crawler.samples.specs import SEED, Category, PortalSpec
from crawler.samples.wording import Writer

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

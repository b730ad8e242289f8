"""Building a sample portal's listing pages: categories paginated the family's way, dead links."""

from __future__ import annotations

from crawler.samples.records import ListingPage, SampleArticle
from crawler.samples.specs import LIFERAY62_PAGER, Category, PortalSpec


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

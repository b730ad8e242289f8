"""Whether a profile's family fits the site: judged over the first pages, then read instead
by the family the markup shows, or the generic page object (crawler.pages.fit)."""

from __future__ import annotations

from crawler.items import Article
from crawler.pages import FamilyFit, extract
from crawler.pages.fit import SAME_CMS_SAMPLE_PAGES, SAMPLE_PAGES

_PARA = (
    "Sáng nay, Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm, đánh giá kết "
    "quả thực hiện các chỉ tiêu kinh tế, xã hội, quốc phòng và an ninh trên địa bàn huyện. "
)


def _article(title: str, *, marker: str = "") -> str:
    """An article page of a template no family was written for (``marker``: extra markup)."""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin'
        f"</title>{marker}</head><body><div class='top'><a href='/'>Trang chủ</a></div>"
        f"<h1 class='heading-v2'>{title}</h1><div class='meta-v2'>Cập nhật 12-03-2024</div>"
        f"<section class='noi-dung-v2'><p>{_PARA * 2}</p><p>{_PARA}</p></section></body></html>"
    )


def _home() -> str:
    links = "".join(f"<li><a href='/tin-tuc/muc-{i}/'>Mục {i}</a></li>" for i in range(3))
    return f"<html><body><ul class='menu'>{links}</ul><p>Chào mừng</p></body></html>"


def test_one_page_with_a_family_marker_settles_that_the_family_fits() -> None:
    fit = FamilyFit("wordpress")
    assert not fit.observe(False, "generic") and fit.judging
    assert not fit.observe(True, "wordpress")
    assert not fit.judging and fit.replacement is None
    # nothing more is counted once settled
    assert not fit.observe(False, "generic") and fit.pages == 2


def test_pages_of_another_cms_are_read_by_that_cms_family() -> None:
    fit = FamilyFit("wordpress")
    settled = [fit.observe(False, "sharepoint2010") for _ in range(SAMPLE_PAGES)]
    assert settled == [False] * (SAMPLE_PAGES - 1) + [True]
    assert fit.replacement == "sharepoint2010"
    assert "'wordpress'" in fit.verdict() and "'sharepoint2010'" in fit.verdict()


def test_pages_of_no_known_cms_are_read_by_the_generic_page_object() -> None:
    fit = FamilyFit("sharepoint2010")
    for detected in ["generic", "liferay62"] + ["generic"] * (SAMPLE_PAGES - 2):
        fit.observe(False, detected)
    assert fit.replacement == "generic"


def test_pages_of_the_familys_own_cms_are_given_longer() -> None:
    """A site of the family's CMS whose first pages are neither articles nor listings (an
    intro, a contact page) is given more pages; one marker then settles that it fits, and
    none at all is a template of that CMS the family was not written for: generic."""
    fitting = FamilyFit("sharepoint2010")
    for _ in range(SAMPLE_PAGES + 3):
        assert not fitting.observe(False, "sharepoint2010")
    assert fitting.judging
    fitting.observe(True, "sharepoint2010")
    assert not fitting.judging and fitting.replacement is None

    other = FamilyFit("sharepoint2010")
    settled = [other.observe(False, "sharepoint2010") for _ in range(SAME_CMS_SAMPLE_PAGES)]
    assert settled == [False] * (SAME_CMS_SAMPLE_PAGES - 1) + [True]
    assert other.replacement == "generic"


def test_a_site_the_family_does_not_fit_is_read_after_its_first_pages() -> None:
    """Read with the WordPress page object, a template none of its markers fits: the first
    pages' articles are kept only when their URL's long slug names the title; once the
    family is judged, every article is read by the generic page object, marked rescued."""
    fit = FamilyFit("wordpress")
    site = "http://portal.example"
    intro = _article("Giới thiệu chung về huyện")
    short = extract(intro, f"{site}/gioi-thieu/", family="wordpress", fit=fit)
    assert short.page_type != "article"  # a short slug may name a section: not taken
    title = "Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm"
    slugged = f"{site}/uy-ban-nhan-dan-huyen-to-chuc-hoi-nghi-tong-ket-cong-tac-nam/"
    first = extract(_article(title), slugged, family="wordpress", fit=fit)
    assert isinstance(first, Article) and first.extraction_path == "rescued"
    while fit.judging:
        extract(_home(), f"{site}/", family="wordpress", fit=fit)
    assert fit.replacement == "generic"
    later = extract(intro, f"{site}/gioi-thieu/", family="wordpress", fit=fit)
    assert isinstance(later, Article) and later.extraction_path == "rescued"
    assert later.title == "Giới thiệu chung về huyện" and later.published == "2024-03-12"
    assert later.body_text.startswith("Sáng nay")


def test_a_fitting_family_reads_as_it_always_did() -> None:
    """The judgement changes nothing on a site the family fits: its first article settles it."""
    fit = FamilyFit("wordpress")
    marker = '<meta name="generator" content="WordPress 6.4">'
    page = (
        f"<html><head>{marker}</head><body><article class='post'><h1 class='entry-title'>"
        "Hội nghị tổng kết công tác năm của huyện</h1><time datetime='2024-03-12'>12/03/2024"
        f"</time><div class='entry-content'><p>{_PARA * 2}</p></div></article></body></html>"
    )
    got = extract(page, "http://portal.example/?p=12", family="wordpress", fit=fit)
    assert isinstance(got, Article) and got.extraction_path == "family"
    assert not fit.judging and fit.replacement is None


def test_family_auto_settles_on_the_cms_the_first_pages_show() -> None:
    fit = FamilyFit("auto")
    for detected in ["wordpress", "generic", "wordpress", "wordpress", "liferay62"]:
        fit.observe(False, detected)
    assert fit.replacement == "wordpress" and not fit.judging
    assert "wordpress 3" in fit.verdict()
    mixed = FamilyFit("auto")
    for detected in ["wordpress", "generic", "liferay62", "dnn", "wordpress"]:
        mixed.observe(True, detected)
    assert mixed.replacement == "generic"  # no majority: the structure alone


def test_family_auto_reads_each_page_by_its_markup_then_by_the_settled_family() -> None:
    fit = FamilyFit("auto")
    marker = '<meta name="generator" content="WordPress 6.4">'
    page = (
        f"<html><head>{marker}</head><body><article class='post'><h1 class='entry-title'>"
        "Hội nghị tổng kết công tác năm của huyện</h1><time datetime='2024-03-12'>12/03/2024"
        f"</time><div class='entry-content'><p>{_PARA * 2}</p></div></article></body></html>"
    )
    for n in range(SAMPLE_PAGES):
        got = extract(page, f"http://portal.example/?p={n}", family="auto", fit=fit)
        assert isinstance(got, Article) and got.extraction_path == "family"
    assert fit.replacement == "wordpress"
    # a later page without the generator tag is still read by the WordPress page object
    bare = page.replace(marker, "")
    got = extract(bare, "http://portal.example/?p=99", family="auto", fit=fit)
    assert isinstance(got, Article) and got.extraction_path == "family"
    assert got.published == "2024-03-12"

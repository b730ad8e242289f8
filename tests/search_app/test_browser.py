"""Real-browser tests: Debian's Chromium driven by Playwright against the app served by uvicorn.

A researcher's path: type a query without diacritics, filter, set a date range,
page through, open an article and its archived original, switch language.  The
XSS article must run nothing (no dialog, no console error, no page error) on the
search, article and replay pages, and no request may leave 127.0.0.1.
Screenshots of the main pages go to ``test-artifacts/`` on every run.
"""

from __future__ import annotations

import re

import pytest
from support import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium",
    ),
]


@pytest.fixture()
def page(watched_page, live_server: str):  # type: ignore[no-untyped-def]
    """A fresh page on the test archive's server (misbehaviour recorded in ``page.watch``)."""
    return watched_page(live_server)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot to test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_researcher_path(page, live_server: str, web_archive) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/")
    shot(page, "01-search-home")
    # type a query without diacritics
    page.fill("#q", "uy ban nhan dan")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=uy\+ban\+nhan\+dan"))
    count = page.text_content("#result-count") or ""
    assert f"{web_archive.uyban_total} kết quả" in count
    titles = page.locator(".hit h2").all_text_contents()
    assert titles and all(("Ủy ban" in t) or ("Hội nông dân" in t) for t in titles)
    assert page.locator(".hit mark").count() > 0
    assert page.locator("#timeline svg rect.bar").count() > 0
    shot(page, "02-search-results")
    # page through
    page.click("#next-page")
    page.wait_for_url(re.compile(r"page=2"))
    assert "Trang 2/" in (page.text_content(".pager") or "")
    first_on_page_2 = page.locator(".hit h2").first.text_content()
    assert first_on_page_2 not in titles
    # apply a filter and a date range
    page.select_option("#f-portal", "daknong_krongno")
    page.fill("#f-from", "01/01/2022")
    page.fill("#f-to", "31/12/2023")
    page.click("#apply")
    page.wait_for_url(re.compile(r"portal=daknong_krongno"))
    assert "page=" not in page.url  # a new filter starts at page 1
    metas = page.locator(".hit .meta").all_text_contents()
    assert metas and all("Huyện Krông Nô" in m for m in metas)
    dates = [re.search(r"(\d{2})/(\d{2})/(\d{4})", m).groups() for m in metas]  # type: ignore[union-attr]
    assert all("2022" <= y <= "2023" for _, _, y in dates)
    shot(page, "03-search-filtered")
    # the state is bookmarkable: reloading the URL gives the same page
    url = page.url
    page.goto(url)
    assert page.locator(".hit .meta").all_text_contents() == metas
    # open an article: the query words are marked
    page.locator(".hit h2 a").first.click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]+\?q="))
    assert page.locator("#article-body mark, #article-title mark").count() > 0
    shot(page, "04-article")
    # open its archived original
    page.click("#open-original")
    page.wait_for_url(re.compile(r"/original$"))
    frame = page.frame_locator("#replay-frame")
    assert "Ủy ban nhân dân" in (frame.locator("h1.title").text_content() or "")
    page.wait_for_load_state("networkidle")
    shot(page, "05-archived-original")
    # switch language
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Back to the article" in (page.text_content(".back") or "")
    page.goto(live_server + "/portals")  # the choice is remembered
    assert "Archived portals" in (page.text_content("h1") or "")
    shot(page, "06-portals-en")
    page.watch.assert_clean("researcher path")


def test_replay_uses_archived_assets_only(page, live_server: str, web_archive) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/articles/{web_archive.ids['plain']}/original")
    page.wait_for_load_state("networkidle")
    frame = page.frame(url=re.compile(r"/replay/"))
    assert frame is not None
    # the archived stylesheet applied and the archived logo loaded (read through DevTools:
    # the page's own scripts cannot run in the sandboxed frame)
    color = frame.evaluate("getComputedStyle(document.querySelector('h1.title')).color")
    assert color == "rgb(122, 31, 24)"  # .title{color:#7a1f18} from the archived site.css
    assert frame.evaluate("document.querySelector('#logo').naturalWidth") == 1
    assert frame.evaluate("document.scripts.length") == 0
    assert frame.evaluate("document.querySelector('#live-img').getAttribute('src')") is None
    assert frame.evaluate("document.querySelector('#other-link').getAttribute('href')") is None
    assert page.locator("#replay-frame").get_attribute("sandbox") == ""
    page.watch.assert_clean("replay")


def test_xss_article_runs_nothing(page, live_server: str, web_archive) -> None:  # type: ignore[no-untyped-def]
    xss = web_archive.ids["xss"]
    page.goto(live_server + "/?q=thong+bao+noi+dung")
    page.wait_for_load_state("networkidle")
    assert page.locator(f'a[href^="/articles/{xss}"]').count() == 1
    assert "<script>" in (page.locator(f'a[href^="/articles/{xss}"]').text_content() or "")
    shot(page, "07-xss-search")
    page.watch.assert_clean("search page with the XSS article")
    page.goto(f"{live_server}/articles/{xss}?q=script")
    page.wait_for_load_state("networkidle")
    assert "alert(" in (page.text_content("#article-title") or "")  # shown as text
    assert page.locator("#article-title img, #article-body img, #article-body svg").count() == 0
    shot(page, "08-xss-article")
    page.watch.assert_clean("XSS article page")
    page.goto(f"{live_server}/articles/{xss}/original")
    page.wait_for_load_state("networkidle")
    frame = page.frame_locator("#replay-frame")
    assert frame.locator("#jslink").count() == 1
    frame.locator("#jslink").click()  # a javascript: link lost its href: nothing happens
    page.wait_for_timeout(300)
    shot(page, "09-xss-replay")
    page.watch.assert_clean("XSS replay page")
    # the replay opened on its own (not framed) runs nothing either: CSP sandbox
    page.goto(f"{live_server}/replay/{xss}")
    page.wait_for_load_state("networkidle")
    page.watch.assert_clean("XSS replay opened directly")


def test_docs_and_errors_render(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/docs")
    assert page.locator("section.endpoint").count() >= 3
    shot(page, "10-api-docs")
    response = page.goto(live_server + "/articles/0000000000000000")
    assert response is not None and response.status == 404
    assert page.locator("section.error").count() == 1
    shot(page, "11-not-found")
    page.watch.console_errors[:] = [e for e in page.watch.console_errors if "404" not in e]
    page.watch.assert_clean("docs and error pages")

"""Real browser: the strict-accents check box and highlighting that follows the match.

Debian's Chromium through Playwright (see ``test_browser.py``); skipped without it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium",
    ),
]


def test_exact_accents_box_and_marks(watched_page, live_server: str, web_archive) -> None:  # type: ignore[no-untyped-def]
    page = watched_page(live_server)
    page.goto(live_server + "/")
    page.fill("#q", "tuyen hoa")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=tuyen\+hoa"))
    titles = page.locator(".hit h2").all_text_contents()
    assert "Huyện Tuyên Hóa hoàn thành giao quân năm 2024" in titles
    assert "Tin van tat: Tuyen Hoa don Bang cong nhan" in titles
    # the accented article's snippet: the pair as one mark, nothing that only folds alike
    hit = page.locator(".hit", has_text="Huyện Tuyên Hóa hoàn thành")
    assert hit.locator("mark").all_text_contents() == ["Tuyên Hóa"]
    # strict accents: tick the box, type the diacritics
    page.fill("#q", "Tuyên Hóa")
    page.check("#f-exact")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"exact=1"))
    assert page.locator(".hit h2").all_text_contents() == [
        "Huyện Tuyên Hóa hoàn thành giao quân năm 2024"
    ]
    assert page.is_checked("#f-exact")
    # the article page marks what the search found, and the way back keeps the switch
    page.click(".hit h2 a")
    page.wait_for_url(re.compile(r"/articles/.*exact=1"))
    marks = page.locator("main mark").all_text_contents()
    assert marks and set(marks) == {"Tuyên Hóa"}
    page.click(".back a")
    page.wait_for_url(re.compile(r"exact=1"))
    assert page.is_checked("#f-exact")
    page.watch.assert_clean("strict accents")

"""Layout in a real browser, on a phone (360 px) and a desktop (1280 px, 1440 px).

Nothing overflows horizontally on the search page, an article, the portals list
and the admin overview; the filter grid keeps its shape, the date boxes fit their
placeholder, a submitted search carries no empty parameter, and the timeline has
y-axis ticks and shows a bar's value on hover.  Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium",
    ),
]

OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# How much wider than its content box a text input's placeholder is (<= 0: it fits).
PLACEHOLDER_JS = """(el) => {
  const style = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const box = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return ctx.measureText(el.placeholder).width - box;
}"""


@pytest.fixture(scope="module")
def signed_in_state(browser, live_server: str, web_archive, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """A browser storage state signed in as an admin of the test archive."""
    from admin_helpers import PASSWORD, add_user

    add_user(web_archive.data_dir, "layout-admin")
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    page.fill("#login-name", "layout-admin")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/admin$"))
    path = tmp_path_factory.mktemp("state") / "admin.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


def _page(browser, width: int, state: str | None = None):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="vi-VN", storage_state=state
    )
    return context, context.new_page()


@pytest.mark.parametrize("width", [360, 1280])
def test_no_page_overflows_horizontally(
    browser, live_server: str, web_archive, signed_in_state: str, width: int
) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {
        "search": "/?q=uy+ban+nhan+dan",
        "article": f"/articles/{web_archive.ids['versioned']}?diff=2",
        "article-attachments": f"/articles/{web_archive.ids['attachments']}",
        "portals": "/portals",
        "admin": "/admin",
        "docs": "/docs",
    }
    context, page = _page(browser, width, signed_in_state)
    try:
        for name, path in pages.items():
            page.goto(live_server + path)
            assert page.url.endswith(path), f"{name}: landed on {page.url}"
            page.screenshot(path=str(ARTIFACTS / f"layout-{width}-{name}.png"), full_page=True)
            overflow = page.evaluate(OVERFLOW_JS)
            assert overflow <= 0, f"{name} at {width} px overflows by {overflow} px"
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280, 1440])
def test_the_filter_grid_holds_its_layout(browser, live_server: str, width: int) -> None:  # type: ignore[no-untyped-def]
    context, page = _page(browser, width)
    try:
        tops = []
        for path in ("/?q=uy+ban", "/?q=xyzkhongco", "/?portal=hanoi_longbien&sort=newest"):
            page.goto(live_server + path)
            box = page.locator("fieldset.filters").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
            for selector in ("#f-from", "#f-to"):
                too_wide = page.eval_on_selector(selector, PLACEHOLDER_JS)
                assert too_wide <= 0, f"{selector} cuts its placeholder by {too_wide:.0f} px"
            apply = page.locator("#apply").bounding_box()
            assert apply and apply["x"] + apply["width"] <= width
            labels = page.locator("fieldset.filters > label")
            lefts = sorted(
                {round(labels.nth(i).bounding_box()["x"]) for i in range(labels.count())}
            )
            columns = len(lefts)
            tops.append((columns, [round(labels.nth(i).bounding_box()["width"]) for i in range(3)]))
        # the same grid on every page, whatever the selects hold
        assert len(set(map(str, tops))) == 1, tops
        columns = tops[0][0]
        assert columns == 1 if width == 360 else columns >= 3, tops
    finally:
        context.close()


def test_a_submitted_search_has_no_empty_parameters(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page = _page(browser, 1280)
    try:
        page.goto(live_server + "/")
        page.fill("#q", "uy ban")
        page.click("#apply")
        page.wait_for_url(re.compile(r"q=uy\+ban"))
        query = page.url.split("?", 1)[1]
        assert all(not part.endswith("=") for part in query.split("&")), page.url
        assert "province" not in query and "portal" not in query
    finally:
        context.close()


def test_the_timeline_has_ticks_and_shows_a_value_on_hover(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page = _page(browser, 1280)
    try:
        page.goto(live_server + "/?q=uy+ban")
        ticks = page.locator("svg.timeline-chart text.tick").all_text_contents()
        assert len(ticks) >= 3 and ticks[0] == "0", ticks
        values = [int(t) for t in ticks]
        assert values == sorted(values) and len(set(values)) == len(values)
        point = page.locator("svg.timeline-chart .point").filter(
            has=page.locator("rect[data-count]:not([data-count='0'])")
        )
        label = point.first.locator("text.value")
        assert label.evaluate("el => getComputedStyle(el).opacity") == "0"
        point.first.locator("rect").hover()
        page.wait_for_function(
            "el => getComputedStyle(el).opacity === '1'", arg=label.element_handle()
        )
        count = point.first.locator("rect").get_attribute("data-count")
        assert (label.text_content() or "").endswith(f": {count}")
    finally:
        context.close()

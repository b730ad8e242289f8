"""The replay's CSS sanitiser: escapes decoded before URLs are checked, and nothing off the
archive left in ``url()``, ``image-set()`` or ``@import`` (style attributes and <style> blocks).

The CSP of the replay would block such requests too; these tests check the first line
alone: what the sanitiser writes, read back with a CSS tokenizer as a browser reads it.
"""

from __future__ import annotations

import re

import pytest
import tinycss2
from bs4 import BeautifulSoup

from search_app.replay import sanitize_capture
from search_app.replay_css import rewrite_css

ARCHIVED = {
    "http://site/ok.png": "/replay/x/asset?url=ok.png",
    "http://site/ok.css": "/replay/x/asset?url=ok.css",
}
OURS = tuple(ARCHIVED.values())

TRICKS = [
    r"background:u\rl(http://evil.example/a.png)",
    r"background:u\72l(http://evil.example/b.png)",
    r"background:u\72 l('http://evil.example/c.png')",
    r"background:\75\72\6c(http://evil.example/d.png)",
    r"background:URL(http://evil.example/e.png)",
    r"background:url(\68ttp://evil.example/f.png)",
    r"background:url(//evil.example/g.png)",
    "background-image:image-set('http://evil.example/h.png' 1x, 'ok.png' 2x)",
    "background-image:-webkit-image-set(url(http://evil.example/i.png) 1x)",
    r"background-image:image-s\65t('http://evil.example/j.png' 1x)",
    "background:cross-fade(url(http://evil.example/k.png), url(ok.png), 50%)",
    "--bg:url(http://evil.example/l.png);background:var(--bg)",
    "background:url(http://evil.example/m.png)/* a comment */",
    "behavior:url(http://evil.example/n.htc)",
    "width:expression(fetch('http://evil.example/o'))",
]


def _urls(css: str) -> list[str]:
    """Every URL a browser would fetch from this CSS (url tokens and url()/src() strings)."""
    found: list[str] = []

    def walk(nodes) -> None:  # type: ignore[no-untyped-def]
        for node in nodes:
            if node.type == "url":
                found.append(node.value)
            elif node.type == "function":
                if node.lower_name in ("url", "src"):
                    found.extend(a.value for a in node.arguments if a.type == "string")
                walk(node.arguments)
            elif node.type == "at-keyword" and node.lower_value == "import":
                found.append("@import")
            elif hasattr(node, "content") and isinstance(node.content, list):
                walk(node.content)

    walk(tinycss2.parse_component_value_list(css))
    return found


def _lookup(url: str) -> str | None:
    return ARCHIVED.get(url)


@pytest.mark.parametrize("trick", TRICKS)
def test_style_attribute_tricks_keep_nothing_off_the_archive(trick: str) -> None:
    page = f'<html><body><div id="d" style="{trick}; color: red">x</div></body></html>'
    out = sanitize_capture(page, "http://site/a.html", _lookup)
    style = BeautifulSoup(out, "lxml").find(id="d").get("style", "")
    assert "evil.example" not in style, style
    assert all(u.startswith(OURS) for u in _urls(style)), style
    assert "color: red" in style or "color:red" in style  # the rest of the style stays


@pytest.mark.parametrize("trick", TRICKS)
def test_style_block_tricks_keep_nothing_off_the_archive(trick: str) -> None:
    page = f"<html><head><style>p {{ {trick}; color: red }}</style></head><body>x</body></html>"
    out = sanitize_capture(page, "http://site/a.html", _lookup)
    css = BeautifulSoup(out, "lxml").style.string or ""
    assert "evil.example" not in css, css
    assert all(u.startswith(OURS) for u in _urls(css)), css


@pytest.mark.parametrize(
    "rule",
    [
        '@import "http://evil.example/x.css";',
        "@import url(http://evil.example/x.css) screen;",
        r"@imp\6frt 'http://evil.example/x.css';",
        "@import url('//evil.example/x.css');",
        "@media screen { @import 'http://evil.example/x.css'; p { background: url(//evil.example/p) } }",
        "@font-face { font-family: x; src: url(http://evil.example/f.woff) format('woff') }",
        "@supports (display:grid) { p { background: u\\rl(http://evil.example/s.png) } }",
    ],
)
def test_imports_and_nested_rules_off_the_archive_are_dropped(rule: str) -> None:
    css = rewrite_css(rule + " p { color: red }", "http://site/a.css", _lookup)
    assert "evil.example" not in css, css
    assert "@import" not in css.lower(), css
    assert "color: red" in css


def test_archived_urls_and_imports_point_at_the_archive() -> None:
    css = rewrite_css(
        "@import 'ok.css' print; p { background: url(ok.png) no-repeat }"
        " q { background: url('data:image/png;base64,AAAA') }",
        "http://site/",
        _lookup,
    )
    assert re.search(r'@import url\("/replay/x/asset\?url=ok.css"\) print;', css), css
    assert 'url("/replay/x/asset?url=ok.png") no-repeat' in css
    assert "data:image/png;base64,AAAA" in css
    assert _urls(css) == ["@import", OURS[1], OURS[0], "data:image/png;base64,AAAA"]


def test_strings_and_escapes_that_are_not_urls_survive() -> None:
    source = r'p::before { content: "u\72l(\"x\")" } .a\:b { color: #c33 }'
    css = rewrite_css(source, "http://s/", _lookup)

    def strings(text: str) -> list[str]:
        rule = tinycss2.parse_stylesheet(text)[0]
        return [t.value for t in rule.content if t.type == "string"]

    assert strings(css) == strings(source) == ['url("x")']  # text, not a fetch
    assert r".a\:b" in css and "#c33" in css

"""The one HTML parser (``crawler.pages.document.parse_html``) builds the tree a browser builds.

libxml2 alone nests everything after an unclosed ``<embed>`` (``source``,
``track``, ``wbr``, ``keygen``) inside it, and page objects drop ``embed``
with its subtree: the rest of the article was lost.  These tests extract whole
article pages and replay captures, so they check what a user gets.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from crawler.items import Article
from crawler.pages import extract
from crawler.pages.document import parse_html
from crawler.samples.corpus import load_sentences
from indexer.text import normalize
from search_app.replay import sanitize_capture

URL = "http://xa.daknong.gov.vn/tin-tuc/bai-viet/"
TITLE = "Hội nghị tổng kết công tác thủy lợi năm 2019"
FIRST = "Sáng nay, Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác thủy lợi."
SECOND = "Đoạn thứ hai của bài viết vẫn phải còn nguyên sau thẻ không đóng."
THIRD = "Đại biểu thảo luận kế hoạch năm sau và thống nhất các giải pháp trọng tâm."


def page(body: str) -> str:
    """A SharePoint 2010 article page whose body region holds ``body``."""
    return f"""<html><head><meta charset="utf-8"><title>Cổng thông tin</title></head>
<body><div class="container_top_mid2"><table><tr><td class="FolderTitle">Tin tức</td>
<td class="Time">05/06/2019</td></tr></table></div>
<table id="tableforprint"><tr><td><p class="Title">{TITLE}</p></td></tr>
<tr><td><div class="ExternalClass0123456789ABCDEF">{body}</div></td></tr></table>
<div id="footer"><p>Bản quyền thuộc Ủy ban nhân dân huyện</p></div></body></html>"""


def article(html: str) -> Article:
    result = extract(html.encode("utf-8"), URL)
    assert isinstance(result, Article), result
    return result


VOIDS = {
    "embed": '<embed src="/video/hoi-nghi.swf" width="400" height="300">',
    "EMBED in a div": '<EMBED SRC="/video/hoi-nghi.swf" WIDTH=400>',
    "param": '<object data="/v.swf"><param name="movie" value="/v.swf"><param name=q value=high></object>',
    "source": '<video controls><source src="/v/a.mp4" type="video/mp4"><source src="/v/a.webm"></video>',
    "track": '<video src="/v/a.mp4"><track kind="captions" src="/v/a.vtt"></video>',
    "keygen": '<form action="/dang-ky"><keygen name="k"></form>',
}


@pytest.mark.parametrize("tag", list(VOIDS))
def test_unclosed_void_element_keeps_the_rest_of_the_article(tag: str) -> None:
    got = article(page(f"<p>{FIRST}</p>{VOIDS[tag]}<p>{SECOND}</p><p>{THIRD}</p>"))
    assert got.body_text.split("\n\n")[-3:] == [FIRST, SECOND, THIRD]


BARE = ["embed", "EMBED", "param", "source", "track", "wbr", "keygen"]


@pytest.mark.parametrize("tag", BARE)
def test_bare_void_element_directly_in_a_div(tag: str) -> None:
    html = page(f"<p>{FIRST}</p><{tag} src=/v/a.mp4 name=movie>{SECOND}<p>{THIRD}</p>")
    root = parse_html(html)
    (void,) = root.iter(tag.lower())
    assert len(void) == 0 and not void.text  # empty, as in a browser
    assert void.tail == SECOND and void.getnext().text == THIRD
    assert article(html).body_text.split("\n\n")[-3:] == [FIRST, SECOND, THIRD]
    replayed = sanitize_capture(html, URL, lambda _url: None)
    assert SECOND in replayed and THIRD in replayed


def test_unclosed_embed_directly_in_a_div_with_text_after_it() -> None:
    got = article(
        page(f"<div><p>{FIRST}</p><EMBED src=/v/hoi-nghi.mp4>{SECOND}</div><p>{THIRD}</p>")
    )
    assert got.body_text.split("\n\n")[-3:] == [FIRST, SECOND, THIRD]
    assert got.media == ["http://xa.daknong.gov.vn/v/hoi-nghi.mp4"]


def test_wbr_inside_a_paragraph_keeps_its_words() -> None:
    got = article(page(f"<p>{FIRST}</p><p>Đoạn thứ hai<wbr> của bài viết<WBR>vẫn còn.</p>"))
    assert got.body_text.split("\n\n")[-1] == "Đoạn thứ hai của bài viếtvẫn còn."


def test_unclosed_p_li_td_and_stray_div_end_tags() -> None:
    # the </div>s inside the table cell close nothing (a cell is a scope boundary);
    # the one after the table closes the content region, as a browser does
    got = article(
        page(
            f"<p>{FIRST}<p>{SECOND}"
            "<ul><li>Mục một của danh sách<li>Mục hai của danh sách</ul>"
            "<table><tr><td>Ô thứ nhất của bảng</div></div><td>Ô thứ hai của bảng"
            f"<tr><td>Ô thứ ba của bảng</table><p>{THIRD}</div><p>Chân trang ngoài bài</p>"
        )
    )
    text = got.body_text
    for part in (FIRST, SECOND, THIRD, "Mục một của danh sách", "Mục hai của danh sách"):
        assert part in text
    for cell in ("Ô thứ nhất của bảng", "Ô thứ hai của bảng", "Ô thứ ba của bảng"):
        assert cell in text
    assert text.endswith(THIRD)
    assert "Chân trang" not in text and "Bản quyền" not in text


@pytest.mark.parametrize(
    ("html", "words"),
    [
        # found by the tag-soup property: libxml2 dropped these end tags and glued the
        # words on either side together ("lực.Chế"); a browser keeps them apart
        ("<body>quyền lực.</p>Chế độ", ["quyền", "lực.", "Chế", "độ"]),
        ("<body>quyền lực.</P >Chế độ", ["quyền", "lực.", "Chế", "độ"]),
        ("<body>quyền lực.</br>Chế độ", ["quyền", "lực.", "Chế", "độ"]),
        # and where a browser does glue them (a cell outside a table), nothing is lost
        ("<body>quyền lực.<td>Chế độ", ["quyền", "lực.", "Chế", "độ"]),
    ],
)
def test_found_case(html: str, words: list[str]) -> None:
    assert " ".join(visible_text(parse_html(html))).split() == words


def test_end_br_is_a_line_break() -> None:
    root = parse_html("<p>dòng một</br>dòng hai</p>")
    assert [el.tag for el in root.iter("p", "br")] == ["p", "br"]


def test_void_tags_in_scripts_titles_and_comments_stay_text() -> None:
    root = parse_html(
        "<title>Phim <embed> hay</title><script>var s = '<embed src=x>';</script>"
        "<!-- <embed> --><textarea><wbr></textarea><p>sau</p>"
    )
    assert root.findtext(".//title") == "Phim <embed> hay"
    assert root.findtext(".//script") == "var s = '<embed src=x>';"
    assert root.findtext(".//textarea") == "<wbr>"
    assert root.findtext(".//p") == "sau"


def test_attribute_values_with_quotes_and_brackets() -> None:
    root = parse_html("""<div><embed alt=it's src="a>b" title='x"y'><p>sau</p></div>""")
    embed = root.find(".//embed")
    assert (embed.get("alt"), embed.get("src"), embed.get("title")) == ("it's", "a>b", 'x"y')
    assert len(embed) == 0 and root.findtext(".//div/p") == "sau"


def test_soup_and_tree_agree() -> None:
    html = f"<div><p>{FIRST}</p><embed src=x><source src=y><p>{SECOND}</p></div>"
    soup = parse_html(html, soup=True)
    assert [p.get_text() for p in soup.find_all("p")] == [FIRST, SECOND]
    assert soup.find("embed").contents == [] and soup.find("source").contents == []
    assert [p.text for p in parse_html(html).iter("p")] == [FIRST, SECOND]


@pytest.mark.parametrize("tag", list(VOIDS))
def test_replay_keeps_the_rest_of_the_page(tag: str) -> None:
    capture = page(f"<p>{FIRST}</p>{VOIDS[tag]}<p>{SECOND}</p><p>{THIRD}</p>")
    out = sanitize_capture(capture.encode("utf-8"), URL, lambda _url: None)
    for text in (FIRST, SECOND, THIRD, "Bản quyền thuộc Ủy ban nhân dân huyện"):
        assert text in out
    assert "<embed" not in out.lower() and "<object" not in out.lower()


# -- property: no paragraph disappears when a void element is written unclosed --

SENTENCES = [s for s in load_sentences() if 40 <= len(s) <= 300]
UNCLOSED = [
    "<embed src=/v.swf>",
    "<EMBED SRC='/v.swf' WIDTH=400>",
    "<param name=movie value=/v.swf>",
    "<source src=/a.mp4>",
    "<track src=/a.vtt>",
    "<wbr>",
    "<keygen name=k>",
    "<embed src=/v.swf/>",
]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[list[str], str]:
    """Paragraphs of real Vietnamese text, with unclosed void tags between or inside them."""
    paragraphs = draw(st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=6, unique=True))
    parts = []
    for text in paragraphs:
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(UNCLOSED)))
        words = text.split(" ")
        at = draw(st.integers(0, len(words)))
        inside = draw(st.sampled_from(UNCLOSED)) if draw(st.booleans()) else ""
        inside = f" {inside} " if inside else " "
        opener = draw(st.sampled_from(["<p>", "<div>", "<P class=MsoNormal>", "<span>"]))
        closer = {"<p>": "</p>", "<div>": "</div>", "<span>": "</span><br>"}.get(opener, "")
        parts.append(opener + " ".join(words[:at]) + inside + " ".join(words[at:]) + closer)
    return paragraphs, "".join(parts)


@given(bodies())
def test_no_paragraph_disappears_after_an_unclosed_void_element(
    case: tuple[list[str], str],
) -> None:
    paragraphs, body = case
    got = article(page(body))
    for text in paragraphs:
        assert normalize(text) in got.body_text
    replayed = BeautifulSoup(sanitize_capture(page(body), URL, lambda _url: None), "html.parser")
    visible = normalize(replayed.get_text(" "))
    for text in paragraphs:
        assert normalize(text) in visible


# -- property: the same words as the HTML5 algorithm (html5lib) on tag soup --------

SOUP_TAGS = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<span>",
    "</span>",
    "<li>",
    "</li>",
    "<ul>",
    "</ul>",
    "<td>",
    "</td>",
    "<tr>",
    "<table>",
    "</table>",
    "<b>",
    "</b>",
    "<br>",
    "<img src=a.png>",
    *UNCLOSED,
    "</embed>",
    "<object>",
    "</object>",
    "<video>",
    "</video>",
    "<h2>",
    "</h3>",
]
_SKIP = {"script", "style", "title", "head"}
_VOID = {"embed", "param", "source", "track", "wbr", "keygen", "img", "br"}


def visible_text(root) -> list[str]:
    """The text nodes outside void elements (and head, scripts, styles), in document order."""
    texts: list[str] = []
    hidden = _SKIP | _VOID
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.rsplit("}", 1)[-1]
        outside = not {a.tag.rsplit("}", 1)[-1] for a in el.iterancestors()} & hidden
        if outside and tag not in hidden and el.text:
            texts.append(el.text)
        if outside and el.getparent() is not None and el.tail:
            texts.append(el.tail)
    return texts


@given(st.lists(st.one_of(st.sampled_from(SOUP_TAGS), st.sampled_from(SENTENCES)), max_size=30))
def test_tag_soup_keeps_every_word_as_html5_does(parts: list[str]) -> None:
    html5lib = pytest.importorskip("html5lib", reason="html5lib (dev extra) is the reference")
    # written tight, every sentence is still there, whole
    tight = "".join(visible_text(parse_html("<html><body>" + "".join(parts))))
    tight = "".join(tight.split())
    for part in parts:
        if part in SENTENCES:
            assert "".join(part.split()) in tight
    # with line breaks between the pieces, exactly the words a browser shows
    spaced = "<html><body>" + "\n".join(parts)
    reference = html5lib.parse(spaced, treebuilder="lxml", namespaceHTMLElements=False)
    words = sorted(" ".join(visible_text(parse_html(spaced))).split())
    assert words == sorted(" ".join(visible_text(reference.getroot())).split())

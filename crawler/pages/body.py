"""Turn an article's content region into clean paragraphs, attachments, images and media.

This is the BeautifulSoup4 half of extraction: the page object locates the
region with lxml, hands its HTML here, and gets back a :class:`Body`.  Rules:

* page chrome never becomes text: scripts, forms, hidden elements, share/print
  widgets, related-news lists, counters, polls and licence footers are dropped
  (by markup, then by wording: a "Các tin khác" / "TIN ĐÃ ĐƯA" heading ends the
  article);
* block elements (and ``<br>``) separate paragraphs; image captions stay as
  paragraphs of their own;
* the closing lines are data: ``Theo …``/``Nguồn: …`` fills ``credit``;
  ``Bài, ảnh: <name>``, ``Tin ảnh: <name>`` or a name alone on the last line
  fills ``author``;
* an empty body stays empty (attachment-only notices, video-only pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import Comment, NavigableString, PageElement, Tag

from crawler.items import Attachment
from crawler.pages.closing import split_closing
from crawler.pages.document import Document, file_name, parse_html
from indexer.text import normalize
from indexer.text.dates import find_dates

ATTACHMENT_EXT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|zip|rar|7z|tif|tiff)(?:$|[/?#;])", re.I
)
MEDIA_EXT = re.compile(
    r"\.(mp4|webm|ogv|mov|flv|m4v|mp3|m4a|ogg|wav|wma|wmv|avi)(?:$|[/?#;])", re.I
)
VIDEO_HOSTS = re.compile(
    r"(youtube\.com|youtu\.be|vimeo\.com|facebook\.com/plugins/video|dailymotion)", re.I
)

_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "form",
    "select",
    "button",
    "input",
    "textarea",
    "svg",
    "canvas",
    "map",
    "head",
    "title",
    "link",
    "meta",
    "nav",
    "aside",
]
_BLOCK = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "hr",
        "address",
        "center",
        "main",
    ]
)
# class/id tokens that mark chrome (matched per token, on -/_ boundaries)
_CHROME = re.compile(
    r"(?:^|[-_])(share|sharing|social|print|printandback|comments?|related|tinkhac|"
    r"tinlienquan|othernews|breadcrumbs?|banner|navbar|menu|contextmenu|footer|"
    r"counter|readcounter|poll|vote|rating|pager|pagination|toolbar|linkstoweb|xemtiep|"
    r"advert|ads|sidebar|tags|tagcloud|font-?size|fontsize|textsize|back|goback)(?:$|[-_])",
    re.I,
)
_CHROME_EXACT = frozenset({"other", "othertitle", "tbtinkhac", "hidden", "sr-only", "hide"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# A paragraph (short) that is chrome wherever it appears.
_JUNK_LINE = re.compile(
    r"^(?:xem (?:chi tiết|tiếp|thêm|toàn văn)(?:\s+(?:tại|ở) đây)?|tải về|tải xuống|download|"
    r"file đính kèm|tệp đính kèm|tài liệu đính kèm|văn bản đính kèm|đính kèm|"
    r"bản in|in bài(?: viết)?|quay lại|trở về|trở lại|lên đầu trang|về đầu trang|gửi email|"
    r"gửi bài viết|chia sẻ|chia sẻ bài viết|bình luận|ý kiến bạn đọc|góp ý|"
    r"xem với cỡ chữ.*|cỡ chữ.*|số lượt (?:người )?xem.*|lượt xem.*|lượt truy cập.*|"
    r"tin mới nhất|tags?:.*|từ khóa:.*|click (?:vào )?đây.*|bấm vào đây.*|tại đây|"
    r"(?:(?:chia sẻ|share|facebook|zalo|twitter|linkedin|email|e-mail|in|print|tweet|like)\s*[:|,·•]?\s*)+"
    r")[\s.:…>»]*$",
    re.I,
)
# A short paragraph after which nothing belongs to the article.
_STOP_LINE = re.compile(
    r"^(?:(?:các|những) (?:tin|bài)(?: viết)? (?:khác|liên quan|cùng chuyên mục|đã đưa|mới)|"
    r"tin (?:đã đưa|đọc nhiều(?: nhất)?|liên quan|khác|cùng chuyên mục|cùng loại|mới hơn|cũ hơn)|"
    r"bài (?:viết )?(?:liên quan|khác|cùng chuyên mục)|xem thêm(?: tin)?|tin tức khác|"
    r"giấy phép (?:số|xuất bản)|cơ quan chủ quản|trưởng ban biên tập|chịu trách nhiệm|"
    r"bản quyền thuộc|thống kê truy cập|bình chọn)\b.*$",
    re.I,
)
_FILE_WORDS = re.compile(
    r"(?i)\b(?:tệp|file|tài liệu|văn bản|đính kèm|tải về|tải xuống|download|xem chi tiết|"
    r"chi tiết|tại đây|xem)\b"
)
_IMG_SKIP = re.compile(
    r"(?:spacer|blank|pixel|icon|logo|arrow|bullet|xemtiep|print|email|facebook|twitter|zalo)", re.I
)


@dataclass
class Body:
    """What a content region holds, cleaned."""

    paragraphs: list[str] = field(default_factory=list)
    author: str | None = None
    credit: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


def _is_chrome(tag: Tag) -> bool:
    attrs = tag.attrs or {}
    if "hidden" in attrs or attrs.get("aria-hidden") == "true" and tag.name != "span":
        return True
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    tokens = list(attrs.get("class") or [])
    if attrs.get("id"):
        tokens.append(attrs["id"])
    for token in tokens:
        low = token.lower()
        if low in _CHROME_EXACT or _CHROME.search(low):
            return True
    return False


_MEDIA_TAGS = frozenset(["video", "audio", "source", "iframe", "embed", "object", "param", "a"])
_DROPPED = frozenset([*_DROP_TAGS, "iframe", "video", "audio", "object", "embed"])


def _gone(node: PageElement) -> bool:
    """Whether a node was decomposed (``PageElement.decomposed`` searches a live tag's whole
    subtree for a ``<_decomposed>`` child: BeautifulSoup reads unknown attributes as finds)."""
    return node.__dict__.get("_decomposed", False)


def _tags(root: Tag, names: frozenset[str] | None = None) -> list[Tag]:
    """The tags under ``root`` (named one of ``names``), in document order: ``find_all`` without
    its general matching machinery (which cost more than the walk itself)."""
    if names is None:
        return [node for node in root.descendants if isinstance(node, Tag)]
    return [node for node in root.descendants if isinstance(node, Tag) and node.name in names]


def _media(tags: list[Tag], doc: Document) -> list[str]:
    found: list[str] = []
    for tag in tags:
        candidates = []
        if tag.name == "param":
            if (tag.get("name") or "").lower() in ("src", "movie", "url", "filename"):
                candidates.append(tag.get("value"))
        elif tag.name == "object":
            candidates.append(tag.get("data"))
        elif tag.name == "a":
            href = tag.get("href") or ""
            if MEDIA_EXT.search(href):
                candidates.append(href)
        else:
            candidates.append(tag.get("src") or tag.get("data-src"))
        for raw in candidates:
            url = doc.resolve(raw) if raw else None
            if not url:
                continue
            if tag.name in ("iframe", "embed", "object", "param") and not (
                MEDIA_EXT.search(url) or VIDEO_HOSTS.search(url)
            ):
                continue
            if url not in found:
                found.append(url)
    return found


def attachment_name(label: str, url: str) -> str:
    """A file's human name: the link text, or the decoded file name when the text says nothing."""
    label = normalize(label)
    if not label or len(label) < 4 or _JUNK_LINE.match(label) or label.lower() in ("đây", "link"):
        return file_name(url)
    return label


def _file_links(tags: list[Tag]) -> list[Tag]:
    """The ``<a href>`` among ``tags`` whose link has a document's file extension."""
    return [
        tag
        for tag in tags
        if tag.name == "a" and (href := tag.get("href")) is not None and ATTACHMENT_EXT.search(href)
    ]


def _attachments(soup: Tag, doc: Document, tags: list[Tag]) -> list[Attachment]:
    found: dict[str, Attachment] = {}
    links = []
    for a in _file_links(tags):
        url = doc.resolve(a["href"])
        if url:
            links.append(a)
            if url not in found:
                found[url] = Attachment(url=url, name=attachment_name(a.get_text(" "), url))
    for a in links:
        if not _gone(a):
            _drop_file_block(a, soup)
    return list(found.values())


def _drop_file_block(a: Tag, root: Tag) -> None:
    """Remove the block around a file link when it holds nothing but file links and labels."""
    block = a.parent
    while block is not None and block is not root and block.name not in _BLOCK:
        block = block.parent
    if block is None or block is root:
        return
    rest = normalize(block.get_text(" "))
    for link in _file_links(_tags(block, _A)):
        rest = rest.replace(normalize(link.get_text(" ")), " ", 1)
    if len(rest) <= 200 and not re.sub(r"[\W_]+", "", _FILE_WORDS.sub(" ", rest)):
        block.decompose()


def _images(tags: list[Tag], doc: Document) -> list[str]:
    found: list[str] = []
    for img in tags:
        if img.name != "img" or _gone(img):
            continue
        raw = img.get("data-src") or img.get("data-original") or img.get("src")
        if not raw or _IMG_SKIP.search(raw.rsplit("/", 1)[-1]):
            continue
        try:
            width = int(str(img.get("width", "999")).rstrip("px") or 999)
            height = int(str(img.get("height", "999")).rstrip("px") or 999)
        except ValueError:
            width = height = 999
        if width < 40 or height < 40:
            continue
        url = doc.resolve(raw)
        if url and url not in found:
            found.append(url)
    return found


_A = frozenset(["a"])
_OFFICE_DEBRIS = re.compile(r"</?o:p>", re.I)  # Word markup pasted as text: "<o:p></o:p>"
_BREAK = "\x00"
_STOP = "\x01"  # stands for a related-news heading removed with the chrome around it


def _mark_stops(root: Tag) -> None:
    """Replace the block of every "Các tin khác"-like heading with a stop mark (chrome or not)."""
    strings = [node for node in root.descendants if type(node) is NavigableString]
    for string in [text for text in strings if _could_stop(text)]:
        block = string.parent
        while block is not None and block.name not in _BLOCK and block is not root:
            block = block.parent
        if block is None or block is root or _gone(block):
            continue
        if len(normalize(block.get_text(" "))) <= 90:
            block.replace_with(NavigableString(_BREAK + _STOP + _BREAK))


def _could_stop(text: str) -> bool:
    if type(text) is not NavigableString or len(text) > 120:
        return False
    clean = normalize(text)
    return bool(clean) and len(clean) <= 90 and bool(_STOP_LINE.match(clean))


def _paragraphs(root: Tag) -> list[str]:
    out: list[str] = []
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            out.append(_BREAK)
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:
                out.append(str(node).replace("\n", " ").replace("\r", " "))
            continue
        if not isinstance(node, Tag):
            continue
        if node.name == "br":
            out.append(_BREAK)
            continue
        if node.name in _BLOCK:
            out.append(_BREAK)
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    paragraphs = [normalize(_OFFICE_DEBRIS.sub("", p)) for p in "".join(out).split(_BREAK)]
    return [p for p in paragraphs if p]


def is_date_line(text: str) -> bool:
    """True for a paragraph that is only a date (plus weekday, label and punctuation)."""
    if len(text) > 60:
        return False
    dates = find_dates(text)
    if not dates:
        return False
    rest = text.replace(dates[0].raw, " ")
    rest = re.sub(
        r"(?i)\b(thứ\s+(hai|ba|tư|năm|sáu|bảy|7|[2-7])|chủ\s+nhật|monday|tuesday|wednesday|"
        r"thursday|friday|saturday|sunday|ngày\s+(đăng|cập\s+nhật|xuất\s+bản)|cập\s+nhật|"
        r"đăng\s+(ngày|lúc)|ngày|lúc|giờ|gmt\s*\+?\s*7|published|updated)\b",
        " ",
        rest,
    )
    return not re.sub(r"[\W_]+", "", rest)


def clean_paragraphs(paragraphs: list[str], *, title: str | None = None) -> list[str]:
    """Drop chrome lines, stop at a related-news heading, drop the title and date-only lines."""
    kept: list[str] = []
    title_key = (title or "").casefold()
    for para in paragraphs:
        short = len(para) <= 90
        if para == _STOP or (short and _STOP_LINE.match(para)):
            if kept:
                break
            continue
        if short and _JUNK_LINE.match(para):
            continue
        if not kept and title_key and para.casefold() == title_key:
            continue
        if short and is_date_line(para):
            continue
        kept.append(para)
    return kept


def build_body(
    html: str,
    doc: Document,
    *,
    title: str | None = None,
    remove: tuple[str, ...] = (),
) -> Body:
    """Clean one content region (an HTML fragment) into a :class:`Body`."""
    soup = parse_html(html, soup=True)
    root = soup.body or soup
    comments, tags = [], []
    for node in root.descendants:
        if isinstance(node, Tag):
            tags.append(node)
        elif isinstance(node, Comment):
            comments.append(node)
    for comment in comments:
        comment.extract()
    media = _media([tag for tag in tags if tag.name in _MEDIA_TAGS], doc)
    for tag in tags:
        if tag.name in _DROPPED and not _gone(tag):
            tag.decompose()
    for selector in remove:
        for tag in root.select(selector):
            tag.decompose()
    _mark_stops(root)
    # the region's own wrapper is never chrome, whatever its class says
    top = [child for child in root.children if isinstance(child, Tag)]
    tags = _tags(root)
    for tag in tags:
        if _gone(tag) or tag in top:
            continue
        if _is_chrome(tag):
            tag.decompose()
    tags = [tag for tag in tags if not _gone(tag)]
    attachments = _attachments(root, doc, tags)
    images = _images(tags, doc)
    paragraphs = clean_paragraphs(_paragraphs(root), title=title)
    paragraphs, author, credit = split_closing(paragraphs)
    return Body(paragraphs, author, credit, attachments, images, media)

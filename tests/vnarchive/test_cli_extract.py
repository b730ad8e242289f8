"""``vnarchive extract``: a saved file or a URL in, one JSON object out; clear errors."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from realdata import need_realpages, realpages

from vnarchive.cli import main

OURS = (
    Path(__file__).resolve().parents[1]
    / "crawler"
    / "fixtures"
    / "sharepoint2010"
    / "sample-sp2010-article-attachments.html"
)
REAL = realpages() or Path("realpages-absent")  # read by tests that call need_realpages()
NOTICE = REAL / "krongno-daknong-sp2010ewh-notice-giaoban.html"
LISTING = REAL / "krongno-daknong-sp2010ewh-listing-tintuc-p1.html"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["extract", *args])
    return result.exit_code, result.output


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/tin-tuc-su-kien/":
            body, ctype = LISTING.read_bytes(), "text/html; charset=utf-8"
        elif self.path == "/cp1258":
            text = "<html><head><title>x</title></head><body><h1>Tiêu đề</h1></body></html>"
            body, ctype = text.encode("cp1258", "ignore"), "text/html; charset=windows-1258"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_saved_article_with_its_url() -> None:
    need_realpages()
    code, out = run(str(NOTICE), "--url", "http://krongno.daknong.gov.vn/thong-bao-ket-luan/")
    assert code == 0
    data = json.loads(out)
    assert list(data)[:3] == ["url", "portal", "page_type"]
    assert data["portal"] == "krongno"  # found from the URL's host
    assert data["page_type"] == "article"
    assert (
        data["title"]
        == "Thông báo kết luận của Lãnh đạo UBND huyện tại Hội nghị giao ban tháng 5/2019"
    )
    assert data["published"] == "2019-06-25"
    assert data["body_text"] == ""
    assert data["attachments"][0]["url"].startswith(
        "http://krongno.daknong.gov.vn/img/217-TB-K%E1%BA%BFt"
    )


def test_portal_option_and_listing() -> None:
    need_realpages()
    code, out = run(
        str(LISTING),
        "--url",
        "http://krongno.daknong.gov.vn/tin-tuc-su-kien/",
        "--portal",
        "krongno",
    )
    assert code == 0
    data = json.loads(out)
    assert data["page_type"] == "listing" and data["portal"] == "krongno"
    assert len(data["items"]) == 10
    assert data["next_page"] == "http://krongno.daknong.gov.vn/tin-tuc-su-kien/page/2/"


def test_from_url(server: str) -> None:
    need_realpages()
    code, out = run(f"{server}/tin-tuc-su-kien/")
    assert code == 0
    data = json.loads(out)
    assert data["url"] == f"{server}/tin-tuc-su-kien/"
    assert "portal" not in data  # no profile for this address
    assert data["items"][0]["url"] == f"{server}/thong-bao-1"


def test_http_charset_header_is_used(server: str) -> None:
    code, out = run(f"{server}/cp1258")
    assert code == 0
    assert json.loads(out)["page_type"] == "other"  # a title alone is not an article


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/file.html"], "no such file"),
        (["."], "not a file"),
        (["ftp://example.vn/a.html"], "only http(s) URLs or local files (ftp: is not)"),
        ([str(OURS), "--portal", "nope"], "no portal 'nope'"),
        ([str(OURS), "--url", "krongno.daknong.gov.vn/x"], "--url must be an http(s) URL"),
    ],
)
def test_errors_are_one_clear_line(args: list[str], message: str) -> None:
    code, out = run(*args)
    assert code != 0
    assert message in out
    assert "Traceback" not in out


def test_unreachable_url_is_a_clear_error(server: str) -> None:
    code, out = run(f"{server}/missing")
    assert code != 0 and "HTTP 404" in out and "Traceback" not in out


def test_empty_and_binary_files_are_other(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    binary = tmp_path / "file.html"
    binary.write_bytes(b"%PDF-1.4 \x00\x01\x02")
    for path, reason in ((empty, "empty page"), (binary, "binary content")):
        code, out = run(str(path))
        assert code == 0
        data = json.loads(out)
        assert data["page_type"] == "other" and reason in data["reason"]

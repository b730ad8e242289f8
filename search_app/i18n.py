"""The interface strings, in Vietnamese (default) and English, and the language choice.

All strings of the web app live in :data:`STRINGS` (key → {lang → text}); other
page modules (admin, export) add theirs with :func:`add_strings` at import time.
The language comes from ``?lang=vi|en`` (remembered in the ``lang`` cookie),
then the cookie, then Vietnamese.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
COOKIE = "lang"

STRINGS: dict[str, dict[str, str]] = {
    "site_name": {"vi": "Lưu trữ cổng thông tin địa phương", "en": "Local portal archive"},
    "site_tagline": {
        "vi": "Tin bài lưu trữ từ cổng thông tin điện tử cấp huyện, cấp tỉnh",
        "en": "Archived articles from district and province web portals",
    },
    "nav_search": {"vi": "Tìm kiếm", "en": "Search"},
    "also_on": {"vi": "Cũng đăng trên {n} cổng khác", "en": "Also on {n} other portal(s)"},
    "nav_portals": {"vi": "Cổng thông tin", "en": "Portals"},
    "nav_api": {"vi": "API", "en": "API"},
    "lang_switch": {"vi": "English", "en": "Tiếng Việt"},
    "skip_to_content": {"vi": "Bỏ qua đến nội dung", "en": "Skip to content"},
    # search page
    "search_label": {"vi": "Từ khóa", "en": "Search terms"},
    "search_placeholder": {
        "vi": "ví dụ: ủy ban nhân dân, hoặc uy ban nhan dan",
        "en": "e.g. ủy ban nhân dân, or uy ban nhan dan",
    },
    "search_button": {"vi": "Tìm", "en": "Search"},
    "search_help": {
        "vi": 'Có thể gõ không dấu. Dùng "…" để tìm cụm từ chính xác, dấu - để loại trừ.',
        "en": 'Diacritics are optional. Use "…" for an exact phrase, - to exclude a word.',
    },
    "exact_accents": {
        "vi": "Đúng dấu như đã gõ (tuyên ≠ tuyển ≠ tuyen)",
        "en": "Exact diacritics as typed (tuyên ≠ tuyển ≠ tuyen)",
    },
    "filters": {"vi": "Bộ lọc", "en": "Filters"},
    "province": {"vi": "Tỉnh/thành", "en": "Province"},
    "portal": {"vi": "Cổng thông tin", "en": "Portal"},
    "category": {"vi": "Chuyên mục", "en": "Category"},
    "year": {"vi": "Năm", "en": "Year"},
    "all": {"vi": "Tất cả", "en": "All"},
    "date_from": {"vi": "Từ ngày", "en": "From"},
    "date_to": {"vi": "Đến ngày", "en": "To"},
    "date_hint": {"vi": "dd/mm/yyyy hoặc yyyy-mm-dd", "en": "dd/mm/yyyy or yyyy-mm-dd"},
    "sort": {"vi": "Sắp xếp", "en": "Sort"},
    "sort_relevance": {"vi": "Liên quan nhất", "en": "Relevance"},
    "sort_newest": {"vi": "Mới nhất", "en": "Newest"},
    "sort_oldest": {"vi": "Cũ nhất", "en": "Oldest"},
    "apply": {"vi": "Áp dụng", "en": "Apply"},
    "clear_filters": {"vi": "Bỏ lọc", "en": "Clear filters"},
    "results_count": {
        "vi": "{total} kết quả ({ms} ms)",
        "en": "{total} results ({ms} ms)",
    },
    "results_range": {"vi": "Hiển thị {start}–{end}", "en": "Showing {start}–{end}"},
    "no_results": {
        "vi": "Không tìm thấy bài nào phù hợp.",
        "en": "No article matches.",
    },
    "no_results_hint": {
        "vi": "Thử bớt bộ lọc, dùng từ khác hoặc kiểm tra chính tả.",
        "en": "Try fewer filters, other words, or check the spelling.",
    },
    "did_you_mean": {"vi": "Có phải bạn muốn tìm:", "en": "Did you mean:"},
    "empty_archive": {
        "vi": "Kho lưu trữ chưa có bài nào được lập chỉ mục.",
        "en": "The archive has no indexed article yet.",
    },
    "empty_archive_hint": {
        "vi": "Thu thập một cổng thông tin rồi lập chỉ mục: `vnarchive crawl <cổng>` rồi `vnarchive index`.",
        "en": "Crawl a portal, then index it: `vnarchive crawl <portal>`, then `vnarchive index`.",
    },
    "index_missing": {
        "vi": "Kho đã có bài nhưng chưa được lập chỉ mục tìm kiếm: hãy chạy `vnarchive index`.",
        "en": "The archive has articles but no search index yet: run `vnarchive index`.",
    },
    "browse_all": {"vi": "Tất cả bài viết, mới nhất trước", "en": "All articles, newest first"},
    "timeline": {"vi": "Số bài theo tháng", "en": "Articles per month"},
    "timeline_desc": {
        "vi": "Biểu đồ số bài phù hợp theo tháng đăng",
        "en": "Chart of matching articles per month of publication",
    },
    "prev_page": {"vi": "← Trang trước", "en": "← Previous"},
    "next_page": {"vi": "Trang sau →", "en": "Next →"},
    "page_n": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "pagination": {"vi": "Phân trang", "en": "Pagination"},
    "undated": {"vi": "không rõ ngày", "en": "undated"},
    # article page
    "published": {"vi": "Ngày đăng", "en": "Published"},
    "credit": {"vi": "Nguồn", "en": "Credit"},
    "author": {"vi": "Tác giả", "en": "Author"},
    "original_url": {"vi": "Địa chỉ gốc", "en": "Original URL"},
    "attachments": {"vi": "Tệp đính kèm", "en": "Attachments"},
    "download": {"vi": "Tải về từ kho lưu trữ", "en": "Download from the archive"},
    "not_archived": {"vi": "chưa lưu được", "en": "not archived"},
    "versions": {"vi": "Các phiên bản", "en": "Versions"},
    "version_captured": {"vi": "Thu thập ngày {date}", "en": "Captured {date}"},
    "diff_title": {
        "vi": "Thay đổi giữa {a} và {b}",
        "en": "Changes between {a} and {b}",
    },
    "show_diff": {"vi": "Xem thay đổi", "en": "Show changes"},
    "no_changes": {"vi": "Văn bản giống nhau.", "en": "The text is the same."},
    "archived_original": {"vi": "Bản gốc lưu trữ", "en": "Archived original"},
    "archived_original_note": {
        "vi": "Trang gốc như lúc thu thập, hiển thị từ bản lưu WARC (không chạy mã, không tải gì từ trang thật).",
        "en": "The page as captured, replayed from its WARC record (no scripts, nothing loaded from the live site).",
    },
    "open_full": {"vi": "Mở toàn trang", "en": "Open full page"},
    "no_capture": {
        "vi": "Không có bản lưu WARC cho bài này.",
        "en": "No WARC capture is available for this article.",
    },
    "first_seen": {"vi": "Thu thập lần đầu", "en": "First captured"},
    "last_seen": {"vi": "Thấy lần cuối", "en": "Last seen"},
    "status_gone": {
        "vi": "Bài này không còn trên cổng thông tin gốc.",
        "en": "This article is gone from its portal.",
    },
    "back_to_results": {"vi": "← Quay về kết quả", "en": "← Back to results"},
    "body_empty": {
        "vi": "Bài không có nội dung văn bản (xem tệp đính kèm hoặc bản gốc).",
        "en": "This article has no text (see its attachments or the archived original).",
    },
    "captured_on": {
        "vi": "Thu thập ngày {date} từ {url}",
        "en": "Captured on {date} from {url}",
    },
    "back_to_article": {"vi": "← Về bài viết", "en": "← Back to the article"},
    # portals page
    "portals_title": {"vi": "Các cổng thông tin đã lưu", "en": "Archived portals"},
    "articles": {"vi": "Số bài", "en": "Articles"},
    "date_span": {"vi": "Khoảng thời gian", "en": "Date span"},
    "last_crawl": {"vi": "Lần thu thập cuối", "en": "Last crawl"},
    "never": {"vi": "chưa", "en": "never"},
    "no_portals": {"vi": "Chưa có cổng thông tin nào.", "en": "No portal archived yet."},
    "total": {"vi": "Tổng", "en": "Total"},
    # errors and docs
    "error_title": {"vi": "Có lỗi", "en": "Something went wrong"},
    "error_404": {"vi": "Không tìm thấy trang.", "en": "Page not found."},
    "error_back": {"vi": "Về trang tìm kiếm", "en": "Back to search"},
    "api_docs": {"vi": "Tài liệu API", "en": "API documentation"},
    "api_intro": {
        "vi": "Mỗi trang có một API JSON tương ứng. Đặc tả OpenAPI: ",
        "en": "Every page has a JSON twin. OpenAPI specification: ",
    },
    "parameters": {"vi": "Tham số", "en": "Parameters"},
    "responses": {"vi": "Phản hồi", "en": "Responses"},
    "required": {"vi": "bắt buộc", "en": "required"},
    "try_it": {"vi": "Thử", "en": "Try it"},
}


def add_strings(strings: Mapping[str, Mapping[str, str]]) -> None:
    """Register more interface strings (used by page modules at import time)."""
    for key, texts in strings.items():
        STRINGS[key] = dict(texts)


def translate(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` (falls back to Vietnamese, then the key itself)."""
    texts = STRINGS.get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts.get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def lang_from_query(request: Request) -> str | None:
    """The language asked for by ``?lang=`` (None when absent or unknown)."""
    value = request.query_params.get("lang")
    return value if value in LANGS else None


def get_lang(request: Request) -> str:
    """The language to answer in: ``?lang=``, then the cookie, then Vietnamese."""
    return lang_from_query(request) or (
        request.cookies.get(COOKIE) if request.cookies.get(COOKIE) in LANGS else DEFAULT_LANG
    )

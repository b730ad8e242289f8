"""The admin job page says what discovery saw in the page's language: pages read as,
URLs not fetched (by reason, in words, the reason key kept as data), and the articles
kept despite a meta refresh with their targets (hostile text escaped)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from admin_helpers import add_user, fresh_app, sign_in
from fastapi.testclient import TestClient

from search_app.admin.strings import ADMIN_STRINGS

HOSTILE_TARGET = 'http://other-host.invalid/"><script>alert(1)</script>'
# the discovery column as crawler.job_counts.JobCounts.discovery() writes it
DISCOVERY = {
    "pages": {"article": 12, "listing": 3, "other": 1},
    "skipped": {"out_of_scope": 7, "trap_pattern": 2, "dead_relative_link": 1, "new_reason": 4},
    "unclassified": [],
    "dated_from_listing": 0,
    "meta_refresh": {"followed": 1, "out_of_portal": 1},
    "refresh_targets": [
        {"url": "http://p.example/a.html", "target": HOSTILE_TARGET, "followed": False},
        {"url": "http://p.example/b.html", "target": "http://p.example/c/", "followed": True},
    ],
}
# the error_reasons column as the crawl counts it (crawler.job_counts.JobCounts.count_error)
ERRORS = {"http_404": 5, "no_body": 2, "timeout": 1, "new_failure": 1}
# every reason crawler.frontier / the spider count into ``skipped``
SKIP_REASONS = (
    "out_of_scope",
    "url_too_long",
    "trap_pattern",
    "not_a_page",
    "pattern_limit",
    "dead_folder",
    "dead_link",
    "dead_relative_link",
    "repeated_listing_page",
    "max_depth",
    "max_listing_pages",
)


@pytest.fixture()
def job_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    admin = add_user(tmp_path)
    job_id = admin.store.start_job("sample-wordpress")
    admin.store.finish_job(
        job_id, "finished", pages=16, errors=9, discovery=DISCOVERY, error_reasons=ERRORS
    )
    with TestClient(fresh_app(tmp_path)) as client:
        sign_in(client)
        yield lambda lang: client.get(f"/admin/jobs/{job_id}?lang={lang}").text


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_skip_reasons_and_page_kinds_are_words_of_the_page_language(job_page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = job_page(lang)
    not_fetched = ADMIN_STRINGS["not_fetched"][lang]
    for reason in ("out_of_scope", "trap_pattern", "dead_relative_link"):
        words = html.escape(ADMIN_STRINGS[f"skip_{reason}"][lang], quote=False)
        n = DISCOVERY["skipped"][reason]
        assert (
            f'<tr data-skipped="{reason}"><th title="{reason}">{not_fetched}: {words}</th>'
            f'<td class="num">{n}</td>'
        ) in page
        assert f"{not_fetched}: {reason}<" not in page
    # a reason the console has no words for yet is shown as it is, not dropped
    assert f"{not_fetched}: new_reason</th>" in page
    read_as = ADMIN_STRINGS["read_as"][lang]
    for kind, n in DISCOVERY["pages"].items():
        words = ADMIN_STRINGS[f"kind_{kind}"][lang]
        assert f'<tr data-read-as="{kind}"><th>{read_as} {words}</th><td class="num">{n}</td>' in (
            page
        )


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_meta_refreshes_are_counted_with_their_targets(job_page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = job_page(lang)
    label = html.escape(ADMIN_STRINGS["meta_refresh"][lang], quote=False)
    for how in ("followed", "out_of_portal"):
        words = html.escape(ADMIN_STRINGS[f"refresh_{how}"][lang], quote=False)
        assert (
            f'<tr data-meta-refresh="{how}"><th>{label}: {words}</th><td class="num">1</td>'
        ) in page
    targets = page.split('<ul id="job-refresh-targets">', 1)[1].split("</ul>", 1)[0]
    assert "<script>" not in targets and "&lt;script&gt;alert(1)&lt;/script&gt;" in targets
    followed = html.escape(ADMIN_STRINGS["refresh_followed"][lang], quote=False)
    assert (
        f"<code>http://p.example/b.html</code> → <code>http://p.example/c/</code> · {followed}"
    ) in targets


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_error_reasons_are_words_of_the_page_language(job_page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = job_page(lang)
    table = page.split('<table id="job-reasons">', 1)[1].split("</table>", 1)[0]
    status = ADMIN_STRINGS["error_http"][lang].format(status="404")
    assert (
        f'<tr data-reason="http_404"><th title="http_404">{status}</th><td class="num">5</td>'
        in (table)
    )
    for reason in ("no_body", "timeout"):
        words = html.escape(ADMIN_STRINGS[f"error_{reason}"][lang], quote=False)
        n = ERRORS[reason]
        assert f'<th title="{reason}">{words}</th><td class="num">{n}</td>' in table
        assert f">{reason}</th>" not in table
    # a reason the console has no words for yet is shown as it is, not dropped
    assert '<th title="new_failure">new_failure</th>' in table


def test_every_skip_reason_of_the_crawler_has_words() -> None:
    for reason in SKIP_REASONS:
        texts = ADMIN_STRINGS[f"skip_{reason}"]
        assert texts["vi"] and texts["en"] and texts["vi"] != texts["en"]


@pytest.mark.parametrize(
    ("log", "state", "words"),
    [
        (None, "none", "No log file was recorded"),
        ("gone.log", "missing", "is not there (removed, or written on another machine)"),
        ("empty.log", "empty", "is empty"),
    ],
)
def test_an_empty_log_tail_says_why(tmp_path: Path, monkeypatch, log, state, words) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    admin = add_user(tmp_path)
    path = str(tmp_path / log) if log else None
    if log == "empty.log":
        (tmp_path / log).write_bytes(b"")
    job_id = admin.store.start_job("sample-wordpress", log_path=path)
    admin.store.finish_job(job_id, "failed", pages=0, errors=0)
    with TestClient(fresh_app(tmp_path)) as client:
        sign_in(client)
        page = client.get(f"/admin/jobs/{job_id}?lang=en").text
        shown = client.get(f"/api/admin/jobs/{job_id}").json()
    assert f'id="log-state" data-state="{state}"' in page
    assert words in page and 'id="log-tail"' not in page
    if path:
        assert html.escape(path) in page
    assert shown["log_state"] == state and shown["log_tail"] == []


def test_a_log_with_lines_is_shown_without_a_state_line(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    admin = add_user(tmp_path)
    log = tmp_path / "crawl.log"
    log.write_text("2026-12-05 INFO started <crawl>\n", encoding="utf-8")
    job_id = admin.store.start_job("sample-wordpress", log_path=str(log))
    admin.store.finish_job(job_id, "finished", pages=1, errors=0)
    with TestClient(fresh_app(tmp_path)) as client:
        sign_in(client)
        page = client.get(f"/admin/jobs/{job_id}?lang=vi").text
    assert 'id="log-tail"' in page and "started &lt;crawl&gt;" in page
    assert 'id="log-state"' not in page

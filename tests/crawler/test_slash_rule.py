"""SlashRule: a portal's trailing-slash redirect learnt from what the crawl saw."""

from __future__ import annotations

from crawler.spiders.slash_rule import SlashRule

BASE = "http://portal.example/tin-tuc"


def _learn(rule: SlashRule, n: int) -> None:
    for i in range(n):
        rule.observe_redirect(f"{BASE}/bai-{i}", f"{BASE}/bai-{i}/", 301)


def test_nothing_is_rewritten_before_the_portal_showed_the_redirect_three_times() -> None:
    rule = SlashRule()
    _learn(rule, 2)
    assert rule.target(f"{BASE}/bai-moi") is None
    _learn(rule, 1)
    assert rule.target(f"{BASE}/bai-moi") == f"{BASE}/bai-moi/"


def test_only_permanent_redirects_to_the_same_path_with_a_slash_count() -> None:
    rule = SlashRule()
    for i in range(5):
        rule.observe_redirect(f"{BASE}/a-{i}", f"{BASE}/a-{i}/", 302)  # temporary
        rule.observe_redirect(f"{BASE}/b-{i}", f"{BASE}/khac/", 301)  # elsewhere
        rule.observe_redirect(f"{BASE}/c-{i}/", f"{BASE}/c-{i}//", 301)  # had one already
        rule.observe_redirect(f"{BASE}/d-{i}?p=1", f"{BASE}/d-{i}/?p=1", 301)  # a query
    assert rule.redirects == 0 and not rule.active
    rule.observe_redirect(f"{BASE}/e", f"{BASE}/e/", 308)
    assert rule.redirects == 1


def test_files_queries_the_root_and_slashed_urls_are_never_rewritten() -> None:
    rule = SlashRule()
    _learn(rule, 5)
    for url in (
        f"{BASE}/van-ban.pdf",
        f"{BASE}/Pages/default.aspx",
        f"{BASE}/danh-sach?page=2",
        "http://portal.example",
        "http://portal.example/",
        f"{BASE}/bai-viet/",
    ):
        assert rule.target(url) is None, url


def test_a_portal_that_answers_slash_less_paths_itself_switches_the_rule_off() -> None:
    rule = SlashRule()
    _learn(rule, 10)
    rule.observe_answer(f"{BASE}/-/view-article/1/1646721")  # one in ten: still on
    assert rule.active
    rule.observe_answer(f"{BASE}/-/view-article/1/1646722")
    assert not rule.active and rule.target(f"{BASE}/bai-moi") is None
    # answers of other shapes say nothing about it
    rule = SlashRule()
    _learn(rule, 3)
    rule.observe_answer(f"{BASE}/bai/")
    rule.observe_answer(f"{BASE}/trang.aspx")
    assert rule.active


def test_a_missing_slashed_url_is_fetched_as_linked_until_dead_links_proved_alike() -> None:
    rule = SlashRule()
    _learn(rule, 3)
    for _ in range(3):
        assert rule.fallback_needed
        rule.observe_fallback_missing()
    assert not rule.fallback_needed
    # a linked URL that answered after all: every later miss is fetched again
    rule.observe_answer(f"{BASE}/lien-he")
    assert rule.fallback_needed

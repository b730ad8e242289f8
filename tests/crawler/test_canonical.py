"""The one rule for believing a page's rel=canonical (crawler.canonical)."""

from __future__ import annotations

from crawler.canonical import CanonicalRule, names_this_page
from crawler.scope import PortalScope

BASE = "http://huyen.example.vn/"
URL = f"{BASE}tin-tuc/le-mit-tinh-huong-ung-ngay-moi-truong/"
TITLE = "Lễ mít tinh hưởng ứng Ngày Môi trường"


def test_a_canonical_is_believed_only_when_it_names_the_page() -> None:
    rule = CanonicalRule()
    for declared, kept in (
        ("/guest", None),  # Liferay themes print it on every page
        ("/", None),
        ("/-/view_content/4418033-bai-khac", None),
        ("/tin/le-mit-tinh-moi-truong.html", f"{BASE}tin/le-mit-tinh-moi-truong.html"),
        ("/huyen-huong-ung-ngay-moi-truong", f"{BASE}huyen-huong-ung-ngay-moi-truong"),
        ("http:///guest", None),  # host-less
        ("", None),
        (URL + "#top", URL),
    ):
        assert rule.trusted(declared, URL, TITLE) == kept, declared
    assert names_this_page(f"{BASE}a/12345-x.html", f"{BASE}b/12345-y.html", "")


def test_a_crawl_refuses_canonicals_outside_the_portal_its_home_listings_and_shared_ones() -> None:
    kinds = {f"{BASE}le-mit-tinh/": "listing"}
    rule = CanonicalRule(PortalScope(BASE), page_kind=kinds.get)
    assert rule.trusted("http://other.example.vn/le-mit-tinh-moi-truong", URL, TITLE) is None
    assert rule.trusted(f"{BASE}le-mit-tinh/", URL, TITLE) is None  # read as a listing
    print_url = f"{BASE}in/le-mit-tinh-moi-truong;jsessionid=AB12?x=1"
    kept = rule.trusted(print_url, URL, TITLE)
    assert kept == f"{BASE}in/le-mit-tinh-moi-truong?x=1"  # cleaned by the scope
    # another article (another title) declaring the same canonical: not believed
    other = f"{BASE}tin-tuc/le-mit-tinh-2/"
    assert rule.trusted(print_url, other, "Lễ mít tinh môi trường năm sau") is None
    assert rule.ignored_shared == 1
    assert rule.trusted(print_url, other, TITLE) == kept  # the same story's alias

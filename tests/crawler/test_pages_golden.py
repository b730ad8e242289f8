"""Golden fixtures: every field of every saved page, one test each.

Our own sample pages live in ``fixtures/<family>/`` with their expected output next to them.
Real pages are other people's text, so they are read from the real pages folder
(``$VNARCHIVE_REALPAGES``, default ``../shared/realpages``) and their expected output is kept
as facts only (``fixtures/realpages_golden.json``: text fields as length + hash); without the
folder those cases skip.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from realdata import need_realpages
from text_facts import facts_of

from crawler.pages import extract

FIXTURES = Path(__file__).parent / "fixtures"
REAL_GOLDEN = json.loads((FIXTURES / "realpages_golden.json").read_text(encoding="utf-8"))


def _cases() -> list[tuple[str, str]]:
    cases = []
    for json_path in sorted(FIXTURES.glob("*/*.json")):
        expected = json.loads(json_path.read_text(encoding="utf-8"))
        name = str(json_path.relative_to(FIXTURES).with_suffix(""))
        cases += [(name, key) for key in expected if key != "family"]
    for name, expected in sorted(REAL_GOLDEN.items()):
        cases += [(f"real:{name}", key) for key in expected if key != "family"]
    return cases


@cache
def _extracted(name: str) -> tuple[dict, dict]:
    if name.startswith("real:"):
        file = name.removeprefix("real:")
        expected = REAL_GOLDEN[file]
        html = (need_realpages() / file).read_bytes()
        got = extract(html, expected["url"], family=expected.get("family")).to_dict()
        return expected, facts_of(got)
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    html = (FIXTURES / f"{name}.html").read_bytes()
    got = extract(html, expected["url"], family=expected.get("family")).to_dict()
    return expected, got


@pytest.mark.parametrize(("name", "field"), _cases(), ids=[f"{n}:{f}" for n, f in _cases()])
def test_field(name: str, field: str) -> None:
    expected, got = _extracted(name)
    assert got.get(field) == expected[field]


def test_every_family_directory_has_fixtures() -> None:
    families = {p.parent.name for p in FIXTURES.glob("*/*.json")}
    assert {"sharepoint2010", "liferay62", "liferay_qb", "wordpress"} <= families
    assert len(REAL_GOLDEN) >= 13


def test_no_real_page_is_copied_into_the_fixtures() -> None:
    """Real pages stay in the shared folder: no fixture file is a byte copy of one."""
    real = need_realpages()
    theirs = {p.read_bytes() for p in real.glob("*.html")}
    ours = [p for p in FIXTURES.rglob("*.html") if p.read_bytes() in theirs]
    assert ours == []

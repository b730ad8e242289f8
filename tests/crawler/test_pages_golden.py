"""Golden fixtures: every field of every saved page, one test each."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from crawler.pages import extract

FIXTURES = Path(__file__).parent / "fixtures"


def _cases() -> list[tuple[str, str]]:
    cases = []
    for json_path in sorted(FIXTURES.glob("*/*.json")):
        expected = json.loads(json_path.read_text(encoding="utf-8"))
        name = str(json_path.relative_to(FIXTURES).with_suffix(""))
        cases += [(name, key) for key in expected if key != "family"]
    return cases


@cache
def _extracted(name: str) -> tuple[dict, dict]:
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
    assert {"sharepoint2010", "liferay62", "liferay7", "liferay_qb", "wordpress"} <= families

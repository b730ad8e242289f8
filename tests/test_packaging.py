"""Installing vnarchive prints no deprecation warning about its metadata (issue 15 item 8).

setuptools reads pyproject.toml when ``pip install`` builds the package; a
``project.license`` written as a TOML table (``{text = "MIT"}``) or a license
classifier makes it print a ``SetuptoolsDeprecationWarning`` on every install.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _license_warnings(pyproject: Path) -> list[str]:
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        apply_configuration(Distribution(), str(pyproject))
    return [str(w.message) for w in caught if "license" in str(w.message).lower()]


def test_the_project_metadata_gives_no_license_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert _license_warnings(REPO / "pyproject.toml") == []


def test_the_check_sees_the_old_license_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above would catch the old form (a TOML table), so it can fail."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    lines = [
        'license = {text = "MIT"}' if line.startswith("license = ") else line
        for line in text.splitlines()
    ]
    assert lines != text.splitlines()
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in ("crawler", "indexer", "search_app", "vnarchive"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = _license_warnings(tmp_path / "pyproject.toml")
    assert found and "project.license" in found[0]

"""``vnarchive portals list`` / ``check`` against real profile directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.config import REPO_ROOT
from vnarchive.cli import main

SHIPPED = REPO_ROOT / "data" / "portals"


@pytest.fixture
def portals_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "portals"
    directory.mkdir()
    for name in ("krongno.toml", "tuyenhoa.toml"):
        (directory / name).write_text(
            (SHIPPED / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    monkeypatch.setenv("VNARCHIVE_PORTALS", str(directory))
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "data"))
    return directory


def test_list_json(portals_dir: Path) -> None:
    result = CliRunner().invoke(main, ["portals", "list", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [p["id"] for p in data] == ["krongno", "tuyenhoa"]
    assert set(data[0]) == {
        "id",
        "name",
        "province",
        "district",
        "family",
        "base_url",
        "enabled",
        "sample",
        "now",
    }
    # every profile resolves to its unit after the 2025 reform
    assert data[0]["now"]["new"] == "Tỉnh Lâm Đồng" and data[0]["now"]["change"] == "split"
    assert data[1]["now"]["province_now"] == "Quảng Trị"
    assert data[0]["base_url"] == "http://krongno.daknong.gov.vn/"
    assert data[0]["sample"] is False and data[0]["enabled"] is True


def test_list_table(portals_dir: Path) -> None:
    result = CliRunner().invoke(main, ["portals", "list"])
    assert result.exit_code == 0
    assert (
        "tuyenhoa" in result.output
        and "Quảng Bình" in result.output
        and "liferay_qb" in result.output
    )
    assert "Tỉnh Quảng Trị (split)" in result.output


def test_shipped_profiles_all_check() -> None:
    result = CliRunner().invoke(main, ["portals", "check"])
    assert result.exit_code == 0, result.output
    assert "ok     krongno" in result.output


def test_check_names_file_and_key(portals_dir: Path) -> None:
    broken = portals_dir / "broken.toml"
    broken.write_text(
        (portals_dir / "krongno.toml")
        .read_text(encoding="utf-8")
        .replace('id = "krongno"', 'id = "broken"')
        .replace('family = "sharepoint2010"', 'family = "joomla"'),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["portals", "check"])
    assert result.exit_code == 1
    assert f"{broken}: family: unknown family 'joomla'" in result.output
    assert "ok     krongno" in result.output
    assert "Traceback" not in result.output
    # one portal only
    assert CliRunner().invoke(main, ["portals", "check", "tuyenhoa"]).exit_code == 0
    assert CliRunner().invoke(main, ["portals", "check", "broken"]).exit_code == 1
    missing = CliRunner().invoke(main, ["portals", "check", "nope"])
    assert missing.exit_code == 1 and "no portal 'nope'" in missing.output
    # list still shows every usable portal, and says which file it skipped and why
    listed = CliRunner().invoke(main, ["portals", "list"])
    assert listed.exit_code == 0 and "broken.toml: family" in listed.output
    assert "krongno" in listed.output and "\nbroken " not in listed.output


def test_check_lists_unmapped_categories(portals_dir: Path) -> None:
    from crawler.items import Article
    from indexer.store.archive import ArchiveStore

    store = ArchiveStore()
    for n, category in enumerate(["An ninh Quốc phòng", "Lễ hội mùa xuân"]):
        store.upsert_article(
            Article(
                url=f"http://krongno.daknong.gov.vn/{n}",
                title=f"Bài {n}",
                portal="krongno",
                category=category,
                body_text=f"nội dung {n}",
                content_hash=f"h{n}",
            )
        )
    result = CliRunner().invoke(main, ["portals", "check", "krongno"])
    assert result.exit_code == 0, result.output
    assert "unmapped category 'Lễ hội mùa xuân'" in result.output
    assert "An ninh Quốc phòng" not in result.output

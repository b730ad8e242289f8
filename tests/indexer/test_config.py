"""Paths and URLs from Scrapy settings or the environment, and errors that name the setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.profiles import get_profile
from indexer import config


@pytest.fixture(autouse=True)
def _clean_overrides() -> Iterator[None]:
    config.clear_overrides()
    yield
    config.clear_overrides()


def test_settings_win_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "from-env"))
    monkeypatch.setenv("VNARCHIVE_DB_URL", "sqlite:///env.sqlite")
    applied = config.apply_settings(
        {"VNARCHIVE_DATA": str(tmp_path / "from-setting"), "VNARCHIVE_PORTALS": "", "OTHER": "x"}
    )
    assert applied == {"VNARCHIVE_DATA": str(tmp_path / "from-setting")}
    assert config.data_dir() == (tmp_path / "from-setting").resolve()
    assert config.db_url() == "sqlite:///env.sqlite"  # not given as a setting: env still counts
    config.clear_overrides()
    assert config.data_dir() == (tmp_path / "from-env").resolve()


def test_unusable_data_dir_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    config.apply_settings({"VNARCHIVE_DATA": str(blocker / "data")})
    with pytest.raises(config.ConfigError, match=r"VNARCHIVE_DATA.*schedule\.json"):
        config.data_dir()


def test_unknown_portal_with_no_profiles_dir_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    config.apply_settings({"VNARCHIVE_PORTALS": str(tmp_path / "nowhere")})
    with pytest.raises(KeyError, match=r"no portal 'krongno' \(known: none\).*VNARCHIVE_PORTALS"):
        get_profile("krongno")


def test_scrapyd_urls_are_split_and_end_with_a_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNARCHIVE_SCRAPYD_URLS", "http://a:6800, http://b:6800/  http://c:1/x")
    assert config.scrapyd_urls() == ["http://a:6800/", "http://b:6800/", "http://c:1/x/"]
    monkeypatch.delenv("VNARCHIVE_SCRAPYD_URLS")
    assert config.scrapyd_urls() == []

"""Portal profiles: the shipped ones load; every kind of mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.profiles import (
    FAMILIES,
    PortalProfile,
    ProfileError,
    get_profile,
    load_profile,
    load_profiles,
    profile_for_url,
    profile_from_dict,
    scan_profiles,
)
from indexer.config import REPO_ROOT

SHIPPED = REPO_ROOT / "data" / "portals"
REAL = ("krongno", "dakrlap", "dakglong", "gianghia", "tuyenhoa")

GOOD = """\
id = "demo"
name = "Trang thông tin điện tử huyện Demo"
province = "Đắk Nông"
district = "Demo"
family = "sharepoint2010"
base_url = "${VNARCHIVE_SAMPLES_URL}/demo/"
start_urls = ["${VNARCHIVE_SAMPLES_URL}/demo/tin-tuc-su-kien/"]
sample = true
enabled = true
schedule = "0 2 * * *"
sitemaps = []
[pagination]
pattern = "tin-tuc-su-kien/page/{n}/"
[politeness]
download_delay = 0.0
concurrency = 4
[selectors]
title = "p.Title"
"""


def _write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_load() -> None:
    profiles = {p.id: p for p in load_profiles(SHIPPED)}
    for pid in REAL:
        profile = profiles[pid]
        assert profile.enabled and not profile.sample
        assert profile.base_url.startswith("http://") and profile.base_url.endswith(".gov.vn/")
        assert profile.family in FAMILIES
    assert profiles["krongno"].base_url == "http://krongno.daknong.gov.vn/"
    assert profiles["tuyenhoa"].family == "liferay_qb"
    assert profiles["tuyenhoa"].province == "Quảng Bình"


def test_good_profile_and_substitution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNARCHIVE_SAMPLES_URL", "http://127.0.0.1:9999/")
    profile = load_profile(_write(tmp_path, GOOD))
    assert isinstance(profile, PortalProfile)
    assert profile.base_url == "http://127.0.0.1:9999/demo/"
    assert profile.start_urls == ("http://127.0.0.1:9999/demo/tin-tuc-su-kien/",)
    assert profile.pagination_pattern == "tin-tuc-su-kien/page/{n}/"
    assert profile.download_delay == 0.0 and profile.concurrency == 4
    assert profile.selectors == {"title": "p.Title"}
    assert profile.path == str(tmp_path / "demo.toml")
    assert profile.summary()["sample"] is True
    with pytest.raises(AttributeError):
        profile.id = "x"  # frozen


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('family = "sharepoint2010"', 'family = "joomla"'), "family"),
        (('schedule = "0 2 * * *"', 'schedule = "0 25 * * *"'), "schedule"),
        (('schedule = "0 2 * * *"', 'schedule = "daily"'), "schedule"),
        (('base_url = "${VNARCHIVE_SAMPLES_URL}/demo/"', 'base_url = "ftp://x/"'), "base_url"),
        (('base_url = "${VNARCHIVE_SAMPLES_URL}/demo/"', "base_url = 42"), "base_url"),
        (
            (
                'start_urls = ["${VNARCHIVE_SAMPLES_URL}/demo/tin-tuc-su-kien/"]',
                'start_urls = ["not a url"]',
            ),
            "start_urls[0]",
        ),
        (
            (
                'start_urls = ["${VNARCHIVE_SAMPLES_URL}/demo/tin-tuc-su-kien/"]',
                'start_urls = "http://x/"',
            ),
            "start_urls",
        ),
        (("enabled = true", 'enabled = "yes"'), "enabled"),
        (("enabled = true", 'enabled = true\nrequisites = "yes"'), "requisites"),
        (("concurrency = 4", "concurrency = 0"), "politeness.concurrency"),
        (("download_delay = 0.0", 'download_delay = "slow"'), "politeness.download_delay"),
        (('pattern = "tin-tuc-su-kien/page/{n}/"', 'pattern = "page/2/"'), "pagination.pattern"),
        (('title = "p.Title"', 'title = "p[[["'), "selectors.title"),
        (('title = "p.Title"', 'headline = "h1"'), "selectors.headline"),
        (('id = "demo"', 'id = "Demo Portal"'), "id"),
        (('name = "Trang thông tin điện tử huyện Demo"\n', ""), "name"),
        (("sample = true", "sample = true\ncolour = 3"), "colour"),
    ],
)
def test_mistakes_name_file_and_key(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert err.value.key == key
    assert str(path) in str(err.value) and key in str(err.value)


def test_invalid_toml_and_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path, 'id = "x\n')
    with pytest.raises(ProfileError, match="invalid TOML") as err:
        load_profile(path)
    assert str(path) in str(err.value)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('name = "Đắk"'.encode("utf-16"))
    with pytest.raises(ProfileError):
        load_profile(bad)


def test_duplicate_ids(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.toml")
    _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ProfileError, match="duplicate id"):
        load_profiles(tmp_path, strict=True)
    assert [p.id for p in load_profiles(tmp_path)] == ["demo"]  # the first file wins


def test_one_broken_profile_does_not_block_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(tmp_path, GOOD, "demo.toml")
    broken = _write(
        tmp_path,
        GOOD.replace('id = "demo"', 'id = "other"').replace('family = "', 'family = "x', 1),
        "other.toml",
    )
    with caplog.at_level("WARNING", logger="crawler.profiles"):
        assert [p.id for p in load_profiles(tmp_path)] == ["demo"]
    assert str(broken) in caplog.text and "family" in caplog.text
    profiles, errors = scan_profiles(tmp_path)
    assert [p.id for p in profiles] == ["demo"] and [e.key for e in errors] == ["family"]
    assert get_profile("demo", tmp_path).id == "demo"
    with pytest.raises(ProfileError) as err:  # asking for the broken one says what is wrong
        get_profile("other", tmp_path)
    assert err.value.key == "family"
    with pytest.raises(KeyError, match="1 broken profile"):
        get_profile("nope", tmp_path)


def test_profile_from_dict_same_rules() -> None:
    data = {
        "id": "form",
        "name": "Cổng thông tin",
        "province": "Quảng Bình",
        "family": "liferay_qb",
        "base_url": "http://tuyenhoa.quangbinh.gov.vn/",
    }
    profile = profile_from_dict(data, source="admin form")
    assert profile.start_urls == ("http://tuyenhoa.quangbinh.gov.vn/",)
    assert profile.schedule == "0 2 * * *"
    with pytest.raises(ProfileError) as err:
        profile_from_dict({**data, "family": "drupal"}, source="admin form")
    assert str(err.value).startswith("admin form: family:")


def test_get_profile_and_url_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNARCHIVE_SAMPLES_URL", "http://127.0.0.1:9999")
    _write(tmp_path, GOOD, "demo.toml")
    _write(
        tmp_path,
        GOOD.replace('id = "demo"', 'id = "demo2"').replace("/demo/", "/demo2/"),
        "demo2.toml",
    )
    assert get_profile("demo2", tmp_path).base_url == "http://127.0.0.1:9999/demo2/"
    with pytest.raises(KeyError, match="demo, demo2"):
        get_profile("nope", tmp_path)
    assert profile_for_url("http://127.0.0.1:9999/demo2/a-b/", tmp_path).id == "demo2"
    assert profile_for_url("http://127.0.0.1:9999/demo/a-b/", tmp_path).id == "demo"
    assert profile_for_url("http://127.0.0.1:9998/demo/", tmp_path) is None
    assert profile_for_url("http://krongno.daknong.gov.vn/x/", SHIPPED).id == "krongno"


def test_requisites_switch_defaults_on(tmp_path: Path) -> None:
    assert load_profile(_write(tmp_path, GOOD)).requisites is True
    off = GOOD.replace("enabled = true", "enabled = true\nrequisites = false")
    assert load_profile(_write(tmp_path, off, "off.toml")).requisites is False

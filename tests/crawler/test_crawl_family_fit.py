"""A crawl whose profile leaves the family to the markup (``family = "auto"``), and one whose
profile names the wrong family: both archive the sample portal as its own family does."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from crawl_support import REPO, compare_with_truth, run_crawl

from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow
PORTAL = "sample-wordpress"


def _reset(samples_url: str) -> None:
    request = urllib.request.Request(f"{samples_url}/_control/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _crawl_as(tmp_path: Path, samples_url: str, family: str) -> tuple[ArchiveStore, dict]:
    """Crawl the sample portal with its profile's family set to ``family``."""
    profiles = tmp_path / f"portals-{family}"
    profiles.mkdir()
    source = (REPO / "data" / "portals" / f"{PORTAL}.toml").read_text(encoding="utf-8")
    assert 'family = "wordpress"' in source
    (profiles / f"{PORTAL}.toml").write_text(
        source.replace('family = "wordpress"', f'family = "{family}"'), encoding="utf-8"
    )
    data_dir = tmp_path / family
    proc = run_crawl(data_dir, samples_url, PORTAL, "--no-health", VNARCHIVE_PORTALS=str(profiles))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    return store, store.list_jobs(portal=PORTAL)[0]


def test_family_auto_archives_the_portal_as_its_own_family(
    samples_url: str, tmp_path: Path
) -> None:
    _reset(samples_url)
    store, job = _crawl_as(tmp_path, samples_url, "auto")
    result = compare_with_truth(store, PORTAL, samples_url)
    assert result["missing"] == [] and result["extra"] == [], result
    assert result["fields"] == {}, {f: urls[:3] for f, urls in result["fields"].items()}
    assert "family_unfit" not in job["error_reasons"]
    assert {k for k in job["extraction_paths"] if k.startswith("article:")} == {"article:family"}


def test_a_profile_naming_the_wrong_family_archives_the_portal_and_says_so(
    samples_url: str, tmp_path: Path
) -> None:
    """SharePoint named, WordPress served: none of the first pages fits, the rest is read
    by the family the markup shows; only articles read before that may be missing."""
    _reset(samples_url)
    store, job = _crawl_as(tmp_path, samples_url, "sharepoint2010")
    result = compare_with_truth(store, PORTAL, samples_url)
    assert result["extra"] == [], result["extra"]
    assert len(result["missing"]) <= 5, result["missing"]
    assert result["fields"] == {}, {f: urls[:3] for f, urls in result["fields"].items()}
    assert job["error_reasons"]["family_unfit"] == 1
    paths = job["extraction_paths"]
    assert paths["article:rescued"] == result["found"] and "article:family" not in paths

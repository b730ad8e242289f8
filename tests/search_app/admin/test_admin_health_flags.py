"""The health flags of a portal show on the admin pages and in the admin API."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_helpers import add_user, fresh_app, sign_in
from fastapi.testclient import TestClient
from support import control, sample_profiles

from crawler.operations.health import check_portal
from indexer.store.admin import AdminStore
from indexer.store.archive import ArchiveStore


@pytest.fixture()
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples_url: str) -> AdminStore:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    return AdminStore(ArchiveStore())


def profile(portal: str):  # type: ignore[no-untyped-def]
    return next(p for p in sample_profiles() if p.id == portal)


def test_flags_show_on_the_admin_pages_and_status(
    admin: AdminStore, samples_url: str, tmp_path: Path
) -> None:
    control(samples_url, "sample-wordpress", "maintenance")
    check_portal(admin, profile("sample-wordpress"))
    add_user(tmp_path)
    with TestClient(fresh_app(tmp_path)) as client:
        sign_in(client)
        page = client.get("/admin/portals?lang=en").text
        assert 'class="flag flag-parked"' in page
        overview = client.get("/admin?lang=en").text
        assert 'data-flag="parked"' in overview and "sample-wordpress" in overview
        api = client.get("/api/admin/portals").json()["portals"]
        wp = next(p for p in api if p["id"] == "sample-wordpress")
        assert "parked" in wp["health"]

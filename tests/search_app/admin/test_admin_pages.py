"""Admin pages and JSON API, signed in: portal form (validate, test, save), enable/disable,
Run now, schedules, jobs and cancel — over a fresh data dir and the sample server."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from admin_helpers import add_user, fresh_app, sign_in
from fastapi.testclient import TestClient
from support import wait_for

from crawler.profiles import get_profile, load_profiles


@pytest.fixture()
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples_url: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    admin = add_user(tmp_path)
    with TestClient(fresh_app(tmp_path)) as client:
        csrf = sign_in(client)
        yield client, csrf, admin, samples_url


def portal_form(samples_url: str, **changes: str) -> dict[str, str]:
    form = {
        "id": "copy-sp2010",
        "name": "Bản sao cổng Krông Xanh",
        "province": "Đắk Nông",
        "district": "Krông Xanh",
        "family": "sharepoint2010",
        "base_url": f"{samples_url}/sample-sp2010/",
        "start_urls": f"{samples_url}/sample-sp2010/tin-tuc-su-kien/",
        "pagination_pattern": "tin-tuc-su-kien/page/{n}/",
        "download_delay": "0",
        "concurrency": "2",
        "schedule": "15 4 * * *",
        "enabled": "1",
    }
    form.update(changes)
    return form


def portal_test_page(client: TestClient, data: dict[str, str]) -> str:
    """Submit the form with action=test; follow the background check to its result page."""
    started = client.post("/admin/portals/new?lang=en", data=data, follow_redirects=False)
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert location.startswith("/admin/checks/")

    def done() -> str | None:
        page = client.get(location + "?lang=en")
        assert page.status_code == 200
        return page.text if 'id="test-result"' in page.text else None

    return wait_for(done, 60, "the portal test")


def test_an_invalid_profile_names_the_field(signed_in) -> None:  # type: ignore[no-untyped-def]
    client, csrf, _admin, samples_url = signed_in
    cases = {
        "base_url": ("ftp://x", "base_url"),
        "family": ("joomla", "family"),
        "schedule": ("0 25 * * *", "schedule"),
        "concurrency": ("many", "concurrency"),
        "id": ("Bad Id!", "id"),
    }
    for key, (value, field) in cases.items():
        data = portal_form(samples_url, **{key: value}) | {"csrf_token": csrf, "action": "save"}
        response = client.post("/admin/portals/new?lang=en", data=data)
        assert response.status_code == 422, key
        assert f'data-error-for="{field}"' in response.text, key
        assert "admin form" in response.text  # the loader's own message: source and key
    assert not (Path(client.app.state.ctx.data_dir) / "portals").exists()


def test_test_this_portal_then_save(signed_in, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, csrf, admin, samples_url = signed_in
    data = portal_form(samples_url) | {"csrf_token": csrf, "action": "test"}
    tested = portal_test_page(client, data)
    assert "test-result ok" in tested
    assert 'data-field="title"' in tested and 'data-field="published"' in tested
    assert 'value="Bản sao cổng Krông Xanh"' in tested  # the form is shown again, filled
    assert not (tmp_path / "portals" / "copy-sp2010.toml").exists()  # tested, not saved
    saved = client.post(
        "/admin/portals/new", data=data | {"action": "save"}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith("/admin/portals")
    path = tmp_path / "portals" / "copy-sp2010.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["name"] == "Bản sao cổng Krông Xanh" and raw["politeness"]["download_delay"] == 0.0
    profile = get_profile("copy-sp2010")
    assert profile.family == "sharepoint2010" and profile.pagination_pattern
    assert admin.get_schedule("copy-sp2010")["cron"] == "15 4 * * *"
    assert "copy-sp2010" in client.get("/admin/portals").text
    # the id is taken now
    again = client.post("/admin/portals/new", data=data | {"action": "save"})
    assert again.status_code == 409
    # edit: a new name, the id cannot change
    edited = client.post(
        "/admin/portals/copy-sp2010/edit",
        data=data | {"action": "save", "name": "Tên mới", "id": "other-id"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert get_profile("copy-sp2010").name == "Tên mới"
    assert "other-id" not in {p.id for p in load_profiles()}


def test_a_broken_portal_fails_its_test(signed_in) -> None:  # type: ignore[no-untyped-def]
    client, csrf, _admin, samples_url = signed_in
    data = portal_form(
        samples_url,
        start_urls=f"{samples_url}/sample-sp2010/no-such-listing/",
    ) | {"csrf_token": csrf, "action": "test"}
    tested = portal_test_page(client, data)
    assert "test-result problems" in tested and "HTTP 404" in tested


def test_disable_and_enable_a_portal(signed_in, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, csrf, _admin, _url = signed_in
    response = client.post(
        "/admin/portals/sample-wordpress/enabled",
        data={"csrf_token": csrf, "enabled": "0"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert get_profile("sample-wordpress").enabled is False
    raw = (tmp_path / "portals" / "sample-wordpress.toml").read_text(encoding="utf-8")
    assert "${VNARCHIVE_SAMPLES_URL}" in raw  # the shipped placeholders are kept
    schedules = client.get("/api/admin/portals").json()["portals"]
    assert next(p for p in schedules if p["id"] == "sample-wordpress")["next_run"] is None
    client.post(
        "/admin/portals/sample-wordpress/enabled", data={"csrf_token": csrf, "enabled": "1"}
    )
    assert get_profile("sample-wordpress").enabled is True


def test_schedules_page_and_api(signed_in) -> None:  # type: ignore[no-untyped-def]
    client, csrf, admin, _url = signed_in
    response = client.post(
        "/admin/schedules/sample-sp2010",
        data={"csrf_token": csrf, "cron": "0 5 * * 1", "enabled": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert admin.get_schedule("sample-sp2010")["cron"] == "0 5 * * 1"
    page = client.get("/admin/schedules").text
    row = page.split('id="schedule-sample-sp2010"', 1)[1].split("</tr>", 1)[0]
    assert row.count(" 05:00") == 3  # the next three Mondays at 05:00
    bad = client.post(
        "/admin/schedules/sample-sp2010",
        data={"csrf_token": csrf, "cron": "every day", "enabled": "1"},
    )
    assert bad.status_code == 422 and 'id="schedule-error"' in bad.text
    assert admin.get_schedule("sample-sp2010")["cron"] == "0 5 * * 1"
    api = client.put(
        "/api/admin/schedules/sample-sp2010",
        json={"cron": "30 23 * * *", "enabled": False},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 200 and api.json()["next_runs"] == []
    assert admin.get_schedule("sample-sp2010")["enabled"] is False
    wrong = client.put(
        "/api/admin/schedules/sample-sp2010",
        json={"cron": "30 23 * *"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_parameter"
    assert (
        client.put(
            "/api/admin/schedules/nope", json={"cron": "0 1 * * *"}, headers={"X-CSRF-Token": csrf}
        ).json()["error"]["code"]
        == "not_found"
    )


def test_run_now_then_watch_the_job(signed_in) -> None:  # type: ignore[no-untyped-def]
    client, csrf, admin, _url = signed_in
    response = client.post(
        "/admin/portals/sample-liferayqb/run",
        data={"csrf_token": csrf, "max_pages": "10"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_url = response.headers["location"].split("?")[0]
    job_id = int(job_url.rsplit("/", 1)[1])
    # a second Run now while it runs is refused (never two crawls of one portal)
    busy = client.post(
        "/api/admin/portals/sample-liferayqb/run",
        json={"max_pages": 4},
        headers={"X-CSRF-Token": csrf},
    )
    if admin.store.get_job(job_id)["status"] in ("queued", "running"):
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "portal_busy"
    job = wait_for(
        lambda: (
            (j := client.get(f"/api/admin/jobs/{job_id}").json())["status"]
            not in ("queued", "running")
            and j
        ),
        what="the crawl to end",
    )
    assert job["status"] == "finished" and job["articles_new"] > 0, (job, job["log_tail"])
    assert job["trigger"] == "manual" and job["options"]["max_pages"] == 10
    assert job["log_tail"]
    page = client.get(job_url + "?lang=en").text
    assert 'data-status="finished"' in page and 'id="log-tail"' in page
    # what discovery saw and how pages were extracted, as `vnarchive jobs show` says it
    row = admin.store.get_job(job_id)
    articles = row["discovery"]["pages"]["article"]
    assert (
        f'<tr data-read-as="article"><th>Read as article</th><td class="num">{articles}</td>'
        in page
    )
    assert row["extraction_paths"]
    for path, n in row["extraction_paths"].items():
        assert f'<tr data-path="{path}"><th>{path}</th><td class="num">{n}</td>' in page
    assert 'http-equiv="refresh"' not in page  # refreshes only while running
    listed = client.get("/admin/jobs?portal=sample-liferayqb&lang=en").text
    assert f'data-job="{job_id}"' in listed
    # the web app's crawl is followed by an index update
    state = client.app.state
    wait_for(lambda: state.admin_indexer.runs >= 1 and not state.admin_indexer.busy(), what="index")
    assert state.admin_indexer.last_code == 0


def test_cancel_from_the_jobs_page(signed_in) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    client, csrf, admin, _url = signed_in
    fake = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "vnarchive", "crawl"]
    )
    try:
        job_id = admin.store.start_job("sample-sp2010", pid=fake.pid)
        page = client.get(f"/admin/jobs/{job_id}").text
        assert 'id="cancel-job"' in page and 'http-equiv="refresh"' in page
        response = client.post(
            f"/admin/jobs/{job_id}/cancel", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert response.status_code == 303
        assert fake.wait(timeout=30) != 0  # it got SIGTERM
    finally:
        if fake.poll() is None:
            fake.kill()
            fake.wait()
    assert client.get(f"/api/admin/jobs/{job_id}").json()["status"] == "interrupted"
    done = client.post(f"/api/admin/jobs/{job_id}/cancel", headers={"X-CSRF-Token": csrf})
    assert done.status_code == 409
    assert (
        client.post("/api/admin/jobs/999/cancel", headers={"X-CSRF-Token": csrf}).status_code == 404
    )

"""Real browser (Debian's Chromium via Playwright): sign in, add a sample portal through the
form after "test this portal", run it now and watch the job finish.

Screenshots of each step go to ``test-artifacts/admin-*.png``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from admin_helpers import PASSWORD, add_user, fresh_app
from support import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium",
    ),
]


@pytest.fixture()
def admin_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples_url: str
) -> Iterator[str]:
    """The web app over a fresh data dir, served by uvicorn on a free port."""
    import uvicorn

    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    add_user(tmp_path, "admin", PASSWORD)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(fresh_app(tmp_path), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_sign_in_add_test_run_and_watch(
    admin_server: str,
    samples_url: str,
    browser: Any,  # the session's Chromium (tests/search_app/conftest.py)
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    try:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            # (the wrong password's 401 is logged by Chromium as a failed resource)
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "status of 401" not in msg.text
                else None
            ),
        )
        # anonymous: sent to the sign-in page
        page.goto(admin_server + "/admin/portals?lang=en")
        assert "/admin/login" in page.url
        page.fill("#login-name", "admin")
        page.fill("#login-password", "wrong password")
        page.click("#login-submit")
        assert page.locator("#login-error").is_visible()
        page.screenshot(path=str(ARTIFACTS / "admin-1-login-error.png"), full_page=True)
        page.fill("#login-name", "admin")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#admin-portals")
        assert page.url.endswith("/admin/portals?lang=en")  # back where it was going

        # add a portal: a copy of a sample portal under a new id, tested before saving
        page.click("#add-portal")
        page.fill("#f-id", "browser-wp")
        page.fill("#f-name", "Cổng thử nghiệm xã Nhân Hòa")
        page.fill("#f-province", "Đắk Nông")
        page.fill("#f-district", "Nhân Hòa")
        page.select_option("#f-family", "wordpress")
        page.fill("#f-base_url", f"{samples_url}/sample-wordpress/")
        page.fill("#f-start_urls", f"{samples_url}/sample-wordpress/")
        page.fill("#f-download_delay", "0")
        page.fill("#f-schedule", "45 3 * * *")
        page.click("#test-portal")
        page.wait_for_selector("#test-result")
        assert "ok" in (page.get_attribute("#test-result", "class") or "")
        title = page.locator('#test-fields tr[data-field="title"] td').inner_text()
        assert title.strip()
        page.screenshot(path=str(ARTIFACTS / "admin-2-test-portal.png"), full_page=True)
        page.click("#save-portal")
        page.wait_for_selector('#admin-portals tr[data-portal="browser-wp"]')
        row = page.locator('#admin-portals tr[data-portal="browser-wp"]')
        page.screenshot(path=str(ARTIFACTS / "admin-3-portals.png"), full_page=True)

        # run it now (a small crawl) and watch the job page refresh until it is done
        row.locator('input[name="max_pages"]').fill("5")
        row.locator('button[data-action="run"]').click()
        page.wait_for_selector("#job-status")
        assert "/admin/jobs/" in page.url
        page.wait_for_selector('#job-status[data-status="finished"]', timeout=120_000)
        assert int(page.inner_text("#job-new")) > 0
        assert page.inner_text("#log-tail").strip()
        page.screenshot(path=str(ARTIFACTS / "admin-4-job-finished.png"), full_page=True)

        page.goto(admin_server + "/admin/jobs")
        assert page.locator('#past-jobs tr[data-status="finished"]').count() == 1
        page.goto(admin_server + "/admin/schedules")
        assert page.locator("#schedule-browser-wp").is_visible()
        page.screenshot(path=str(ARTIFACTS / "admin-5-schedules.png"), full_page=True)
        page.goto(admin_server + "/admin")
        page.screenshot(path=str(ARTIFACTS / "admin-6-overview.png"), full_page=True)
        page.click("#logout")
        page.wait_for_selector("#login-form")
        page.goto(admin_server + "/admin/jobs")
        assert "/admin/login" in page.url
        assert not errors, errors
    finally:
        page.close()

"""Health checks and "test this portal" have a wall-clock deadline and run outside the web
request, as a background check whose progress line shows in /admin.

The hostile server here is the one of the attack: it answers at once, then sends 50
bytes at a time, slowly enough that no single read times out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.operations.fetch import fetch


@dataclass
class Drip:
    """A slow-drip HTTP server on a free 127.0.0.1 port."""

    url: str
    sent: list[int] = field(default_factory=list)  # chunks sent per request
    stop: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)  # a request's handler ended


CHUNKS = 100  # 100 × 50 bytes, one every `interval` s: far longer than any deadline here


def _handler(drip: Drip, interval: float) -> type[BaseHTTPRequestHandler]:
    class SlowDrip(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(50 * CHUNKS))
            self.end_headers()
            sent = 0
            try:
                for _ in range(CHUNKS):
                    self.wfile.write(b"<p>" + b"x" * 43 + b"</p>")
                    self.wfile.flush()
                    sent += 1
                    if drip.stop.wait(interval):
                        break
            except OSError:
                pass  # the client went away: what a deadline does
            finally:
                drip.sent.append(sent)
                drip.ended.set()

        def log_message(self, *args: object) -> None:
            return None

    return SlowDrip


@pytest.fixture()
def drip() -> Iterator[Drip]:
    """The slow-drip server: 50 bytes every 0.5 s for 50 s."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    drip = Drip(url=f"http://127.0.0.1:{server.server_address[1]}/")
    server.RequestHandlerClass = _handler(drip, 0.5)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield drip
    finally:
        drip.stop.set()
        server.shutdown()
        server.server_close()


def test_fetch_of_a_slow_drip_stops_at_its_deadline(drip: Drip) -> None:
    lines: list[str] = []
    # every read gets its 50 bytes within the 1 s timeout: only a deadline ends this
    probe = fetch(drip.url, timeout=1.0, progress=lines.append)
    assert probe.error == "timeout", (probe.error, probe.status, len(probe.html))
    assert "within 3 s" in probe.error_detail
    assert not probe.ok
    assert any(line.startswith("fetching ") for line in lines)
    assert any("bytes)" in line for line in lines)  # the progress line counts what came


def test_an_explicit_deadline_is_kept_and_the_connection_dropped(drip: Drip) -> None:
    probe = fetch(drip.url, timeout=10.0, deadline=1.5)
    assert probe.error == "timeout" and "within 1.5 s" in probe.error_detail
    # the connection is closed: the server's next writes fail and its handler ends early
    assert drip.ended.wait(30), "the server kept sending to a client that left"
    assert drip.sent[0] < CHUNKS


def test_checks_run_in_the_background_with_a_progress_line(
    drip: Drip, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from admin_helpers import add_user, fresh_app, sign_in
    from fastapi.testclient import TestClient
    from support import wait_for

    from search_app.admin import forms

    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.setenv("VNARCHIVE_HEALTH_DEADLINE", "5")
    admin = add_user(tmp_path)
    form = {
        "id": "slow-drip",
        "name": "Cổng nhỏ giọt",
        "province": "Đắk Nông",
        "family": "generic",
        "base_url": drip.url,
        "start_urls": drip.url,
        "download_delay": "0",
    }
    forms.save_profile(forms.raw_from_form(form))
    with TestClient(fresh_app(tmp_path)) as client:
        csrf = sign_in(client)
        # both answer at once with the check's page, while the server is still dripping
        health = client.post(
            "/admin/portals/slow-drip/health", data={"csrf_token": csrf}, follow_redirects=False
        )
        tested = client.post(
            "/admin/portals/new",
            data=form | {"id": "slow-drip-2", "csrf_token": csrf, "action": "test"},
            follow_redirects=False,
        )
        assert health.status_code == tested.status_code == 303
        health_url, test_url = health.headers["location"], tested.headers["location"]
        assert health_url.startswith("/admin/checks/") and test_url.startswith("/admin/checks/")
        running = client.get(health_url + "?lang=en").text
        assert 'data-status="running"' in running and "refreshes itself" in running
        assert '<meta http-equiv="refresh"' in running

        # the dashboard shows the progress line, "fetching/reading <url>", once the check's
        # thread has come that far (on a loaded machine it may still say "starting")
        def progress_shown() -> str | None:
            text = client.get("/admin?lang=en").text
            return text if drip.url in text else None

        dashboard = wait_for(progress_shown, 10, "the check's progress line on the dashboard")
        assert 'id="checks"' in dashboard
        form_page = client.get(test_url + "?lang=en").text
        assert 'id="test-running"' in form_page and 'value="slow-drip-2"' in form_page
        # asking again while it runs shows the same check
        again = client.post(
            "/admin/portals/slow-drip/health", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert again.headers["location"] == health_url

        check_id = int(health_url.rsplit("/", 1)[1])

        def finished() -> dict | None:
            data = client.get(f"/api/admin/checks/{check_id}").json()
            return data if data["status"] != "running" else None

        result = wait_for(finished, 60, "the health check")
        assert result["status"] == "finished", result
        assert "within 5 s" in result["flags"]["unreachable"]
        assert [f["flag"] for f in admin.health("slow-drip")["slow-drip"]] == ["unreachable"]

        def tested_page() -> str | None:
            text = client.get(test_url + "?lang=en").text
            return text if 'id="test-result"' in text else None

        page = wait_for(tested_page, 60, "the portal test")
        assert "test-result problems" in page and "timeout" in page
        assert client.get("/api/admin/checks/999999").status_code == 404

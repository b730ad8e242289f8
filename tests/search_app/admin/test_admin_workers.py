"""The admin console behind ``vnarchive serve --workers 2`` (a real server, two processes):
a background check started on one worker is shown by every worker, while it runs and
once it has ended (each worker used to keep its checks in memory, and the check's page
answered 404 whenever a request reached the other one)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from admin_helpers import PASSWORD, add_user, free_port, serve_workers
from support import wait_for

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
STATUS_RE = re.compile(r'id="check-status" data-status="(\w+)"')


@pytest.fixture()
def two_workers(tmp_path: Path):  # type: ignore[no-untyped-def]
    add_user(tmp_path)
    env = {
        # the sample portals' profiles point at a closed port: a health check ends quickly
        "VNARCHIVE_SAMPLES_URL": f"http://127.0.0.1:{free_port()}",
        "VNARCHIVE_HEALTH_DEADLINE": "5",
    }
    with serve_workers(tmp_path, 2, env) as base:
        yield base


def test_a_check_started_on_one_worker_is_shown_by_every_worker(two_workers: str) -> None:
    # a new connection for every request, so that requests spread over both workers
    with httpx.Client(base_url=two_workers, headers={"Connection": "close"}, timeout=30) as client:
        token = CSRF_RE.search(client.get("/admin/login").text).group(1)
        signed = client.post(
            "/admin/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token}
        )
        assert signed.status_code in (200, 303), signed.text
        csrf = client.get("/api/admin/session").json()["csrf_token"]
        started = client.post(
            "/admin/portals/sample-sp2010/health",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert started.status_code == 303, started.text
        page = started.headers["location"]
        check_id = int(page.rsplit("/", 1)[1])
        seen = [client.get(page + "?lang=en") for _ in range(12)]
        assert [r.status_code for r in seen] == [200] * 12
        assert all(STATUS_RE.search(r.text) for r in seen)

        def ended() -> dict | None:
            data = client.get(f"/api/admin/checks/{check_id}").json()
            return data if data["status"] != "running" else None

        result = wait_for(ended, 60, "the health check")
        assert result["status"] == "finished" and "unreachable" in result["flags"], result
        for _ in range(8):  # its end is seen by every worker, and by the lists
            assert client.get(f"/api/admin/checks/{check_id}").json()["status"] == "finished"
            listed = client.get("/api/admin/checks").json()["checks"]
            assert [c["id"] for c in listed] == [check_id]
        # the next check of any worker gets a new id
        again = client.post(
            "/api/admin/portals/sample-sp2010/health", headers={"X-CSRF-Token": csrf}
        )
        assert again.status_code == 202, again.text
        assert again.json()["check"] == check_id + 1


def test_a_running_check_of_a_worker_that_died_reads_as_failed(tmp_path: Path) -> None:
    from search_app.admin.checks import BackgroundChecks, Check, dump_check, load_check

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    # what that worker saved while its check ran
    (tmp_path / "1.check").write_bytes(
        dump_check(Check(id=1, kind="health", portal="p", progress="reading", pid=gone.pid))
    )
    checks = BackgroundChecks(tmp_path)
    seen = checks.get(1)
    assert seen is not None and seen.status == "failed" and "worker" in seen.error
    assert checks.running("health", "p") is None  # a new health check of p may start
    started = checks.start("health", "p", lambda check: {})
    assert started.id == 2
    # its end is saved for the other workers (the thread saves it last)
    saved = wait_for(
        lambda: (c := load_check((tmp_path / "2.check").read_bytes())).finished_at and c,
        30,
        "the new check's end on disk",
    )
    assert saved.status == "finished" and saved.result == {}


def test_wrong_passwords_spread_over_both_workers_lock_the_pair(two_workers: str) -> None:
    # a fresh connection for every request: the kernel spreads them over the two
    # workers (SO_REUSEPORT); each worker used to count only its own failures
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=two_workers, limits=fresh, timeout=30) as http:
        statuses = []
        for _ in range(5):
            token = CSRF_RE.search(http.get("/admin/login").text)
            assert token
            answer = http.post(
                "/admin/login",
                data={"name": "admin", "password": "wrong", "csrf_token": token.group(1)},
            )
            statuses.append(answer.status_code)
        assert statuses == [401] * 5
        for _ in range(4):  # whichever worker answers, the pair is locked
            token = CSRF_RE.search(http.get("/admin/login").text)
            assert token
            locked = http.post(
                "/admin/login",
                data={"name": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0

"""Admin hardening: sessions end with a password change or removal, the password
policy, and a login lockout per (user, address) with exponential backoff.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from admin_helpers import PASSWORD, add_user, fresh_app, login_token, sign_in
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from search_app.admin.auth import LoginThrottle
from search_app.admin.passwords import MAX_PASSWORD_LENGTH, password_problem

NEW_PASSWORD = "một mật khẩu mới dài"


def vnarchive(data_dir: Path, *args: str, stdin: str | None = None) -> Result:
    """Run the ``vnarchive ARGS`` command over ``data_dir`` (in-process, real command)."""
    from vnarchive.cli import main

    os.environ["VNARCHIVE_DATA"] = str(data_dir)
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture()
def app(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    add_user(tmp_path)
    add_user(tmp_path, "other")
    return fresh_app(tmp_path)


def test_password_change_ends_every_session(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as first, TestClient(app) as second, TestClient(app) as bystander:
        sign_in(first)
        sign_in(second)
        sign_in(bystander, "other")
        changed = vnarchive(
            tmp_path,
            "users",
            "add",
            "admin",
            "--replace",
            "--password-stdin",
            stdin=NEW_PASSWORD + "\n",
        )
        assert changed.exit_code == 0, changed.output
        for client in (first, second):
            assert client.get("/api/admin/session").status_code == 401
            page = client.get("/admin", headers={"accept": "text/html"}, follow_redirects=False)
            assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
        assert bystander.get("/api/admin/session").status_code == 200  # another user stays
        assert "every session of admin was ended" in changed.stdout
        sign_in(first, "admin", NEW_PASSWORD)  # the new password works
        assert first.get("/api/admin/session").status_code == 200


def test_removed_user_loses_every_session(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        sign_in(client, "other")
        removed = vnarchive(tmp_path, "users", "remove", "other")
        assert removed.exit_code == 0, removed.output
        assert client.get("/api/admin/session").status_code == 401


def test_weak_and_overlong_passwords_are_refused_with_clear_messages(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    refused = {
        "12345678": "common",
        "password": "common",
        "aaaaaaaa": "repeats",
        "x" * 2000: "at most 1,024",
        "short": "at least 8",
    }
    for password, reason in refused.items():
        done = vnarchive(tmp_path, "users", "add", "lan", "--password-stdin", stdin=password + "\n")
        assert done.exit_code == 1, (password[:20], done.output)
        assert reason in done.output and "Traceback" not in done.output, done.output
    listed = vnarchive(tmp_path, "users", "list")
    assert "lan" not in listed.stdout
    words = "lưu trữ cổng thông tin điện tử huyện Krông Nô "
    longest = (words * 30)[:MAX_PASSWORD_LENGTH]  # exactly what the login form accepts
    ok = vnarchive(tmp_path, "users", "add", "lan", "--password-stdin", stdin=longest + "\n")
    assert ok.exit_code == 0, ok.output
    with TestClient(fresh_app(tmp_path)) as client:
        sign_in(client, "lan", longest)  # a user created by the CLI can always log in


@pytest.mark.parametrize(
    ("password", "user"),
    [
        ("Password2024!", None),
        ("qwertyuiop", None),
        ("abcdefgh", None),
        ("87654321", None),
        ("abababab", None),
        ("matkhau123", None),
        ("anhyeuem", None),
        ("nguyenvan1", "nguyenvan"),
        ("dragon12345", None),
    ],
)
def test_password_policy_refuses_variants(password: str, user: str | None) -> None:
    assert password_problem(password, user), password


@pytest.mark.parametrize("password", [PASSWORD, "mật khẩu dài", "Lưu trữ cổng 2025 Đắk Nông"])
def test_password_policy_accepts_passphrases(password: str) -> None:
    assert password_problem(password, "admin") is None


def _login(client: TestClient, name: str, password: str) -> int:
    token = login_token(client)
    response = client.post(
        "/admin/login",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def test_lockout_is_per_user_and_address_never_global(app) -> None:  # type: ignore[no-untyped-def]
    with (
        TestClient(app, client=("203.0.113.5", 40000)) as attacker,
        TestClient(app, client=("198.51.100.7", 40000)) as owner,
    ):
        assert [_login(attacker, "admin", "wrong guess 1") for _ in range(5)] == [401] * 5
        locked = attacker.post(
            "/admin/login",
            data={"name": "admin", "password": PASSWORD, "csrf_token": login_token(attacker)},
        )
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        # the admin logs in from their own address: the attacker locked only themself
        assert _login(owner, "admin", PASSWORD) == 303
        # the attacker's address is not locked for another name yet (it is per pair)
        assert _login(attacker, "other", "wrong guess") == 401


def test_an_address_that_sprays_many_names_is_locked(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_LOGIN_MAX_FAILURES", "2")  # an address: 4 × 2 failures
    with (
        TestClient(app, client=("203.0.113.9", 40000)) as sprayer,
        TestClient(app, client=("198.51.100.8", 40000)) as owner,
    ):
        statuses = [_login(sprayer, f"user{i}", "wrong guess") for i in range(9)]
        assert statuses[:8] == [401] * 8 and statuses[8] == 429, statuses
        assert _login(sprayer, "admin", PASSWORD) == 429
        assert _login(owner, "admin", PASSWORD) == 303


def test_lockout_backs_off_exponentially() -> None:
    now = [1000.0]
    throttle = LoginThrottle(5, base_seconds=30, max_seconds=600, clock=lambda: now[0])
    for _ in range(4):
        assert throttle.record_failure("admin", "203.0.113.5") == 0
    assert throttle.retry_after("admin", "203.0.113.5") == 0
    locks = [throttle.record_failure("admin", "203.0.113.5")]
    for _ in range(5):
        assert throttle.retry_after("admin", "203.0.113.5") > 0
        now[0] += locks[-1] + 1  # wait the lock out, then fail once more
        assert throttle.retry_after("admin", "203.0.113.5") == 0
        locks.append(throttle.record_failure("admin", "203.0.113.5"))
    assert locks == [30, 60, 120, 240, 480, 600]
    assert throttle.retry_after("admin", "198.51.100.7") == 0  # another address: free
    throttle.reset("admin", "203.0.113.5")
    assert throttle.retry_after("admin", "203.0.113.5") == 0


def test_lockout_counts_the_failures_of_every_worker(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a second app over the same data directory: what another worker of
    # ``vnarchive serve --workers N`` (or another server on the directory) is
    other_worker = fresh_app(tmp_path)
    with (
        TestClient(app, client=("203.0.113.5", 40000)) as first,
        TestClient(other_worker, client=("203.0.113.5", 40001)) as second,
    ):
        statuses = [_login(first, "admin", "wrong") for _ in range(3)]
        statuses += [_login(second, "admin", "wrong") for _ in range(2)]
        assert statuses == [401] * 5
        # five failures in all: the pair is locked on both workers
        for client in (first, second):
            locked = client.post(
                "/admin/login",
                data={"name": "admin", "password": PASSWORD, "csrf_token": login_token(client)},
            )
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_lockout_state_is_kept_in_the_data_directory(tmp_path) -> None:
    path = tmp_path / "run" / "login-failures.sqlite"
    worker = LoginThrottle(2, path=path)
    assert worker.record_failure("admin", "203.0.113.5") == 0
    restarted = LoginThrottle(2, path=path)  # a worker started later, or after a restart
    assert restarted.record_failure("ADMIN", "203.0.113.5") == 30
    assert worker.retry_after("admin", "203.0.113.5") > 0
    worker.reset("admin", "203.0.113.5")
    assert restarted.retry_after("admin", "203.0.113.5") == 0


def test_lockout_state_stays_bounded(tmp_path) -> None:
    now = [1000.0]
    path = tmp_path / "run" / "login-failures.sqlite"
    throttle = LoginThrottle(1, path=path, max_keys=10, clock=lambda: now[0])
    for i in range(100):  # a flood of names, one failure each
        now[0] += 1
        throttle.record_failure(f"name{i}", f"198.51.100.{i}")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0] <= 10
    assert throttle.retry_after("name99", "198.51.100.99") > 0  # the newest is kept
    now[0] += 86400 + 3600 + 1  # a day without failures, every lock over: forgotten
    assert throttle.record_failure("name99", "198.51.100.99") == 30  # counted afresh

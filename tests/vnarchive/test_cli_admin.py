"""The admin CLI twins: schedule set/list/off, jobs (list, show, cancel), status, users add."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``vnarchive ARGS`` as a user would, over ``data_dir``."""
    env = os.environ | {"VNARCHIVE_DATA": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def test_schedule_set_list_off(tmp_path: Path) -> None:
    done = run(tmp_path, "schedule", "set", "sample-sp2010", "30 1 * * 1")
    assert done.returncode == 0, done.stderr
    assert "next runs" in done.stdout and "01:30" in done.stdout
    listed = json.loads(run(tmp_path, "schedule", "list", "--json").stdout)
    row = next(r for r in listed if r["portal"] == "sample-sp2010")
    assert row["cron"] == "30 1 * * 1" and row["enabled"] and row["source"] == "store"
    assert row["next_run"].endswith("+07:00") and "T01:30:00" in row["next_run"]
    other = next(r for r in listed if r["portal"] == "sample-wordpress")
    assert other["source"] == "profile"  # not set: the profile's schedule
    off = run(tmp_path, "schedule", "off", "sample-sp2010")
    assert off.returncode == 0
    listed = json.loads(run(tmp_path, "schedule", "list", "--json").stdout)
    row = next(r for r in listed if r["portal"] == "sample-sp2010")
    assert row["enabled"] is False and row["next_run"] is None
    table = run(tmp_path, "schedule", "list").stdout
    assert "sample-sp2010" in table and "off" in table


def test_schedule_errors_are_clear(tmp_path: Path) -> None:
    bad = run(tmp_path, "schedule", "set", "sample-sp2010", "61 * * * *")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "bad cron expression" in bad.stderr
    short = run(tmp_path, "schedule", "set", "sample-sp2010", "0 2 * *")
    assert "5 fields" in short.stderr
    unknown = run(tmp_path, "schedule", "set", "no-such-portal", "0 2 * * *")
    assert unknown.returncode != 0 and "no portal 'no-such-portal'" in unknown.stderr
    assert "sample-sp2010" in unknown.stderr  # lists the known ids


def test_users_add_with_password_stdin(tmp_path: Path) -> None:
    added = run(tmp_path, "users", "add", "lan", "--password-stdin", stdin="mật khẩu dài\n")
    assert added.returncode == 0, added.stderr
    again = run(tmp_path, "users", "add", "lan", "--password-stdin", stdin="another one\n")
    assert again.returncode != 0 and "already exists" in again.stderr
    short = run(tmp_path, "users", "add", "minh", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "at least 8" in short.stderr
    assert "lan" in run(tmp_path, "users", "list").stdout
    from indexer.store.admin import AdminStore
    from indexer.store.archive import ArchiveStore
    from search_app.admin.auth import verify_password

    admin = AdminStore(ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}"))
    stored = admin.get_user("lan")["password_hash"]
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "mật khẩu dài") and not verify_password(stored, "x")
    assert admin.get_user("minh") is None


def test_users_add_prompts_twice_hidden(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from vnarchive.cli import main

    runner = CliRunner()
    result = runner.invoke(
        main,
        ["users", "add", "hoa"],
        input="pass word 1\npass word 1\n",
        env={"VNARCHIVE_DATA": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert "pass word 1" not in result.output  # hidden input
    mismatch = runner.invoke(
        main,
        ["users", "add", "hung"],
        input="pass word 1\npass word 2\npass word 3\npass word 3\n",
        env={"VNARCHIVE_DATA": str(tmp_path)},
    )
    assert "do not match" in mismatch.output


def test_jobs_status_and_cancel(tmp_path: Path) -> None:
    from indexer.store.admin import AdminStore
    from indexer.store.archive import ArchiveStore

    admin = AdminStore(ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}"))
    done = admin.store.start_job("sample-sp2010", trigger="schedule")
    admin.store.finish_job(
        done,
        "finished",
        pages=12,
        articles_new=9,
        errors=3,
        error_reasons={"http_404": 2, "timeout": 1},
        extraction_paths={"article:family": 8, "article:structural": 1},
        discovery={"pages": {"article": 9}, "skipped": {}, "dated_from_listing": 2},
    )
    admin.set_health("sample-wordpress", {"parked": "shows a maintenance page"})
    # a "crawl" process that is not ours to kill by name: a real process whose
    # command line looks like a crawl, so cancel signals it
    fake = subprocess.Popen(
        [sys.executable, "-c", "import time,sys; time.sleep(60)", "vnarchive", "crawl"]
    )
    try:
        running = admin.store.start_job("sample-liferay62", pid=fake.pid)
        listed = run(tmp_path, "jobs")
        assert listed.returncode == 0
        assert "http_404: 2" in listed.stdout and "sample-liferay62" in listed.stdout
        only = json.loads(run(tmp_path, "jobs", "--portal", "sample-sp2010", "--json").stdout)
        assert [j["id"] for j in only] == [done]
        assert only[0]["articles_new"] == 9 and only[0]["trigger"] == "schedule"
        shown = run(tmp_path, "jobs", "show", str(done))
        assert "errors by reason" in shown.stdout and "timeout: 1" in shown.stdout
        assert "article:structural: 1" in shown.stdout  # how pages were extracted
        assert "dated from listing   2" in shown.stdout
        assert "--- no log file was recorded for this job ---" in shown.stdout  # says why

        status = run(tmp_path, "status")
        assert status.returncode == 0
        lines = {line.split()[0]: line for line in status.stdout.splitlines() if line.strip()}
        assert "parked" in lines["sample-wordpress"]
        assert "finished" in lines["sample-sp2010"]
        assert "sample-wordpress: parked: shows a maintenance page" in status.stdout
        data = json.loads(run(tmp_path, "status", "--json").stdout)
        sp = next(d for d in data if d["portal"] == "sample-sp2010")
        assert sp["last_crawl"]["job"] == done and sp["next_run"]

        cancelled = run(tmp_path, "jobs", "cancel", str(running))
        assert cancelled.returncode == 0 and "SIGTERM" in cancelled.stdout
        assert fake.wait(timeout=30) == -signal.SIGTERM
        again = run(tmp_path, "jobs", "cancel", str(done))
        assert again.returncode != 0 and "already finished" in again.stderr
        missing = run(tmp_path, "jobs", "cancel", "9999")
        assert missing.returncode != 0 and "no crawl job 9999" in missing.stderr
    finally:
        if fake.poll() is None:
            fake.kill()
            fake.wait()
    # the process is gone without closing its row: the next look reaps it
    time.sleep(0.1)
    after = json.loads(run(tmp_path, "jobs", "--json").stdout)
    assert next(j for j in after if j["id"] == running)["status"] == "interrupted"


def test_scheduler_command_refuses_bad_options(tmp_path: Path) -> None:
    bad = run(tmp_path, "scheduler", "--max-concurrent", "0")
    assert bad.returncode == 2 and "max-concurrent" in bad.stderr
    helped = run(tmp_path, "scheduler", "--help")
    assert "never two of one portal" in helped.stdout


@pytest.mark.parametrize("command", ["scheduler", "schedule", "jobs", "status", "users"])
def test_commands_are_listed(command: str, tmp_path: Path) -> None:
    assert command in run(tmp_path, "--help").stdout

"""`vnarchive crawl` and `vnarchive warc` from the command line: usage errors are clear,
a scheduler's pre-created job row is used, --all reports every portal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.store.archive import ArchiveStore
from vnarchive.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give one PORTAL_ID, or --all"),
        (["sample-sp2010", "--all"], "give one PORTAL_ID, or --all"),
        (["sample-sp2010", "-s", "NOEQUALS"], "NAME=VALUE"),
        (["sample-sp2010", "--since", "yesterday"], "YYYY-MM-DD"),
        (["sample-sp2010", "--max-pages", "0"], "--max-pages"),
        (["--all", "--job-id", "3"], "not with --all"),
    ],
)
def test_usage_errors(data_dir: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["crawl", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_portal_and_job(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "no-such-portal"])
    assert result.exit_code == 2 and "no portal 'no-such-portal'" in result.output
    result = CliRunner().invoke(main, ["crawl", "sample-sp2010", "--job-id", "99"])
    assert result.exit_code == 2 and "--job-id 99: no crawl job 99" in result.output
    job = ArchiveStore().start_job("sample-wordpress", status="queued")
    result = CliRunner().invoke(main, ["crawl", "sample-sp2010", "--job-id", str(job)])
    assert result.exit_code == 2 and "is not the portal of job" in result.output


def test_the_archive_line_hides_a_database_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vnarchive.commands.crawl import _where

    monkeypatch.setenv("VNARCHIVE_DB_URL", "postgresql+psycopg://archiver:s3cret@db.example/arc")
    _where()
    out = capsys.readouterr().out
    assert "archive: postgresql+psycopg://archiver:***@db.example/arc" in out
    assert "s3cret" not in out


def test_all_samples_needs_the_sample_server(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VNARCHIVE_SAMPLES_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["crawl", "--all", "--samples"])
    assert result.exit_code == 1
    assert "not answering at http://127.0.0.1:9" in result.output
    assert "vnarchive samples serve" in result.output


def test_help_lists_the_options_and_exit_codes(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "--help"])
    assert result.exit_code == 0
    for word in (
        "--max-pages",
        "--since",
        "--full",
        "--all",
        "--samples",
        "--parallel",
        "--job-id",
    ):
        assert word in result.output
    assert "3 cancelled" in result.output


@pytest.mark.slow
def test_a_scheduler_job_row_is_used(samples_url: str, data_dir: Path) -> None:
    store = ArchiveStore()
    job_id = store.start_job(
        "sample-wordpress", status="queued", trigger="schedule", options={"max_pages": 15}
    )
    env = {
        **os.environ,
        "VNARCHIVE_DATA": str(data_dir),
        "VNARCHIVE_SAMPLES_URL": samples_url,
        "VNARCHIVE_POLITENESS": "0",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vnarchive",
            "crawl",
            "sample-wordpress",
            "--job-id",
            str(job_id),
            "--trigger",
            "schedule",
            "--max-pages",
            "15",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    (job,) = store.list_jobs()
    assert job["id"] == job_id and job["status"] == "finished"
    assert job["trigger"] == "schedule" and job["pages"] == 15
    assert job["pid"] not in (None, 0) and job["log_path"].endswith(f"/{job_id}.log")
    assert f"sample-wordpress: job {job_id} finished" in proc.stdout
    assert f"archive: sqlite:///{data_dir}" in proc.stdout
    article = next(store.iter_articles())
    shown = subprocess.run(
        [sys.executable, "-m", "vnarchive", "warc", "show", article["url"], "--headers"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0 and "HTTP 200 OK" in shown.stdout
    assert "<html" not in shown.stdout.lower()


def _crawl_cli(data_dir: Path, samples_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``vnarchive crawl ARGS`` as a user runs it (own data dir, no politeness waits)."""
    env = {
        **os.environ,
        "VNARCHIVE_DATA": str(data_dir),
        "VNARCHIVE_SAMPLES_URL": samples_url,
        "VNARCHIVE_POLITENESS": "0",
        "VNARCHIVE_RETRY_BACKOFF": "0",
    }
    env.pop("VNARCHIVE_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", "crawl", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def _set_mode(samples_url: str, portal: str, mode: str) -> None:
    import httpx

    response = httpx.post(f"{samples_url}/_control/{portal}", data={"mode": mode}, timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.slow
def test_a_crawl_rechecks_the_portals_health(samples_url: str, data_dir: Path) -> None:
    from indexer.store.admin import AdminStore

    _set_mode(samples_url, "sample-sp2010", "maintenance")
    proc = _crawl_cli(data_dir, samples_url, "sample-sp2010", "--max-pages", "5")
    assert proc.returncode == 0, proc.stderr
    assert "health: sample-sp2010: parked:" in proc.stdout and "bao tri" in proc.stdout
    flags = AdminStore(ArchiveStore()).health("sample-sp2010")["sample-sp2010"]
    assert [f["flag"] for f in flags] == ["parked"]

    # --no-health (the scheduler's crawls: it checks them itself) leaves the flags alone
    _set_mode(samples_url, "sample-sp2010", "normal")
    proc = _crawl_cli(data_dir, samples_url, "sample-sp2010", "--max-pages", "5", "--no-health")
    assert proc.returncode == 0, proc.stderr
    assert "health:" not in proc.stdout
    assert [f["flag"] for f in AdminStore(ArchiveStore()).health()["sample-sp2010"]] == ["parked"]


@pytest.mark.slow
def test_a_failing_health_check_does_not_fail_the_crawl(samples_url: str, data_dir: Path) -> None:
    store = ArchiveStore()
    with store.engine.begin() as conn:  # the health table refuses every write
        conn.exec_driver_sql(
            "CREATE TRIGGER no_health BEFORE INSERT ON portal_health "
            "BEGIN SELECT RAISE(ABORT, 'portal_health is read-only'); END"
        )
    _set_mode(samples_url, "sample-sp2010", "maintenance")
    proc = _crawl_cli(data_dir, samples_url, "sample-sp2010", "--max-pages", "5")
    assert proc.returncode == 0, proc.stderr
    assert "sample-sp2010: health check failed" in proc.stderr
    assert "portal_health is read-only" in proc.stderr and "Traceback" not in proc.stderr
    (job,) = store.list_jobs()
    assert job["status"] == "finished"


@pytest.mark.slow
def test_crawl_all_checks_each_portal_once(samples_url: str, data_dir: Path) -> None:
    from indexer.store.admin import AdminStore

    _set_mode(samples_url, "sample-sp2010", "relayout")
    proc = _crawl_cli(data_dir, samples_url, "--all", "--samples", "--max-pages", "10")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("health: ")]
    assert len(lines) == 5, proc.stdout  # one per sample portal, none twice
    assert any(line.startswith("health: sample-sp2010: layout_changed: job ") for line in lines)
    for portal in ("sample-liferay62", "sample-liferayqb", "sample-wordpress", "sample-discovery"):
        assert f"health: {portal}: no flag raised" in lines
    health = AdminStore(ArchiveStore()).health()
    assert list(health) == ["sample-sp2010"]
    assert [f["flag"] for f in health["sample-sp2010"]] == ["layout_changed"]

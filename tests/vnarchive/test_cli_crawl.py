"""`vnarchive crawl` and `vnarchive warc` from the command line: usage errors are clear,
a scheduler's pre-created job row is used, --all reports every portal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.store import ArchiveStore
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

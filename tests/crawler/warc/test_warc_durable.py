"""Durable order: the WARC is flushed and fsynced before the store commits a row pointing
into it; a crawl killed between the two steps, or a WARC cut under rows that point into
it (a power loss under the old order), is repaired when the next crawl starts.

The crawls are real ``vnarchive crawl`` runs against the sample server.  A small probe
wraps the process's ``os.fsync`` (to learn how much of each WARC is on disk) and the
store's write methods (to check each row against it, or to SIGKILL the writer between
the fsync and the commit); the crawl code itself is unchanged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_support import REPO, crawl_env, run_crawl, truth

from crawler.warc import cdxj
from crawler.warc.reader import read_capture
from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow
PORTAL = "sample-liferayqb"

PROBE = r"""
import json, os, signal, sys
from pathlib import Path
from indexer.store.archive import ArchiveStore

log_path = Path(sys.argv[1])
kill_at = int(sys.argv[2])
synced = {}  # WARC path -> bytes on disk at its last fsync
real_fsync = os.fsync

def fsync(fd):
    real_fsync(fd)
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return
    if path.endswith(".warc.gz"):
        synced[path] = os.fstat(fd).st_size

os.fsync = fsync
state = {"calls": 0, "violations": []}

def check(warc):
    if warc is None:
        return
    path = str((Path(os.environ["VNARCHIVE_DATA"]) / warc.file).resolve())
    end = warc.offset + (warc.length or 0)
    if synced.get(path, 0) < end:
        state["violations"].append([warc.file, end, synced.get(path, 0)])

def record():
    log_path.write_text(json.dumps({"synced": synced, **state}))

def wrap(name):
    real = getattr(ArchiveStore, name)
    def wrapper(self, *args, **kwargs):
        check(kwargs.get("warc"))
        state["calls"] += 1
        record()
        if state["calls"] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)  # between the fsync and the commit
        return real(self, *args, **kwargs)
    setattr(ArchiveStore, name, wrapper)

wrap("upsert_article")
wrap("record_attachment_capture")
from vnarchive.cli import main
try:
    main(["crawl", "--no-health", *sys.argv[3:]])
finally:
    record()
"""


def _probe(data_dir: Path, samples_url: str, tmp_path: Path, kill_at: int = 0) -> dict:
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    log = tmp_path / f"probe-{kill_at}.json"
    done = subprocess.run(
        [sys.executable, str(script), str(log), str(kill_at), PORTAL],
        cwd=REPO,
        env=crawl_env(data_dir, samples_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(log.read_text(encoding="utf-8"))
    result["returncode"] = done.returncode
    result["stderr"] = done.stderr[-3000:]
    return result


def _all_captures_read_back(store: ArchiveStore) -> int:
    rows = list(store.iter_articles(portal=PORTAL))
    assert len(rows) == len(truth(PORTAL)["articles"])
    for row in rows:
        assert row["warc_file"], row["url"]
        capture = read_capture(row["warc_file"], row["warc_offset"])
        assert capture.status == 200 and capture.url == row["url"]
    return len(rows)


def _warcio_check(paths: list[Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("VNARCHIVE_DATA", str(path))
    return path


def test_warc_is_on_disk_before_each_row_and_a_kill_between_is_resumed(
    samples_url: str, data_dir: Path, tmp_path: Path
) -> None:
    killed = _probe(data_dir, samples_url, tmp_path, kill_at=40)
    assert killed["returncode"] == -9, killed["stderr"]
    assert killed["calls"] == 40
    # every row the store was asked to commit pointed inside the fsynced part of its WARC
    assert killed["violations"] == []
    # a power loss now would lose what was not fsynced: cut the WARC there
    ((warc_path, synced),) = killed["synced"].items()
    with open(warc_path, "r+b") as fh:
        fh.truncate(synced)
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    assert 0 < store.count_articles(PORTAL) < len(truth(PORTAL)["articles"])

    resumed = _probe(data_dir, samples_url, tmp_path, kill_at=0)
    assert resumed["returncode"] == 0, resumed["stderr"]
    assert resumed["violations"] == [] and resumed["calls"] > 0
    (job,) = store.list_jobs(portal=PORTAL)  # the same job, resumed
    assert job["status"] == "finished" and str(data_dir / job["warc_file"]) == warc_path
    _all_captures_read_back(store)
    _warcio_check([Path(warc_path)])
    assert cdxj.cdxj_path(Path(warc_path)).is_file()


def test_rows_pointing_past_the_end_of_a_warc_are_repaired_on_start(
    samples_url: str, data_dir: Path
) -> None:
    first = run_crawl(data_dir, samples_url, PORTAL, "--no-health")
    assert first.returncode == 0, first.stderr
    store = ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")
    (job,) = store.list_jobs(portal=PORTAL)
    warc = data_dir / job["warc_file"]
    # what an old crawl could leave after a power loss: rows committed, WARC data lost
    size = warc.stat().st_size
    with open(warc, "r+b") as fh:
        fh.truncate(size * 2 // 3 + 17)  # mid-record
    lost = [
        r["id"]
        for r in store.iter_articles(portal=PORTAL)
        if r["warc_offset"] + r["warc_length"] > warc.stat().st_size
    ]
    assert lost

    second = run_crawl(data_dir, samples_url, PORTAL, "--no-health")  # not --full
    assert second.returncode == 0, second.stderr
    job2 = store.list_jobs(portal=PORTAL)[0]
    assert job2["error_reasons"].get("warc_capture_lost") == len(lost)
    assert job2["articles_new"] == 0  # captured again, not archived twice
    assert _all_captures_read_back(store) == len(truth(PORTAL)["articles"])
    for aid in lost:
        assert store.get_article(aid)["warc_file"] == job2["warc_file"]
    _warcio_check([warc, data_dir / job2["warc_file"]])

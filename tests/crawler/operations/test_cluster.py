"""A real two-node cluster: two Scrapyd servers on 127.0.0.1, one PostgreSQL store, one
shared data directory; the project deployed with ``scrapyd-deploy`` from a copy of the
working tree, crawls dispatched by the scheduler (``crawler.operations.cluster``).

Needs ``$VNARCHIVE_TEST_PG_URL`` (``.ci/run`` starts Debian's PostgreSQL and sets it),
``scrapyd`` and ``scrapyd-deploy`` (dev tools) and git; skipped, saying which, without.
The Scrapyd servers get no ``VNARCHIVE_*`` environment variable: every path reaches the
crawls as a Scrapy setting through ``schedule.json``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from support import sample_profiles, wait_for

from crawler.operations.cluster import ScrapydCluster, node_states
from crawler.operations.job_control import cancel_job
from crawler.operations.scheduler import CrawlScheduler, SchedulerSettings
from crawler.operations.scrapyd_runner import ScrapydRunner
from crawler.samples.truth import TRUTH_DIR, load_truth
from indexer import config
from indexer.search.writer import open_index
from indexer.store.admin import AdminStore
from indexer.store.archive import ArchiveStore
from indexer.store.tables import articles, versions

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
FAST = ("-s", "VNARCHIVE_POLITENESS=0", "-s", "VNARCHIVE_PROGRESS_INTERVAL=0.5")
# a crawl slow enough to be cancelled or killed in the middle (one request at a time)
SLOW = {
    "VNARCHIVE_POLITENESS": "0",
    "DOWNLOAD_DELAY": "0.3",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
    "VNARCHIVE_PROGRESS_INTERVAL": "0.5",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Node:
    """One Scrapyd server started by the test (its own port and folders)."""

    url: str
    folder: Path
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """The machine dies: Scrapyd and its crawl processes, SIGKILL, all at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _node_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VNARCHIVE_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start_node(folder: Path) -> Node:
    folder.mkdir(parents=True)
    port = _free_port()
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {folder / 'eggs'}\n"
        f"logs_dir = {folder / 'logs'}\n"
        f"dbs_dir = {folder / 'dbs'}\n"
        "items_dir =\n"
        "poll_interval = 0.2\n"
        "max_proc = 4\n",
        encoding="utf-8",
    )
    log = open(folder / "scrapyd.out", "wb")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen(
        [str(BIN / "scrapyd")],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=_node_env(),
        start_new_session=True,  # its own process group: kill() takes its crawls too
    )
    url = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError((folder / "scrapyd.out").read_text(errors="replace"))
        try:
            with urllib.request.urlopen(urljoin(url, "daemonstatus.json"), timeout=2) as r:
                return json.loads(r.read())["status"] == "ok"
        except OSError:
            return False

    wait_for(answers, timeout=60, what=f"scrapyd on {url}")
    return Node(url, folder, process)


def _deploy(tmp: Path, nodes: list[Node]) -> None:
    """``scrapyd-deploy`` from a copy of the working tree (as a fresh clone has it)."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    clone = tmp / "clone"
    for raw in listed:
        name = raw.decode()
        source = REPO / name
        if not name or not source.is_file():
            continue
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    with open(clone / "scrapy.cfg", "a", encoding="utf-8") as cfg:
        for i, node in enumerate(nodes):
            cfg.write(f"\n[deploy:node{i}]\nurl = {node.url}\nproject = vnarchive\n")
    for i in range(len(nodes)):
        done = subprocess.run(
            [str(BIN / "scrapyd-deploy"), f"node{i}"],
            cwd=clone,
            capture_output=True,
            text=True,
            env=_node_env(),
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert '"status": "ok"' in done.stdout + done.stderr, done.stdout + done.stderr


@dataclass
class Cluster:
    nodes: list[Node]
    admin: AdminStore
    data: Path


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, pg_url_module: str, samples_server: str
) -> Iterator[Cluster]:
    for tool in ("scrapyd", "scrapyd-deploy"):
        if not (BIN / tool).exists():
            pytest.skip(f"{tool} is not installed (make setup installs the dev tools)")
    if subprocess.run(["git", "-C", str(REPO), "status"], capture_output=True).returncode:
        pytest.skip("the repository is not a git checkout (the deploy copies its files)")
    tmp = tmp_path_factory.mktemp("cluster")
    data = tmp / "shared-data"  # what every node and the web app mount
    nodes: list[Node] = []
    saved = {k: os.environ.get(k) for k in ("VNARCHIVE_DATA", "VNARCHIVE_DB_URL")}
    saved["VNARCHIVE_SCRAPYD_URLS"] = os.environ.get("VNARCHIVE_SCRAPYD_URLS")
    try:
        nodes = [_start_node(tmp / "node-a"), _start_node(tmp / "node-b")]
        _deploy(tmp, nodes)
        os.environ["VNARCHIVE_DATA"] = str(data)
        os.environ["VNARCHIVE_DB_URL"] = pg_url_module
        os.environ["VNARCHIVE_SCRAPYD_URLS"] = ",".join(n.url for n in nodes)
        admin = AdminStore(ArchiveStore(pg_url_module))
        yield Cluster(nodes, admin, data)
        admin.store.engine.dispose()
    finally:
        for node in nodes:
            node.kill()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _scheduler(admin: AdminStore, *, index_after: bool = False) -> CrawlScheduler:
    settings = SchedulerSettings(
        max_concurrent=4,
        poll_seconds=0.5,
        index_after=index_after,
        probe_health=False,
        crawl_args=FAST,
    )
    return CrawlScheduler(admin, settings, profiles=sample_profiles)


def _run_through_scheduler(scheduler: CrawlScheduler, portals: list[str]) -> list[dict[str, Any]]:
    """Fire each portal's schedule now; return their jobs once all are closed."""
    store = scheduler.admin.store
    for portal in portals:
        assert scheduler.fire(portal) == "submitted"

    def done() -> list[dict[str, Any]] | None:
        if len(scheduler.started_jobs) < len(portals) or scheduler.running():
            return None
        jobs = [store.get_job(i) or {} for i in scheduler.started_jobs]
        if any(j.get("status") in ("queued", "running") for j in jobs):
            return None
        return jobs

    return wait_for(done, timeout=300, what="the dispatched crawls")


def _archived_once(store: ArchiveStore, portal: str, samples_url: str) -> int:
    """Every article of the ground truth archived, once (one row, one version); its count."""
    truth = load_truth(portal)
    prefix = f"{samples_url}/{portal}/"
    ids = set()
    for art in truth["articles"]:
        row = store.find_article_by_url(urljoin(prefix, art["url"]))
        assert row is not None, f"{portal}: {art['url']} not archived"
        ids.add(row["id"])
    with store.engine.connect() as conn:
        rows = (
            conn.execute(sa.select(articles.c.id).where(articles.c.portal == portal))
            .scalars()
            .all()
        )
        per_article = dict(
            conn.execute(
                sa.select(versions.c.article_id, sa.func.count())
                .where(versions.c.article_id.in_(rows))
                .group_by(versions.c.article_id)
            ).all()
        )
    assert sorted(rows) == sorted(ids), f"{portal}: rows that are not truth articles"
    assert set(per_article.values()) == {1}, f"{portal}: an article captured more than once"
    assert len(per_article) == len(rows)
    return len(rows)


def test_scheduler_dispatches_every_sample_portal_to_both_nodes(
    cluster: Cluster, samples_server: str
) -> None:
    scheduler = _scheduler(cluster.admin, index_after=True)
    assert scheduler.runner.remote
    # the four family portals, whose truth files list every article to check
    portals = [p.id for p in sample_profiles() if (TRUTH_DIR / f"{p.id}.json").is_file()]
    assert sorted(portals) == [
        "sample-liferay62",
        "sample-liferayqb",
        "sample-sp2010",
        "sample-wordpress",
    ]
    try:
        jobs = _run_through_scheduler(scheduler, portals)
        # the index is updated where the scheduler runs, after the crawls
        wait_for(
            lambda: scheduler.indexer.runs >= 1 and not scheduler.indexer.busy(),
            timeout=300,
            what="the index update after the crawls",
        )
    finally:
        scheduler.shutdown()
    assert scheduler.indexer.last_code == 0
    index = open_index(config.index_dir())
    assert index is not None
    for job in jobs:
        assert job["status"] == "finished", job
        assert job["node"] in {n.url for n in cluster.nodes}
        assert job["scrapyd_job"], job
    assert {j["node"] for j in jobs} == {n.url for n in cluster.nodes}, "a node did no work"
    total = sum(_archived_once(cluster.admin.store, p, samples_server) for p in portals)
    assert sum(j["articles_new"] for j in jobs) == total
    with cluster.admin.store.engine.connect() as conn:
        indexable = conn.execute(
            sa.select(sa.func.count())
            .select_from(articles)
            .where(articles.c.status == "live", articles.c.duplicate_of.is_(None))
        ).scalar()
    with index.searcher() as searcher:
        assert searcher.doc_count() == indexable > 0
    # the WARCs are in the shared data directory, one per job
    for job in jobs:
        assert (cluster.data / job["warc_file"]).stat().st_size > 0
    # and Scrapyd knows each job as finished on the node the row names
    for job in jobs:
        node = ScrapydCluster(cluster.admin).node(job["node"])
        assert node.job_state("vnarchive", job["scrapyd_job"]) == "finished"


def _wait_pages(store: ArchiveStore, job_id: int, pages: int = 3) -> None:
    def going() -> bool:
        job = store.get_job(job_id) or {}
        assert job.get("status") in ("queued", "running"), job
        return job.get("status") == "running" and (job.get("pages") or 0) >= pages

    wait_for(going, timeout=60, what=f"job {job_id} under way")


def test_cancel_on_a_node_goes_through_cancel_json_and_resumes_next_run(
    cluster: Cluster, samples_server: str
) -> None:
    portal = "sample-wordpress"
    expected = _archived_once(cluster.admin.store, portal, samples_server)
    slow = ScrapydRunner(cluster.admin, settings=SLOW, probe_health=False)
    run = slow.start(portal, full=True)  # revalidates every archived article
    _wait_pages(cluster.admin.store, run.job_id)
    message = cancel_job(cluster.admin, run.job_id)
    assert "cancel.json" in message
    job = slow.wait(run, timeout=60)
    assert job["status"] == "cancelled", job
    assert job["node"] == run.node.name and job["scrapyd_job"] == run.scrapyd_job
    assert 0 < job["pages"] < 150

    scheduler = _scheduler(cluster.admin)
    try:
        (resumed,) = _run_through_scheduler(scheduler, [portal])
    finally:
        scheduler.shutdown()
    assert resumed["id"] == run.job_id and resumed["status"] == "finished", resumed
    assert resumed["pages"] > job["pages"]
    assert _archived_once(cluster.admin.store, portal, samples_server) == expected


def test_killed_node_leaves_its_job_resumable_on_the_other(
    cluster: Cluster, samples_server: str
) -> None:
    portal = "sample-sp2010"
    expected = _archived_once(cluster.admin.store, portal, samples_server)
    slow = ScrapydRunner(cluster.admin, settings=SLOW, probe_health=False, poll_seconds=0.5)
    run = slow.start(portal, full=True)
    _wait_pages(cluster.admin.store, run.job_id)
    victim = next(n for n in cluster.nodes if n.url == run.node.name)
    victim.kill()
    job = slow.wait(run, timeout=60)
    assert job["status"] == "interrupted", job
    assert victim.url in job["stop_reason"]
    # /admin shows the node down
    states = {s["url"]: s for s in node_states(cluster.admin)}
    assert states[victim.url]["up"] is False and states[victim.url]["error"]
    survivor = next(n for n in cluster.nodes if n is not victim)
    assert states[survivor.url]["up"] is True

    scheduler = _scheduler(cluster.admin)
    try:
        (resumed,) = _run_through_scheduler(scheduler, [portal])
    finally:
        scheduler.shutdown()
    assert resumed["id"] == run.job_id and resumed["status"] == "finished", resumed
    assert resumed["node"] == survivor.url
    assert _archived_once(cluster.admin.store, portal, samples_server) == expected
    assert config.scrapyd_urls() == [n.url for n in cluster.nodes]


@pytest.mark.parametrize(
    ("missing", "portal"),
    [("VNARCHIVE_PORTALS", "sample-liferay62"), ("VNARCHIVE_DATA", "sample-liferayqb")],
)
def test_crawl_without_a_path_setting_fails_loudly_and_its_row_says_failed(
    cluster: Cluster, missing: str, portal: str
) -> None:
    """Inside Scrapyd's egg the defaults cannot work: the setting is named, the row failed."""
    admin = cluster.admin
    job_id = admin.claim_job(portal, trigger="manual")
    node = ScrapydCluster(admin).nodes[-1]
    if node.name not in {n.url for n in cluster.nodes if n.process.poll() is None}:
        node = ScrapydCluster(admin).nodes[0]
    admin.attach_node(job_id, node.name)
    settings = {
        "VNARCHIVE_DATA": str(cluster.data),
        "VNARCHIVE_PORTALS": str(config.portals_dir()),
        "VNARCHIVE_DB_URL": config.db_url(),
        "VNARCHIVE_SAMPLES_URL": config.samples_url(),
    }
    del settings[missing]
    scrapyd_job = node.schedule(
        "vnarchive", "portal", {"portal": portal, "job_id": job_id}, settings
    )
    admin.attach_node(job_id, node.name, scrapyd_job)
    job = wait_for(
        lambda: (
            (j := admin.store.get_job(job_id)) and j["status"] not in ("queued", "running") and j
        ),
        timeout=60,
        what="the crawl to fail",
    )
    assert job["status"] == "failed", job
    assert missing in job["stop_reason"] and "schedule.json" in job["stop_reason"], job
    # and Scrapyd's log of the crawl says it too
    log_url = urljoin(node.name, f"logs/vnarchive/portal/{scrapyd_job}.log")
    text = wait_for(lambda: _read(log_url), timeout=30, what="the crawl's log")
    assert missing in text


def _read(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except OSError:
        return ""

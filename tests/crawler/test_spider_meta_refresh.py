"""Meta refresh: an article is stored whatever its ``<meta http-equiv="refresh">`` says;
the target is recorded, and followed only inside the portal (sample server control
``refresh=<article-id>&refresh_to=<url>``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from crawl_support import archive_store, crawl_env, run_crawl, truth, warc_responses

pytestmark = pytest.mark.slow
PORTAL = "sample-wordpress"


def _refresh(samples_url: str, article_id: str, target: str) -> None:
    request = urllib.request.Request(
        f"{samples_url}/_control/{PORTAL}",
        data=json.dumps({"refresh": article_id, "refresh_to": target}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["refresh"][article_id] == target


def test_an_article_with_a_meta_refresh_is_stored_and_the_target_recorded(
    samples_url: str, tmp_path: Path
) -> None:
    away, moved = truth(PORTAL)["articles"][:2]
    base = f"{samples_url}/{PORTAL}/"
    off_site = "http://other-host.invalid/tin-tuc/"
    _refresh(samples_url, away["id"], off_site)
    _refresh(samples_url, moved["id"], "gioi-thieu/")  # inside the portal
    with urllib.request.urlopen(base + away["url"], timeout=10) as response:
        assert f'http-equiv="refresh" content="1;url={off_site}"' in response.read().decode()
    # a portal whose start pages are the two articles
    portals = tmp_path / "portals"
    portals.mkdir()
    starts = [base + away["url"], base + moved["url"]]
    (portals / "refresh.toml").write_text(
        f'id = "refresh"\nname = "Mẫu"\nprovince = "Đắk Nông"\nfamily = "wordpress"\n'
        f'base_url = "{base}"\nstart_urls = {json.dumps(starts)}\nsample = true\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    proc = run_crawl(data, samples_url, "refresh", "--no-health", VNARCHIVE_PORTALS=str(portals))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = archive_store(data)
    for article in (away, moved):
        stored = store.find_article_by_url(base + article["url"])
        assert stored is not None, article["url"]  # was lost as redirected_out_of_portal
        assert stored["title"] == article["title"]
    (job,) = store.list_jobs()
    assert "redirected_out_of_portal" not in job["error_reasons"]
    log = Path(job["log_path"]).read_text(encoding="utf-8")
    assert f"meta refresh: {starts[0]} -> {off_site} (not followed: out of the portal)" in log
    assert f"meta refresh: {starts[1]} -> {base}gioi-thieu/ (followed)" in log
    # the job row keeps the counts and the targets (the admin job page and
    # `vnarchive jobs show` read them), and the crawl summary prints them
    found = job["discovery"]
    assert found["meta_refresh"] == {"followed": 1, "out_of_portal": 1}
    assert sorted(found["refresh_targets"], key=lambda seen: seen["url"]) == sorted(
        [
            {"url": starts[0], "target": off_site, "followed": False},
            {"url": starts[1], "target": f"{base}gioi-thieu/", "followed": True},
        ],
        key=lambda seen: seen["url"],
    )
    assert "meta refresh on 2 article(s), each kept: 1 followed, 1 out of the portal" in (
        proc.stdout
    )
    assert f"    {starts[0]} -> {off_site} (not followed: out of the portal)" in proc.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "vnarchive", "jobs", "show", str(job["id"]), "--lines", "0"],
        env=crawl_env(data, samples_url),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "meta refresh         followed: 1, out_of_portal: 1" in shown
    assert f"refresh target       {starts[1]} -> {base}gioi-thieu/ (followed)" in shown
    # each page was extracted once: the middleware's reading is the callback's
    extracted = int(re.search(r"'vnarchive/pages/extracted': (\d+)", log).group(1))
    assert extracted == sum(job["discovery"]["pages"].values())
    fetched = [url for url, _status in warc_responses(data, "refresh")]
    assert base + "gioi-thieu/" in fetched
    assert not any("other-host" in url for url in fetched)

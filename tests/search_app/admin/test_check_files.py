"""The admin's background-check files: JSON that round-trips a check, never code."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from crawler.operations.fetch import Probe
from crawler.operations.try_portal import TryResult
from search_app.admin.checks import (
    BackgroundChecks,
    Check,
    UnreadableCheck,
    dump_check,
    load_check,
)


def test_a_test_check_round_trips_with_its_probes_dates_and_hostile_keys() -> None:
    result = TryResult(
        listing_url="http://127.0.0.1:1/tin-tuc/",
        listing=Probe(
            url="http://127.0.0.1:1/tin-tuc/", status=200, redirects=["http://a/"], html="<p>x</p>"
        ),
        items=[{"url": "http://127.0.0.1:1/a", "title": "Tin <b>", "published": date(2019, 6, 11)}],
        fields={"title": "Lễ", "published": datetime(2019, 6, 11, 8, 30), "$type": "Probe"},
        problems=["no date"],
    )
    check = Check(id=7, kind="test", portal="p", result=result, form={"name": "P"}, editing="p")
    check.finished_at = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    again = load_check(dump_check(check))
    assert again.result == result
    assert isinstance(again.result.listing, Probe) and again.result.listing.status == 200
    assert again.result.items[0]["published"] == date(2019, 6, 11)
    # a key of crawled content that looks like a tag stays data
    assert again.result.fields["$type"] == "Probe"
    assert (again.id, again.kind, again.form, again.editing) == (7, "test", {"name": "P"}, "p")
    assert again.started_at == check.started_at and again.finished_at == check.finished_at


def test_a_health_check_round_trips() -> None:
    check = Check(id=1, kind="health", portal="p", status="finished", result={"down": "HTTP 503"})
    assert load_check(dump_check(check)).result == {"down": "HTTP 503"}


class Boom:
    """A pickle payload: unpickling it would create a file."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.target, "ran"))


def test_a_pickle_in_the_checks_folder_is_never_run(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    (tmp_path / "1.check").write_bytes(pickle.dumps(Boom(target)))
    checks = BackgroundChecks(tmp_path)
    assert checks.get(1) is None
    assert checks.latest() == []
    assert not target.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"[]",
        b'{"id": 1, "kind": "health", "portal": "p", "evil": 1}',
        b'{"id": 1, "kind": "exec", "portal": "p"}',
        b'{"id": 1, "kind": "test", "portal": "p", "result": {"$type": "os.system", "fields": {}}}',
        b'{"id": 1, "kind": "test", "portal": "p", "result": {"$type": "Probe", "fields": {"nope": 1}}}',
    ],
)
def test_a_file_that_is_not_a_check_is_refused(data: bytes) -> None:
    with pytest.raises(UnreadableCheck):
        load_check(data)


def test_checks_pruned_by_another_worker_leave_this_workers_cache(tmp_path: Path) -> None:
    mine = BackgroundChecks(tmp_path)
    for check_id in (1, 2, 3):
        done = Check(id=check_id, kind="health", portal="p", status="finished", result={})
        (tmp_path / f"{check_id}.check").write_bytes(dump_check(done))
    assert [c.id for c in mine.latest()] == [3, 2, 1]
    assert set(mine._read) == {1, 2, 3}
    (tmp_path / "1.check").unlink()  # what another worker's prune does
    assert [c.id for c in mine.latest()] == [3, 2]
    assert set(mine._read) == {2, 3}


def test_a_check_of_another_machine_is_judged_by_its_age_not_a_local_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VNARCHIVE_HEALTH_DEADLINE", "5")  # stale after 2 * 5 + 60 s
    now = datetime.now(UTC)
    # pid 1 exists here, but it is not the other machine's web worker: judged by age
    fresh = Check(id=1, kind="health", portal="p", pid=1, host="other-node", started_at=now)
    old = Check(id=2, kind="health", portal="q", pid=1, host="other-node")
    old.started_at = now - timedelta(seconds=71)
    for check in (fresh, old):
        (tmp_path / f"{check.id}.check").write_bytes(dump_check(check))
    checks = BackgroundChecks(tmp_path)
    assert checks.get(1).status == "running"
    gone = checks.get(2)
    assert gone.status == "failed" and "worker" in gone.error

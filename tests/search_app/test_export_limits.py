"""Exports streaming at once are limited per client and in total (429 with Retry-After).

A real server (uvicorn, as ``vnarchive serve`` runs it) over an archive of 2,000
articles of ~3,000 characters: a client that reads only the headers of its CSV
keeps that export streaming (the server waits for the socket), so exports stay in
flight for as long as the test holds them.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from admin_helpers import fresh_app, serve_workers
from support import wait_for

from search_app.errors import ApiError
from search_app.export_limits import ExportSlots
from vnarchive.commands.serve import server_config

MEMORY_TEST = Path(__file__).resolve().parents[1] / "indexer" / "export" / "test_export_memory.py"


def _fill_store(db_url: str, rows: int) -> None:
    """The bulk-filled archive of the export memory test (loaded by path)."""
    spec = importlib.util.spec_from_file_location("_export_memory_fill", MEMORY_TEST)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._fill(db_url, rows)


def _open_export(http: httpx.Client, stack: ExitStack, address: str) -> httpx.Response:
    """Start an export as client ``address`` (via the trusted proxy); read only its headers."""
    response = stack.enter_context(
        http.stream(
            "GET", "/api/export?format=csv&excel=false", headers={"X-Forwarded-For": address}
        )
    )
    return response


def test_concurrent_exports_are_limited_per_client_and_in_total(
    tmp_path, monkeypatch, serve_app
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.setenv("VNARCHIVE_TRUSTED_PROXIES", "127.0.0.1")
    monkeypatch.setenv("VNARCHIVE_EXPORTS_PER_CLIENT", "1")
    monkeypatch.setenv("VNARCHIVE_EXPORTS_MAX", "2")
    _fill_store(f"sqlite:///{tmp_path / 'archive.sqlite'}", 2000)
    app = fresh_app(tmp_path)
    with serve_app(app, server_config) as base, httpx.Client(base_url=base, timeout=60) as http:
        with ExitStack() as held:
            first = _open_export(http, held, "203.0.113.1")
            assert first.status_code == 200
            # the same client again: refused while its first export streams
            again = _open_export(http, held, "203.0.113.1")
            assert again.status_code == 429
            assert int(again.headers["retry-after"]) > 0
            again.read()
            assert again.json()["error"]["code"] == "too_many_exports"
            assert "your address" in again.json()["error"]["message"]
            second = _open_export(http, held, "203.0.113.2")
            assert second.status_code == 200
            # a third client: the server is at its total
            third = _open_export(http, held, "203.0.113.3")
            assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
            third.read()
            assert "limit" in third.json()["error"]["message"]
            assert app.state.export_slots.running == 2
            # searches and other pages still answer meanwhile
            assert http.get("/api/search", params={"q": "huyện"}).status_code in (200, 400)
            assert http.get("/api/portals").status_code == 200
        # the clients went away: their slots are free again
        wait_for(lambda: app.state.export_slots.running == 0, 30, "the slots to be freed")
        done = http.get(
            "/api/export?format=csv&excel=false&fields=id",
            headers={"X-Forwarded-For": "203.0.113.3"},
        )
        assert done.status_code == 200
        assert done.text.count("\n") == 2001  # the whole export: header and every row
        wait_for(lambda: app.state.export_slots.running == 0, 30, "the finished export's slot")
        head = http.head("/api/export?format=jsonl", headers={"X-Forwarded-For": "203.0.113.4"})
        assert head.status_code == 200 and head.content == b""
        wait_for(lambda: app.state.export_slots.running == 0, 30, "the HEAD's slot to be freed")


@pytest.mark.parametrize("name", ["VNARCHIVE_EXPORTS_PER_CLIENT", "VNARCHIVE_EXPORTS_MAX"])
def test_export_limit_settings_are_documented(name: str) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{name}`" in readme


def test_slots_are_shared_by_every_worker_on_the_data_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # two ExportSlots over one directory: two workers of ``vnarchive serve --workers 2``
    one, other = (ExportSlots(tmp_path / "run" / "export-slots", 1, 2) for _ in range(2))
    release = one.acquire("203.0.113.1")
    with pytest.raises(ApiError) as refused:
        other.acquire("203.0.113.1")
    assert refused.value.status == 429 and "your address" in str(refused.value.message)
    second = other.acquire("203.0.113.2")
    with pytest.raises(ApiError) as full:
        one.acquire("203.0.113.3")
    assert "limit" in str(full.value.message)
    release()
    release()  # freeing twice frees once
    third = other.acquire("203.0.113.3")
    with pytest.raises(ApiError):
        one.acquire("203.0.113.4")
    second()
    third()
    assert one.running == 0 and other.running == 0


def test_a_client_at_its_limit_is_refused_by_every_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _fill_store(f"sqlite:///{tmp_path / 'archive.sqlite'}", 2000)
    env = {"VNARCHIVE_TRUSTED_PROXIES": "127.0.0.1", "VNARCHIVE_EXPORTS_PER_CLIENT": "1"}
    # a fresh connection for every request: the kernel spreads them over the two
    # workers (SO_REUSEPORT); each worker used to count only its own exports
    fresh = httpx.Limits(max_keepalive_connections=0)
    with (
        serve_workers(tmp_path, 2, env) as base,
        httpx.Client(base_url=base, limits=fresh, timeout=60) as http,
        ExitStack() as held,
    ):
        assert _open_export(http, held, "203.0.113.1").status_code == 200
        for _ in range(4):
            again = _open_export(http, held, "203.0.113.1")
            assert again.status_code == 429, "a worker let a second export of the client stream"
            again.read()
            assert again.json()["error"]["code"] == "too_many_exports"
        assert _open_export(http, held, "203.0.113.2").status_code == 200


def _client_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("client-"))


def test_a_client_file_is_removed_when_its_slot_is_freed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "run" / "export-slots"
    slots = ExportSlots(directory, 2, 4)
    for n in range(50):  # fifty client addresses, one after the other
        slots.acquire(f"198.51.100.{n}")()
    assert _client_files(directory) == []
    assert sorted(p.name for p in directory.iterdir()) == ["total-0"]
    first = slots.acquire("198.51.100.1")
    second = slots.acquire("198.51.100.1")
    assert len(_client_files(directory)) == 2  # one file per export streaming
    with pytest.raises(ApiError):
        slots.acquire("198.51.100.1")  # refused: its file is not taken from it
    assert len(_client_files(directory)) == 2
    second()
    assert len(_client_files(directory)) == 1
    with pytest.raises(ApiError):  # total-0 is the first export's: no total slot free
        ExportSlots(directory, 1, 1).acquire("198.51.100.2")
    assert len(_client_files(directory)) == 1  # the refused client's file went too
    first()
    assert _client_files(directory) == [] and slots.running == 0


def test_files_of_a_worker_that_died_are_swept_not_those_held(tmp_path) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "run" / "export-slots"
    held = ExportSlots(directory, 1, 2).acquire("198.51.100.7")
    (directory / "client-0123456789abcdef-0").touch()  # its worker died streaming
    (directory / "client-fedcba9876543210-1").touch()
    worker = ExportSlots(directory, 1, 2)  # a worker starting sweeps the directory
    assert len(_client_files(directory)) == 1  # only the file of the export streaming
    with pytest.raises(ApiError):
        worker.acquire("198.51.100.7")  # still held: the sweep did not take it
    held()
    assert worker.sweep() == 0 and _client_files(directory) == []


def test_removing_client_files_never_lets_two_exports_share_a_slot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Workers (here: threads, each with its own ExportSlots and descriptors, which flock
    tells apart as it tells processes apart) take and free the one slot of a client as
    fast as they can, while files come and go: never two holders at once."""
    directory = tmp_path / "run" / "export-slots"
    workers = [ExportSlots(directory, 1, 8) for _ in range(6)]
    holders, most, taken = [0], [0], [0]
    guard = threading.Lock()
    start = threading.Barrier(len(workers))

    def work(slots: ExportSlots) -> None:
        start.wait()
        for _ in range(1000):
            try:
                release = slots.acquire("198.51.100.9")
            except ApiError:
                continue
            with guard:
                holders[0] += 1
                most[0] = max(most[0], holders[0])
                taken[0] += 1
            time.sleep(0)
            with guard:
                holders[0] -= 1
            release()

    threads = [threading.Thread(target=work, args=(slots,)) for slots in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1 and taken[0] > 0
    assert _client_files(directory) == []

"""Shared fixtures: the sample portal server on a free 127.0.0.1 port.

``samples_server`` (session scope) starts :mod:`crawler.samples.server` in a
background thread, sets ``VNARCHIVE_SAMPLES_URL`` to its address and yields
that base URL (``http://127.0.0.1:<port>``, no trailing slash).
``samples_url`` gives the same URL to one test, after resetting the server's
control state (modes, edits, flaky pages) so every test starts clean.

Hypothesis profiles (property tests and fuzzing): ``ci`` by default, a bounded
budget; ``VNARCHIVE_FUZZ=long`` runs many more examples per test (see
CONTRIBUTING, "Fuzzing").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,  # a loaded 2-core machine: never fail on time
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("VNARCHIVE_FUZZ") or "ci")

_SERVER = None


@pytest.fixture(scope="session")
def samples_server() -> Iterator[str]:
    """Base URL of the sample portal server (started once per test session)."""
    global _SERVER
    from crawler.samples.server import start_in_thread

    server = start_in_thread("127.0.0.1", 0)
    _SERVER = server
    previous = os.environ.get("VNARCHIVE_SAMPLES_URL")
    os.environ["VNARCHIVE_SAMPLES_URL"] = server.base_url
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        _SERVER = None
        if previous is None:
            os.environ.pop("VNARCHIVE_SAMPLES_URL", None)
        else:
            os.environ["VNARCHIVE_SAMPLES_URL"] = previous


@pytest.fixture
def samples_url(samples_server: str) -> str:
    """The sample server's base URL, with its control state reset for this test."""
    if _SERVER is not None:
        _SERVER.state.reset()
    os.environ["VNARCHIVE_SAMPLES_URL"] = samples_server
    return samples_server


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty database on ``$VNARCHIVE_TEST_PG_URL``'s server (dropped
    afterwards); skips the test, saying why, when there is no usable server."""
    yield from _fresh_pg_database()


@pytest.fixture(scope="module")
def pg_url_module() -> Iterator[str]:
    """:func:`pg_url` shared by the tests of one module."""
    yield from _fresh_pg_database()


def _fresh_pg_database() -> Iterator[str]:
    import sqlalchemy as sa

    server = os.environ.get("VNARCHIVE_TEST_PG_URL", "")
    if not server:
        pytest.skip("VNARCHIVE_TEST_PG_URL not set (no PostgreSQL server to test on)")
    try:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # no driver, no server, no rights: nothing to test here
        pytest.skip(f"PostgreSQL at VNARCHIVE_TEST_PG_URL not usable: {exc}")
    name = f"vnarchive_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

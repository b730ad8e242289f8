"""Helpers shared by the admin tests: an app over a fresh data dir, users, signed-in clients."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from support import wait_for

from indexer.store.admin import AdminStore
from search_app.admin.auth import hash_password

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def fresh_app(data_dir: Path) -> Any:
    """The web app over ``data_dir`` ($VNARCHIVE_DATA must point there too: set by the test)."""
    from search_app.app import create_app

    return create_app(data_dir)


def add_user(data_dir: Path, name: str = "admin", password: str = PASSWORD) -> AdminStore:
    """Create an admin user in the store of ``data_dir``."""
    from indexer.store.archive import ArchiveStore

    admin = AdminStore(ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}"))
    admin.add_user(name, hash_password(password), replace=True)
    return admin


def login_token(client: TestClient) -> str:
    """GET the login page and return its CSRF token (the cookie is kept by the client)."""
    page = client.get("/admin/login")
    assert page.status_code == 200, page.text
    match = CSRF_RE.search(page.text)
    assert match, "the login form has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, name: str = "admin", password: str = PASSWORD) -> str:
    """Sign ``client`` in; return the session's CSRF token."""
    token = login_token(client)
    response = client.post(
        "/admin/login",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    session = client.get("/api/admin/session")
    assert session.status_code == 200, session.text
    return session.json()["csrf_token"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_workers(data_dir: Path, workers: int, env: dict[str, str]) -> Iterator[str]:
    """``vnarchive serve --workers N`` over ``data_dir`` (a real server); yield its base URL."""
    port = free_port()
    environment = os.environ | {"VNARCHIVE_DATA": str(data_dir)} | env
    environment.pop("VNARCHIVE_PORTALS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "serve", "--port", str(port)]
        + ["--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(base + "/admin/login", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, 120, f"vnarchive serve --workers {workers}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)

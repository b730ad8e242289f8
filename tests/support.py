"""Helpers for tests of any folder (tests/ is on sys.path through tests/conftest.py): polling, the sample profiles."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

# Debian's Chromium, driven by Playwright in the browser tests, and where their screenshots go.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def wait_for(check: Callable[[], Any], timeout: float = 120.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy (fails after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def sample_profiles() -> list[Any]:
    """The bundled sample portal profiles."""
    from crawler.profiles import load_profiles

    return [p for p in load_profiles() if p.sample]


def control(base: str, portal: str, mode: str) -> None:
    """Switch a sample portal's mode through the sample server's control API."""
    response = httpx.post(f"{base}/_control/{portal}", data={"mode": mode}, timeout=10)
    assert response.status_code == 200, response.text

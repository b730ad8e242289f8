"""Where the tests find real portal pages and sites (other people's text, never copied here).

``$VNARCHIVE_REALPAGES`` / ``$VNARCHIVE_REALSITES`` name the folders; by default they are
``../shared/realpages`` and ``../shared/realsites`` beside the repository, when those exist.
Tests that need them call :func:`need_realpages` / :func:`need_realsites`, which skip the
test with a message saying what is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _folder(env: str, default: str, marker: str) -> Path | None:
    value = os.environ.get(env)
    folder = Path(value) if value else REPO.parent / "shared" / default
    return folder if (folder / marker).exists() else None


def realpages() -> Path | None:
    """The real pages folder (with its GOLD.json), or None when it is absent."""
    return _folder("VNARCHIVE_REALPAGES", "realpages", "GOLD.json")


def realsites() -> Path | None:
    """The real sites folder (snapshots + replay.py), or None when it is absent."""
    return _folder("VNARCHIVE_REALSITES", "realsites", "replay.py")


def _need(folder: Path | None, what: str, env: str) -> Path:
    if folder is None:
        pytest.skip(f"real {what} absent: set ${env} or put them in ../shared/real{what}")
    return folder


def need_realpages() -> Path:
    """The real pages folder, or skip: it is not part of the repository."""
    return _need(realpages(), "pages", "VNARCHIVE_REALPAGES")


def need_realsites() -> Path:
    """The real sites folder, or skip: it is not part of the repository."""
    return _need(realsites(), "sites", "VNARCHIVE_REALSITES")

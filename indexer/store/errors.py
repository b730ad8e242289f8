"""What the archive store and its admin tables raise."""

from __future__ import annotations

from typing import Any


class StoreError(RuntimeError):
    """The archive store cannot be opened or is at an unknown schema version."""


class AdminStoreError(ValueError):
    """An admin action refers to something that does not exist or is not allowed."""


class PortalBusy(AdminStoreError):
    """A crawl of this portal is already queued or running."""

    def __init__(self, portal: str, job: dict[str, Any]):
        super().__init__(f"portal {portal!r} already has crawl job {job['id']} ({job['status']})")
        self.portal = portal
        self.job = job

"""The sample server's mutable state per portal: its mode (normal, down, parked, ...) and changes."""

from __future__ import annotations

import threading

MODES = ("normal", "relayout", "redirect", "down", "maintenance")


CLOSE_CONNECTION = 0  # a Response status meaning "close without answering"


REDIRECT_HOST = "http://example.invalid"


class SiteState:
    """Per-process mutable state: control modes, article edits, flaky hits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modes: dict[str, str] = {}
        self._edits: dict[str, dict[str, int]] = {}
        self._hits: set[tuple[str, str]] = set()
        self._removed: dict[str, set[str]] = {}
        self._redirected: dict[str, set[str]] = {}  # removed, answering 302 to home
        self._refresh: dict[str, dict[str, str]] = {}  # article id -> meta refresh target

    def mode(self, portal_id: str) -> str:
        return self._modes.get(portal_id, "normal")

    def set_mode(self, portal_id: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
        with self._lock:
            self._modes[portal_id] = mode

    def edits(self, portal_id: str) -> dict[str, int]:
        return dict(self._edits.get(portal_id, {}))

    def edit(self, portal_id: str, article_id: str) -> int:
        """Edit an article once more; returns its edit count."""
        with self._lock:
            counts = self._edits.setdefault(portal_id, {})
            counts[article_id] = counts.get(article_id, 0) + 1
            return counts[article_id]

    def removed(self, portal_id: str) -> set[str]:
        return set(self._removed.get(portal_id, set()))

    def remove(self, portal_id: str, article_id: str, *, redirect: bool = False) -> None:
        """Take an article down (its URLs answer 404, or 302 to the home page with
        ``redirect``, until reset)."""
        with self._lock:
            target = self._redirected if redirect else self._removed
            target.setdefault(portal_id, set()).add(article_id)

    def set_refresh(self, portal_id: str, article_id: str, target: str) -> None:
        """Give an article a ``<meta http-equiv="refresh">`` to ``target`` (until reset)."""
        with self._lock:
            self._refresh.setdefault(portal_id, {})[article_id] = target

    def refreshes(self, portal_id: str) -> dict[str, str]:
        return dict(self._refresh.get(portal_id, {}))

    def removed_redirect(self, portal_id: str) -> set[str]:
        return set(self._redirected.get(portal_id, set()))

    def first_hit(self, portal_id: str, path: str) -> bool:
        """True the first time a (portal, path) is requested in this process."""
        key = (portal_id, path)
        with self._lock:
            if key in self._hits:
                return False
            self._hits.add(key)
            return True

    def reset(self) -> None:
        with self._lock:
            self._modes.clear()
            self._edits.clear()
            self._hits.clear()
            self._removed.clear()
            self._redirected.clear()
            self._refresh.clear()

    def snapshot(self, portal_id: str) -> dict:
        return {
            "portal": portal_id,
            "mode": self.mode(portal_id),
            "edits": self.edits(portal_id),
            "removed": sorted(self.removed(portal_id)),
            "removed_redirect": sorted(self.removed_redirect(portal_id)),
            "refresh": self.refreshes(portal_id),
        }

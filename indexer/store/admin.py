"""Admin state in the archive store: schedules, users, sessions, health flags, job claims.

A thin layer over :class:`indexer.store.archive.ArchiveStore` and its tables ``schedules``,
``users``, ``portal_health`` and ``crawl_jobs``, plus one table of its own,
``admin_sessions`` (server-side login sessions, so a logout really ends a session).
Everything the scheduler and the admin console need survives a restart because it
lives here, not in a process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from indexer.store.archive import ArchiveStore
from indexer.store.claims import CrawlClaims
from indexer.store.errors import AdminStoreError
from indexer.store.migrations import lock_schema
from indexer.store.rows import _aware, _row, utcnow
from indexer.store.tables import portal_health, schedules, users

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
HEALTH_FLAGS = ("stale", "layout_changed", "redirected", "unreachable", "parked")

admin_metadata = sa.MetaData()

admin_sessions = sa.Table(
    "admin_sessions",
    admin_metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie token
    sa.Column("user", sa.String(64), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Session:
    """A logged-in admin session: who, its CSRF token, and when it expires."""

    user: str
    csrf: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AdminStore(CrawlClaims):
    """Schedules, users, sessions, health flags and crawl-job claims over one ArchiveStore."""

    def __init__(self, store: ArchiveStore | None = None) -> None:
        self.store = store or ArchiveStore()
        self.engine = self.store.engine
        self.writer = self.store.writer
        with self.writer.begin() as conn:
            lock_schema(conn)  # processes opening a fresh PostgreSQL store at once
            admin_metadata.create_all(conn)

    # -- schedules ------------------------------------------------------------

    def get_schedule(self, portal: str) -> dict[str, Any] | None:
        """One portal's schedule row, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schedules).where(schedules.c.portal == portal)).first()
        return _row(row) if row else None

    def list_schedules(self, *, enabled_only: bool = False) -> list[dict[str, Any]]:
        """Every schedule row, by portal id."""
        query = sa.select(schedules).order_by(schedules.c.portal)
        if enabled_only:
            query = query.where(schedules.c.enabled.is_(True))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def set_schedule(
        self,
        portal: str,
        cron: str,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        enabled: bool = True,
        updated_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Create or replace a portal's cron schedule (validate the cron before calling)."""
        now = updated_at or utcnow()
        with self.writer.begin() as conn:
            updated = conn.execute(
                schedules.update()
                .where(schedules.c.portal == portal)
                .values(cron=cron, timezone=timezone, enabled=enabled, updated_at=now)
            ).rowcount
            if not updated:
                conn.execute(
                    schedules.insert().values(
                        portal=portal,
                        cron=cron,
                        timezone=timezone,
                        enabled=enabled,
                        updated_at=now,
                        last_run=None,
                    )
                )
        return self.get_schedule(portal) or {}

    def set_schedule_enabled(self, portal: str, enabled: bool) -> bool:
        """Turn a schedule on or off; False when the portal has no schedule row."""
        with self.writer.begin() as conn:
            return bool(
                conn.execute(
                    schedules.update()
                    .where(schedules.c.portal == portal)
                    .values(enabled=enabled, updated_at=utcnow())
                ).rowcount
            )

    def mark_schedule_run(self, portal: str, when: datetime | None = None) -> None:
        """Record that a scheduled run of ``portal`` started (``last_run``)."""
        with self.writer.begin() as conn:
            conn.execute(
                schedules.update()
                .where(schedules.c.portal == portal)
                .values(last_run=when or utcnow())
            )

    def restore_schedule_run(self, portal: str, when: datetime | None) -> None:
        """Put ``last_run`` back to an earlier value (a run that was stopped before its end)."""
        with self.writer.begin() as conn:
            conn.execute(
                schedules.update().where(schedules.c.portal == portal).values(last_run=when)
            )

    def schedules_signature(self) -> tuple[Any, ...]:
        """A cheap fingerprint of the schedules table, to notice edits by polling."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    schedules.c.portal,
                    schedules.c.cron,
                    schedules.c.timezone,
                    schedules.c.enabled,
                    schedules.c.updated_at,
                ).order_by(schedules.c.portal)
            ).all()
        return tuple(tuple(r) for r in rows)

    # -- users ------------------------------------------------------------------

    def add_user(self, name: str, password_hash: str, *, replace: bool = False) -> None:
        """Add an admin user (or replace its password hash when ``replace``).

        A replaced password ends every session of the user, in the same transaction:
        whoever logged in with the old password is logged out.
        """
        with self.writer.begin() as conn:
            exists = conn.execute(sa.select(users.c.name).where(users.c.name == name)).first()
            if exists and not replace:
                raise AdminStoreError(f"user {name!r} already exists")
            if exists:
                conn.execute(
                    users.update().where(users.c.name == name).values(password_hash=password_hash)
                )
                conn.execute(admin_sessions.delete().where(admin_sessions.c.user == name))
            else:
                conn.execute(
                    users.insert().values(
                        name=name, password_hash=password_hash, created_at=utcnow()
                    )
                )

    def get_user(self, name: str) -> dict[str, Any] | None:
        """One user row (with ``password_hash``), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return _row(row) if row else None

    def list_users(self) -> list[dict[str, Any]]:
        """Every admin user (name and creation time, no hashes)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users.c.name, users.c.created_at).order_by(users.c.name))
            return [_row(r) for r in rows]

    def remove_user(self, name: str) -> bool:
        """Delete a user and its sessions; False when there was no such user."""
        with self.writer.begin() as conn:
            conn.execute(admin_sessions.delete().where(admin_sessions.c.user == name))
            return bool(conn.execute(users.delete().where(users.c.name == name)).rowcount)

    # -- sessions ---------------------------------------------------------------

    def create_session(self, token: str, user: str, csrf: str, lifetime: timedelta) -> None:
        """Store a new login session under the hash of its cookie token."""
        now = utcnow()
        with self.writer.begin() as conn:
            conn.execute(admin_sessions.delete().where(admin_sessions.c.expires_at < now))
            conn.execute(
                admin_sessions.insert().values(
                    token_hash=_token_hash(token),
                    user=user,
                    csrf=csrf,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )

    def get_session(self, token: str) -> Session | None:
        """The live session for a cookie token (None when unknown, expired or user gone)."""
        query = (
            sa.select(admin_sessions)
            .join(users, users.c.name == admin_sessions.c.user)
            .where(admin_sessions.c.token_hash == _token_hash(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        expires = _aware(row.expires_at)
        if expires is None or expires <= utcnow():
            return None
        return Session(user=row.user, csrf=row.csrf, expires_at=expires)

    def delete_session(self, token: str) -> None:
        """End a session (logout)."""
        with self.writer.begin() as conn:
            conn.execute(
                admin_sessions.delete().where(admin_sessions.c.token_hash == _token_hash(token))
            )

    # -- health flags -----------------------------------------------------------

    def set_health(self, portal: str, flags: dict[str, str]) -> None:
        """Replace a portal's raised flags with ``flags`` ({flag: detail}).

        A flag that stays raised keeps its ``since``; flags not in ``flags`` are cleared.
        """
        unknown = set(flags) - set(HEALTH_FLAGS)
        if unknown:
            raise AdminStoreError(f"unknown health flag(s): {', '.join(sorted(unknown))}")
        now = utcnow()
        with self.writer.begin() as conn:
            current = {
                r.flag
                for r in conn.execute(
                    sa.select(portal_health.c.flag).where(portal_health.c.portal == portal)
                )
            }
            gone = current - set(flags)
            if gone:
                conn.execute(
                    portal_health.delete().where(
                        portal_health.c.portal == portal, portal_health.c.flag.in_(gone)
                    )
                )
            for flag, detail in flags.items():
                if flag in current:
                    conn.execute(
                        portal_health.update()
                        .where(portal_health.c.portal == portal, portal_health.c.flag == flag)
                        .values(detail=detail[:500], updated_at=now)
                    )
                else:
                    conn.execute(
                        portal_health.insert().values(
                            portal=portal, flag=flag, detail=detail[:500], since=now, updated_at=now
                        )
                    )

    def health(self, portal: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Raised flags by portal: {portal: [{flag, detail, since, updated_at}, …]}."""
        query = sa.select(portal_health).order_by(portal_health.c.portal, portal_health.c.flag)
        if portal:
            query = query.where(portal_health.c.portal == portal)
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                out.setdefault(row.portal, []).append(_row(row))
        return out

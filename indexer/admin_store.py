"""Admin state in the archive store: schedules, users, sessions, health flags, job claims.

A thin layer over :class:`indexer.store.ArchiveStore` and its tables ``schedules``,
``users``, ``portal_health`` and ``crawl_jobs``, plus one table of its own,
``admin_sessions`` (server-side login sessions, so a logout really ends a session).
Everything the scheduler and the admin console need survives a restart because it
lives here, not in a process.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from indexer.store import (
    ArchiveStore,
    _aware,
    _row,
    articles,
    crawl_jobs,
    lock_schema,
    portal_health,
    schedules,
    users,
    utcnow,
)

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
ACTIVE_STATUSES = ("queued", "running")
RESUMABLE_STATUSES = ("cancelled", "interrupted")  # a new crawl picks these jobs up again
HEALTH_FLAGS = ("stale", "layout_changed", "redirected", "unreachable", "parked")

CLAIM_LOCK_KEY = 0x766E_6172_0003  # "vnar" 3: PostgreSQL advisory lock of claim_job
_PG_CLAIM_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=CLAIM_LOCK_KEY)

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


class AdminStoreError(ValueError):
    """An admin action refers to something that does not exist or is not allowed."""


class PortalBusy(AdminStoreError):
    """A crawl of this portal is already queued or running."""

    def __init__(self, portal: str, job: dict[str, Any]):
        super().__init__(f"portal {portal!r} already has crawl job {job['id']} ({job['status']})")
        self.portal = portal
        self.job = job


@dataclass(frozen=True)
class Session:
    """A logged-in admin session: who, its CSRF token, and when it expires."""

    user: str
    csrf: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists on this machine (zombies count as dead)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[-1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return True


class AdminStore:
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

    # -- crawl jobs ---------------------------------------------------------------

    def active_jobs(self, portal: str | None = None) -> list[dict[str, Any]]:
        """Jobs queued or running (oldest first), after reaping those whose process died."""
        self.reap_dead_jobs()
        query = (
            sa.select(crawl_jobs)
            .where(crawl_jobs.c.status.in_(ACTIVE_STATUSES))
            .order_by(crawl_jobs.c.id)
        )
        if portal:
            query = query.where(crawl_jobs.c.portal == portal)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def reap_dead_jobs(self, *, queued_grace: timedelta = timedelta(minutes=10)) -> list[int]:
        """Mark ``interrupted`` the active jobs whose process is gone; return their ids.

        A running job whose pid no longer exists died without closing its row (killed,
        machine rebooted).  A queued job with no live pid for longer than
        ``queued_grace`` was never started.
        """
        now = utcnow()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    crawl_jobs.c.id, crawl_jobs.c.pid, crawl_jobs.c.status, crawl_jobs.c.started_at
                ).where(
                    crawl_jobs.c.status.in_(ACTIVE_STATUSES),
                    # a crawl on a Scrapyd node has a pid on another machine: the
                    # dispatcher asks its node instead (crawler.operations.cluster)
                    crawl_jobs.c.node.is_(None),
                )
            ).all()
        dead = []
        for row in rows:
            if pid_alive(row.pid):
                continue
            started = _aware(row.started_at) or now
            if row.status == "queued" and now - started < queued_grace:
                continue
            dead.append(row.id)
        if dead:
            with self.writer.begin() as conn:
                conn.execute(
                    crawl_jobs.update()
                    .where(crawl_jobs.c.id.in_(dead), crawl_jobs.c.status.in_(ACTIVE_STATUSES))
                    .values(
                        status="interrupted",
                        finished_at=now,
                        stop_reason="the crawl process ended without closing its job",
                    )
                )
        return dead

    def claim_job(
        self,
        portal: str,
        *,
        trigger: str,
        options: dict[str, Any] | None = None,
        pid: int | None = None,
        resume: bool = True,
    ) -> int:
        """Reserve the next crawl of ``portal`` as a ``queued`` job row; return its id.

        Check and write happen in one write transaction (on SQLite ``BEGIN IMMEDIATE``),
        so two processes (the scheduler and the web app) can never both start a crawl
        of the same portal: raises :class:`PortalBusy` when one is queued or running.
        With ``resume`` (default), when the portal's latest job was ``cancelled`` or
        ``interrupted`` that row is reopened, so the crawl resumes it (same job id,
        same WARC, counts carried on), as a crawl started by hand would.
        """
        self.reap_dead_jobs()
        owner = pid if pid is not None else os.getpid()
        with self.writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                # READ COMMITTED would let two machines both see "no active job" and both
                # insert one: claims of every portal are serialised by one advisory lock.
                conn.execute(_PG_CLAIM_LOCK)
            active = conn.execute(
                sa.select(crawl_jobs)
                .where(crawl_jobs.c.portal == portal, crawl_jobs.c.status.in_(ACTIVE_STATUSES))
                .order_by(crawl_jobs.c.id)
            ).first()
            if active is not None:
                raise PortalBusy(portal, _row(active))
            latest = conn.execute(
                sa.select(crawl_jobs.c.id, crawl_jobs.c.status)
                .where(crawl_jobs.c.portal == portal)
                .order_by(crawl_jobs.c.id.desc())
                .limit(1)
            ).first()
            if resume and latest is not None and latest.status in RESUMABLE_STATUSES:
                conn.execute(
                    crawl_jobs.update()
                    .where(crawl_jobs.c.id == latest.id)
                    # "running", not "queued": the crawl attached with --job-id then
                    # resumes it (skips what this job already archived).
                    .values(
                        status="running",
                        pid=owner,
                        finished_at=None,
                        stop_reason=None,
                        node=None,
                        scrapyd_job=None,
                    )
                )
                return int(latest.id)
            result = conn.execute(
                crawl_jobs.insert().values(
                    portal=portal,
                    started_at=utcnow(),
                    status="queued",
                    trigger=trigger,
                    options=json.dumps(options or {}, ensure_ascii=False),
                    pid=owner,
                    error_reasons="{}",
                )
            )
            return int(result.inserted_primary_key[0])

    def attach_node(self, job_id: int, node: str, scrapyd_job: str | None = None) -> None:
        """Record where a dispatched crawl runs: its Scrapyd node (URL) and Scrapyd job id."""
        with self.writer.begin() as conn:
            conn.execute(
                crawl_jobs.update()
                .where(crawl_jobs.c.id == job_id)
                .values(node=node, scrapyd_job=scrapyd_job)
            )

    def node_jobs(self, node: str | None = None) -> list[dict[str, Any]]:
        """Active jobs dispatched to Scrapyd nodes (to one node with ``node``), oldest first."""
        query = (
            sa.select(crawl_jobs)
            .where(crawl_jobs.c.status.in_(ACTIVE_STATUSES), crawl_jobs.c.node.is_not(None))
            .order_by(crawl_jobs.c.id)
        )
        if node:
            query = query.where(crawl_jobs.c.node == node)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def finish_if_active(self, job_id: int, status: str, **fields: Any) -> bool:
        """Close a job only if it is still queued/running (the crawl did not close it)."""
        with self.writer.begin() as conn:
            return bool(
                conn.execute(
                    crawl_jobs.update()
                    .where(crawl_jobs.c.id == job_id, crawl_jobs.c.status.in_(ACTIVE_STATUSES))
                    .values(status=status, finished_at=utcnow(), **fields)
                ).rowcount
            )

    def finished_jobs(self, portal: str, *, limit: int = 10) -> list[dict[str, Any]]:
        """A portal's closed jobs (finished/failed/cancelled/interrupted), newest first."""
        query = (
            sa.select(crawl_jobs)
            .where(crawl_jobs.c.portal == portal, crawl_jobs.c.finished_at.is_not(None))
            .order_by(crawl_jobs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def last_jobs(self) -> dict[str, dict[str, Any]]:
        """The most recent job of every portal: {portal: job}."""
        latest = (
            sa.select(sa.func.max(crawl_jobs.c.id).label("id"))
            .group_by(crawl_jobs.c.portal)
            .subquery()
        )
        query = sa.select(crawl_jobs).join(latest, latest.c.id == crawl_jobs.c.id)
        with self.engine.connect() as conn:
            return {r.portal: _row(r) for r in conn.execute(query)}

    def latest_first_seen(self, portal: str) -> datetime | None:
        """When the newest article of a portal was first archived (None: no articles)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.max(articles.c.first_seen)).where(articles.c.portal == portal)
            ).scalar()
        return _aware(value)

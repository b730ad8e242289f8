"""Admin login for the web app: argon2 password hashes, sessions, CSRF, rate limiting.

- Passwords are hashed with argon2id (``argon2-cffi``); hashes live in ``users``.
- A login creates a server-side session (``admin_sessions``); the browser holds only
  a random token in a cookie that is HttpOnly and SameSite=Lax (and Secure on HTTPS),
  so a logout or a removed user ends the session at once.
- Every session has a CSRF token; every state-changing request must send it back,
  as the ``csrf_token`` form field or the ``X-CSRF-Token`` header.  The login form
  itself is protected by a double-submit cookie.
- Failed logins lock out the pair (user name, client address) with exponential
  backoff, and a client address that fails for many names; never a user from
  every address (:class:`LoginThrottle`).
- A password change or a removed user ends every session of that user.

:func:`admin_guard` is the dependency that the admin router puts in front of every
route it holds, so a new admin route is protected without anyone remembering to.
"""

from __future__ import annotations

import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request

from indexer.store.admin import AdminStore, Session
from search_app.admin.passwords import password_problem

SESSION_COOKIE = "vnarchive_session"
LOGIN_CSRF_COOKIE = "vnarchive_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=12)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (to store in ``users.password_hash``)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (False on any malformed hash)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, user: str | None = None) -> None:
    """Refuse short, overlong and common passwords (ValueError with the reason).

    The rules are :func:`search_app.admin.passwords.password_problem`'s.
    """
    problem = password_problem(password, user)
    if problem:
        raise ValueError(problem)


class LoginThrottle:
    """Failed logins counted per (user, address) and per address, with exponential backoff.

    After ``max_failures`` failures of one user name from one client address, that
    pair is locked for ``base_seconds``; each further failure once the lock has
    passed doubles it, up to ``max_seconds``.  An address that fails
    ``address_factor`` times as often, whatever the names, is locked the same way
    (password spraying).  Never is a user locked from every address: an attacker
    can lock out only themself, and the admin still logs in from their own address.
    A key with no failure for ``forget_seconds`` is forgotten; at most about
    ``max_keys`` keys are kept (the oldest go first), so a flood of names cannot
    exhaust the disk.

    The counts live in the SQLite file ``path`` (the app's is
    ``$VNARCHIVE_DATA/run/login-failures.sqlite``), so every worker of
    ``vnarchive serve --workers N`` and every server sharing the data directory
    counts the same failures; without a path they live in this process's memory.
    """

    def __init__(
        self,
        max_failures: int | None = None,
        *,
        path: str | Path | None = None,
        base_seconds: float = 30.0,
        max_seconds: float = 3600.0,
        address_factor: int = 4,
        forget_seconds: float = 86400.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_failures = max_failures or int(os.environ.get("VNARCHIVE_LOGIN_MAX_FAILURES", 5))
        self.path = Path(path) if path is not None else None
        self.base = base_seconds
        self.cap = max_seconds
        self.address_factor = address_factor
        self.forget = forget_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._db: sqlite3.Connection | None = None
        self._writes = 0
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            target = ":memory:"
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                target = str(self.path)
            db = sqlite3.connect(target, timeout=30, check_same_thread=False, isolation_level=None)
            db.execute(
                "CREATE TABLE IF NOT EXISTS login_failures (key TEXT PRIMARY KEY,"
                " failures INTEGER NOT NULL, locked_until REAL NOT NULL,"
                " last_failure REAL NOT NULL)"
            )
            db.execute(
                "CREATE INDEX IF NOT EXISTS login_failures_last ON login_failures (last_failure)"
            )
            self._db = db
        return self._db

    @staticmethod
    def _keys(user: str, address: str) -> tuple[str, str]:
        return f"pair:{user.lower()}\x00{address}", f"addr:{address}"

    def _threshold(self, key: str) -> int:
        return self.max_failures * (self.address_factor if key.startswith("addr:") else 1)

    def _entry(self, db: sqlite3.Connection, key: str, now: float) -> tuple[int, float] | None:
        """(failures, locked_until) of ``key``, or None when it has none (or is forgotten)."""
        row = db.execute(
            "SELECT failures, locked_until, last_failure FROM login_failures WHERE key = ?", (key,)
        ).fetchone()
        if row is None or (now - row[2] > self.forget and now >= row[1]):
            return None
        return int(row[0]), float(row[1])

    def retry_after(self, user: str, address: str) -> int:
        """Seconds until ``user`` may try to log in again from ``address`` (0: now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            db = self._connection()
            for key in self._keys(user, address):
                entry = self._entry(db, key, now)
                if entry is not None and entry[1] > now:
                    wait = max(wait, entry[1] - now)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, user: str, address: str) -> int:
        """Count one failed login; return the lock it starts in seconds (0: none yet)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
            try:
                for key in self._keys(user, address):
                    failures, locked_until = self._entry(db, key, now) or (0, 0.0)
                    failures += 1
                    over = failures - self._threshold(key)
                    if over >= 0:
                        lock = min(self.cap, self.base * 2 ** min(over, 32))
                        locked_until = now + lock
                        longest = max(longest, lock)
                    db.execute(
                        "INSERT OR REPLACE INTO login_failures VALUES (?, ?, ?, ?)",
                        (key, failures, locked_until, now),
                    )
                self._writes += 1
                if self._writes % 100 == 0:
                    self._prune(db, now)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(longest)

    def _prune(self, db: sqlite3.Connection, now: float) -> None:
        """Drop forgotten keys, and the oldest beyond ``max_keys``."""
        db.execute(
            "DELETE FROM login_failures WHERE last_failure < ? AND locked_until <= ?",
            (now - self.forget, now),
        )
        db.execute(
            "DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures"
            " ORDER BY last_failure DESC LIMIT -1 OFFSET ?)",
            (self.max_keys,),
        )

    def reset(self, user: str, address: str) -> None:
        """Forget the failures of this user from this address (after a successful login)."""
        with self._lock:
            self._connection().execute(
                "DELETE FROM login_failures WHERE key = ?", (self._keys(user, address)[0],)
            )


def get_admin_store(request: Request) -> AdminStore:
    """The app's AdminStore, over the app's archive store (created on first use)."""
    state = request.app.state
    admin = getattr(state, "admin_store", None)
    if admin is None:
        ctx = getattr(state, "ctx", None)
        admin = AdminStore(ctx.store if ctx is not None else None)
        state.admin_store = admin
    return admin


def get_rate_limiter(request: Request) -> LoginThrottle:
    """The app's login throttle, shared by every worker on the app's data directory."""
    limiter = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        ctx = getattr(request.app.state, "ctx", None)
        path = ctx.data_dir / "run" / "login-failures.sqlite" if ctx is not None else None
        limiter = LoginThrottle(path=path)
        request.app.state.login_limiter = limiter
    return limiter


def client_ip(request: Request) -> str:
    """The client address used for rate limiting.

    The peer address, or the forwarded one when the peer is a trusted proxy
    (``search_app.proxies`` has already put it in the request's ``client``).
    """
    return request.client.host if request.client else "unknown"


def login(admin: AdminStore, name: str, password: str) -> tuple[str, Session] | None:
    """Check a user's password; on success create a session and return (token, session)."""
    user = admin.get_user(name)
    if user is None:
        # Spend the same time as a real check, so timing does not reveal user names.
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user["password_hash"], password):
        return None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    admin.create_session(token, name, csrf, SESSION_LIFETIME)
    session = admin.get_session(token)
    assert session is not None
    return token, session


def current_session(request: Request) -> Session | None:
    """The logged-in session of this request, or None."""
    if hasattr(request.state, "admin_session"):
        return request.state.admin_session
    token = request.cookies.get(SESSION_COOKIE)
    session = get_admin_store(request).get_session(token) if token else None
    request.state.admin_session = session
    return session


def set_session_cookie(response, request: Request, token: str) -> None:  # noqa: ANN001
    """Put the session token in an HttpOnly, SameSite=Lax cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response) -> None:  # noqa: ANN001
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def wants_json(request: Request) -> bool:
    """Whether to answer with JSON (API paths, or clients that do not ask for HTML)."""
    if request.url.path.startswith("/api/"):
        return True
    return "text/html" not in request.headers.get("accept", "")


async def submitted_csrf(request: Request) -> str:
    """The CSRF token sent with a request (header first, then the form field)."""
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it: the endpoint can read it again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens (False when either is empty)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


async def admin_guard(request: Request) -> Session:
    """Dependency for every admin route: a session, plus a CSRF token on state changes.

    Anonymous browsers asking for a page are redirected to the login page (303);
    API clients get 401.  A state-changing request without the session's CSRF token
    gets 403.  Nothing runs before both checks pass.
    """
    session = current_session(request)
    if session is None:
        if request.method in SAFE_METHODS and not wants_json(request):
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            raise HTTPException(
                status_code=303,
                detail="login required",
                headers={"Location": f"/admin/login?next={quote(target, safe='')}"},
            )
        raise HTTPException(status_code=401, detail="admin login required")
    if request.method not in SAFE_METHODS and not tokens_match(
        session.csrf, await submitted_csrf(request)
    ):
        raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
    return session


def safe_next(target: str | None) -> str:
    """A post-login redirect target limited to this site's /admin pages."""
    if target and target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return "/admin"

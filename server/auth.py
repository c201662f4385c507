"""Officer log-in: PIN check, session tokens, and slowing down PIN guessing."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from config.site import Officer, SiteConfig
from server import audit
from server.audit import AuditEntry
from server.errors import Forbidden, HubError, Unauthorized
from server.pins import DUMMY_HASH, verify_pin
from server.store import Store
from server.wording import minutes_text

FREE_FAILURES = 3  # wrong PINs for one username before the lock-out starts
# From one PC: higher, so one officer's typos do not lock out a colleague at the same PC.
FREE_FAILURES_PER_ADDRESS = 10
FIRST_LOCK = 15  # seconds; doubles with each further failure
MAX_LOCK = 15 * 60
TOUCH_EVERY = timedelta(seconds=60)  # how often activity refreshes a session in the database


@dataclass
class _Session:
    username: str
    last_seen: datetime
    touched: datetime  # last_seen as last written to the database


@dataclass
class _Failures:
    count: int = 0
    locked_until: datetime | None = None


class Auth:
    """Officers' log-in and sessions. `config()` gives the running configuration, read at each
    use: officers, their counters and `[site] session_idle_minutes` may change while sessions live.

    Sessions are in the database, so any hub process on it accepts them and a log-out ends them
    everywhere. The wrong-PIN counters and lock-outs are this process's own (in memory): with several
    processes behind a load balancer each counts the attempts it sees (docs/operations.md, "A city
    deployment", limits the log-in rate at the proxy)."""

    def __init__(self, config: Callable[[], SiteConfig], store: Store) -> None:
        self._config = config
        self.store = store
        self._failures: dict[str, _Failures] = {}
        self._sessions: dict[str, _Session] = {}  # token hash -> session, for sessions used since start

    async def login(self, username: str, pin: str, client: str, now: datetime) -> str:
        """Check a username + PIN; returns a new session token. Every PIN check, right or wrong, goes
        into the audit log. Raises 401 (wrong pair), 403 `officer_disabled` (right PIN, officer not
        active) or 429 (too many wrong PINs: no PIN is checked then)."""
        keys = (f"user:{username.lower()}", f"ip:{client}")
        for key in keys:
            f = self._failures.get(key)
            if f and f.locked_until and f.locked_until > now:
                wait = int((f.locked_until - now).total_seconds()) + 1
                raise HubError(
                    "too_many_attempts",
                    f"Terlalu banyak PIN salah. Silakan coba lagi dalam {wait} detik.",
                    status=429, retry_after=wait,
                )
        # Count the attempt before the slow check, with no await since the gate
        # above: parallel guesses must not all slip through while scrypt runs.
        for key in keys:
            f = self._failures.setdefault(key, _Failures())
            f.count += 1
            free = FREE_FAILURES if key.startswith("user:") else FREE_FAILURES_PER_ADDRESS
            if f.count > free:
                seconds = min(MAX_LOCK, FIRST_LOCK * 2 ** (f.count - free - 1))
                f.locked_until = now + timedelta(seconds=seconds)
        officer = self.config.officers.get(username)
        # scrypt is deliberately slow: keep it off the event loop. An unknown
        # user is checked against a dummy hash so both answers take as long.
        ok = await asyncio.to_thread(verify_pin, pin, (officer.pin_hash if officer else None) or DUMMY_HASH)
        if not ok or officer is None or officer.pin_hash is None:
            if officer is not None:
                await self._audit(now, audit.LOGIN_FAILED, f"PIN salah untuk {officer.username}", officer, client)
            else:
                typed = username[:audit.USERNAME_KEPT]
                await self._audit(now, audit.LOGIN_FAILED, f"Nama pengguna tidak dikenal: {typed}", None, client,
                                  {"username": typed})
            raise Unauthorized("invalid_credentials", "Nama pengguna atau PIN salah.")
        for key in keys:
            self._failures.pop(key, None)
        if not officer.active:
            await self._audit(now, audit.LOGIN_FAILED, f"{officer.username} mencoba masuk, tetapi akunnya nonaktif",
                              officer, client)
            raise Forbidden("officer_disabled", "Akun Anda telah dinonaktifkan. Hubungi admin.")
        token = secrets.token_urlsafe(32)
        await self.store.drop_sessions_before(now - self.idle)
        await self.store.save_session(_hash(token), officer.username, now)
        self._sessions[_hash(token)] = _Session(officer.username, now, now)
        await self._audit(now, audit.LOGIN, f"{officer.username} masuk", officer, client)
        return token

    async def _audit(self, now: datetime, action: str, summary: str, officer: Officer | None, client: str | None,
                     detail: dict | None = None) -> None:
        await self.store.add_audit(AuditEntry(now, action, summary, officer=officer.username if officer else None,
                                              agency=officer.agency if officer else None, address=client,
                                              detail=detail or {}))

    async def officer(self, token: str | None, now: datetime) -> Officer:
        """The officer a session token belongs to; 401 when absent, unknown or idle too long."""
        if not token:
            raise Unauthorized("unauthorized", "Silakan masuk (login) terlebih dahulu.")
        key = _hash(token)
        # Always asked: another hub process on the same database may have ended the session (a log-out).
        found = await self.store.session(key)
        if found is None:
            self._sessions.pop(key, None)
            raise Unauthorized("unauthorized", "Sesi tidak dikenal. Silakan masuk kembali.")
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = _Session(*found, touched=found[1])
        # The latest activity this process saw, or another one wrote (each writes it at most every TOUCH_EVERY).
        session.last_seen = max(session.last_seen, found[1])
        officer = self.config.officers.get(session.username)
        if officer is None or not officer.active:
            await self._end(key)
            raise Unauthorized("officer_disabled", "Akun Anda telah dinonaktifkan atau dihapus. Hubungi admin.")
        if now - session.last_seen > self.idle:
            await self._end(key)
            raise Unauthorized("session_expired", self.idle_message)
        session.last_seen = now
        if now - session.touched > TOUCH_EVERY:
            session.touched = now
            await self.store.touch_session(key, now)
        return officer

    async def officer_for_counter(self, token: str | None, counter_id: str, now: datetime) -> Officer:
        officer = await self.officer(token, now)
        if counter_id in self.config.counters and not officer.may_use(counter_id):
            counter = self.config.counters[counter_id]
            raise Forbidden("counter_not_allowed", f"Anda tidak ditugaskan di {counter.name}.")
        return officer

    async def logout(self, token: str, client: str | None = None, now: datetime | None = None) -> None:
        """End a session; an officer's own log-out (with `now`) goes into the audit log."""
        key = _hash(token)
        session = self._sessions.get(key)
        username = session.username if session else None
        if username is None and now is not None:
            found = await self.store.session(key)
            username = found[0] if found else None
        await self._end(key)
        if now is not None and username is not None:
            officer = self.config.officers.get(username)
            await self.store.add_audit(AuditEntry(now, audit.LOGOUT, f"{username} keluar", officer=username,
                                                  agency=officer.agency if officer else None, address=client))

    async def _end(self, key: str) -> None:
        self._sessions.pop(key, None)
        await self.store.drop_session(key)


    @property
    def config(self) -> SiteConfig:
        return self._config()

    @property
    def idle(self) -> timedelta:
        """How long a session lives without activity."""
        return timedelta(minutes=self.config.site.session_idle_minutes)

    @property
    def idle_message(self) -> str:
        """What an officer reads when a session ends for lack of activity (also the panel's own logout)."""
        minutes = self.config.site.session_idle_minutes
        return f"Sesi berakhir karena tidak ada aktivitas selama {minutes_text(minutes)}. Silakan masuk kembali."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None

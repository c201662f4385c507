"""Every SQL statement of the survey, in one place (the table: migration 4 of server/store.py).

Portable SQL only (ANSI types and functions, `INSERT ... ON CONFLICT DO NOTHING`, `?`
placeholders), so the same statements serve SQLite and PostgreSQL (server/database.py; a SUM
comes back as an int on both). Saving a response runs through the store's primitives on the
hub's connection (`Responses`); the IKM report's reads run on the reports' read-only worker
connection (the module's functions, called by survey/work.py), so that a year's report never
holds the hub's connection between its writes.

One response per ticket is the database's rule, not ours: the table's primary key is the
ticket id, and a second insert for it changes no row, however many requests race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.store import Store
from survey.answers import PROFILE, Response
from survey.ikm import UNSUR

COLUMNS = ("ticket_id", "answered_at", "channel", *UNSUR, *PROFILE, "saran")
RESPONDENT = ", ".join(f"r.{c}" for c in COLUMNS) + ", t.number, t.day, t.service, t.counter"
INSERT = (f"INSERT INTO survey_responses({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          "ON CONFLICT (ticket_id) DO NOTHING")


@dataclass(frozen=True)
class Scope:
    """Which served tickets a report covers: local days `first`..`last` (ISO dates, inclusive), `services`
    (None: every service; an empty tuple: none) and `counter` (None: every counter)."""

    first: str
    last: str
    services: tuple[str, ...] | None = None
    counter: str | None = None

    def where(self) -> tuple[str, tuple]:
        """The condition on the tickets table `t` (done tickets of the scope) and its parameters."""
        sql = ["t.status = 'done'", "t.day >= ?", "t.day <= ?"]
        params: list = [self.first, self.last]
        if self.services is not None:
            sql.append(f"t.service IN ({', '.join('?' * len(self.services))})")
            params += self.services
        if self.counter is not None:
            sql.append("t.counter = ?")
            params.append(self.counter)
        return " AND ".join(sql), tuple(params)

    @property
    def empty(self) -> bool:
        return self.services == ()


@dataclass(frozen=True)
class Respondent:
    """One response with its ticket, as the tabulation lists it."""

    ticket_id: int
    number: str
    day: str
    service: str
    counter: str | None
    answered_at: datetime
    channel: str
    scores: dict[str, int]
    profile: dict[str, str]
    saran: str | None


@dataclass(frozen=True)
class Totals:
    """The sums of each unsur's scores over `respondents` responses of a scope."""

    respondents: int
    sums: dict[str, int]
    saran: int = 0  # responses with a saran


class Responses:
    """The survey's responses in the hub's database, on the hub's connection: saving one, whether a ticket has one,
    and a month's sums for the TVs' running text (survey/publication.py). The IKM report reads on the reports'
    worker instead (the functions below, survey/work.py)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, ticket_id: int, response: Response, at: datetime) -> bool:
        """Save one response to a ticket; False when the ticket already has one (nothing is changed)."""
        row = (ticket_id, at.isoformat(), response.channel, *(response.answers[key] for key in UNSUR),
               *(response.profile.get(key) for key in PROFILE), response.saran)
        return await self.store.execute(INSERT, row) == 1

    async def answered(self, ticket_id: int) -> bool:
        rows = await self.store.fetch("SELECT 1 FROM survey_responses WHERE ticket_id = ?", (ticket_id,))
        return bool(rows)

    async def totals(self, scope: Scope) -> Totals:
        """As `totals()` below, on the hub's connection."""
        if scope.empty:
            return Totals(0, {key: 0 for key in UNSUR})
        return _totals((await self.store.fetch(*_totals_sql(scope)))[0])


# The IKM report's reads, on a DB-API connection (`db.execute(sql, params)` with `?` placeholders): the reports'
# read-only worker connection (reports/reader.py, server.database.connect_reader), which returns plain tuples.


def served(db, scope: Scope) -> int:
    """The population: tickets served (done) in the scope."""
    if scope.empty:
        return 0
    where, params = scope.where()
    return db.execute(f"SELECT COUNT(*) FROM tickets t WHERE {where}", params).fetchone()[0]


def _totals_sql(scope: Scope) -> tuple[str, tuple]:
    where, params = scope.where()
    sums = ", ".join(f"COALESCE(SUM(r.{key}), 0)" for key in UNSUR)
    return (f"SELECT COUNT(*), COUNT(r.saran), {sums} FROM survey_responses r JOIN tickets t ON t.id = r.ticket_id "
            f"WHERE {where}", params)


def _totals(row) -> Totals:
    return Totals(row[0], {key: row[i + 2] for i, key in enumerate(UNSUR)}, row[1])


def totals(db, scope: Scope) -> Totals:
    """Respondents and the sum of each unsur's scores over the responses to the scope's tickets."""
    if scope.empty:
        return Totals(0, {key: 0 for key in UNSUR})
    return _totals(db.execute(*_totals_sql(scope)).fetchone())


def respondents(db, scope: Scope) -> list[Respondent]:
    """Every response to the scope's tickets, in the order they were given."""
    if scope.empty:
        return []
    where, params = scope.where()
    rows = db.execute(
        f"SELECT {RESPONDENT} FROM survey_responses r "
        f"JOIN tickets t ON t.id = r.ticket_id WHERE {where} ORDER BY r.answered_at, r.ticket_id", params).fetchall()
    return [_respondent(r) for r in rows]


def saran(db, scope: Scope, limit: int) -> list[Respondent]:
    """The latest `limit` responses of the scope that left a saran, newest first (Totals.saran counts them)."""
    if scope.empty:
        return []
    where, params = scope.where()
    rows = db.execute(
        f"SELECT {RESPONDENT} FROM survey_responses r JOIN tickets t ON t.id = r.ticket_id "
        f"WHERE {where} AND r.saran IS NOT NULL ORDER BY r.answered_at DESC, r.ticket_id DESC LIMIT ?",
        (*params, limit)).fetchall()
    return [_respondent(r) for r in rows]


def profile_counts(db, scope: Scope) -> dict[str, dict[str, int]]:
    """For each profile question, how many respondents gave each answer (unanswered ones left out)."""
    counts: dict[str, dict[str, int]] = {key: {} for key in PROFILE}
    if scope.empty:
        return counts
    where, params = scope.where()
    columns = ", ".join(f"r.{key}" for key in PROFILE)
    # One pass: the few hundred combinations at most, added up per question here.
    rows = db.execute(
        f"SELECT {columns}, COUNT(*) FROM survey_responses r JOIN tickets t ON t.id = r.ticket_id "
        f"WHERE {where} GROUP BY {columns}", params).fetchall()
    for row in rows:
        for i, key in enumerate(PROFILE):
            if row[i] is not None:
                counts[key][row[i]] = counts[key].get(row[i], 0) + row[len(PROFILE)]
    return counts


_AT = {name: i for i, name in enumerate([*COLUMNS, "number", "day", "service", "counter"])}  # RESPONDENT's columns


def _respondent(r: tuple) -> Respondent:
    return Respondent(
        ticket_id=r[_AT["ticket_id"]], number=r[_AT["number"]], day=r[_AT["day"]], service=r[_AT["service"]],
        counter=r[_AT["counter"]], answered_at=datetime.fromisoformat(r[_AT["answered_at"]]),
        channel=r[_AT["channel"]], scores={key: r[_AT[key]] for key in UNSUR},
        profile={key: r[_AT[key]] for key in PROFILE if r[_AT[key]] is not None}, saran=r[_AT["saran"]])

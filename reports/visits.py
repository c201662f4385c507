"""One ticket's passage through one service, and what the reports measure on it (pure, no I/O).

The definitions (docs/reports.md, pinned by tests/reports/):

- **wait** = first call − arrival. The arrival is the ticket's issue time; a ticket moved
  by a transfer is a new ticket of the new service whose issue time is the transfer, so its
  wait in the new service counts from the transfer (the citizen's first arrival stays on
  the ticket for the calling order, not for this wait).
- **service** = finish (`done`) − the last call (`called` or `recalled`) at that counter.
  A ticket is at one counter from its last call until it is finished, so the last call
  of the ticket is the last call at the counter that finished it.
- **no-show** = skipped and never served that day: a `skipped` row, and neither `done`
  nor `transferred` (a ticket called back or put back in line and then served is not one).
- A negative duration (the hub's clock was set back meanwhile) counts as 0 s.

They are read from the ticket history (`ticket_history`). Most tickets are called once:
for them the tickets table already says it all (`called_at` is the one call, `counter`
where it was, `finished_at` and `status` how it ended; a recall or a second call adds to
`calls`), so only the others are read from the history (reports/queries.py,
NEEDS_HISTORY); tests/reports/test_visits.py checks that both give the same visits.
Only the history names the officers: by officer, every ticket is read from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

Place = tuple[str | None, str | None]  # (counter id, officer username) where something happened

NOWHERE: Place = (None, None)  # it happened, at a counter not asked for (or not recorded)
_parse = datetime.fromisoformat


class Visit(NamedTuple):
    """One ticket (one row of `tickets`), measured.

    `day`: local day (ISO); `hour`: local hour (0-23) of its arrival in the service (None when not asked
    for); `taken`: issued at a
    kiosk or through the API (False: it arrived by a transfer); `wait`, `service_time`: seconds, None when
    there was no call or no finish; the places say at which counter and by whom the wait ended (first call),
    the service ended (done), the no-show was decided (last skip) and the transfer was made.
    """

    service: str
    day: str
    hour: int | None
    taken: bool
    wait: float | None = None
    wait_place: Place | None = None
    service_time: float | None = None
    done_place: Place | None = None
    no_show_place: Place | None = None
    transfer_place: Place | None = None


def _moment(text: str) -> tuple[datetime, Place]:
    at, counter, officer = text.split("|", 2)
    return _parse(at), (counter or None, officer or None)


def _seconds(start: datetime, end: datetime) -> float:
    seconds = (end - start).total_seconds()
    return seconds if seconds > 0 else 0.0


def from_history(history: tuple, tz: ZoneInfo | None) -> Visit:
    """A ticket measured on its history (a row of reports.queries.HISTORIES); `tz`: the site's time zone, for the
    local hour (None: no hour)."""
    service, day, issued_at, origin, first_call, last_call, done, last_skip, transfer = history
    arrived = _parse(issued_at)
    wait = wait_place = service_time = done_place = no_show_place = transfer_place = None
    if first_call is not None:
        called_at, wait_place = _moment(first_call)
        wait = _seconds(arrived, called_at)
    if done is not None:
        done_at, done_place = _moment(done)
        if last_call is not None:
            service_time = _seconds(_parse(last_call), done_at)
    if transfer is not None:
        transfer_place = _moment(transfer)[1]
    if last_skip is not None and done is None and transfer is None:
        no_show_place = _moment(last_skip)[1]
    return Visit(service, day, arrived.astimezone(tz).hour if tz else None, origin is None, wait, wait_place,
                 service_time, done_place, no_show_place, transfer_place)


def from_ticket(ticket: tuple, tz: ZoneInfo | None) -> Visit:
    """A ticket called at most once and not put back after a skip, measured on its row of `tickets` alone (a row
    of reports.queries.TICKETS; no officer: the tickets table does not name them)."""
    return _from_tickets((ticket,), tz)[0]


def _from_tickets(tickets: Iterable[tuple], tz: ZoneInfo | None) -> list[Visit]:
    # One loop without a call per ticket: a year is about 375,000 of them (docs/benchmarks.md).
    parse, new, zone = _parse, tuple.__new__, tz
    out = []
    append = out.append
    for service, day, issued_at, origin, status, counter, called_at, finished_at in tickets:
        arrived = parse(issued_at)
        hour = arrived.astimezone(zone).hour if zone else None
        if called_at is None:
            append(new(Visit, (service, day, hour, origin is None, None, None, None, None, None, None)))
            continue
        called = parse(called_at)
        wait = (called - arrived).total_seconds()
        place = (counter, None) if counter is not None else NOWHERE
        if status == "done":
            served = (parse(finished_at) - called).total_seconds()
            append(new(Visit, (service, day, hour, origin is None, wait if wait > 0 else 0.0, place,
                               served if served > 0 else 0.0, place, None, None)))
        else:
            append(new(Visit, (service, day, hour, origin is None, wait if wait > 0 else 0.0, place, None, None,
                               place if status == "skipped" else None,
                               place if status == "transferred" else None)))
    return out


def visits_of(tickets: Iterable[tuple], histories: Iterable[tuple], tz: ZoneInfo | None) -> list[Visit]:
    """Each ticket measured: `tickets` (rows of TICKETS) on their row, `histories` (rows of HISTORIES) on their
    history. `tz`: the site's time zone, for the local hour (None: no hour)."""
    return [*_from_tickets(tickets, tz), *(from_history(row, tz) for row in histories)]

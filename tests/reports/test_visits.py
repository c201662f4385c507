"""The measures' building blocks: nearest-rank percentiles, rounding, and the tickets table as a shortcut to the
history (reports/visits.py)."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

import pytest

from reports import queries
from reports.labels import BY, Labels
from reports.stats import mean, nearest_rank, whole
from reports.summary import summarize
from reports.visits import visits_of
from tests.hub.support import MORNING, Clock, act, issue, login, running
from tests.reports.support import report_site


def test_nearest_rank():
    """The value at rank ⌈p/100 × n⌉: 90 % of 10 values is the 9th (not the 10th, as 0.9 × 10 in floating point
    would give), 50 % of 4 the 2nd, any percent of one value that value, nothing of none."""
    ten = list(range(1, 11))
    assert nearest_rank(ten, 90) == 9 and nearest_rank(ten, 50) == 5 and nearest_rank(ten, 100) == 10
    assert nearest_rank(ten, 1) == 1 and nearest_rank([1, 2, 3, 4], 50) == 2 and nearest_rank([1, 2, 3], 50) == 2
    assert nearest_rank([7.5], 90) == 7.5 and nearest_rank([], 50) is None
    with pytest.raises(ValueError):
        nearest_rank(ten, 0)


def test_whole_seconds_round_halves_up():
    """Times are shown in whole seconds, halves up (Python's round() would give 2 for 2.5)."""
    assert [whole(x) for x in (2.5, 2.49, 0.5, 599.5, None)] == [3, 2, 1, 600, None]
    assert mean([1, 2]) == 1.5 and mean([]) is None


def _random_day(client, clock: Clock, rng: random.Random, steps: int) -> None:
    """Officers at four counters doing what officers do, in a random order, minutes apart."""
    who = {"1": login(client, "budi", "1234"), "2": login(client, "budi", "1234"),
           "3": login(client, "sari", "2345"), "4": login(client, "sari", "2345")}
    skipped: list[int] = []
    for _ in range(steps):
        clock.advance(seconds=rng.randint(5, 400))
        counter = rng.choice("1234")
        action = rng.choices(["issue", "call-next", "recall", "skip", "done", "transfer", "call-skipped",
                              "reinstate"], [6, 5, 1, 2, 3, 1, 1, 1])[0]
        if action == "issue":
            issue(client, rng.choice("ABC"))
            continue
        body = None
        if action == "transfer":
            body = {"service": rng.choice("ABC")}
        elif action in ("call-skipped", "reinstate"):
            if not skipped:
                continue
            body = {"ticket": rng.choice(skipped)}
        answer = act(client, counter, action, who[counter], body)
        if action == "skip" and answer.status_code == 200:
            skipped.append(answer.json()["ticket"]["id"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tickets_table_tells_what_the_history_tells(tmp_path, seed):
    """For a random day of calls, recalls, skips, call-backs, put-backs and transfers, every breakdown but the
    officers' is the same whether each ticket is read from its history or, where it suffices, from its row of
    `tickets` (reports.queries.NEEDS_HISTORY)."""
    clock = Clock(MORNING)
    rng = random.Random(seed)
    config = report_site()
    with running(tmp_path / "data", clock, config) as client:
        _random_day(client, clock, rng, 220)
        clock.set(MORNING + timedelta(days=1))
        issue(client, "A")  # the day changes: open tickets expire
        _random_day(client, clock, rng, 60)
        with sqlite3.connect(tmp_path / "data" / "mpp.sqlite3") as db:
            tickets = queries.tickets(db, "2026-03-01", "2026-03-31")
            shortcut = queries.histories(db, "2026-03-01", "2026-03-31")
            every = queries.histories(db, "2026-03-01", "2026-03-31", every=True)
    assert len(every) == len(tickets) + len(shortcut) and len(tickets) > len(shortcut) > 0
    tz, labels = config.site.tz, Labels(config)
    for by in BY:
        if by == "officer":
            continue
        read_both = summarize(visits_of(tickets, shortcut, tz), by, labels)
        read_history = summarize(visits_of((), every, tz), by, labels)
        assert read_both == read_history, by
        assert read_both.total.measures.served > 0 and read_both.total.measures.no_show > 0


def test_kept_parts_follow_the_configuration(tmp_path):
    """Parts kept from an earlier report are put together with the wait targets and names of the configuration of
    now: C's 15-minute target makes C001 over target; with the default 30 minutes it is not."""
    from config.site import dump_config, parse_config
    from reports.summary import assemble, split
    from tests.reports.support import DAY, build_day

    clock = Clock(MORNING)
    config = report_site()
    with running(tmp_path / "data", clock, config) as client:
        build_day(client, clock)
        with sqlite3.connect(tmp_path / "data" / "mpp.sqlite3") as db:
            visits = visits_of(queries.tickets(db, DAY, DAY), queries.histories(db, DAY, DAY), None)
    kept = [day.frozen() for day in split(visits, "service").values()]
    raw = dump_config(config)
    raw["services"][2].pop("target_wait_minutes")
    raw["services"][2]["name"] = "PBB"
    relaxed = Labels(parse_config(raw))
    assert [(r.key, r.measures.over_target) for r in assemble(kept, "service", Labels(config)).rows] == [
        ("A", 0), ("B", 0), ("C", 1)]
    now = assemble(kept, "service", relaxed).rows
    assert [(r.key, r.label, r.measures.over_target) for r in now] == [
        ("A", "Perekaman KTP-el", 0), ("B", "Kartu Keluarga", 0), ("C", "PBB", 0)]


def test_the_worker_ends_when_idle_and_comes_back(tmp_path):
    """The reports' worker process ends after its idle time (its memory goes back) and starts again at the next
    report, which gives the same answer."""
    import asyncio

    from reports.reader import Reader

    with running(tmp_path / "data", Clock(MORNING), report_site()):
        pass  # the database, with its tables

    async def main():
        reader = Reader(tmp_path / "data" / "mpp.sqlite3", idle_seconds=0.2)
        try:
            first = await reader.run(queries.issued_per_day, "2026-03-01", "2026-03-31")
            assert reader.started
            for _ in range(100):
                if not reader.started:
                    break
                await asyncio.sleep(0.05)
            assert not reader.started
            assert await reader.run(queries.issued_per_day, "2026-03-01", "2026-03-31") == first
        finally:
            reader.close()

    asyncio.run(main())

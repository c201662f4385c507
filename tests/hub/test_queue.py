"""server/queue.py: the pure ticket rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.site import parse_config
from server.errors import Conflict, HubError, NotFound
from server.queue import Queue, call_order
from server.tickets import CounterState, Status

WIB = ZoneInfo("Asia/Jakarta")
PIN = "scrypt$16384$8$1$B1Mf2cXIZI1NW2Ar8Nr6zQ==$E3jaOAQxCztJJJQD0NaDrgmC1u8oyWZ3j4WToTvf8IM="
DAY = "2026-03-02"
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)


def site(*, cap: int = 3, quota: int | None = None) -> dict:
    services = [
        {"code": "A", "name": "Perekaman KTP-el", "open": "08:00", "close": "15:00"},
        {"code": "B", "name": "Kartu Keluarga"},
        {"code": "C", "name": "Pajak Bumi dan Bangunan"},
    ]
    if quota is not None:
        services[0]["daily_quota"] = quota
    return {
        "site": {"name": "MPP Uji", "timezone": "Asia/Jakarta", "max_consecutive_priority": cap},
        "services": services,
        "counters": [
            {"id": "1", "name": "Loket 1", "services": ["A", "B"]},
            {"id": "2", "name": "Loket 2", "services": ["B"]},
            {"id": "3", "name": "Loket 3", "services": ["C"]},
        ],
        "officers": [{"username": "koordinator", "name": "Koordinator", "pin_hash": PIN}],
    }


def make_queue(**kwargs) -> Queue:
    return Queue(parse_config(site(**kwargs)), DAY)


class Clock:
    """Minutes after 09:00 WIB on DAY, one per operation unless told otherwise."""

    def __init__(self, start: datetime = NINE) -> None:
        self.now = start

    def tick(self, minutes: float = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


def apply(queue: Queue, change):
    queue.apply(change)
    return change.result


def issue(queue: Queue, clock: Clock, service: str = "A", priority: bool = False):
    return apply(queue, queue.issue(service, priority, clock.tick(), token=f"tok-{queue.next_id}"))


def call(queue: Queue, clock: Clock, counter: str = "1"):
    return apply(queue, queue.call_next(counter, clock.tick()))


def test_numbers_are_prefix_and_three_digits_per_service():
    """Numbers are the service prefix plus three digits, counted separately per service."""
    q, clock = make_queue(), Clock()
    numbers = [issue(q, clock, s).number for s in ("A", "A", "B", "A", "B", "C")]
    assert numbers == ["A001", "A002", "B001", "A003", "B002", "C001"]
    assert q.stats["A"].issued == 3


def test_change_is_not_applied_until_apply():
    """Operations only describe a change: the queue is untouched until apply()."""
    q = make_queue()
    change = q.issue("A", False, NINE, token="t")
    assert change.result.number == "A001" and change.result.status is Status.WAITING
    assert [e.type for e in change.events] == ["ticket.issued"]
    assert q.open == {} and q.stats["A"].issued == 0
    q.apply(change)
    assert list(q.open) == [change.result.id]


def test_day_changes_at_17_utc_and_restarts_numbering():
    """The Jakarta day changes at 17:00 UTC: roll_day expires open tickets and numbering restarts at 001."""
    q, clock = make_queue(), Clock()
    waiting = issue(q, clock)
    called = call(q, clock)
    also_waiting = issue(q, clock)
    assert called.id == waiting.id
    assert q.roll_day(datetime(2026, 3, 2, 16, 59, 59, tzinfo=UTC)) is None
    midnight = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    change = q.roll_day(midnight)
    assert change.day == "2026-03-03"
    assert {t.id: t.status for t in change.tickets} == {called.id: Status.EXPIRED, also_waiting.id: Status.EXPIRED}
    assert all(t.finished_at == midnight for t in change.tickets)
    assert [(e.type, e.day, e.expired) for e in change.events] == [("day.started", "2026-03-03", 2)]
    q.apply(change)
    assert q.day == "2026-03-03" and q.open == {}
    assert q.desks["1"].current is None and q.desks["1"].state is CounterState.CLOSED
    fresh = apply(q, q.issue("A", False, datetime(2026, 3, 3, 8, 0, tzinfo=WIB), token="x"))
    assert fresh.number == "A001" and fresh.day == "2026-03-03"
    assert fresh.id > also_waiting.id


def test_priority_is_called_first():
    """A priority ticket is called before regular tickets that arrived earlier."""
    q, clock = make_queue(), Clock()
    issue(q, clock)
    issue(q, clock)
    vip = issue(q, clock, priority=True)
    assert call(q, clock).id == vip.id


def test_priority_cap_lets_a_regular_through():
    """After `max_consecutive_priority` priority calls in a row, a waiting regular ticket goes next."""
    q, clock = make_queue(cap=2), Clock()
    regular = issue(q, clock)
    prio = [issue(q, clock, priority=True) for _ in range(4)]
    order = [call(q, clock).id for _ in range(5)]
    assert order == [prio[0].id, prio[1].id, regular.id, prio[2].id, prio[3].id]
    assert call(q, clock) is None


def test_priority_cap_does_not_hold_back_priority_when_no_regular_waits():
    """With no regular ticket waiting, priority tickets keep being called beyond the cap."""
    q, clock = make_queue(cap=1), Clock()
    prio = [issue(q, clock, priority=True) for _ in range(3)]
    assert [call(q, clock).id for _ in range(3)] == [t.id for t in prio]


def test_earliest_arrival_across_the_counters_services():
    """Among regular tickets of a counter's services, the earliest arrival is called first."""
    q, clock = make_queue(), Clock()
    b = issue(q, clock, "B")
    a = issue(q, clock, "A")
    c = issue(q, clock, "C")
    assert [call(q, clock, "1").id, call(q, clock, "1").id] == [b.id, a.id]
    assert call(q, clock, "1") is None
    assert call(q, clock, "3").id == c.id


def test_call_next_finishes_the_current_ticket():
    """Calling next while a ticket is at the counter marks that ticket done; one event says both."""
    q, clock = make_queue(), Clock()
    first, second = issue(q, clock), issue(q, clock)
    call(q, clock)
    change = q.call_next("1", clock.tick())
    [event] = change.events
    assert event.type == "ticket.called" and event.ticket.id == second.id and event.finished.id == first.id
    assert (event.counter.id, event.counter.state, event.counter.served) == ("1", CounterState.OPEN, 1)
    assert [(s.code, s.waiting, s.estimated_wait) for s in event.services] == [("A", 0, 0)]
    done = next(t for t in change.tickets if t.id == first.id)
    assert done.status is Status.DONE and done.finished_at == clock.now
    q.apply(change)
    assert change.result.id == second.id and change.result.status is Status.CALLED
    assert q.desks["1"].served == 1 and q.current("1").id == second.id
    assert first.id not in q.open


def test_call_next_with_nothing_waiting_returns_none_and_opens_counter():
    """An empty queue answers None, still opens the counter and finishes its current ticket."""
    q, clock = make_queue(), Clock()
    assert q.desks["1"].state is CounterState.CLOSED
    issue(q, clock)
    call(q, clock)
    change = q.call_next("1", clock.tick())
    assert change.result is None
    [event] = change.events
    assert event.type == "ticket.done" and event.ticket.status is Status.DONE and event.counter.served == 1
    q.apply(change)
    assert q.desks["1"].state is CounterState.OPEN and q.current("1") is None
    [opened] = make_queue().call_next("2", clock.tick()).events  # nothing at the desk, nobody waiting
    assert opened.type == "counter.updated" and opened.counter.state is CounterState.OPEN
    assert opened.counter.ticket is None and opened.services == []  # no estimate moved: none known yet


def test_recall_increments_calls():
    """Recall re-announces the current ticket and counts the call."""
    q, clock = make_queue(), Clock()
    issue(q, clock)
    called = call(q, clock)
    assert called.calls == 1
    change = q.recall("1", clock.tick())
    assert [e.type for e in change.events] == ["ticket.recalled"]
    assert apply(q, change).calls == 2
    assert apply(q, q.recall("1", clock.tick())).calls == 3
    assert q.current("1").status is Status.CALLED


def test_skip_and_done_finish_the_ticket():
    """Skip marks the ticket skipped (tidak hadir); done marks it done and counts it served."""
    q, clock = make_queue(), Clock()
    issue(q, clock)
    issue(q, clock)
    call(q, clock)
    skipped = apply(q, q.skip("1", clock.tick()))
    assert skipped.status is Status.SKIPPED and q.desks["1"].served == 0 and q.current("1") is None
    call(q, clock)
    done = apply(q, q.done("1", clock.tick()))
    assert done.status is Status.DONE and q.desks["1"].served == 1
    assert q.stats["A"].served == 1 and q.stats["A"].average_seconds == 60


@pytest.mark.parametrize("action", ["recall", "skip", "done"])
def test_actions_need_a_current_ticket(action):
    """Recall, skip and done without a ticket at the counter are a 409 conflict."""
    q = make_queue()
    with pytest.raises(Conflict) as caught:
        getattr(q, action)("1", NINE)
    assert caught.value.code == "no_current_ticket" and caught.value.status == 409
    assert "Loket 1" in caught.value.message


def test_transfer_keeps_number_and_arrival_and_goes_ahead_of_later_arrivals():
    """A transferred ticket keeps its number and arrival, so it is called before later arrivals there."""
    q, clock = make_queue(), Clock()
    a = issue(q, clock, "A")
    later_b = issue(q, clock, "B")
    call(q, clock, "1")
    change = q.transfer("1", "B", clock.tick())
    [event] = change.events
    assert event.type == "ticket.transferred" and event.counter.served == 1
    assert [(s.code, s.waiting) for s in event.services] == [("B", 2)]  # A's line did not move: A001 was called
    moved = apply(q, change)
    assert (moved.number, moved.service, moved.status) == ("A001", "B", Status.WAITING)
    assert moved.arrived_at == a.arrived_at and moved.origin == a.id and moved.id != a.id
    assert moved.token == a.token
    left = next(t for t in change.tickets if t.id == a.id)
    assert left.status is Status.TRANSFERRED and a.id not in q.open
    assert q.current("1") is None
    assert q.ahead(moved) == 0 and q.ahead(q.open[later_b.id]) == 1
    assert call(q, clock, "2").id == moved.id
    assert q.stats["B"].issued == 1  # a transfer is not a new number


def test_transfer_errors():
    """Transfer to the same or an unknown service is refused with a clear error."""
    q, clock = make_queue(), Clock()
    issue(q, clock)
    call(q, clock)
    with pytest.raises(HubError) as same:
        q.transfer("1", "A", clock.tick())
    assert same.value.code == "same_service" and "A001" in same.value.message
    with pytest.raises(NotFound) as unknown:
        q.transfer("1", "Z", clock.tick())
    assert unknown.value.code == "unknown_service" and unknown.value.status == 404


def test_no_ticket_goes_to_a_service_no_counter_calls():
    """A service listed at no counter: the kiosk's ticket is 409 service_unstaffed, a transfer into it too (the
    ticket would wait for nobody), in words for the citizen and for the officer; the ticket stays at the desk."""
    raw = site()
    raw["services"].append({"code": "D", "name": "Legalisir Akta"})
    q, clock = Queue(parse_config(raw), DAY), Clock()
    with pytest.raises(Conflict) as issued:
        q.issue("D", False, clock.tick(), "t")
    assert issued.value.code == "service_unstaffed" and "petugas informasi" in issued.value.message
    ticket = issue(q, clock)
    call(q, clock)
    with pytest.raises(Conflict) as moved:
        q.transfer("1", "D", clock.tick())
    assert moved.value.code == "service_unstaffed"
    assert moved.value.message == ("Layanan Legalisir Akta belum dilayani di loket mana pun: nomor yang dialihkan "
                                   "ke sana tidak dapat dipanggil. Pilih layanan lain.")
    assert q.current("1").id == ticket.id


def test_pause_blocks_calls_until_resume():
    """A paused counter gets no calls (409 counter_paused) until it resumes."""
    q, clock = make_queue(), Clock()
    ticket = issue(q, clock)
    desk = apply(q, q.pause("1", clock.tick()))
    assert desk.state is CounterState.PAUSED
    with pytest.raises(Conflict) as caught:
        q.call_next("1", clock.tick())
    assert caught.value.code == "counter_paused" and "istirahat" in caught.value.message
    assert q.open[ticket.id].status is Status.WAITING
    apply(q, q.resume("1", clock.tick()))
    assert call(q, clock).id == ticket.id


def test_close_refused_while_serving():
    """A counter cannot be closed while a ticket is at it."""
    q, clock = make_queue(), Clock()
    issue(q, clock)
    call(q, clock)
    with pytest.raises(Conflict) as caught:
        q.close("1", clock.tick())
    assert caught.value.code == "counter_busy" and "A001" in caught.value.message
    apply(q, q.done("1", clock.tick()))
    assert apply(q, q.close("1", clock.tick())).state is CounterState.CLOSED


def test_unknown_counter_and_service():
    """Unknown counters and services are 404 errors with Indonesian messages."""
    q = make_queue()
    with pytest.raises(NotFound) as counter:
        q.call_next("99", NINE)
    assert counter.value.code == "unknown_counter" and "Loket" in counter.value.message
    with pytest.raises(NotFound) as service:
        q.issue("Z", False, NINE, token="t")
    assert service.value.code == "unknown_service" and "Layanan" in service.value.message


def test_daily_quota_refuses_with_indonesian_message():
    """Once the daily quota is used up, issuing is a 409 quota_reached in Indonesian."""
    q, clock = make_queue(quota=2), Clock()
    issue(q, clock)
    issue(q, clock)
    with pytest.raises(Conflict) as caught:
        issue(q, clock)
    assert caught.value.code == "quota_reached"
    assert caught.value.message.startswith("Kuota harian layanan Perekaman KTP-el (2 nomor) sudah habis.")
    assert issue(q, clock, "B").number == "B001"


def test_quota_resets_the_next_day():
    """The quota counts one local day: after roll_day, numbers are handed out again."""
    q, clock = make_queue(quota=1), Clock()
    issue(q, clock)
    tomorrow = datetime(2026, 3, 3, 9, 0, tzinfo=WIB)
    q.apply(q.roll_day(tomorrow))
    assert apply(q, q.issue("A", False, tomorrow, token="t")).number == "A001"


def test_opening_hours_use_local_time():
    """Hours are checked in the site's time zone; messages give the local time as 08.00/15.00 WIB."""
    q = make_queue()
    before = datetime(2026, 3, 2, 0, 59, tzinfo=UTC)  # 07:59 WIB
    with pytest.raises(Conflict) as early:
        q.issue("A", False, before, token="t")
    assert early.value.code == "service_not_open"
    assert early.value.message == (
        "Layanan Perekaman KTP-el belum dibuka. Pengambilan nomor mulai pukul 08.00 WIB."
    )
    assert q.issue("A", False, datetime(2026, 3, 2, 1, 0, tzinfo=UTC), token="t").result.number == "A001"
    assert q.issue("A", False, datetime(2026, 3, 2, 7, 59, tzinfo=UTC), token="t").result is not None
    with pytest.raises(Conflict) as late:
        q.issue("A", False, datetime(2026, 3, 2, 8, 0, tzinfo=UTC), token="t")  # 15:00 WIB
    assert late.value.code == "service_closed" and late.value.status == 409
    assert "sudah ditutup pukul 15.00 WIB" in late.value.message
    assert q.issue("B", False, datetime(2026, 3, 2, 8, 0, tzinfo=UTC), token="t").result.number == "B001"


def test_ahead_counts_tickets_called_before():
    """ahead() counts the tickets the counter calls first (priority first), those of its other services
    included: Loket 1 is the only counter for A and also calls B001, which arrived before A004."""
    q, clock = make_queue(), Clock()
    a1, a2 = issue(q, clock), issue(q, clock)
    issue(q, clock, "B")
    vip = issue(q, clock, priority=True)
    a4 = issue(q, clock)
    assert [q.ahead(t) for t in (vip, a1, a2, a4)] == [0, 1, 2, 4]
    call(q, clock)
    assert q.ahead(q.open[a4.id]) == 3
    assert q.ahead(q.open[vip.id]) == 0  # called: nobody ahead any more


def test_queue_rebuilt_from_stored_state_continues():
    """A Queue built from loaded tickets and stats continues ids, numbers and the current ticket."""
    q, clock = make_queue(), Clock()
    for _ in range(3):
        issue(q, clock)
    call(q, clock)
    rebuilt = Queue(q.config, DAY, list(q.open.values()), list(q.desks.values()), next_id=q.next_id, stats=q.stats)
    assert rebuilt.current("1").number == "A001"
    assert issue(rebuilt, clock).number == "A004"
    assert [t.number for t in rebuilt.waiting(["A"])] == ["A002", "A003", "A004"]


def one_counter_queue(cap: int, services: list[str]) -> Queue:
    config = site(cap=cap)
    config["counters"] = [{"id": "1", "name": "Loket 1", "services": services}]
    return Queue(parse_config(config), DAY)


def test_ahead_follows_the_priority_cap_of_issue_9():
    """A001 (regular) then five priority tickets, cap 2: A001 is called third, so 2 are ahead, not 5;
    four priority tickets then a regular one: 2 ahead (called third), not 4."""
    for first_regular, expected_order in ((True, ["A002", "A003", "A001", "A004"]),
                                          (False, ["A001", "A002", "A005", "A003"])):
        q, clock = one_counter_queue(2, ["A"]), Clock()
        kinds = [False] + [True] * 5 if first_regular else [True] * 4 + [False]
        tickets = [issue(q, clock, "A", priority=p) for p in kinds]
        regular = next(t for t in tickets if not t.priority)
        assert q.ahead(q.open[regular.id]) == 2
        assert [call(q, clock).number for _ in range(4)] == expected_order


def test_the_wait_estimate_uses_the_same_count():
    """estimated_wait is ahead × the average service time: 2 ahead at 5 minutes each is 10 minutes."""
    q, clock = one_counter_queue(2, ["A"]), Clock()
    issue(q, clock, "A")
    call(q, clock)
    apply(q, q.done("1", clock.tick(5)))
    regular = issue(q, clock, "A")
    for _ in range(5):
        issue(q, clock, "A", priority=True)
    ahead = q.ahead(q.open[regular.id])
    assert ahead == 2 and q.estimated_wait("A", ahead) == 600


OPS = st.lists(
    st.one_of(st.tuples(st.just("issue"), st.sampled_from("AB"), st.booleans()), st.just(("call",))),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(cap=st.integers(1, 4), services=st.sampled_from([["A"], ["A", "B"]]), before=OPS, after=OPS)
def test_ahead_is_the_place_call_next_gives_at_a_single_counter(cap, services, before, after):
    """For any mix of regular and priority tickets, calls already made (any streak) and then more
    tickets: each waiting ticket's ahead is exactly how many call-next picks before it at one counter."""
    q, clock = one_counter_queue(cap, services), Clock()
    for op in before + after:
        if op[0] == "call":
            call(q, clock)
        elif op[1] in services:
            issue(q, clock, op[1], priority=op[2])
    told = {t.id: q.ahead(t) for t in q.waiting()}
    order = []
    while (called := call(q, clock)) is not None:
        order.append(called.id)
    assert {ticket_id: order.index(ticket_id) for ticket_id in told} == told
    assert len(order) == len(told)


def test_call_order_is_what_call_next_does_from_any_streak():
    """call_order yields call-next's picks and the streak after each: the cap resets on a regular call
    and does not count while no regular ticket waits."""
    q, clock = one_counter_queue(2, ["A"]), Clock()
    tickets = [issue(q, clock, "A", priority=p) for p in (True, True, True, False, True)]
    order = [(t.number, streak) for t, streak in call_order(tickets, 1, 2)]
    assert order == [("A001", 2), ("A004", 0), ("A002", 0), ("A003", 0), ("A005", 0)]


def skipped_a001(q: Queue, clock: Clock):
    """A001 called at Loket 1 and skipped (tidak hadir); A002 and A003 wait."""
    a1 = issue(q, clock)
    issue(q, clock)
    issue(q, clock)
    call(q, clock)
    apply(q, q.skip("1", clock.tick(), officer="budi"))
    return a1


def test_a_skipped_ticket_called_back_is_announced_like_any_call():
    """Calling a skipped ticket finishes the one at the desk and calls it (ticket.called, a further announcement);
    it leaves the skipped list and its holder follows it again."""
    q, clock = make_queue(), Clock()
    a1 = skipped_a001(q, clock)
    assert [t.number for t in q.skipped_for("1")] == ["A001"] and q.live_by_token(a1.token).status is Status.SKIPPED
    a2 = call(q, clock)
    change = q.call_skipped("1", clock.tick(), a1.id, officer="budi")
    [event] = change.events  # one call, which names the ticket it finished
    assert (event.type, event.ticket.id, event.finished.id, event.ticket.calls) == ("ticket.called", a1.id, a2.id, 2)
    back = apply(q, change)
    assert (back.id, back.status, back.counter, back.calls) == (a1.id, Status.CALLED, "1", 2)
    assert q.current("1").id == a1.id and q.skipped_for("1") == [] and q.live(a2.id) is None
    assert q.live_by_token(a1.token).status is Status.CALLED
    assert [(h.ticket_id, h.action, h.officer) for h in change.history] == [
        (a2.id, "done", "budi"), (a1.id, "called", "budi")]
    assert q.stats["A"].issued == 3  # a number called back is not a new number


def test_a_reinstated_ticket_goes_back_to_its_original_place():
    """Reinstating puts a skipped ticket back into the waiting line by its original arrival: it comes before
    the tickets that arrived after it, and call-next picks it first."""
    q, clock = make_queue(), Clock()
    a1 = skipped_a001(q, clock)
    change = q.reinstate("1", clock.tick(), a1.id, officer="budi")
    back = apply(q, change)
    assert [e.type for e in change.events] == ["ticket.reinstated"]
    assert [(s.code, s.waiting, s.priority_waiting) for s in change.events[0].services] == [("A", 3, 0)]
    assert (back.status, back.counter, back.arrived_at) == (Status.WAITING, None, a1.arrived_at)
    assert q.ahead(back) == 0 and [t.number for t in q.line("1")] == ["A001", "A002", "A003"]
    assert call(q, clock).id == a1.id and q.stats["A"].issued == 3
    assert [h.action for h in change.history] == ["reinstated"] and change.history[0].counter == "1"


def test_bringing_back_refuses_what_is_not_todays_skipped_ticket_of_the_counter():
    """409 with a reason for a waiting, called, done or other-service ticket, 409 for another day's ticket,
    404 for an unknown id, and 409 counter_paused for a call during a break; nothing changes."""
    q, clock = make_queue(), Clock()
    a1 = skipped_a001(q, clock)
    a2 = call(q, clock)
    a3 = q.waiting(["A"])[0]
    cases = [(a3.id, None, "ticket_not_skipped", "A003 masih menunggu dipanggil, bukan nomor terlewat"),
             (a2.id, None, "ticket_not_skipped", "A002 sedang dipanggil di Loket 1"),
             (999, None, "unknown_ticket", "tidak ditemukan"),
             (7, a1.with_(id=7, day="2026-03-01"), "ticket_other_day", "tanggal 01-03-2026, bukan hari ini")]
    for action in ("call_skipped", "reinstate"):
        for ticket_id, stored, code, text in cases:
            with pytest.raises(HubError) as caught:
                getattr(q, action)("1", clock.tick(), ticket_id, stored=stored)
            assert caught.value.code == code and text in caught.value.message, caught.value.message
            assert caught.value.status == (404 if code == "unknown_ticket" else 409)
        with pytest.raises(Conflict) as other:
            getattr(q, action)("3", clock.tick(), a1.id)
        assert other.value.code == "ticket_other_service"
        assert other.value.message == "Nomor A001 adalah nomor layanan Perekaman KTP-el, yang tidak dilayani Loket 3."
    finished = apply(q, q.done("1", clock.tick()))  # no longer live: the hall passes the stored row
    with pytest.raises(Conflict) as done:
        q.reinstate("1", clock.tick(), a2.id, stored=finished)
    assert done.value.code == "ticket_not_skipped" and "sudah selesai dilayani" in done.value.message
    apply(q, q.pause("1", clock.tick()))
    with pytest.raises(Conflict) as paused:
        q.call_skipped("1", clock.tick(), a1.id)
    assert paused.value.code == "counter_paused"
    assert apply(q, q.reinstate("1", clock.tick(), a1.id)).status is Status.WAITING  # reinstating needs no call


def test_skipped_tickets_are_forgotten_with_their_day():
    """The next day starts with no skipped tickets: yesterday's no-shows cannot be called back."""
    q, clock = make_queue(), Clock()
    a1 = skipped_a001(q, clock)
    q.apply(q.roll_day(datetime(2026, 3, 3, 9, 0, tzinfo=WIB)))
    assert q.skipped == {} and q.live_by_token(a1.token) is None
    with pytest.raises(Conflict) as caught:
        q.call_skipped("1", datetime(2026, 3, 3, 9, 1, tzinfo=WIB), a1.id, stored=a1.with_(status=Status.SKIPPED))
    assert caught.value.code == "ticket_other_day"


def test_every_operation_writes_history_with_its_officer():
    """issue, call, recall, skip, reinstate, call, transfer, done and the day's end each add one history row
    with the counter and the acting officer."""
    q, clock = make_queue(), Clock()
    rows = []

    def run(change):
        rows.extend((h.ticket_id, str(h.action), h.service, h.counter, h.officer) for h in change.history)
        return apply(q, change)

    a1 = run(q.issue("A", False, clock.tick(), token="t1"))
    run(q.call_next("1", clock.tick(), officer="budi"))
    run(q.recall("1", clock.tick(), officer="budi"))
    run(q.skip("1", clock.tick(), officer="budi"))
    run(q.reinstate("1", clock.tick(), a1.id, officer="koordinator"))
    run(q.call_next("1", clock.tick(), officer="budi"))
    moved = run(q.transfer("1", "B", clock.tick(), officer="budi"))
    run(q.call_next("2", clock.tick(), officer="sari"))
    run(q.done("2", clock.tick(), officer="sari"))
    b1 = run(q.issue("B", False, clock.tick(), token="t2"))
    assert q.desks["2"].officer == "sari" and q.desks["1"].officer == "budi"
    run(q.roll_day(datetime(2026, 3, 3, 9, 0, tzinfo=WIB)))
    assert rows == [
        (a1.id, "issued", "A", None, None), (a1.id, "called", "A", "1", "budi"), (a1.id, "recalled", "A", "1", "budi"),
        (a1.id, "skipped", "A", "1", "budi"), (a1.id, "reinstated", "A", "1", "koordinator"),
        (a1.id, "called", "A", "1", "budi"), (a1.id, "transferred", "A", "1", "budi"),
        (moved.id, "called", "B", "2", "sari"), (moved.id, "done", "B", "2", "sari"),
        (b1.id, "issued", "B", None, None), (b1.id, "expired", "B", None, None),
    ]

"""How often one device may do something: a token bucket per network address.

Tickets: a kiosk at the morning rush issues one ticket every 15 s or so and never notices the
limit; a script on a phone looping over POST /api/tickets cannot use up a service's daily quota in
a second. A registered kiosk (server/devices.py, `X-Device-Token`) is not counted at all.
Pairing codes: guessing a six-digit code one try after another is too slow to matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from config.site import Site
from server.errors import HubError

PAIRING_PER_MINUTE = 10  # pairing-code tries per address per minute, after a burst of as many


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class AddressLimiter:
    """`per_minute` after a burst of `burst`, per address. `rate()` gives (per_minute, burst), read at
    every take so a changed limit applies at once (0 per minute: no limit); `refusal(wait)` is the
    429 error for a wait of `wait` seconds."""

    def __init__(self, rate: Callable[[], tuple[int, int]], refusal: Callable[[int], HubError]) -> None:
        self.rate = rate
        self.refusal = refusal
        self._buckets: dict[str, _Bucket] = {}

    def take(self, address: str, now: datetime) -> None:
        """Use one of `address`'s allowance, or refuse with 429."""
        per_minute, burst = self.rate()
        if not per_minute:
            return
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = _Bucket(burst, now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        bucket.tokens = min(burst, bucket.tokens + elapsed * per_minute / 60)
        bucket.at = now
        if bucket.tokens < 1:
            raise self.refusal(int((1 - bucket.tokens) * 60 / per_minute) + 1)
        bucket.tokens -= 1
        if len(self._buckets) > 10_000:  # forget idle devices; full buckets carry no information
            self._buckets = {a: b for a, b in self._buckets.items() if b.tokens < burst}


def ticket_allowance(site: Callable[[], Site]) -> AddressLimiter:
    """`[site] tickets_per_minute` after a burst of `tickets_burst`; `site()` gives the running `[site]`."""
    return AddressLimiter(lambda: (site().tickets_per_minute, site().tickets_burst), lambda wait: HubError(
        "too_many_tickets",
        f"Terlalu banyak nomor antrian diambil dari perangkat ini. Silakan coba lagi dalam {wait} detik.",
        status=429, retry_after=wait))


def pairing_allowance() -> AddressLimiter:
    """PAIRING_PER_MINUTE tries of a pairing code per address per minute."""
    return AddressLimiter(lambda: (PAIRING_PER_MINUTE, PAIRING_PER_MINUTE), lambda wait: HubError(
        "too_many_attempts", f"Terlalu banyak kode pemasangan yang salah. Silakan coba lagi dalam {wait} detik.",
        status=429, retry_after=wait))

"""How many tickets one device may take: a token bucket per network address.

A kiosk at the morning rush issues one ticket every 15 s or so and never
notices the limit; a script on a phone looping over POST /api/tickets cannot
use up a service's daily quota in a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from config.site import Site
from server.errors import HubError


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class AddressLimiter:
    """`[site] tickets_per_minute` after a burst of `tickets_burst`, per address; `site()` gives the
    running `[site]` section, read at every ticket so a changed limit applies at once."""

    def __init__(self, site: Callable[[], Site]) -> None:
        self.site = site
        self._buckets: dict[str, _Bucket] = {}

    def take(self, address: str, now: datetime) -> None:
        """Use one ticket of `address`'s allowance, or refuse with 429."""
        site = self.site()
        per_minute, burst = site.tickets_per_minute, site.tickets_burst  # 0 per minute: no limit
        if not per_minute:
            return
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = _Bucket(burst, now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        bucket.tokens = min(burst, bucket.tokens + elapsed * per_minute / 60)
        bucket.at = now
        if bucket.tokens < 1:
            wait = int((1 - bucket.tokens) * 60 / per_minute) + 1
            raise HubError(
                "too_many_tickets",
                f"Terlalu banyak nomor antrian diambil dari perangkat ini. Silakan coba lagi dalam {wait} detik.",
                status=429, retry_after=wait,
            )
        bucket.tokens -= 1
        if len(self._buckets) > 10_000:  # forget idle devices; full buckets carry no information
            self._buckets = {a: b for a, b in self._buckets.items() if b.tokens < burst}

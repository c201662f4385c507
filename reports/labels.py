"""What a report's keys are called and in which order its rows come, from the site configuration.

Names come from the running configuration; a key it no longer has (a service removed
since) is shown by its code, after the known ones.
"""

from __future__ import annotations

from datetime import date

from config.site import Service, SiteConfig
from server.opening import long_date

BY = ("service", "agency", "counter", "officer", "day", "hour")
NO_AGENCY = "Tanpa instansi"
UNRECORDED = {"counter": "Loket tidak tercatat", "officer": "Petugas tidak tercatat"}
TOTAL = "Jumlah"
DEFAULT_TARGET_MINUTES: int = Service.model_fields["target_wait_minutes"].default


def hour_key(hour: int) -> str:
    return f"{hour:02d}"


def hour_label(hour: int) -> str:
    """'08.00–09.00' (Indonesian writes the time with a dot)."""
    return f"{hour:02d}.00–{(hour + 1) % 24:02d}.00"


class Labels:
    """Labels and row order of each breakdown under one configuration."""

    def __init__(self, config: SiteConfig) -> None:
        self.services = {code: s.name for code, s in config.services.items()}
        self.agency_of = {code: s.agency for code, s in config.services.items()}
        self.agencies = {code: a.name for code, a in config.agencies.items()}
        self.counters = {cid: c.name for cid, c in config.counters.items()}
        self.officers = {o.username: o.name for o in config.officers.values()}
        self.targets = {code: s.target_wait_minutes * 60 for code, s in config.services.items()}
        self._index = {
            "service": {k: i for i, k in enumerate(self.services)},
            "agency": {k: i for i, k in enumerate(self.agencies)},
            "counter": {k: i for i, k in enumerate(self.counters)},
        }

    def label(self, by: str, key: str | None) -> str:
        """The row's label: a name from the configuration, a date, an hour."""
        if by == "service":
            return self.services.get(key, key)
        if by == "agency":
            return NO_AGENCY if key is None else self.agencies.get(key, key)
        if by == "counter" or by == "officer":
            if key is None:
                return UNRECORDED[by]
            return (self.counters if by == "counter" else self.officers).get(key, key)
        if by == "day":
            return long_date(date.fromisoformat(key))
        return hour_label(int(key))

    def order(self, by: str, key: str | None) -> tuple:
        """Sort key of a row: configuration order for services, agencies and counters (unknown keys after them,
        then the unrecorded one); officers by name; days and hours in time order."""
        if key is None:
            return (2, "")
        if by in self._index:
            index = self._index[by].get(key)
            return (0, index, "") if index is not None else (1, 0, key)
        if by == "officer":
            return (0, self.officers.get(key, key).casefold(), key)
        return (0, key)

    def target(self, service: str) -> int:
        """The service's wait target in seconds (`target_wait_minutes`; its default for a removed service)."""
        return self.targets.get(service, DEFAULT_TARGET_MINUTES * 60)

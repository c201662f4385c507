"""The hall's latest IKM in the TVs' running text (`[survey] display_ikm`).

PermenPANRB No. 14 Tahun 2017 asks each unit to publish its survey's result. With the option
on, the TVs' running text ends with the IKM of the whole hall for the last complete calendar
month that has responses (looking back at most a year), e.g. "Indeks Kepuasan Masyarakat
(IKM) MPP Among Warga bulan Februari 2026: 87,45 (mutu B: Baik) dari 412 responden. Terima
kasih atas penilaian Anda."

The sentence is worked out at start, at the start of each day (a new month brings a new
result; late answers to last month's tickets count from the next day) and after a
configuration change; the option itself is read at each snapshot, so switching it on or off
in the admin console reaches the TVs with that change's fresh snapshot. A new sentence while
the option is on sends every page a fresh snapshot, at most once a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from config.site import SiteConfig
from survey.ikm import index_of
from survey.storage import Responses, Scope
from survey.workbook import MONTHS

log = logging.getLogger("mpp.survey")

LOOK_BACK_MONTHS = 12


def month_before(day: date) -> tuple[date, date]:
    """The first and last day of the calendar month before `day`'s."""
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def sentence(site_name: str, month: date, ikm: str, mutu: str, kinerja: str, respondents: int) -> str:
    """The running text's words for one month's IKM (`ikm` already written with a decimal comma)."""
    return (f"Indeks Kepuasan Masyarakat (IKM) {site_name} bulan {MONTHS[month.month - 1]} {month.year}: {ikm} "
            f"(mutu {mutu}: {kinerja}) dari {respondents} responden. Terima kasih atas penilaian Anda.")


class Publication:
    """The latest IKM sentence, kept ready for the snapshots (`running_text`, a Hall.running_texts part)."""

    def __init__(self, responses: Responses, config: Callable[[], SiteConfig], clock: Callable[[], datetime],
                 republish: Callable[[], object]) -> None:
        self.responses = responses
        self.config = config
        self.clock = clock
        self.republish = republish  # awaitable: every page gets a fresh snapshot
        self.text: str | None = None

    def running_text(self, config: SiteConfig) -> str | None:
        return self.text if config.survey.display_ikm else None

    async def latest(self) -> str | None:
        """The sentence of the last complete month with responses, or None."""
        config = self.config()
        today = self.clock().astimezone(config.site.tz).date()
        for _ in range(LOOK_BACK_MONTHS):
            first, last = month_before(today)
            totals = await self.responses.totals(Scope(first.isoformat(), last.isoformat()))
            if totals.respondents:
                index = index_of(totals.sums, totals.respondents)
                ikm = f"{index.ikm:.2f}".replace(".", ",")
                return sentence(config.site.name, first, ikm, index.mutu, index.kinerja, totals.respondents)
            today = first
        return None

    async def refresh(self) -> None:
        """Work the sentence out again; when it changed and the TVs show it, send every page a fresh snapshot."""
        try:
            text = await self.latest()
        except Exception:
            log.exception("could not work out the latest IKM for the running text")
            return
        if text != self.text:
            self.text = text
            if self.config().survey.display_ikm:
                await self.republish()
